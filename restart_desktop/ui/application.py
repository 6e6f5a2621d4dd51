"""The main window: set-up or unlock first, then the workspace; lock on demand and when idle.

Start-up imports only Qt and plain-Python domain modules, so the unlock window appears about as
fast as a bare Qt window. The database layer (SQLAlchemy, SQLCipher, Alembic) is imported on the
background worker while the worker types the passphrase.

Locking hides the workspace behind the unlock page (no personal data is shown, and the window
title never names anyone) but keeps it alive, so nothing being typed is lost; unlocking again
checks the passphrase against the key file and the keyring, like a first unlock.

Longer than 600 lines because ``MainWindow`` is one QMainWindow whose menu actions (tests and
Help read them as attributes: ``window.lock_action``) and pages share its state; what stands
apart has left: the idle lock (ui/idle.py), start-up preloading and the preparing page
(ui/startup.py), what the Settings and Help menus open (ui/window_settings.py). Next to move
out: set-up and unlock (the onboarding, demo and unlock pages' handlers).
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from restart_desktop import __version__
from restart_desktop.app.errors import TooManyAttempts, WrongPassphrase
from restart_desktop.domain.demo_passphrase import DEMO_PASSPHRASE
from restart_desktop.paths import DataPaths, resources_dir
from restart_desktop.ui.access_pages import DEMO_BANNER_STYLE, EXAMPLES_BANNER_STYLE, UnlockPage
from restart_desktop.ui.tasks import TaskRunner, user_message

if TYPE_CHECKING:
    from restart_desktop.app.notes import DraftSummary
    from restart_desktop.app.retention import RetentionRun
    from restart_desktop.app.session import AppSession

    OpenedSession = tuple[AppSession, int]  # the session and its idle-lock minutes
    from restart_desktop.domain.reference import ReferenceData
    from restart_desktop.ui.onboarding import EnrolmentForm, OnboardingPage
    from restart_desktop.ui.workspace import Workspace
from restart_desktop.ui import collector, window_settings
from restart_desktop.ui.collector import GuiThreadCollector
from restart_desktop.ui.idle import IdleWatcher
from restart_desktop.ui.startup import WARM_CLASSES, PreparingPage, preload_modules

log = logging.getLogger(__name__)

APP_TITLE = "RESTART Desktop"
GIL_SWITCH_SECONDS = 0.001
DEMO_CASES = 60
DEMO_SEED = 1
#: The retention run starts this long after the workspace is shown (issue 27: the caseload
#: first; the run is background work that gives way to saves).
RETENTION_AFTER_MS = 1500


class MainWindow(QMainWindow):
    """One window for the whole app: preparing, set-up, unlock and the workspace are its pages.

    Signals:
        unlocked(): the workspace was shown after set-up or unlock.
        locked(): the app was locked (by the worker or when idle).
        closing(): the window is shutting down (a dialog waiting for the unlock gives up).
    """

    unlocked = Signal()
    locked = Signal()
    closing = Signal()
    _demo_progress = Signal(int, int)

    def __init__(
        self,
        paths: DataPaths,
        *,
        demo: bool = False,
        reference: ReferenceData | None = None,
        idle_timeout_ms: int | None = None,
        preload: bool = True,
    ) -> None:
        super().__init__()
        self.paths = paths
        self._reference = reference
        self.runner = TaskRunner(self)
        self.session: AppSession | None = None
        self.workspace: Workspace | None = None
        self._idle_override_ms = idle_timeout_ms
        self.idle_minutes = 5  # replaced by the worker's setting when the data is opened
        #: The database layer has been imported in the background (benchmarks wait for it).
        self.preloaded = False
        self._warm_queue: list[tuple[str, str]] = list(WARM_CLASSES)
        self._closing = False
        self._remembered = False  # the window's state, saved once at quit
        self._focus_before_lock: QWidget | None = None
        self._demo_requested = demo
        self.setWindowTitle(APP_TITLE)
        from restart_desktop.ui.window_state import WindowState

        self.window_state = WindowState(paths)
        self.window_state.restore(self)  # fits a 1366x768 screen at the first start

        self.stack = QStackedWidget()
        # Set-up and demo pages are built only when needed: most starts show only the unlock.
        self.preparing: PreparingPage | None = None
        self.onboarding: OnboardingPage | None = None
        self.unlock_page = UnlockPage(DEMO_PASSPHRASE if self._is_demo_start() else None)
        self.stack.addWidget(self.unlock_page)

        self.demo_banner = QLabel(
            "Demo data: every person in this window is fictional. Do not enter real people here."
        )
        self.demo_banner.setStyleSheet(DEMO_BANNER_STYLE)
        self.demo_banner.setAccessibleName("Demo data notice")
        self.demo_banner.setVisible(False)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.demo_banner)
        self.examples_banner = QLabel("")
        self.examples_banner.setWordWrap(True)
        self.examples_banner.setStyleSheet(EXAMPLES_BANNER_STYLE)
        self.examples_banner.setAccessibleName("Notice of shipped example contacts in use")
        self.examples_banner.setVisible(False)
        layout.addWidget(self.examples_banner)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.user_label = QLabel("")
        self.user_label.setAccessibleName("Signed in as")
        self.lock_hint = QLabel("Ctrl+L locks")
        self.sync_label = QLabel("")
        self.sync_label.setAccessibleName("Sync state")
        self.sync_progress = QProgressBar()
        self.sync_progress.setAccessibleName("Sync progress")
        self.sync_progress.setMaximumWidth(140)
        self.sync_progress.setVisible(False)
        self.sync_stop = QPushButton("Stop")
        self.sync_stop.setAccessibleName("Stop syncing")
        self.sync_stop.setToolTip("Stop the sync after the bundle it is on (File > Stop syncing)")
        self.sync_stop.setVisible(False)
        self.sync_stop.clicked.connect(self._on_stop_sync)
        self.notices_label = QLabel("")
        self.notices_label.setAccessibleName("From your supervisor")
        self.notices_label.setToolTip("Returns to answer and comments to read (My actions, Ctrl+2)")
        self.statusBar().addPermanentWidget(self.notices_label)
        self.statusBar().addPermanentWidget(self.sync_label)
        self.statusBar().addPermanentWidget(self.sync_progress)
        self.statusBar().addPermanentWidget(self.sync_stop)
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.lock_hint)

        self._build_menus()
        self.idle = IdleWatcher(self)
        self.idle.idle.connect(self._on_idle)

        self.unlock_page.passphrase_submitted.connect(self._on_passphrase_submitted)
        self._show_start_page()
        if preload:
            # After the window is on screen, while the worker types the passphrase.
            QTimer.singleShot(0, self._start_preload)

    def _start_preload(self) -> None:
        if self._closing:
            return
        self.runner.run(preload_modules, self._on_preloaded, lambda _error: None)
        self._warm_next_class()

    def _warm_next_class(self) -> None:
        """Build PySide's Python enums for the workspace's widget classes, one class a tick.

        PySide creates a class's enums (and the whole Qt namespace's) on first use: about 50 ms
        in all, which would otherwise land between the passphrase and the caseload. Start-up
        avoids them; they are paid here, while the worker types, on the GUI thread (PySide's
        type set-up is not thread-safe), a few milliseconds at a time so typing never stalls.
        """
        if self._closing or not self._warm_queue:
            return
        module_name, class_name = self._warm_queue.pop(0)
        owner = getattr(importlib.import_module(f"PySide6.{module_name}"), class_name)
        for name in list(vars(owner)):
            getattr(owner, name, None)
        if self._warm_queue:
            QTimer.singleShot(0, self._warm_next_class)
        else:
            self._settle()

    def _on_preloaded(self, _none: None) -> None:
        self.preloaded = True
        self._settle()

    def _settle(self) -> None:
        """Start-up's objects frozen out of the garbage collector's sight once it is all
        loaded (``ui.collector``), so the collections during a large sync stay short."""
        if self.warmed_up and not self._closing:
            collector.settle()

    @property
    def warmed_up(self) -> bool:
        """The work deferred from start-up is done (benchmarks wait for this before unlocking,
        as a worker's typing would)."""
        return self.preloaded and not self._warm_queue

    # --- pages ----------------------------------------------------------------------------
    def _is_demo_start(self) -> bool:
        return self.paths.is_demo or (self._demo_requested and not self.paths.is_enrolled)

    def _show_start_page(self) -> None:
        self._set_demo_banner(self._is_demo_start())
        if self.paths.is_enrolled:
            self._show_unlock()
        elif self._demo_requested:
            self._create_demo_data()
        else:
            onboarding = self._onboarding_page()
            self.stack.setCurrentWidget(onboarding)
            onboarding.name.setFocus()
            self._check_keyring(onboarding)
        self._update_actions()

    def _check_keyring(self, onboarding: OnboardingPage) -> None:
        """Say at once when this computer has no keyring the key can live in, rather than
        after the whole form is filled in."""
        from restart_desktop.app.errors import SecurityError
        from restart_desktop.app.session import check_keyring

        def failed(error: BaseException) -> None:
            if isinstance(error, SecurityError):
                onboarding.show_keyring_problem(str(error))

        self.runner.run(check_keyring, lambda _none: None, failed)

    @property
    def reference(self) -> ReferenceData:
        if self._reference is None:
            from restart_desktop.domain.reference import load_reference_data

            self._reference = load_reference_data()
        return self._reference

    def _onboarding_page(self) -> OnboardingPage:
        if self.onboarding is None:
            from restart_desktop.ui.onboarding import OnboardingPage  # a new folder only

            self.onboarding = OnboardingPage(self.reference.organisations)
            self.onboarding.enrol_requested.connect(self._on_enrol_requested)
            self.stack.addWidget(self.onboarding)
        return self.onboarding

    def _preparing_page(self) -> PreparingPage:
        if self.preparing is None:
            self.preparing = PreparingPage()
            self._demo_progress.connect(self.preparing.set_progress)
            self.stack.addWidget(self.preparing)
        return self.preparing

    def _show_unlock(self) -> None:
        self.stack.setCurrentWidget(self.unlock_page)
        self.unlock_page.reset()
        if self.paths.is_demo and self.session is None:
            # Fictional data only: let Enter unlock straight away.
            self.unlock_page.passphrase.setText(DEMO_PASSPHRASE)
            self.unlock_page.passphrase.selectAll()

    def _set_demo_banner(self, demo: bool) -> None:
        self.demo_banner.setVisible(demo)
        self.setWindowTitle(f"{APP_TITLE} — Demo data" if demo else APP_TITLE)

    def _create_demo_data(self) -> None:
        self.stack.setCurrentWidget(self._preparing_page())
        paths, progress = self.paths, self._demo_progress

        def work() -> None:
            from restart_desktop.app.demo import create_demo_folder

            session = create_demo_folder(
                paths, cases=DEMO_CASES, seed=DEMO_SEED, progress=progress.emit
            )
            session.close()

        self.runner.run(work, lambda _none: self._show_start_page(), self._on_demo_failed)

    def _on_demo_failed(self, error: BaseException) -> None:
        self._preparing_page().label.setText(
            "The demo data could not be created. " + user_message(error)
        )

    # --- set-up and unlock ----------------------------------------------------------------
    def _on_enrol_requested(self, form: EnrolmentForm) -> None:
        paths = self.paths

        def work() -> OpenedSession:
            from restart_desktop.app.session import enrol

            session = enrol(
                paths,
                name=form.name,
                organisation_code=form.organisation_code,
                role=form.role,
                passphrase=form.passphrase,
            )
            return session, session.idle_lock_minutes

        self.runner.run(work, self._on_session_opened, self._on_enrol_failed)

    def _on_enrol_failed(self, error: BaseException) -> None:
        self._onboarding_page().show_error(user_message(error))

    def _on_passphrase_submitted(self, passphrase: str) -> None:
        paths = self.paths
        if self.session is not None:
            # Locked while open: check the passphrase, then show the same workspace again.
            session = self.session

            def check() -> None:
                from restart_desktop.app.session import check_passphrase, record_failed_unlocks

                _key, failed = check_passphrase(paths, passphrase)
                record_failed_unlocks(session, failed)

            self.runner.run(check, lambda _none: self._show_workspace(), self._on_unlock_failed)
            return

        def work() -> OpenedSession:
            from restart_desktop.app.session import unlock

            session = unlock(paths, passphrase)
            return session, session.idle_lock_minutes  # a setting: read here, not on the GUI

        self.runner.run(work, self._on_session_opened, self._on_unlock_failed)

    def _on_unlock_failed(self, error: BaseException) -> None:
        wait = 0
        if isinstance(error, TooManyAttempts | WrongPassphrase):
            wait = error.wait_seconds
        self.unlock_page.show_error(user_message(error), wait)

    def _on_session_opened(self, opened: OpenedSession) -> None:
        from restart_desktop.ui.workspace import Workspace

        session, self.idle_minutes = opened
        self.session = session
        self.workspace = Workspace(session, self.runner)
        self.workspace.message.connect(self._on_workspace_message)
        self.workspace.sync_status.connect(self.sync_label.setText)
        self.workspace.notices_counted.connect(self._on_notices_counted)
        if self.workspace.sync is not None:
            self.workspace.sync.progress.connect(self._on_sync_progress)
        self.stack.addWidget(self.workspace)
        self._set_demo_banner(session.is_demo)
        window_settings.check_examples(self)
        self._show_workspace()
        self._restore_workspace()
        notes = self.workspace.notes
        self.runner.run(notes.drafts, self._offer_drafts, lambda _error: None)
        QTimer.singleShot(0, self._offer_left_over_typing)
        # Retention runs by itself: what is due is erased when the data is opened, once the
        # caseload is up (its rules read every closed case: the caseload does not wait).
        QTimer.singleShot(RETENTION_AFTER_MS, lambda: self._run_retention(session))

    def _run_retention(self, session: AppSession) -> None:
        from restart_desktop.app.retention import RetentionService

        if self.session is not session or self._closing:
            return  # closed, or another folder opened, meanwhile
        self.runner.run(RetentionService(session).run, self._on_retention_ran, lambda _error: None)

    def _restore_workspace(self) -> None:
        """The case files open at the last quit (their ids are kept in the encrypted
        database), then the main view last shown (kept in the plain window settings)."""
        from restart_desktop.ui.window_state import OPEN_CASES_SETTING, decode_cases

        if self.session is None or self.workspace is None:
            return
        for case_id in decode_cases(self.session.setting(OPEN_CASES_SETTING, "[]")):
            self.workspace.open_case(case_id)
        view = self.window_state.view()
        if view and view != "Caseload":
            self.workspace.show_main_view(view)
        elif self.workspace.case_views():
            self.workspace.show_caseload()

    def _remember_workspace(self) -> None:
        from restart_desktop.ui.window_state import OPEN_CASES_SETTING, encode_cases

        view = self.workspace.main_view_name() if self.workspace is not None else ""
        self.window_state.save(self, view)
        if self.session is not None and self.workspace is not None:
            self.session.set_setting(
                OPEN_CASES_SETTING, encode_cases(self.workspace.open_case_ids())
            )

    def _on_retention_ran(self, run: RetentionRun) -> None:
        from restart_desktop.ui.retention_view import describe

        if run.erased:
            self.statusBar().showMessage(describe(run), 10000)

    def _offer_drafts(self, drafts: list[DraftSummary]) -> None:
        """Notes left unfinished (closed lid, flat battery, crash) are offered back."""
        if not drafts or self.workspace is None or self.is_locked:
            return
        started = self.workspace.session.clock.local_text
        lines = []
        for draft in drafts:
            age = " (old: finish or discard it)" if draft.stale else ""
            lines.append(
                f"• {draft.person_name}: started {started(draft.started_at)}, "
                f"{draft.characters} characters{age}"
            )
        box = QMessageBox(self)
        box.setWindowTitle("Unfinished notes")
        box.setIcon(QMessageBox.Icon.Question)
        count = len(drafts)
        box.setText(
            f"You have {count} unfinished contact note{'s' if count != 1 else ''}, saved as "
            "you typed. Open them now?"
        )
        box.setInformativeText("\n".join(lines))
        open_button = box.addButton("&Open them", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(open_button)
        box.exec()
        if box.clickedButton() is open_button and self.workspace is not None:
            for draft in drafts:
                self.workspace.new_note(draft.person_id, draft.id)

    def _show_workspace(self) -> None:
        if self.session is None or self.workspace is None:
            return
        worker = self.session.worker
        self.user_label.setText(f"{worker.name} · {worker.role.label}")
        self.stack.setCurrentWidget(self.workspace)
        if self._focus_before_lock is not None and self._focus_before_lock.isVisible():
            self._focus_before_lock.setFocus()  # back where the worker was, tab and field
        else:
            self.workspace.show_caseload()
        self._focus_before_lock = None
        self._update_actions()
        self.workspace.count_notices()
        self.idle.start(self.idle_timeout_ms())
        if self.workspace.sync is not None:
            self.workspace.sync.start()
        self.unlocked.emit()

    def idle_timeout_ms(self) -> int:
        if self._idle_override_ms is not None:
            return self._idle_override_ms
        return self.idle_minutes * 60_000

    # --- locking --------------------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return self.stack.currentWidget() is not self.workspace

    def lock(self) -> None:
        if self.session is None or self.is_locked:
            return
        self.idle.stop()
        self._focus_before_lock = self._place_before_lock()
        if self.workspace is not None:
            self.workspace.save_drafts_now()
        self._keep_dialog_typing()
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()  # a dialog over the workspace may show personal data
        self.user_label.setText("")
        self.notices_label.setText("")
        if self.workspace is not None and self.workspace.sync is not None:
            self.workspace.sync.stop()
        self.statusBar().clearMessage()
        self._show_unlock()
        self._update_actions()
        log.info("locked")
        self.locked.emit()

    def _place_before_lock(self) -> QWidget | None:
        """Where the worker was, to go back to after the unlock: the focused widget, or for
        a dialog (or a question over one) the view that opened it. The window went back to
        the caseload instead, and My actions, hidden behind it, kept an answered return."""
        widget = QApplication.focusWidget() or QApplication.activeModalWidget()
        workspace = self.workspace
        if workspace is None:
            return None
        while widget is not None and not workspace.isAncestorOf(widget):
            widget = widget.parentWidget()  # a dialog's parent is the view that opened it
        return widget

    def _keep_dialog_typing(self) -> None:
        """What is typed in open dialogs, kept encrypted before the lock closes them."""
        from restart_desktop.ui.dialog_drafts import keep_open_dialogs

        if self.session is not None:
            keep_open_dialogs(self.session, self.findChildren(QDialog))

    def forget_dialog_draft(self, title: str) -> None:
        """The dialog titled ``title`` offered its typing back: its kept copy goes."""
        from restart_desktop.ui.dialog_drafts import forget

        if self.session is not None:
            forget(self.session, title)

    def _offer_left_over_typing(self) -> None:
        from restart_desktop.ui.dialog_drafts import offer_left_over

        if self.session is not None:
            offer_left_over(self.session, self)

    def _on_lock_asked(self) -> None:
        """Ctrl+L: with changes not yet sent and the export reachable, offer to send them
        (the sync runs on while the window is locked: it shows nothing)."""
        sync = self.workspace.sync if self.workspace is not None else None
        if sync is not None and not self.is_locked and sync.reachable and not sync.busy:
            waiting = sync.service.waiting_changes()  # one indexed count
            if waiting:
                box = QMessageBox(
                    QMessageBox.Icon.Question,
                    "Send your changes?",
                    f"{waiting} change{'s' if waiting != 1 else ''} made on this laptop "
                    "are not in the central export yet. Send them while the laptop is "
                    "locked?",
                    QMessageBox.StandardButton.NoButton,
                    self,
                )
                send = box.addButton("&Sync and lock", QMessageBox.ButtonRole.AcceptRole)
                box.addButton("&Lock without syncing", QMessageBox.ButtonRole.RejectRole)
                box.setDefaultButton(send)
                box.exec()
                if box.clickedButton() is send:
                    sync.sync()
        self.lock()

    def _on_idle(self) -> None:
        # Nobody is there to ask: changes waiting go to a reachable export anyway.
        sync = self.workspace.sync if self.workspace is not None else None
        if sync is not None and sync.reachable:
            sync.sync(automatic=True)
        self.lock()  # also closes any dialog of ours: it may show personal data

    # --- menus ----------------------------------------------------------------------------
    def _action(
        self,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
        slot: Callable[[], object],
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            # setShortcuts([...]), not setShortcut(...): PySide's overload resolution for the
            # latter builds the whole Qt namespace of enums, about 15 ms at start-up.
            action.setShortcuts([QKeySequence(shortcut)])
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        to = self._to_workspace  # each: on the open workspace, nothing while locked
        opens = self._slot  # each: a Settings or Help item (ui/window_settings.py)
        self.new_action = self._action(
            "&New recommendation", QKeySequence.StandardKey.New, to(lambda w: w.new_intake())
        )
        self.intake_action = self._action(
            "Show &intake queue", "Ctrl+8", to(lambda w: w.show_intake())
        )
        self.import_action = self._action(
            "I&mport recommendations from a CSV file…", None, to(lambda w: w.import_intake())
        )
        self.exit_action = self._action(
            "Show cases with no plan after su&pport", "Ctrl+9", to(lambda w: w.show_after_support())
        )
        self.onward_action = self._action(
            "Onward &handover summary…", "Ctrl+Shift+O", to(lambda w: w.onward_summary())
        )
        self.find_action = self._action(
            "&Find in caseload", "Ctrl+F", to(lambda w: w.focus_search())
        )
        self.caseload_action = self._action(
            "Show &caseload", "Ctrl+1", to(lambda w: w.show_caseload())
        )
        self.actions_action = self._action(
            "Show my &actions", "Ctrl+2", to(lambda w: w.show_actions())
        )
        self.today_action = self._action(
            "Show &today's releases", "Ctrl+T", to(lambda w: w.show_today())
        )
        self.referrals_action = self._action(
            "Show &referrals", "Ctrl+3", to(lambda w: w.show_referrals())
        )
        self.barriers_action = self._action(
            "Show &barriers", "Ctrl+4", to(lambda w: w.show_barriers())
        )
        self.review_action = self._action(
            "Show re&view queue", "Ctrl+5", to(lambda w: w.show_review())
        )
        self.figures_action = self._action(
            "Show &figures", "Ctrl+6", to(lambda w: w.show_figures())
        )
        self.audit_action = self._action(
            "Show a&udit trail", "Ctrl+7", to(lambda w: w.show_audit())
        )
        self.search_action = self._action("&Search notes", "Ctrl+K", to(lambda w: w.show_search()))
        self.note_action = self._action(
            "New contact n&ote", "Ctrl+Shift+N", to(lambda w: w.new_note())
        )
        self.close_case_action = self._action(
            "&Close case file", "Ctrl+W", to(lambda w: w.close_current_case())
        )
        self.next_tab_action = self._action("Next tab", "Ctrl+PgDown", self._on_next_tab)
        self.previous_tab_action = self._action("Previous tab", "Ctrl+PgUp", self._on_previous_tab)
        self.lock_action = self._action("&Lock", "Ctrl+L", self._on_lock_asked)
        self.sync_action = self._action("S&ync now", "Ctrl+Shift+S", self._on_sync_now)
        self.stop_sync_action = self._action("Stop s&yncing", None, self._on_stop_sync)
        self.stop_sync_action.setEnabled(False)
        self.quit_action = self._action("&Quit", "Ctrl+Q", self.close)
        for action in (
            self.new_action,
            self.note_action,
            self.find_action,
            self.search_action,
            self.caseload_action,
            self.today_action,
            self.actions_action,
            self.referrals_action,
            self.barriers_action,
            self.review_action,
            self.figures_action,
            self.audit_action,
            self.intake_action,
            self.import_action,
            self.exit_action,
            self.onward_action,
        ):
            file_menu.addAction(action)
        file_menu.addAction(self.close_case_action)
        file_menu.addAction(self.sync_action)
        file_menu.addAction(self.stop_sync_action)
        file_menu.addSeparator()
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.quit_action)
        settings_menu = bar.addMenu("&Settings")
        self.settings_menu = settings_menu  # out of the bar while locked
        self.idle_action = self._action(
            "Lock when &idle…", None, opens(window_settings.edit_idle_lock)
        )
        settings_menu.addAction(self.idle_action)
        self.export_action = self._action(
            "Central &export…", None, opens(window_settings.edit_central_export)
        )
        self.conflicts_action = self._action(
            "Sync &conflicts…", None, opens(window_settings.settle_conflicts)
        )
        self.retention_action = self._action(
            "Data &retention…", None, opens(window_settings.open_retention)
        )
        self.passphrase_action = self._action(
            "Change &passphrase…", None, opens(window_settings.ask_new_passphrase)
        )
        settings_menu.addAction(self.passphrase_action)
        settings_menu.addAction(self.export_action)
        settings_menu.addAction(self.conflicts_action)
        settings_menu.addAction(self.retention_action)
        self.team_action = self._action(
            "&Team details…", None, opens(window_settings.edit_team_details)
        )
        settings_menu.addAction(self.team_action)
        self.join_action = self._action(
            "Laptops asking to &join…", None, opens(window_settings.approve_laptops)
        )
        settings_menu.addAction(self.join_action)
        self.ask_finalise_action = self._action(
            "Ask before &finalising", None, opens(window_settings.set_ask_finalise)
        )
        self.ask_finalise_action.setCheckable(True)
        self.ask_finalise_action.setChecked(True)
        settings_menu.addAction(self.ask_finalise_action)
        settings_menu.aboutToShow.connect(opens(window_settings.settings_shown))
        help_menu = bar.addMenu("&Help")
        self.help_menu = help_menu
        self.shortcuts_action = self._action(
            "&Keyboard shortcuts", "F1", opens(window_settings.show_shortcuts)
        )
        self.shortcuts_action.setShortcuts([QKeySequence("F1"), QKeySequence("Ctrl+/")])
        self.first_steps_action = self._action(
            "&First steps", None, opens(window_settings.show_first_steps)
        )
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.first_steps_action)
        self.about_action = self._action(
            "&About RESTART Desktop", None, opens(window_settings.show_about)
        )
        help_menu.addAction(self.about_action)
        self.unlocked_actions = (
            self.next_tab_action,
            self.previous_tab_action,
            self.new_action,
            self.note_action,
            self.search_action,
            self.actions_action,
            self.today_action,
            self.referrals_action,
            self.barriers_action,
            self.review_action,
            self.figures_action,
            self.audit_action,
            self.intake_action,
            self.import_action,
            self.exit_action,
            self.onward_action,
            self.find_action,
            self.caseload_action,
            self.close_case_action,
            self.lock_action,
            self.idle_action,
            self.sync_action,
            self.export_action,
            self.conflicts_action,
            self.retention_action,
            self.passphrase_action,
            self.team_action,
            self.join_action,
            self.ask_finalise_action,
        )

    def _slot(self, call: Callable[[MainWindow], object]) -> Callable[[], None]:
        """A menu action's slot calling ``call`` with this window (ui/window_settings.py)."""

        def slot() -> None:
            call(self)

        return slot

    def _to_workspace(self, call: Callable[[Workspace], object]) -> Callable[[], None]:
        """A menu action's slot: ``call`` on the workspace, if it is open and not locked."""

        def slot() -> None:
            if self.workspace is not None and not self.is_locked:
                call(self.workspace)

        return slot

    def _update_actions(self) -> None:
        open_ = not self.is_locked
        # Out of the menu bar while locked (nothing in it works then), so Alt+S is "Set up"
        # on the first run: a hidden menu's mnemonic would still make the key ambiguous.
        bar, settings = self.menuBar(), self.settings_menu.menuAction()
        if open_ and settings not in bar.actions():
            bar.insertAction(self.help_menu.menuAction(), settings)
        elif not open_ and settings in bar.actions():
            bar.removeAction(settings)
        for action in self.unlocked_actions:
            action.setEnabled(open_)
        supervisor = self.workspace is not None and self.workspace.supervisor
        for action in (
            self.review_action,
            self.figures_action,
            self.audit_action,
            self.exit_action,
        ):
            action.setVisible(supervisor)
            action.setEnabled(open_ and supervisor)
        # Approving laptops: only where the role may (the service refuses others anyway).
        manages = self.workspace is not None and self.workspace.manages_team
        self.join_action.setVisible(manages)
        self.join_action.setEnabled(open_ and manages)

    def _on_notices_counted(self, count: int) -> None:
        if self.is_locked:
            return
        # Where to go is said, not only in the tooltip (the mouse's alone): "60 from your
        # supervisor" alone left a new user guessing what and where.
        self.notices_label.setText(
            f"{count} from your supervisor: My actions (Ctrl+2)" if count else ""
        )

    def _on_next_tab(self) -> None:
        self._step_tab(1)

    def _on_previous_tab(self) -> None:
        self._step_tab(-1)

    def _step_tab(self, step: int) -> None:
        if self.workspace is None or self.is_locked:
            return
        tabs = self.workspace.tabs
        tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())
        tabs.currentWidget().setFocus()

    def _on_workspace_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 5000)

    def _on_sync_progress(self, done: int, total: int) -> None:
        syncing = total > 0
        self.sync_progress.setVisible(syncing)
        self.sync_stop.setVisible(syncing)
        self.stop_sync_action.setEnabled(syncing)
        if syncing:
            self.sync_progress.setRange(0, total)
            self.sync_progress.setValue(done)
            self.sync_label.setText(f"Syncing {100 * done // total}%")

    def _on_stop_sync(self) -> None:
        if self.workspace is not None and self.workspace.sync is not None:
            self.workspace.sync.cancel()

    def _on_sync_now(self) -> None:
        if self.workspace is not None and not self.is_locked and self.workspace.sync:
            self.workspace.sync.sync()

    # --- closing --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:
            event.accept()
            return
        unsaved = self.workspace.unsaved_views() if self.workspace is not None else []
        if unsaved:
            if self.is_locked:
                text = (
                    f"{len(unsaved)} case file(s) have changes that are not saved. Unlock "
                    "and save them, or quit and lose those changes?"
                )
            else:
                text = (
                    f"{len(unsaved)} case file(s) have changes that are not saved. Quit and "
                    "lose those changes?"
                )
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                text,
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        if self._offer_sync_before_quitting() != "quit":
            event.ignore()  # staying, or closing once the sync has finished
            return
        self.shutdown()
        event.accept()

    def _offer_sync_before_quitting(self) -> str:
        """With changes not yet sent and the central export reachable at the last look, offer
        to send them first: "quit", "syncing" (the window closes after it) or "stay"."""
        sync = self.workspace.sync if self.workspace is not None else None
        if sync is None or self.is_locked or not sync.reachable:
            return "quit"
        waiting = sync.service.waiting_changes()  # one indexed count: fine when quitting
        if waiting == 0:
            return "quit"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Send your changes?",
            f"{waiting} change{'s' if waiting != 1 else ''} made on this laptop "
            "are not in the central export yet. Send them before quitting?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        send = box.addButton("&Sync and quit", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Quit without syncing", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(send)
        box.exec()
        clicked = box.clickedButton()
        if clicked is send:
            sync.synced.connect(self._quit_after_sync)
            sync.failed.connect(self._quit_after_sync)
            sync.sync()
            return "syncing"
        if clicked is box.button(QMessageBox.StandardButton.Cancel):
            return "stay"
        return "quit"

    def _quit_after_sync(self) -> None:
        self._closing = True
        self.shutdown()
        self.close()

    def shutdown(self) -> None:
        """Save notes being typed, finish background work, then close the database and
        forget the key."""
        if self.workspace is not None and not self._closing:
            self.workspace.save_drafts_now()
        if not self._remembered:
            self._remembered = True
            self._remember_workspace()
        self._closing = True
        self.closing.emit()
        self.idle.stop()
        if self.workspace is not None and self.workspace.sync is not None:
            self.workspace.sync.shutdown()  # stops after the bundle it is on
        if self.workspace is not None:
            self.workspace.stop_notices()  # what is still written now refreshes nothing
        self.runner.shutdown()
        if self.session is not None:
            self.session.close()
            self.session = None


