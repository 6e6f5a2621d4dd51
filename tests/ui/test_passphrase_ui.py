"""Settings > Change passphrase on screen: a weak new passphrase is refused in words with
everything typed kept; a strong one changes the passphrase (the same database key, wrapped
again) and the dialog closes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.passphrase import change_passphrase
from restart_desktop.app.session import AppSession, open_key
from restart_desktop.paths import DataPaths
from restart_desktop.security.errors import WrongPassphrase
from restart_desktop.ui.passphrase_dialog import ChangePassphraseDialog
from restart_desktop.ui.tasks import TaskRunner
from tests.support.constants import PASSPHRASE, WORKER_NAME

NEW = "saffron glacier tuba pelican"


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()


def _dialog(qtbot: QtBot, session: AppSession, runner: TaskRunner) -> ChangePassphraseDialog:
    dialog = ChangePassphraseDialog(
        WORKER_NAME, lambda old, new, again: change_passphrase(session, old, new, again), runner
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill(qtbot: QtBot, dialog: ChangePassphraseDialog, old: str, new: str, again: str) -> None:
    for field, text in ((dialog.current, old), (dialog.new, new), (dialog.confirm, again)):
        field.clear()
        qtbot.keyClicks(field, text)


def test_a_weak_passphrase_is_refused_in_words_and_nothing_typed_is_lost(
    qtbot: QtBot, enrolled: AppSession, data_paths: DataPaths, runner: TaskRunner
) -> None:
    dialog = _dialog(qtbot, enrolled, runner)
    _fill(qtbot, dialog, PASSPHRASE, "restart desktop", "restart desktop")
    assert dialog.strength.value() <= 1
    assert "anyone would try first" in dialog.guidance.text()
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        qtbot.keyClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "anyone would try first" in dialog.error.text()
    assert dialog.isVisible()
    assert dialog.current.text() == PASSPHRASE
    assert open_key(data_paths, PASSPHRASE)  # unchanged


def test_a_strong_passphrase_is_changed_and_the_dialog_closes(
    qtbot: QtBot, enrolled: AppSession, data_paths: DataPaths, runner: TaskRunner
) -> None:
    key = open_key(data_paths, PASSPHRASE)
    dialog = _dialog(qtbot, enrolled, runner)
    _fill(qtbot, dialog, PASSPHRASE, NEW, NEW)
    assert dialog.strength.value() >= 3
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.Key.Key_Space)
    assert open_key(data_paths, NEW) == key
    with pytest.raises(WrongPassphrase):
        open_key(data_paths, PASSPHRASE)
