"""What was typed in a dialog when the app locked: kept, and offered back after unlock.

The lock closes every dialog (a dialog may show personal data). Before it does, the window
reads what each one holds (``typed_state``) and keeps it in the encrypted database (the
laptop's local settings, never synced), like a note draft. A dialog run by ``run_dialog``
then waits for the unlock and asks whether to carry on: the same dialog opens again with
everything typed. If the app is closed while locked, the next unlock shows the kept text so
it can be copied (``left_over_text``).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Protocol

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

DRAFTS_SETTING = "dialog_drafts"  # local_settings key: a JSON list, encrypted with the database
CLOSED_BY_LOCK = "closed_by_lock"  # dialog property set by the lock
INITIAL_STATE = "initial_typed_state"  # dialog property: its inputs when it opened


def _inputs(dialog: QWidget) -> list[QWidget]:
    kinds = (QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QAbstractButton)
    found: list[QWidget] = []
    for widget in dialog.findChildren(QWidget):
        if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QComboBox):
            continue  # an editable combo box's own line edit
        if isinstance(widget, QAbstractButton) and not widget.isCheckable():
            continue
        if isinstance(widget, kinds):
            found.append(widget)
    return found


def typed_state(dialog: QWidget) -> dict[str, Any]:
    """Every input's value, keyed by its kind and position (the same dialog built again has
    the same inputs in the same order)."""
    state: dict[str, Any] = {}
    for n, widget in enumerate(_inputs(dialog)):
        key = f"{n}:{type(widget).__name__}"
        if isinstance(widget, QLineEdit):
            state[key] = widget.text()
        elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
            state[key] = widget.toPlainText()
        elif isinstance(widget, QComboBox):
            state[key] = widget.currentIndex()
        elif isinstance(widget, QAbstractButton):
            state[key] = widget.isChecked()
    return state


def typed_text(state: dict[str, Any]) -> list[str]:
    """The text typed (what would be lost), without the choices."""
    return [value for value in state.values() if isinstance(value, str) and value.strip()]


def remember_start(dialog: QDialog) -> None:
    """What the dialog showed when it opened (defaults are not typing)."""
    if dialog.property(INITIAL_STATE) is None:
        dialog.setProperty(INITIAL_STATE, json.dumps(typed_state(dialog)))


def keep(drafts: list[dict[str, Any]], dialog: QDialog) -> bool:
    """Add the dialog's typing to ``drafts`` when the worker typed anything in it since it
    opened (through ``run_dialog``); True when it did."""
    initial = dialog.property(INITIAL_STATE)
    if not isinstance(initial, str):
        return False
    state = typed_state(dialog)
    if state == json.loads(initial) or not typed_text(state):
        return False
    drafts.append({"title": dialog.windowTitle(), "state": state})
    dialog.setProperty(CLOSED_BY_LOCK, True)
    return True


def typed_since_start(dialog: QDialog) -> bool:
    """Text typed since the dialog opened (through ``run_dialog``): what Esc or Cancel would
    throw away. Choices and the words typed in a search box to find something are not."""
    initial = dialog.property(INITIAL_STATE)
    if not isinstance(initial, str):
        return False
    before = json.loads(initial)
    return any(
        isinstance(value, str)
        and value.strip()
        and value != before.get(key)
        and not key.endswith(":SearchBox")
        for key, value in typed_state(dialog).items()
    )


def discard_typing(dialog: QDialog) -> bool | None:
    """Esc or Cancel in a dialog with typing in it: True to throw the typing away, False to
    go back to it (the default, so a second Esc does not lose it either); None when the
    question was closed unanswered (the lock closes every dialog): the typing is offered
    again after the unlock."""
    box = QMessageBox(dialog)
    box.setWindowTitle("Discard what you typed?")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(f"What you typed in “{dialog.windowTitle()}” will be lost. Discard it?")
    discard = box.addButton("&Discard it", QMessageBox.ButtonRole.DestructiveRole)
    keep_typing = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep_typing)
    box.setEscapeButton(keep_typing)
    box.exec()
    if box.clickedButton() is None:
        dialog.setProperty(CLOSED_BY_LOCK, True)
        return None
    return box.clickedButton() is discard


def encode(drafts: list[dict[str, Any]]) -> str:
    return json.dumps(drafts)


def decode(value: str) -> list[dict[str, Any]]:
    try:
        loaded = json.loads(value or "[]")
    except ValueError:
        return []
    return [d for d in loaded if isinstance(d, dict)] if isinstance(loaded, list) else []


def left_over_text(drafts: list[dict[str, Any]]) -> str:
    """Kept typing in words, for a worker to copy (the dialogs themselves are gone)."""
    parts = []
    for draft in drafts:
        state = draft.get("state", {})
        lines = typed_text(state) if isinstance(state, dict) else []
        if lines:
            parts.append(f"{draft.get('title', 'A window')}:\n" + "\n".join(lines))
    return "\n\n".join(parts)


def wait_for_unlock_and_ask(dialog: QDialog) -> bool:
    """After the lock closed ``dialog``: wait until the window is unlocked again, then ask
    whether to carry on with what was typed. True: open the same dialog again."""
    dialog.setProperty(CLOSED_BY_LOCK, False)
    parent = dialog.parentWidget()
    window = parent.window() if parent is not None else None
    unlocked = getattr(window, "unlocked", None)
    forget = getattr(window, "forget_dialog_draft", None)
    if window is None or unlocked is None:
        return False
    if getattr(window, "is_locked", False):
        loop = QEventLoop()
        unlocked.connect(loop.quit)
        window.destroyed.connect(loop.quit)
        closing = getattr(window, "closing", None)
        if closing is not None:
            closing.connect(loop.quit)
        loop.exec()
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            unlocked.disconnect(loop.quit)
        if getattr(window, "is_locked", True):
            return False  # the app is quitting: the kept draft is offered at the next start
    if callable(forget):
        forget(dialog.windowTitle())
    box = QMessageBox(window)
    box.setWindowTitle("Carry on typing?")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(
        f"The app locked while you were typing in “{dialog.windowTitle()}”. What you typed "
        "was kept. Carry on with it?"
    )
    carry_on = box.addButton("&Carry on", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("&Discard it", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(carry_on)
    box.exec()
    return box.clickedButton() is carry_on


class _Settings(Protocol):
    def setting(self, key: str, default: str) -> str: ...
    def set_setting(self, key: str, value: str) -> None: ...


def keep_open_dialogs(session: _Settings, dialogs: list[QDialog]) -> None:
    """Before the lock closes them: the typing of each visible dialog, kept encrypted (the
    laptop's local settings in the database)."""
    kept = decode(session.setting(DRAFTS_SETTING, "[]"))
    if [d for d in dialogs if d.isVisible() and keep(kept, d)]:
        session.set_setting(DRAFTS_SETTING, encode(kept))


def forget(session: _Settings, title: str) -> None:
    kept = decode(session.setting(DRAFTS_SETTING, "[]"))
    left = [d for d in kept if d.get("title") != title]
    if len(left) != len(kept):
        session.set_setting(DRAFTS_SETTING, encode(left))


def offer_left_over(session: _Settings, parent: QWidget) -> None:
    """Typing kept from dialogs the lock closed before the app was quit: shown once, to copy,
    then forgotten."""
    kept = decode(session.setting(DRAFTS_SETTING, "[]"))
    text = left_over_text(kept)
    if kept:
        session.set_setting(DRAFTS_SETTING, "[]")
    if not text:
        return
    box = QMessageBox(parent)
    box.setWindowTitle("Typing kept from before")
    box.setIcon(QMessageBox.Icon.Information)
    box.setText(
        "The app was closed while locked, with a window open. What you had typed in "
        "it is below (Show Details): copy what you need."
    )
    box.setDetailedText(text)
    box.exec()
