"""Small widgets shared by the forms: optional dates typed as day/month/year, field errors,
labels that move the focus to their field, and the OK/Cancel row of a dialog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QWidget

from restart_desktop.domain.clock import Clock

DATE_HINT = "dd/mm/yyyy"


class DateField(QLineEdit):
    """An optional date, typed as 27/11/2026 (or 2026-11-27). Empty means "not known".

    A QDateEdit cannot be empty, and a date that is not known must not be saved as some
    default date.
    """

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(DATE_HINT)
        self.setAccessibleName(accessible_name)
        self.setMaxLength(10)

    def set_date(self, value: dt.date | None) -> None:
        self.setText(value.strftime("%d/%m/%Y") if value else "")

    def date_value(self) -> dt.date | None:
        """The date typed, None when empty; raises ValueError with a message when unreadable."""
        text = self.text().strip()
        if not text:
            return None
        for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(f"'{text}' is not a date. Write it as day/month/year, e.g. 27/11/2026.")


class FieldError(QLabel):
    """The message under a field. Empty and hidden when the field is fine."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.setStyleSheet("color: #a00000;")
        self.hide()

    def show_message(self, message: str | None) -> None:
        self.setText(message or "")
        self.setVisible(bool(message))


class SearchBox(QLineEdit):
    """A search field whose Down arrow moves on to the results list below it.

    Signals:
        down_pressed(): the worker pressed Down.
    """

    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Not imported at the top: this module is on the start-up path, and the first use of
        # the Qt namespace costs about 15 ms (see access_pages.centred).
        from PySide6.QtCore import Qt

        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


DATETIME_HINT = "dd/mm/yyyy hh:mm"


class DateTimeField(QLineEdit):
    """An optional date and time, typed as 27/11/2026 08:35, or just 08:35 for today (at the
    gate the date goes without saying). Empty means "not known". Shown and read on the
    session's ``clock`` (its day and zone), like the records it fills in."""

    def __init__(self, accessible_name: str, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self.setPlaceholderText(f"{DATETIME_HINT}, or hh:mm for today")
        self.setAccessibleName(accessible_name)
        self.setMaxLength(16)

    def set_value(self, value: dt.datetime | None) -> None:
        """Show an instant (aware) as local time on the clock."""
        self.setText(self._clock.local_text(value))

    def value(self, today: dt.date | None = None) -> dt.datetime | None:
        """The instant typed (local wall-clock time, returned as aware UTC), None when empty;
        raises ValueError with a message otherwise."""
        text = " ".join(self.text().split())
        if not text:
            return None
        try:
            moment = dt.datetime.strptime(text.replace(".", ":"), "%H:%M")
            return self._clock.at_local(today or self._clock.today(), moment.time())
        except ValueError:
            pass
        for fmt in ("%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"):
            try:
                return self._clock.from_local(dt.datetime.strptime(text, fmt))
            except ValueError:
                continue
        raise ValueError(
            f"'{text}' is not a date and time. Write it as 27/11/2026 08:35, or 08:35 for today."
        )


def run_dialog(dialog: QWidget, back_to: QWidget) -> bool:
    """Show a modal dialog; afterwards the window and ``back_to`` have the keyboard again (a
    list worked from the keyboard carries on where it was). True when it was accepted. When
    the idle lock closes it with something typed, it is offered again after the unlock."""
    from PySide6.QtWidgets import QDialog

    from restart_desktop.ui.dialog_drafts import (
        CLOSED_BY_LOCK,
        discard_typing,
        remember_start,
        typed_since_start,
        wait_for_unlock_and_ask,
    )

    assert isinstance(dialog, QDialog)
    remember_start(dialog)
    # A dialog with its own reject() asks itself before throwing typing away.
    asks = type(dialog).reject is QDialog.reject
    while True:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        if accepted:
            break
        # Esc or Cancel with typing in it: asked first, and back to it unless discarded.
        if not dialog.property(CLOSED_BY_LOCK) and (
            not (asks and typed_since_start(dialog)) or discard_typing(dialog)
        ):
            break
        if dialog.property(CLOSED_BY_LOCK) and not wait_for_unlock_and_ask(dialog):
            break  # the lock closed it (or the question) with typing: offered after unlock
    back_to.window().activateWindow()
    back_to.setFocus()
    return accepted


def open_dialog(dialog: QDialog) -> None:
    """Show a window-modal dialog without waiting for it (its owner carries on), with
    ``run_dialog``'s care for typing: Esc or Cancel asks before throwing typing away and
    shows the dialog again unless discarded; when the lock closes it with typing in it, it
    is offered again after the unlock."""
    from PySide6.QtCore import QTimer

    from restart_desktop.ui.dialog_drafts import (
        CLOSED_BY_LOCK,
        discard_typing,
        remember_start,
        typed_since_start,
        wait_for_unlock_and_ask,
    )

    remember_start(dialog)
    asks = type(dialog).reject is QDialog.reject
    parent = dialog.parentWidget()
    window = parent.window() if parent is not None else None

    def after_unlock() -> None:
        if window is not None:
            window.unlocked.disconnect(after_unlock)  # type: ignore[attr-defined]
        if wait_for_unlock_and_ask(dialog):
            dialog.open()

    def back_to_window() -> None:
        # The keyboard goes back to the window (to the widget its owner gave the focus):
        # without a window manager's help nothing was active, and keys went nowhere.
        if window is not None:
            window.activateWindow()

    def on_finished(result: int) -> None:
        if result == QDialog.DialogCode.Accepted:
            back_to_window()
            return
        if not dialog.property(CLOSED_BY_LOCK):
            if not (asks and typed_since_start(dialog)) or discard_typing(dialog):
                back_to_window()
                return
            if not dialog.property(CLOSED_BY_LOCK):
                QTimer.singleShot(0, dialog.open)  # back to the typing
                return
        if window is not None and hasattr(window, "unlocked"):
            window.unlocked.connect(after_unlock)  # closed by the lock: offered after it

    dialog.finished.connect(on_finished)
    dialog.open()


def documents_folder() -> Path:
    """Where a document the app makes is offered first: Documents, or home without one (not
    the folder the app was started from, which may be its own, read-only, install folder)."""
    from PySide6.QtCore import QStandardPaths

    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def ask_save_path(
    back_to: QWidget, title: str, file_name: str, suffix: str, kind: str
) -> Path | None:
    """Ask where to save a document the app makes (a PDF, a picture), starting in Documents
    (or home), with ``suffix`` added when the worker left it out; None when cancelled."""
    from PySide6.QtWidgets import QFileDialog

    path, _filter = QFileDialog.getSaveFileName(
        back_to, title, str(documents_folder() / file_name), f"{kind} (*{suffix})"
    )
    back_to.window().activateWindow()
    back_to.setFocus()
    if not path:
        return None
    return Path(path if path.lower().endswith(suffix) else path + suffix)


def buddy_label(caption: str, field: QWidget) -> QLabel:
    """A label whose mnemonic (the letter after ``&``) moves the focus to ``field``."""
    label = QLabel(caption)
    label.setBuddy(field)
    return label


def ok_cancel(dialog: QDialog, ok_text: str, accept: Callable[[], None]) -> QDialogButtonBox:
    """The dialog's OK button, named for what it does, and Cancel; OK calls ``accept`` (which
    closes the dialog if all is well), Cancel rejects it."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
