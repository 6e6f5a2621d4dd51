"""The one question before something permanent: finalising a note or an assessment. Asked
once (Enter finalises, Escape goes back to editing); "Do not ask again" turns it off on this
laptop, and Settings > Ask before finalising turns it back on."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget

from restart_desktop.app.session import AppSession


def confirm_finalise(parent: QWidget, session: AppSession, what: str, after: str) -> bool:
    """True to finalise. ``what``: "this note"; ``after``: what happens to it afterwards."""
    if not session.asks_before_finalising:
        return True
    box = QMessageBox(parent)
    box.setWindowTitle("Finalise?")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(f"Finalise {what}? Nothing can be undone after it.")
    box.setInformativeText(after)
    again = QCheckBox("&Do not ask again on this laptop")
    box.setCheckBox(again)
    finalise = box.addButton("&Finalise", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(finalise)
    box.exec()
    if box.clickedButton() is not finalise:
        return False
    if again.isChecked():
        session.set_asks_before_finalising(False)
    return True
