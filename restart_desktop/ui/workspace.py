"""What an unlocked worker sees: caseload, Today's releases, My actions and note search tabs,
then one tab per open case file."""

from __future__ import annotations

import contextlib
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from restart_desktop.app.audit import AuditService
from restart_desktop.app.case_views import WorkerOption
from restart_desktop.app.cases import CaseService
from restart_desktop.app.figures import FiguresService
from restart_desktop.app.follow_up import FollowUpService
from restart_desktop.app.intake import IntakeService
from restart_desktop.app.notes import NoteService
from restart_desktop.app.onward import OnwardService
from restart_desktop.app.outcomes import OutcomeService
from restart_desktop.app.permissions import allowed
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.review import ReviewService
from restart_desktop.app.session import AppSession
from restart_desktop.app.subject_access import SubjectAccessService
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import Role
from restart_desktop.domain.roles import Permission
from restart_desktop.ui.actions_view import MyActionsView
from restart_desktop.ui.audit_view import AuditTrailView, CaseAuditDialog
from restart_desktop.ui.barriers import BarriersView
from restart_desktop.ui.case_file import CaseFileView
from restart_desktop.ui.caseload_view import CaseloadView
from restart_desktop.ui.figures_view import FiguresView
from restart_desktop.ui.intake_view import IntakeDialog, IntakeView
from restart_desktop.ui.notices import (
    AUDIT_KINDS,
    BARRIER_KINDS,
    CASE_KINDS,
    DAY_CHANGED,
    NOTE_KINDS,
    PLAN_KINDS,
    RECORD_KINDS,
    REFERRAL_KINDS,
    ChangeBroadcaster,
    follow,
)
from restart_desktop.ui.onward_view import ExitView, OnwardDialog
from restart_desktop.ui.referrals import ReferralsPanel, ReferralsView
from restart_desktop.ui.release_plan import ReleasePlanPanel
from restart_desktop.ui.review_view import ReviewView
from restart_desktop.ui.search_view import NoteSearchView
from restart_desktop.ui.subject_access import SubjectAccessDialog
from restart_desktop.ui.sync_ui import SyncController
from restart_desktop.ui.tasks import TaskRunner
from restart_desktop.ui.timeline import TimelinePanel
from restart_desktop.ui.today_view import TodayView
from restart_desktop.ui.widgets import open_dialog, run_dialog

MAX_TITLE = 28


