"""Run by tests/e2e/test_autosave_kill.py in a subprocess, as a worker's laptop would run.

``type TEXT``: unlock the real window, start a contact note for the first person, type TEXT
with real key events, print TYPED, and keep running until killed.
``drafts``: print the drafts held in the data folder as JSON.
"""

from __future__ import annotations

import json
import os
import sys

from restart_desktop.paths import DataPaths, resolve_data_dir


def _type(text: str) -> int:
    from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from restart_desktop.app.case_views import CaseFields
    from restart_desktop.app.cases import CaseService
    from restart_desktop.ui.application import MainWindow

    app = QApplication(sys.argv[:1])
    window = MainWindow(DataPaths(resolve_data_dir()))
    window.show()

    def wait(predicate: object) -> None:
        loop = QEventLoop()
        while not predicate():  # type: ignore[operator]
            QTimer.singleShot(5, loop.quit)
            loop.exec()

    window.unlock_page.passphrase.setText(os.environ["RESTART_DESKTOP_PASSPHRASE"])
    QTest.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    wait(lambda: window.workspace is not None and window.runner.pending == 0)
    assert window.session is not None
    assert window.workspace is not None
    case_id = (
        CaseService(window.session)
        .create_case(CaseFields(given_name="Killy", family_name="McExample"))
        .case_id
    )
    window.workspace.new_note(case_id)
    wait(lambda: window.runner.pending == 0)
    editor = window.focusWidget()
    assert editor is not None
    for char in text:
        if char.isascii():
            QTest.keyClicks(editor, char)
        else:  # QTest only knows ASCII keys: send what a keyboard layout would, a key event
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    editor, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                )
    print("TYPED", flush=True)
    return app.exec()


def _drafts() -> int:
    from sqlalchemy import select

    from restart_desktop.app.session import unlock
    from restart_desktop.store.models import NoteDraft

    session = unlock(DataPaths(resolve_data_dir()), os.environ["RESTART_DESKTOP_PASSPHRASE"])
    try:
        with session.db.read() as s:
            print(json.dumps([d.text for d in s.scalars(select(NoteDraft))]))
    finally:
        session.close()
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "type":
        raise SystemExit(_type(sys.argv[2]))
    raise SystemExit(_drafts())
