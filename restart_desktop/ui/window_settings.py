"""The window's Settings and Help menus: what each of their items opens (lock when idle,
central export, sync conflicts, data retention, change passphrase, team details, laptops
asking to join, asking before finalising; keyboard shortcuts, first steps, about), as
functions of the main window. Kept apart from its pages, locking and closing (ui/application.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from restart_desktop.ui.idle import IdleLockDialog
from restart_desktop.ui.tasks import user_message
from restart_desktop.ui.widgets import run_dialog

if TYPE_CHECKING:
    from restart_desktop.ui.application import MainWindow


def show_shortcuts(window: MainWindow) -> None:
    from restart_desktop.ui.help import HelpDialog, shortcuts_html

    HelpDialog("Keyboard shortcuts", shortcuts_html(window.actions()), window).exec()


def show_first_steps(window: MainWindow) -> None:
    from restart_desktop.ui.help import HelpDialog, first_steps_html

    supervisor = window.workspace is not None and window.workspace.supervisor
    HelpDialog("First steps", first_steps_html(supervisor), window).exec()


def settings_shown(window: MainWindow) -> None:
    if window.session is not None:
        window.ask_finalise_action.setChecked(window.session.asks_before_finalising)


def set_ask_finalise(window: MainWindow) -> None:
    if window.session is not None and not window.is_locked:
        window.session.set_asks_before_finalising(window.ask_finalise_action.isChecked())


def check_examples(window: MainWindow) -> None:
    """In a real data folder, name the example contacts still in use (a banner)."""
    from restart_desktop.app.team import TeamDetailsService
    from restart_desktop.ui.team_details import examples_banner_text

    session = window.session
    if session is None or session.is_demo:
        window.examples_banner.setVisible(False)
        return

    def show(found: list[str]) -> None:
        window.examples_banner.setText(examples_banner_text(found) if found else "")
        window.examples_banner.setVisible(bool(found))

    window.runner.run(TeamDetailsService(session).examples_in_use, show, lambda _e: None)


def edit_team_details(window: MainWindow) -> None:
    from restart_desktop.app.team import TeamDetailsService
    from restart_desktop.domain.case import Role
    from restart_desktop.ui.team_details import TeamDetailsDialog

    session = window.session
    if session is None or window.is_locked or window.workspace is None:
        return
    can_edit = window.workspace.supervisor or session.worker.role == Role.SUPERVISOR
    dialog = TeamDetailsDialog(
        TeamDetailsService(session), session.reference.services, window.runner, can_edit, window
    )
    if run_dialog(dialog, window.focusWidget() or window):
        window.statusBar().showMessage(
            "Team details saved: every laptop of the team has them after its next sync.", 10000
        )
        check_examples(window)


def open_retention(window: MainWindow) -> None:
    from restart_desktop.app.retention import RetentionService
    from restart_desktop.ui.retention_view import RetentionDialog

    if window.session is None or window.is_locked:
        return
    RetentionDialog(RetentionService(window.session), window.runner, window).exec()


def ask_new_passphrase(window: MainWindow) -> None:
    from restart_desktop.app.passphrase import change_passphrase
    from restart_desktop.ui.passphrase_dialog import ChangePassphraseDialog

    session = window.session
    if session is None or window.is_locked or session.is_demo:
        if session is not None and session.is_demo:
            QMessageBox.information(
                window, "Demo data", "A demo data folder keeps its demo passphrase."
            )
        return
    dialog = ChangePassphraseDialog(
        session.worker.name,
        lambda old, new, again: change_passphrase(session, old, new, again),
        window.runner,
        window,
    )
    if dialog.exec() == QDialog.DialogCode.Accepted:
        window.statusBar().showMessage(
            "The passphrase is changed: unlock with the new one from now on.", 10000
        )


def edit_idle_lock(window: MainWindow) -> None:
    session = window.session
    if session is None or window.is_locked:
        return
    dialog = IdleLockDialog(window.idle_minutes, window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    minutes = dialog.minutes.value()

    def saved(_none: None) -> None:
        window.idle_minutes = minutes
        window.idle.start(window.idle_timeout_ms())
        window.statusBar().showMessage(f"RESTART Desktop will lock after {minutes} minutes.")

    def failed(error: BaseException) -> None:
        QMessageBox.warning(window, "Not saved", user_message(error))

    window.runner.run(lambda: session.set_setting("idle_lock_minutes", str(minutes)), saved, failed)


def edit_central_export(window: MainWindow) -> None:
    if window.workspace is None or window.session is None or window.is_locked:
        return
    from restart_desktop.ui.sync_ui import ExportDialog

    assert window.workspace.sync is not None
    back_to = QApplication.focusWidget() or window.workspace
    run_dialog(
        ExportDialog(
            window.workspace.sync.service, window.runner, window.session.worker.role, window
        ),
        back_to,
    )


def settle_conflicts(window: MainWindow) -> None:
    if window.workspace is None or window.is_locked or window.workspace.sync is None:
        return
    from restart_desktop.ui.sync_ui import ConflictsDialog

    back_to = QApplication.focusWidget() or window.workspace
    dialog = ConflictsDialog(window.workspace.sync.service, window.runner, window)
    run_dialog(dialog, back_to)  # a value kept reaches the views as a change notice
    if dialog.kept:
        window.workspace.sync.sync(automatic=True)  # the choices go out; the count updates


def approve_laptops(window: MainWindow) -> None:
    """Settings > Laptops asking to join (a supervisor's): approved ones go out at a sync."""
    workspace = window.workspace
    if workspace is None or window.is_locked or workspace.sync is None:
        return
    if not workspace.manages_team:
        return
    from restart_desktop.ui.join_requests import JoinRequestsDialog

    back_to = QApplication.focusWidget() or workspace
    dialog = JoinRequestsDialog(workspace.sync.service, window.runner, window)
    run_dialog(dialog, back_to)
    if dialog.approved:  # the roster is out; the team's changes are encrypted to them next
        workspace.sync.sync(automatic=True)


def show_about(window: MainWindow) -> None:
    from restart_desktop.app.about import about
    from restart_desktop.ui.dialogs import AboutDialog

    dialog = AboutDialog(about(window.paths.root), window)
    dialog.exec()