class Workspace(QWidget):
    """Signals:
    message(str): a short message for the status bar.
    sync_status(str): where sync stands, for the status bar.
    """

    message = Signal(str)
    sync_status = Signal(str)
    notices_counted = Signal(int)

    def __init__(self, session: AppSession, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.service = CaseService(session)
        self.notes = NoteService(session)
        self.release = ReleaseService(session)
        self.referral_service = ReferralService(session)
        self.outcome_service = OutcomeService(session)
        self.review_service = ReviewService(session)
        self.supervisor = session.worker.role == Role.SUPERVISOR
        self.manages_team = allowed(session, Permission.MANAGE_TEAM)  # approves laptops
        # Every committed write, this laptop's or a sync's, reaches the views through here.
        self.notices = ChangeBroadcaster(session.clock, runner, self)
        self._stop_notices = session.db.subscribe(self.notices.publish)
        self.destroyed.connect(lambda *_args, stop=self._stop_notices: stop())
        self.sync: SyncController | None = SyncController(
            SyncService(session), runner, session.clock, self
        )
        self.sync.status_changed.connect(self.sync_status)
        self.workers: list[WorkerOption] = []
        self.caseload = CaseloadView(self.service, runner, session.worker.id)
        self.today = TodayView(self.release, runner)
        self.my_actions = MyActionsView(
            self.notes, runner, self.referral_service, self.review_service, FollowUpService(session)
        )
        self.my_actions.notices_counted.connect(self.notices_counted)
        self.review: ReviewView | None = None
        self.figures: FiguresView | None = None
        self.audit_service = AuditService(session)
        self.subject_access = SubjectAccessService(session)
        self.export_dialog: SubjectAccessDialog | None = None
        self.audit: AuditTrailView | None = None  # the whole log: a supervisor's
        if self.supervisor:
            self.audit = AuditTrailView(self.audit_service, runner)
            self.review = ReviewView(self.review_service, runner, session.reference)
            self.review.case_requested.connect(self.open_contacts)
            self.figures = FiguresView(FiguresService(session), runner)
        self.referrals = ReferralsView(self.referral_service, runner, session.reference)
        self.barriers = BarriersView(self.outcome_service, self.service, runner, session.reference)
        self.search = NoteSearchView(self.notes, runner)
        self.intake_service = IntakeService(session)
        self.intake = IntakeView(self.intake_service, runner, session.reference)
        self.intake.new_requested.connect(self.new_intake)
        self.intake.import_requested.connect(self.import_intake)
        self.intake_dialog: IntakeDialog | None = None
        # The allocator's window: the intake queue and the case files, nothing of the work.
        self.case_work = allowed(session, Permission.CASE_WORK)
        self.onward = OnwardService(session)
        self.onward_dialog: OnwardDialog | None = None
        self.after_support: ExitView | None = None  # programme exit: a supervisor's
        if self.supervisor:
            self.after_support = ExitView(self.onward, runner)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName(
            "Caseload, today, actions, referrals, barriers, search and open case files"
        )
        pages: list[tuple[QWidget, str]] = (
            [
                (self.caseload, "Caseload"),
                (self.today, "Today"),
                (self.my_actions, "My actions"),
                (self.referrals, "Referrals"),
                (self.barriers, "Barriers"),
                (self.search, "Search notes"),
            ]
            if self.case_work
            else [(self.caseload, "Caseload")]
        )
        pages.append((self.intake, "Intake"))
        if not self.case_work:  # kept (the window refers to them) but never shown
            for hidden in (self.today, self.my_actions, self.referrals, self.barriers, self.search):
                hidden.setParent(self)
                hidden.hide()
        if self.review is not None and self.figures is not None:
            pages += [(self.review, "Review"), (self.figures, "Figures")]
        if self.audit is not None:
            pages.append((self.audit, "Audit trail"))
        if self.after_support is not None:
            pages.append((self.after_support, "After support"))
        for page, title in pages:
            index = self.tabs.addTab(page, title)
            self.tabs.tabBar().setTabButton(
                index, self.tabs.tabBar().ButtonPosition.RightSide, None
            )
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.my_actions.case_requested.connect(self.open_contacts)
        self.search.note_requested.connect(self.open_note)
        self.today.plan_requested.connect(self.open_plan)
        self.referrals.case_requested.connect(self.open_referrals)
        self.my_actions.referral_case_requested.connect(self.open_referrals)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.caseload.case_opened.connect(self.open_case)
        self.caseload.new_case_requested.connect(self.new_intake)
        self._follow_notices()
        service = self.service
        runner.run(service.workers, self._on_workers_loaded)

    def _follow_notices(self) -> None:
        """Each list refreshes itself when a write or a sync changes what it shows (a list on
        a tab not shown: when it is next shown, which is also its first load)."""
        notices, people = self.notices, frozenset({"people"})
        day = frozenset({DAY_CHANGED})  # "due out in 3 days", "overdue", "chase now" move on
        follow(
            notices,
            self.caseload,
            CASE_KINDS | {"follow_up_actions", "referrals"} | day,
            self.caseload.refresh,
        )
        follow(
            notices,
            self.today,
            CASE_KINDS | PLAN_KINDS | REFERRAL_KINDS | day,
            self.today.refresh,
            first_show=True,
        )
        follow(
            notices,
            self.my_actions,
            NOTE_KINDS | REFERRAL_KINDS | people | day,
            self.my_actions.refresh,
            first_show=True,
        )
        follow(
            notices,
            self.referrals,
            REFERRAL_KINDS | people | day,
            self.referrals.refresh,
            first_show=True,
        )
        follow(
            notices, self.barriers, BARRIER_KINDS | people, self.barriers.refresh, first_show=True
        )
        search = self.search
        follow(
            notices,
            search,
            {"contact_notes", "addenda", "people"},
            lambda: search.search_now() if search.model.rowCount() else None,
        )
        follow(
            notices,
            self.intake,
            {"people", "intake_records", "intake_decisions"},
            self.intake.refresh,
            first_show=True,
        )
        if not self.case_work:
            return
        if self.after_support is not None:
            follow(
                notices,
                self.after_support,
                {"people", "onward_handovers"},
                self.after_support.refresh,
                first_show=True,
            )
        follow(notices, self, {"reviews", "contact_notes", "addenda"}, self.count_notices)
        if self.review is not None:
            follow(
                notices,
                self.review,
                NOTE_KINDS | PLAN_KINDS | REFERRAL_KINDS | people,
                self.review.refresh,
                first_show=True,
            )
        if self.figures is not None:
            figures = self.figures  # loaded on its first visit (``_on_tab_changed``)
            follow(
                notices,
                figures,
                RECORD_KINDS,
                lambda: figures.refresh() if figures.model.rowCount() else None,
            )
        if self.audit is not None:
            follow(notices, self.audit, AUDIT_KINDS, self.audit.refresh, first_show=True)

    def stop_notices(self) -> None:
        """The session is closing: the database tells this workspace nothing more."""
        self._stop_notices()
        self.notices.close()

    def count_notices(self) -> None:
        """Returns and comments from the supervisor waiting for this worker (status bar)."""
        review = self.review_service
        self.runner.run(review.notice_count, self.notices_counted.emit, lambda _error: None)

    def _on_workers_loaded(self, workers: list[WorkerOption]) -> None:
        self.workers = workers
        self.caseload.set_workers(workers)
        self.intake.workers = workers
        if self.review is not None:
            self.review.set_workers(workers)

    def _on_tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if (
            widget is self.figures
            and self.figures is not None
            and self.figures.model.rowCount() == 0
            and not self.figures.busy()
        ):
            self.figures.refresh()  # the first visit: later ones keep what was shown

    def main_view_name(self) -> str:
        """The main view shown (its tab's title, never a case file's: those name people)."""
        widget = self.tabs.currentWidget()
        if widget is None or isinstance(widget, CaseFileView):
            return ""
        return self.tabs.tabText(self.tabs.currentIndex()).replace("&", "")

    def show_main_view(self, name: str) -> bool:
        for index in range(self.tabs.count()):
            widget = self.tabs.widget(index)
            if (
                widget is not None
                and not isinstance(widget, CaseFileView)
                and (self.tabs.tabText(index) == name)
            ):
                self.tabs.setCurrentIndex(index)
                _focus(widget)
                return True
        return False

    def open_case_ids(self) -> list[str]:
        return [view.case_id for view in self.case_views() if view.case_id is not None]

    def case_views(self) -> list[CaseFileView]:
        views = []
        for index in range(self.tabs.count()):
            widget = self.tabs.widget(index)
            if isinstance(widget, CaseFileView):
                views.append(widget)
        return views

    def open_case(self, case_id: str) -> CaseFileView:
        for view in self.case_views():
            if view.case_id == case_id:
                self.tabs.setCurrentWidget(view)
                return view
        view = CaseFileView(
            self.service,
            self.runner,
            self.session.reference,
            self.workers,
            case_id,
            notes=self.notes,
            release=self.release,
            referrals=self.referral_service,
            outcomes=self.outcome_service,
            notices=self.notices,
        )
        self._add_case_view(view, "Loading…")
        return view

    def open_referrals(self, case_id: str) -> ReferralsPanel | None:
        """The person's referrals, in their case file."""
        view = self.open_case(case_id)
        panel = view.show_referrals()
        if panel is not None:
            panel.table.setFocus()
        return panel

    def show_barriers(self) -> None:
        self.tabs.setCurrentWidget(self.barriers)
        self.barriers.table.setFocus()

    def show_referrals(self) -> None:
        self.tabs.setCurrentWidget(self.referrals)
        self.referrals.table.setFocus()

    def open_plan(self, case_id: str) -> ReleasePlanPanel | None:
        """The person's release-day checklist, in their case file."""
        view = self.open_case(case_id)
        panel = view.show_release()
        if panel is not None:
            panel.table.setFocus()
        return panel

    def show_today(self) -> None:
        self.tabs.setCurrentWidget(self.today)
        self.today.focus_list()

    def open_contacts(self, case_id: str) -> TimelinePanel | None:
        view = self.open_case(case_id)
        return view.show_contacts()

    def open_note(self, case_id: str, note_id: str) -> None:
        timeline = self.open_contacts(case_id)
        if timeline is not None:
            timeline.select_record(note_id)

    def new_note(self, case_id: str | None = None, draft_id: str | None = None) -> None:
        """Quick entry (Ctrl+Shift+N): a new contact note for the person in the current case
        file, or the one selected in the caseload."""
        if case_id is None:
            current = self.tabs.currentWidget()
            if isinstance(current, CaseFileView):
                case_id = current.case_id
            elif current is self.caseload:
                case_id = self.caseload.selected_case_id()
            elif current is self.today:
                case_id = self.today.current_person()
            elif current is self.referrals:
                row = self.referrals.model.row_item(self.referrals.table.currentIndex().row())
                case_id = row.person_id if row else None
            elif current is self.my_actions:
                action = self.my_actions.current_action()
                case_id = action.person_id if action else None
            elif current is self.search:
                hit = self.search.model.hit(self.search.table.currentIndex().row())
                case_id = hit.person_id if hit else None
        if case_id is None:
            self.message.emit("Select a person first, then press Ctrl+Shift+N.")
            return
        timeline = self.open_contacts(case_id)
        if timeline is not None:
            timeline.new_note(draft_id)

    def show_search(self) -> None:
        self.tabs.setCurrentWidget(self.search)
        self.search.focus_box()

    def show_review(self) -> None:
        if self.review is not None:
            self.tabs.setCurrentWidget(self.review)
            self.review.focus_first()

    def show_figures(self) -> None:
        if self.figures is not None:
            self.tabs.setCurrentWidget(self.figures)
            self.figures.focus_first()

    def show_audit(self, person_id: str | None = None, name: str = "") -> None:
        """The whole audit trail (a supervisor's), or narrowed to one person's case."""
        if self.audit is None:
            return
        if person_id is not None:
            self.audit.show_person(person_id, name)  # read now: the filter changed
        self.tabs.setCurrentWidget(self.audit)  # (and if the trail grew, as it is shown)
        self.audit.focus_first()

    def show_case_audit(self, case_id: str, name: str) -> None:
        """A case file's "Audit trail…": a supervisor's trail tab narrowed to the case; for a
        worker, who has no whole log, the case's own trail in a dialog."""
        if self.audit is not None:
            self.show_audit(case_id, name)
            return
        back_to = QApplication.focusWidget() or self
        run_dialog(
            CaseAuditDialog(self.audit_service, self.runner, case_id, name, self.window()), back_to
        )

    def export_subject(self, case_id: str) -> SubjectAccessDialog:
        """A case file's "Subject access export…": the review and write dialog, gathering
        the records in the background as it opens."""
        back_to = QApplication.focusWidget() or self
        dialog = SubjectAccessDialog(self.subject_access, self.runner, case_id, self.window())
        dialog.finished.connect(lambda _result: _focus(back_to))
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def show_actions(self) -> None:
        self.tabs.setCurrentWidget(self.my_actions)
        self.my_actions.focus_first()

    def save_drafts_now(self) -> None:
        """Lock and close: hand every note being typed to the database at once."""
        for view in self.case_views():
            if view.timeline is not None:
                view.timeline.save_draft_now()

    def show_after_support(self) -> None:
        if self.after_support is not None:
            self.tabs.setCurrentWidget(self.after_support)
            self.after_support.focus_first()

    def onward_summary(self) -> None:
        """Ctrl+Shift+O: the onward handover summary for the current case file's person."""
        current = self.tabs.currentWidget()
        case_id = (
            current.case_id
            if isinstance(current, CaseFileView)
            else (self.caseload.selected_case_id() if current is self.caseload else None)
        )
        if not case_id or not self.case_work:
            self.message.emit("Open a case file first: the summary is about its person.")
            return
        self.onward_dialog = OnwardDialog(self.onward, self.runner, case_id, self)
        self.onward_dialog.accepted.connect(
            lambda: self.message.emit("Onward handover summary saved and recorded.")
        )
        self.onward_dialog.open()

    def show_intake(self) -> None:
        self.tabs.setCurrentWidget(self.intake)
        self.intake.focus_first()

    def new_intake(self) -> None:
        """Ctrl+N: a recommendation into the intake queue (not a case on a caseload)."""
        if self.intake_dialog is not None and self.intake_dialog.isVisible():
            self.intake_dialog.activateWindow()
            return
        self.intake_dialog = IntakeDialog(
            self.intake_service,
            self.runner,
            self.session.reference,
            self.session.clock.today(),
            self,
        )
        self.intake_dialog.accepted.connect(self._on_intake_saved)
        open_dialog(self.intake_dialog)

    def import_intake(self) -> None:
        """File > Import recommendations: a partner's CSV file, checked, then imported whole."""
        # Loaded when first asked for: not on the way from the passphrase to the caseload.
        from restart_desktop.ui.intake_import import IntakeImportDialog, ask_csv_path

        path = ask_csv_path(self.intake.table)
        if path is None:
            return
        dialog = IntakeImportDialog(self.intake_service, self.runner, path, self)
        if run_dialog(dialog, self.intake.table):
            words = (
                f"Imported {len(dialog.imported)} recommendations from {dialog.path.name}: "
                "they wait in the intake queue for the allocation decision."
            )
            self.show_intake()
            self.intake.say(words)
            self.message.emit(words)

    def _on_intake_saved(self) -> None:
        self.message.emit("Saved to the intake queue: waiting for the allocation decision.")
        self.show_intake()

    def _add_case_view(self, view: CaseFileView, title: str) -> None:
        index = self.tabs.addTab(view, title)
        view.title_changed.connect(lambda text, v=view: self._set_title(v, text))
        view.case_saved.connect(lambda _case_id: self.message.emit("Saved"))
        view.audit_requested.connect(self.show_case_audit)
        view.export_requested.connect(self.export_subject)
        self.tabs.setCurrentIndex(index)
        view.given_name.setFocus()

    def _set_title(self, view: CaseFileView, text: str) -> None:
        index = self.tabs.indexOf(view)
        if index >= 0:
            short = text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"
            self.tabs.setTabText(index, short)
            self.tabs.setTabToolTip(index, text)

    def show_caseload(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.caseload.table.setFocus()

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.caseload.search.setFocus()
        self.caseload.search.selectAll()

    def close_current_case(self) -> None:
        self.close_tab(self.tabs.currentIndex())

    def close_tab(self, index: int) -> bool:
        widget = self.tabs.widget(index)
        if not isinstance(widget, CaseFileView):
            return False
        if widget.dirty:
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                "This case file has changes that are not saved. Save them before closing?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return False
            if answer == QMessageBox.StandardButton.Save:
                widget.save(then_close=partial(self._remove, widget))
                return False
        self._remove(widget)
        return True

    def _remove(self, widget: QWidget) -> None:
        index = self.tabs.indexOf(widget)
        if index >= 0 and isinstance(widget, CaseFileView):
            if widget.timeline is not None:
                widget.timeline.save_draft_now()
            self.tabs.removeTab(index)
            widget.deleteLater()

    def unsaved_views(self) -> list[CaseFileView]:
        return [view for view in self.case_views() if view.dirty]


def _focus(widget: QWidget) -> None:
    """Give the keyboard back to ``widget``, unless it went meanwhile (a case tab closed)."""
    with contextlib.suppress(RuntimeError):  # its C++ side was deleted
        widget.setFocus()
