"""The dialog that records a return to custody: the day, the kind (recall, remand, new
sentence) and who said so. Keyboard first: Alt+D, Alt+K, Alt+S and Enter."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.domain.custody import CustodyKind, CustodySource
from restart_desktop.ui.widgets import DateField, FieldError, buddy_label, ok_cancel


class CustodyReturnDialog(QDialog):
    """Ask for a return to custody; ``today`` fills the day (the usual case: heard today)."""

    def __init__(self, person_name: str, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Return to custody")
        self.setMinimumWidth(460)
        self.day = DateField("Day the person went back into custody")
        self.day.set_date(today)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of return to custody")
        for kind in CustodyKind:
            self.kind.addItem(kind.label, kind.value)
        self.source = QComboBox()
        self.source.setAccessibleName("Who told the team")
        for source in CustodySource:
            self.source.addItem(source.label, source.value)
        self.error = FieldError()
        form = QFormLayout()
        intro = QLabel(
            f"{person_name} went back into custody."
            if person_name
            else "The person went back into custody."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        for text, widget in (
            ("&Day:", self.day),
            ("&Kind:", self.kind),
            ("Told by (&source):", self.source),
        ):
            label = buddy_label(text, widget)
            form.addRow(label, widget)
        form.addRow(self.error)
        buttons = ok_cancel(self, "Record", self._on_accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen(self) -> tuple[dt.date | None, CustodyKind, CustodySource]:
        return (
            self.day.date_value(),
            CustodyKind(self.kind.currentData()),
            CustodySource(self.source.currentData()),
        )

    def _on_accept(self) -> None:
        try:
            day = self.day.date_value()
        except ValueError:
            day = None
        if day is None:
            self.error.show_message("Enter the day as dd/mm/yyyy.")
            self.day.setFocus()
            return
        self.accept()
