"""Service referrals in the window: a person's referrals (a case-file section) and the
Referrals view across the caseload. Their list models are in ui/referral_models.py, the
dialogs to make, send, move on and chase a referral in ui/referral_dialogs.py."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.referral_views import (
    DutyToReferProposal,
    ReferralPage,
    ReferralQuery,
    ReferralView,
    StatusChange,
)
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.versions import EditBase, EditClashed
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.domain.referrals import (
    ALLOWED_TRANSITIONS,
    ReferralStatus,
)
from restart_desktop.ui.clashes import ask_clashes
from restart_desktop.ui.list_models import EnterTableView, fit_columns
from restart_desktop.ui.referral_dialogs import (
    ChaseDialog,
    NewReferralDialog,
    SendDialog,
    StatusDialog,
)
from restart_desktop.ui.referral_models import (
    PAGE_SIZE,
    ReferralsTableModel,
    referral_html,
)
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import (
    ask_save_path,
    buddy_label,
    run_dialog,
)

# --- a person's referrals -------------------------------------------------------------------


class ReferralsPanel(QWidget):
    """A person's referrals; the case file reloads them when a change
    notice concerns them."""

    def __init__(
        self,
        service: ReferralService,
        runner: TaskRunner,
        reference: ReferenceData,
        case_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._reference = reference
        self.case_id = case_id
        self.person_name = ""
        self.proposal: DutyToReferProposal | None = None
        self._writer: QObject | None = None
        self._select_after_load: str | None = None
        self._copied = ""  # the last summary this panel put on the clipboard

        self.duty = QLabel("")
        self.duty.setWordWrap(True)
        self.duty.setStyleSheet(
            "background: #fff1c2; color: #000; border: 1px solid #c89b00; padding: 6px;"
        )
        self.duty.setAccessibleName("Duty to Refer")
        self.duty_button = QPushButton("Make the &Duty to Refer referral…")
        self.duty_box = QWidget()
        duty_layout = QHBoxLayout(self.duty_box)
        duty_layout.setContentsMargins(0, 0, 0, 0)
        duty_layout.addWidget(self.duty, 1)
        duty_layout.addWidget(self.duty_button)
        self.duty_box.hide()

        self.new_button = QPushButton("&New referral… (Ins)")
        self.send_button = QPushButton("S&end…")
        self.update_button = QPushButton("&Update… (Enter)")
        self.chase_button = QPushButton("&Chase…")
        self.copy_button = QPushButton("C&opy summary")
        self.pdf_button = QPushButton("Summary as &PDF…")
        buttons = QHBoxLayout()
        for button in (self.new_button, self.send_button, self.update_button, self.chase_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.pdf_button)

        self.model = ReferralsTableModel(service.clock, parent=self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Referrals: open first. Insert: new. Enter: update.")
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        fit_columns(self.table, (1, 2, 3, 4))  # "Employment, education and training" whole
        self.details = QTextBrowser()
        self.details.setAccessibleName("The referral in full")
        self.details.setOpenLinks(False)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setSizes([220, 260])
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.message.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.message.linkActivated.connect(lambda link: QDesktopServices.openUrl(QUrl(link)))

        layout = QVBoxLayout(self)
        layout.addWidget(self.duty_box)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)

        self.duty_button.clicked.connect(self._on_duty_clicked)
        self.new_button.clicked.connect(lambda: self.new_referral())
        self.send_button.clicked.connect(self.send)
        self.update_button.clicked.connect(self.update_status)
        self.chase_button.clicked.connect(self.chase)
        self.copy_button.clicked.connect(self.copy_summary)
        self.pdf_button.clicked.connect(self.save_summary_pdf)
        self.table.row_activated.connect(lambda _row: self.update_status())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        QShortcut(QKeySequence("Insert"), self.table, lambda: self.new_referral()).setContext(
            Qt.ShortcutContext.WidgetShortcut
        )
        self.reload()

    # --- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        service, case_id = self._service, self.case_id

        def load() -> tuple[list[ReferralView], DutyToReferProposal | None]:
            return service.for_person(case_id), service.duty_to_refer(case_id)

        self._runner.run(load, self._on_loaded, self._on_failed)

    def _on_loaded(self, loaded: tuple[list[ReferralView], DutyToReferProposal | None]) -> None:
        views, proposal = loaded
        current = self.current()
        self.model.today = self._service.clock.today()
        self.model.set_rows(views)
        self.proposal = proposal
        if proposal is not None:
            who = proposal.authority_name or "the local authority of the person's choice"
            when = (
                "today" if proposal.days_to_release == 0 else f"in {proposal.days_to_release} days"
            )
            text = (
                f"Duty to Refer due: release {when} ({proposal.release_date:%d/%m/%Y}) with no "
                f"settled address. Refer to {who}, with the person's consent."
            )
            if not proposal.authority_code:
                text += " Choose the housing authority on the Details section first."
            self.duty.setText(text)
        self.duty_box.setVisible(proposal is not None)
        self.duty_button.setEnabled(proposal is not None and proposal.service_code is not None)
        if views:
            ids = [v.id for v in views]
            wanted = self._select_after_load or (current.id if current else None)
            self._select_after_load = None
            row = ids.index(wanted) if wanted in ids else 0
            self.table.setCurrentIndex(self.model.index(row, 0))
        self.duty_button.setText(
            "Open the &Duty to Refer draft"
            if proposal is not None and proposal.draft_id
            else "Make the &Duty to Refer referral…"
        )
        self._show_current()

    def _on_failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))

    def current(self) -> ReferralView | None:
        return self.model.row_item(self.table.currentIndex().row())

    def _show_current(self) -> None:
        view = self.current()
        self.details.setHtml(
            referral_html(view, self._reference, self._service.clock.zone)
            if view
            else "No referrals yet. Insert makes one."
        )
        status = view.status if view else None
        self.send_button.setEnabled(status == ReferralStatus.DRAFT)
        self.chase_button.setEnabled(status == ReferralStatus.SENT)
        self.update_button.setEnabled(
            view is not None and bool(ALLOWED_TRANSITIONS[view.status] - {ReferralStatus.SENT})
        )
        for button in (self.copy_button, self.pdf_button):
            button.setEnabled(view is not None)

    # --- actions ----------------------------------------------------------------------------
    def _dialog(self, dialog: QDialog) -> bool:
        return run_dialog(dialog, self.table)

    def _save(
        self,
        work: Callable[[], object],
        message: str,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.message.setText("Saving…")

        def done(result: object) -> None:
            self.message.setText(message)
            # A new referral comes back as its id: select it, so Alt+E sends that one.
            # ... once the list reloads from the change notice.
            self._select_after_load = result if isinstance(result, str) else None

        self._runner.run(work, done, failed or self._on_failed)

    def _on_duty_clicked(self) -> None:
        proposal = self.proposal
        if proposal is None:
            return
        if proposal.draft_id is not None:  # already drafted: go to it, to send it
            self.select(proposal.draft_id)
            self.table.setFocus()
            self.message.setText("The Duty to Refer is drafted: send it with Alt+E.")
            return
        if proposal.service_code:
            reason = (
                f"Duty to Refer (Homelessness Reduction Act 2017): release on "
                f"{proposal.release_date:%d/%m/%Y} with no settled address."
            )
            self.new_referral(proposal.service_code, reason, proposal.days_to_release <= 14)

    def select(self, referral_id: str) -> None:
        for row in range(self.model.rowCount()):
            view = self.model.row_item(row)
            if view is not None and view.id == referral_id:
                self.table.setCurrentIndex(self.model.index(row, 0))
                return

    def new_referral(
        self, preset: str | None = None, reason: str = "", urgent: bool = False
    ) -> None:
        dialog = NewReferralDialog(
            self._service, self._reference, self.person_name, preset, self, reason, urgent
        )
        if not self._dialog(dialog):
            return
        draft, service = dialog.draft(self.case_id), self._service
        chosen = dialog.chosen()
        name = chosen.name if chosen else ""
        self._save(
            lambda: service.create(draft),
            f"Draft referral saved: {name}. Send it when it has gone (Alt+E).",
        )

    def send(self) -> None:
        view = self.current()
        if view is None or view.status != ReferralStatus.DRAFT:
            return
        service = self._service
        # The consent check is the service's; the dialog only shows its answer.
        self._runner.run(
            lambda: service.consent_gap(view.id),
            lambda gap: self._send_with(view, gap),
            self._on_failed,
        )

    def _send_with(self, view: ReferralView, gap: str | None) -> None:
        dialog = SendDialog(view, gap, self)
        if not self._dialog(dialog):
            return
        service = self._service
        how, note, override = (
            str(dialog.how.currentData()),
            dialog.note.text(),
            (dialog.override.text()),
        )
        self._save(
            lambda: service.send(view.id, how, note, override), f"Sent: {view.service.name}."
        )

    def update_status(self) -> None:
        view = self.current()
        if view is None:
            return
        if not (ALLOWED_TRANSITIONS[view.status] - {ReferralStatus.SENT}):
            if view.status == ReferralStatus.DRAFT:
                self.send()
            else:
                self.message.setText(f"This referral is {view.status.label.lower()}: it is over.")
            return
        if view.status == ReferralStatus.DRAFT:
            self.send()  # the next step of a draft is sending it
            return
        dialog = StatusDialog(view, self._service.clock, self)
        if not self._dialog(dialog):
            return
        # The step moves on from the status the worker saw (checked when it is saved).
        change = replace(
            dialog.change(), base=EditBase(view.version, {"status": view.status.value})
        )
        self._step(view, change)

    def _step(self, view: ReferralView, change: StatusChange) -> None:
        """Save a step; if someone else moved the referral on meanwhile, show both and let
        the worker keep theirs (nothing written) or take the step from where it is now."""
        service = self._service

        def failed(error: BaseException) -> None:
            if not isinstance(error, EditClashed) or change.base is None:
                self._on_failed(error)
                return
            keeps = ask_clashes(self, error, self._service.clock)
            if not keeps or not keeps.get("status"):
                self.message.setText("Not saved: the referral shows the other change.")
                self.reload()
                return
            self._step(view, replace(change, base=change.base.rebased(error, keeps)))

        self._save(
            lambda: service.change_status(view.id, change),
            f"{change.status.label}: {view.service.name}.",
            failed,
        )

    def chase(self) -> None:
        view = self.current()
        if view is None or view.status != ReferralStatus.SENT:
            return
        dialog = ChaseDialog(view, self)
        if not self._dialog(dialog):
            return
        note, service = dialog.note.text(), self._service
        self._save(
            lambda: service.record_chase(view.id, note), f"Chase recorded: {view.service.name}."
        )

    def copy_summary(self) -> None:
        view = self.current()
        if view is None:
            return
        service = self._service

        def copied(text: str) -> None:
            QGuiApplication.clipboard().setText(text)
            self._copied = text
            self.message.setText(
                "Summary copied: paste it into the service's form or email. It holds only "
                "what this service needs."
            )

        self._runner.run(lambda: service.summary_text(view.id), copied, self._on_copy_failed)

    def _on_copy_failed(self, error: BaseException) -> None:
        clipboard = QGuiApplication.clipboard()
        if self._copied and clipboard.text() == self._copied:
            clipboard.clear()  # never leave another referral's summary ready to paste
            self._copied = ""
        self._on_failed(error)

    def save_summary_pdf(self) -> None:
        view = self.current()
        if view is None:
            return
        organisation = "".join(
            c for c in view.service.organisation if c.isalnum() or c in " -"
        ).strip()
        target = ask_save_path(
            self.table,
            "Save the referral summary",
            f"Referral to {organisation} {self._service.clock.today():%d-%m-%Y}.pdf",
            ".pdf",
            "PDF files",
        )
        if target is None:
            return
        service = self._service
        self.message.setText("Making the summary…")
        self._runner.run(
            lambda: service.summary_text(view.id),
            lambda text: self._write_pdf(text, target),
            self._on_failed,
        )

    def _write_pdf(self, text: str, target: Path) -> None:
        from restart_desktop.documents.referral_summary import summary_writer

        self._writer = summary_writer(text, target, self).begin(  # kept until it has finished
            self._on_pdf_written, self._on_pdf_failed
        )

    def _on_pdf_written(self, path: Path) -> None:
        link = QUrl.fromLocalFile(str(path)).toString()
        self.message.setText(
            f'Summary saved as {html.escape(str(path))}. <a href="{link}">Open it</a>.'
        )

    def _on_pdf_failed(self, error: BaseException) -> None:
        if isinstance(error, OSError):
            self.message.setText(
                f"The summary could not be saved there ({error.strerror or error}). Choose "
                "another folder."
            )
        else:
            self._on_failed(error)


# --- across the caseload --------------------------------------------------------------------


class ReferralsView(QWidget):
    """Signals:
    case_requested(str): open this person's referrals.
    """

    case_requested = Signal(str)

    def __init__(
        self,
        service: ReferralService,
        runner: TaskRunner,
        reference: ReferenceData,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        self.status.addItem("Open referrals", "")
        self.status.addItem("All, closed too", "all")
        for status in ReferralStatus:
            self.status.addItem(status.label, status.value)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of service")
        self.kind.addItem("Any kind", "")
        for need in reference.needs:
            self.kind.addItem(need.label, need.code)
        self.chase_only = QCheckBox("&To chase only")
        self.mine = QCheckBox("Only &my cases")
        self.mine.setChecked(True)  # as the caseload starts on "My cases"
        self.counts = QLabel("")
        self.counts.setWordWrap(True)
        self.counts.setAccessibleName("Referrals by status")
        self.model = ReferralsTableModel(service.clock, with_person=True, parent=self)
        self.model.fetch_page = self._fetch_page
        self._generation = 0
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Referrals across the caseload, to chase first")
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 220), (2, 150), (3, 150), (4, 100), (5, 170)):
            self.table.setColumnWidth(column, width)
        filters = QHBoxLayout()
        status_label = buddy_label("Stat&us:", self.status)
        kind_label = buddy_label("&Kind:", self.kind)
        for widget in (
            status_label,
            self.status,
            kind_label,
            self.kind,
            self.chase_only,
            self.mine,
        ):
            filters.addWidget(widget)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        for combo in (self.status, self.kind):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        for box in (self.chase_only, self.mine):
            box.toggled.connect(lambda _on: self.refresh())
        self.table.row_activated.connect(self._on_row_activated)

    def query(self) -> ReferralQuery:
        status = str(self.status.currentData() or "")
        return ReferralQuery(
            status=status if status not in ("", "all") else None,
            include_finished=status == "all",
            category=str(self.kind.currentData() or "") or None,
            chase_only=self.chase_only.isChecked(),
            mine=self.mine.isChecked(),
        )

    def refresh(self) -> None:
        """The first page and the counts; the table asks for more as it is scrolled."""
        self._generation += 1
        service, query, generation = self._service, self.query(), self._generation

        def load() -> tuple[ReferralPage, dict[ReferralStatus, int]]:
            return service.across_caseload_page(query, 0, PAGE_SIZE), service.counts(query)

        self._runner.run(load, lambda loaded: self._on_loaded(generation, loaded), self._on_failed)

    def _fetch_page(self, offset: int) -> None:
        service, query, generation = self._service, self.query(), self._generation
        self._runner.run(
            lambda: service.across_caseload_page(query, offset, PAGE_SIZE),
            lambda page: self._on_more(generation, offset, page),
            self._on_failed,
        )

    def _on_loaded(
        self, generation: int, loaded: tuple[ReferralPage, dict[ReferralStatus, int]]
    ) -> None:
        if generation != self._generation:
            return  # the filters changed meanwhile: their own refresh is on its way
        page, counts = loaded
        self.model.today = self._service.clock.today()
        self.model.set_first_page(page.views, page.total)
        parts = [f"{counts[s]} {s.label.lower()}" for s in ReferralStatus if counts[s]]
        self.counts.setText(
            f"{page.total} shown, {page.to_chase} to chase. By status: "
            + (", ".join(parts) or "none")
        )
        if page.views:
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _on_more(self, generation: int, offset: int, page: ReferralPage) -> None:
        if generation == self._generation:
            self.model.add_page(offset, page.views)

    def _on_failed(self, error: BaseException) -> None:
        self.counts.setText(user_message(error))

    def _on_row_activated(self, row: int) -> None:
        view = self.model.row_item(row)
        if view is not None:
            self.case_requested.emit(view.person_id)