def _set_icon() -> None:
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addFile(str(resources_dir() / "icons" / f"restart-desktop-{size}.png"))
    QApplication.setWindowIcon(icon)


def prepare_runtime(app: QApplication) -> GuiThreadCollector:
    """How the app runs its threads, set once before the window is built (``run_gui``, and
    the benchmarks, which build the window themselves). The worker thread (saves, queries) and
    the GUI thread share the GIL: it is handed over every millisecond rather than every five,
    so typing never waits long behind a save. Python's cyclic garbage collector runs on the
    GUI thread only (``ui.collector``): cycles of Qt objects are freed on their own thread."""
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    return collector.install(app)


def run_gui(paths: DataPaths, *, demo: bool = False, quit_after_shown: bool = False) -> int:
    """Start the GUI; returns the process exit code."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_TITLE)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("RESTART Thames Valley")
    collector = prepare_runtime(app)
    window = MainWindow(paths, demo=demo, preload=not quit_after_shown)
    from restart_desktop import crash
    from restart_desktop.ui.crash_notice import CrashNotice

    crash.install(CrashNotice(window))  # a bug: its frames logged, a plain message shown
    window.show()
    QTimer.singleShot(0, _set_icon)  # after the window is up: it reads a file
    if quit_after_shown:
        QTimer.singleShot(0, window.close)
    code = app.exec()
    collector.stop()
    return code
