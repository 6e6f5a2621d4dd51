"""Service referrals in the window: a person's referrals (a case-file section), the Referrals
view across the caseload, and the dialogs to make, send, move on and chase a referral."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QColor, QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.referrals import (
    DutyToReferProposal,
    ReferralDraft,
    ReferralPage,
    ReferralQuery,
    ReferralService,
    ReferralView,
    StatusChange,
)
from restart_desktop.app.versions import EditBase, EditClashed
from restart_desktop.domain.clock import local_date, local_text
from restart_desktop.domain.reference import ReferenceData, Service
from restart_desktop.domain.referrals import (
    ALLOWED_TRANSITIONS,
    MAX_REASON_LENGTH,
    HowSent,
    ReferralStatus,
    Urgency,
)
from restart_desktop.ui.clashes import ask_clashes
from restart_desktop.ui.list_models import EnterTableView, Index, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import (
    DateTimeField,
    FieldError,
    SearchBox,
    ask_save_path,
    run_dialog,
)

CHASE = QColor("#8a1c00")
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def next_step(view: ReferralView, today: dt.date) -> str:
    """What happens next, in a few words: the column a worker scans."""
    if view.chase_due:
        return "Chase now"
    if view.status == ReferralStatus.SENT and view.chase_due_on is not None:
        return f"Chase from {view.chase_due_on:%d/%m}"
    if view.status == ReferralStatus.APPOINTMENT_BOOKED and view.appointment_at is not None:
        if local_date(view.appointment_at) < today:
            return "Record: attended?"
        year = "" if local_date(view.appointment_at).year == today.year else "/%Y"
        return f"Appointment {local_text(view.appointment_at, f'%d/%m{year} %H:%M')}"
    return {
        ReferralStatus.DRAFT: "Not sent yet",
        ReferralStatus.ACKNOWLEDGED: "Waiting for a decision",
        ReferralStatus.ACCEPTED: "Book the appointment",
        ReferralStatus.DECLINED: "Close it",
        ReferralStatus.DID_NOT_ATTEND: "Rebook or close",
        ReferralStatus.ATTENDED: "Close with the outcome",
    }.get(view.status, "")


# --- list models ----------------------------------------------------------------------------


PAGE_SIZE = 100  # referrals across the caseload read at a time (a supervisor's run to 10,000)


class ReferralsTableModel(RowListTableModel[ReferralView]):
    """A person's referrals, or (``with_person``) referrals across the caseload."""

    def __init__(self, with_person: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.with_person = with_person
        self.COLUMNS = (  # type: ignore[misc]
            ("Person",) if with_person else ()
        ) + ("Service", "Kind", "Status", "Made", "Next")
        self.today = dt.date.today()
        #: Set by a view that reads its rows a page at a time: asks for the page at an offset.
        self.fetch_page: Callable[[int], None] | None = None
        self.total = 0  # with pages: every matching row, read or not
        self._fetching = False

    def set_first_page(self, rows: list[ReferralView], total: int) -> None:
        self.total, self._fetching = total, False
        self.set_rows(rows)

    def add_page(self, offset: int, rows: list[ReferralView]) -> None:
        """Rows read at ``offset`` (a page asked for before a refresh is dropped)."""
        if offset != len(self._rows):
            return
        self._fetching = False
        if not rows:
            self.total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (self.fetch_page is not None and not parent.isValid() and not self._fetching
                and len(self._rows) < self.total)  # fmt: skip

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self.fetch_page is not None:
            self._fetching = True
            self.fetch_page(len(self._rows))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        view = self.row_item(index.row()) if index.isValid() else None
        if view is None:
            return None
        column = self.COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return {
                "Person": view.person_name,
                "Service": view.service.name,
                "Kind": view.category_label,
                "Status": view.status.label
                + (" (urgent)" if view.urgency != Urgency.ROUTINE and view.open else ""),
                "Made": f"{view.made_on:%d/%m/%Y}",
                "Next": next_step(view, self.today),
            }[column]
        if role == ID_ROLE:
            return view.id
        late = view.chase_due or next_step(view, self.today) == "Record: attended?"
        if role == Qt.ItemDataRole.ForegroundRole and late and column in ("Next", "Status"):
            return QBrush(CHASE)
        return None


class ServicesTableModel(RowListTableModel[Service]):
    COLUMNS = ("Service", "Kind", "Area", "How to refer")

    def __init__(self, reference: ReferenceData, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reference = reference

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        service = self.row_item(index.row()) if index.isValid() else None
        if service is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            column = index.column()
            if column == 0:
                return service.name
            if column == 1:
                need = self._reference.need(service.category)
                return need.label if need else service.category
            if column == 2:
                if not service.areas:
                    return "Everywhere"
                names = [self._reference.local_authority(a) for a in service.areas]
                return ", ".join(n.name.replace(" Council", "") for n in names if n)
            return HowSent(service.how_to_refer).label
        return None


def service_html(service: Service, reference: ReferenceData) -> str:
    e = html.escape
    need = reference.need(service.category)
    return (
        f"<b>{e(service.name)}</b><br>Kind: {e(need.label if need else service.category)}"
        f"<br>How to refer: {e(HowSent(service.how_to_refer).label)}"
        f"<br>Contact: {e(service.contact)}<br>Open: {e(service.opening_hours)}"
        f"<br>What they need: {e(service.referral_needs)}"
    )


def referral_html(view: ReferralView, reference: ReferenceData) -> str:
    e = html.escape
    parts = [
        service_html(view.service, reference),
        f"<p><b>{e(view.status.label)}</b> · {e(view.urgency.label)} · made "
        f"{view.made_on:%d/%m/%Y} by {e(view.made_by)}"
        + (f" · sent {view.sent_on:%d/%m/%Y} ({e(HowSent(view.how_sent).label.lower())})"
           if view.sent_on and view.how_sent else "")
        + "</p>",
        f"<p>Reason: {e(view.reason)}</p>",
    ]  # fmt: skip
    if view.consent_override:
        parts.append(f"<p>Sent without consent: {e(view.consent_override)}</p>")
    for label, value in (
        ("Declined", view.declined_reason),
        ("Appointment", (f"{local_text(view.appointment_at)} " if view.appointment_at
                         else "") + view.appointment_place),
        ("Outcome", view.outcome),
        ("Withdrawn", view.withdrawn_reason),
    ):  # fmt: skip
        if value.strip():
            parts.append(f"<p>{label}: {e(value)}</p>")
    if view.events:
        parts.append("<p><b>History</b><br>")
        for event in reversed(view.events):
            what = (
                "Chased" if event.kind == "chase"
                else (event.to_status.label if event.to_status else "")
            )  # fmt: skip
            note = f": {e(event.note)}" if event.note else ""
            parts.append(f"{local_text(event.at)} · {e(what)} · {e(event.author)}{note}<br>")
        parts.append("</p>")
    return "".join(parts)


# --- dialogs --------------------------------------------------------------------------------


def _buttons(dialog: QDialog, ok_text: str, accept: Callable[[], None]) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class NewReferralDialog(QDialog):
    """Choose a service from the offline directory, say why and how urgent."""

    def __init__(
        self,
        service: ReferralService,
        reference: ReferenceData,
        person_name: str,
        preset: str | None = None,
        parent: QWidget | None = None,
        reason: str = "",
        urgent: bool = False,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._reference = reference
        self.setWindowTitle("New referral")  # no name: titles show in the taskbar
        self.search = SearchBox()
        self.search.setPlaceholderText("Search the directory: service, organisation, contact…")
        self.search.setAccessibleName("Search the service directory")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of service")
        self.kind.addItem("Any kind", "")
        for need in reference.needs:
            self.kind.addItem(need.label, need.code)
        self.model = ServicesTableModel(reference, self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Services")
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 150), (2, 170), (3, 120)):
            self.table.setColumnWidth(column, width)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setAccessibleName("The chosen service")
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName("Reason for the referral")
        self.reason.setMaximumHeight(90)
        self.urgency = QComboBox()
        self.urgency.setAccessibleName("Urgency")
        for urgency in Urgency:
            self.urgency.addItem(urgency.label, urgency.value)
        self.errors = {k: FieldError() for k in ("service", "reason")}
        top = QHBoxLayout()
        find = QLabel("&Find:")
        find.setBuddy(self.search)
        kind = QLabel("&Kind:")
        kind.setBuddy(self.kind)
        top.addWidget(find)
        top.addWidget(self.search, 1)
        top.addWidget(kind)
        top.addWidget(self.kind)
        form = QFormLayout()
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason)
        urgency_label = QLabel("&Urgency:")
        urgency_label.setBuddy(self.urgency)
        form.addRow(reason_label, self.reason)
        form.addRow("", self.errors["reason"])
        form.addRow(urgency_label, self.urgency)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.errors["service"])
        layout.addWidget(self.details)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, "Save as draft", self._on_accept))
        self.search.textChanged.connect(lambda _t: self._filter())
        self.search.down_pressed.connect(self.table.setFocus)
        self.kind.currentIndexChanged.connect(lambda _i: self._filter())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_service())
        self.table.row_activated.connect(lambda _row: self.reason.setFocus())
        self.reason.textChanged.connect(lambda: self.errors["reason"].show_message(None))
        self.resize(860, 640)
        self.reason.setPlainText(reason)
        if urgent:
            self.urgency.setCurrentIndex(self.urgency.findData(Urgency.URGENT.value))
        self._filter()
        if preset:
            row = next((n for n in range(self.model.rowCount())
                        if (s := self.model.row_item(n)) and s.code == preset), -1)  # fmt: skip
            if row >= 0:
                self.table.setCurrentIndex(self.model.index(row, 0))
                self.reason.setFocus()
                return
        self.search.setFocus()

    def _filter(self) -> None:
        current = self.chosen()
        services = self._service.directory(self.search.text(), self.kind.currentData() or None)
        self.model.set_rows(services)
        codes = [s.code for s in services]
        row = codes.index(current.code) if current and current.code in codes else 0
        if services:
            self.table.setCurrentIndex(self.model.index(row, 0))
        self._show_service()

    def _show_service(self) -> None:
        service = self.chosen()
        self.details.setText(service_html(service, self._reference) if service else
                             "No service matches: try fewer words.")  # fmt: skip
        self.errors["service"].show_message(None)

    def chosen(self) -> Service | None:
        return self.model.row_item(self.table.currentIndex().row())

    def reject(self) -> None:
        """Esc or Cancel: a reason already typed is not thrown away without asking."""
        if self.reason.toPlainText().strip() and QMessageBox.question(
            self,
            "Discard this referral?",
            "The reason you typed will be lost. Discard the referral?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        ) != QMessageBox.StandardButton.Discard:
            return
        super().reject()

    def draft(self, person_id: str) -> ReferralDraft:
        service = self.chosen()
        return ReferralDraft(
            person_id=person_id,
            service_code=service.code if service else "",
            reason=self.reason.toPlainText(),
            urgency=str(self.urgency.currentData()),
        )

    def _on_accept(self) -> None:
        problems = {}
        if self.chosen() is None:
            problems["service"] = "Choose a service from the directory."
        if not self.reason.toPlainText().strip():
            problems["reason"] = "Say why the person is being referred."
        elif len(self.reason.toPlainText()) > MAX_REASON_LENGTH:
            problems["reason"] = f"Keep the reason under {MAX_REASON_LENGTH} characters."
        for key, label in self.errors.items():
            label.show_message(problems.get(key))
        if problems:
            (self.reason if "reason" in problems else self.search).setFocus()
            return
        self.accept()


class SendDialog(QDialog):
    """How it was sent; says which consent is missing and asks for an override reason."""

    def __init__(self, view: ReferralView, gap: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Send the referral")
        self.gap = gap
        intro = QLabel(f"Mark the referral to <b>{html.escape(view.service.name)}</b> as sent.")
        intro.setWordWrap(True)
        self.how = QComboBox()
        self.how.setAccessibleName("How it was sent")
        for how in HowSent:
            self.how.addItem(how.label, how.value)
        self.how.setCurrentIndex(max(0, self.how.findData(view.how_sent or
                                                          view.service.how_to_refer)))  # fmt: skip
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.consent = QLabel(gap or "")
        self.consent.setWordWrap(True)
        self.consent.setStyleSheet("color: #a00000; font-weight: 600;")
        self.consent.setAccessibleName("Missing consent")
        self.consent.setVisible(bool(gap))
        self.override = QLineEdit()
        self.override.setAccessibleName("Reason to send without consent")
        self.override.setPlaceholderText("e.g. a safeguarding duty; recorded, not sent")
        self.error = FieldError()
        form = QFormLayout()
        how_label = QLabel("&How sent:")
        how_label.setBuddy(self.how)
        note = QLabel("N&ote:")
        note.setBuddy(self.note)
        form.addRow(how_label, self.how)
        form.addRow(note, self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.consent)
        if gap:
            override = QLabel("Send &without consent because:")
            override.setBuddy(self.override)
            layout.addWidget(override)
            layout.addWidget(self.override)
            layout.addWidget(self.error)
            self.override.textEdited.connect(lambda _t: self.error.show_message(None))
        layout.addWidget(_buttons(self, "Mark as sent", self._on_accept))
        self.setMinimumWidth(560)
        (self.override if gap else self.how).setFocus()

    def _on_accept(self) -> None:
        if self.gap and not self.override.text().strip():
            self.error.show_message(
                "Without consent, say why the referral must still go (for example a "
                "safeguarding duty), or cancel and record consent first."
            )
            self.override.setFocus()
            return
        self.accept()


class StatusDialog(QDialog):
    """The next step of a referral, with what that step needs."""

    def __init__(self, view: ReferralView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Update the referral")
        intro = QLabel(
            f"{html.escape(view.service.name)} is <b>{html.escape(view.status.label.lower())}"
            "</b>. What has happened?"
        )
        intro.setWordWrap(True)
        self.status = QComboBox()
        self.status.setAccessibleName("New status")
        for status in ReferralStatus:
            if status in ALLOWED_TRANSITIONS[view.status] and status != ReferralStatus.SENT:
                self.status.addItem(status.label, status.value)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Why")
        self.appointment_at = DateTimeField("Appointment date and time")
        self.place = QLineEdit(view.appointment_place)
        self.place.setAccessibleName("Where the appointment is")
        self.outcome = QLineEdit()
        self.outcome.setAccessibleName("Outcome")
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.error = FieldError()
        self.form = QFormLayout()
        self._rows: dict[str, tuple[QLabel, QWidget]] = {}
        for key, caption, widget in (
            ("status", "&New status:", self.status),
            ("reason", "&Why:", self.reason),
            ("appointment_at", "&Appointment:", self.appointment_at),
            ("place", "&Place:", self.place),
            ("outcome", "Out&come:", self.outcome),
            ("note", "N&ote:", self.note),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            self.form.addRow(label, widget)
            self._rows[key] = (label, widget)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self, "Save", self._on_accept))
        self.status.currentIndexChanged.connect(lambda _i: self._show_fields())
        self._show_fields()
        self.setMinimumWidth(560)
        self.status.setFocus()

    def chosen(self) -> ReferralStatus | None:
        value = self.status.currentData()
        return ReferralStatus(value) if value else None

    def _show_fields(self) -> None:
        status = self.chosen()
        wanted = {
            "reason": status in (ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN),
            "appointment_at": status == ReferralStatus.APPOINTMENT_BOOKED,
            "place": status == ReferralStatus.APPOINTMENT_BOOKED,
            "outcome": status == ReferralStatus.CLOSED,
        }
        for key, show in wanted.items():
            for widget in self._rows[key]:
                widget.setVisible(show)
        self.error.show_message(None)

    def change(self) -> StatusChange:
        status = self.chosen()
        assert status is not None
        try:
            at = self.appointment_at.value()
        except ValueError:
            at = None
        return StatusChange(
            status=status,
            note=self.note.text(),
            reason=self.reason.text(),
            appointment_at=at,
            appointment_place=self.place.text(),
            outcome=self.outcome.text(),
        )

    def _on_accept(self) -> None:
        status = self.chosen()
        problem = None
        if status is None:
            problem = "This referral cannot change any more."
        elif status in (ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN):
            if not self.reason.text().strip():
                problem = "Say why."
        elif status == ReferralStatus.APPOINTMENT_BOOKED:
            try:
                if self.appointment_at.value() is None:
                    problem = "Enter the date and time of the appointment, e.g. 01/12/2026 10:00."
            except ValueError as error:
                problem = str(error)
        elif status == ReferralStatus.CLOSED and not self.outcome.text().strip():
            problem = "Say how the referral ended (the outcome)."
        if problem:
            self.error.show_message(problem)
            return
        self.accept()


class ChaseDialog(QDialog):
    def __init__(self, view: ReferralView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chase the referral")
        sent = f"{view.sent_on:%d/%m/%Y}" if view.sent_on else "not yet"
        intro = QLabel(
            f"Sent to <b>{html.escape(view.service.name)}</b> on {sent}, no answer yet. "
            f"Contact: {html.escape(view.service.contact)}"
        )
        intro.setWordWrap(True)
        self.note = QLineEdit()
        self.note.setAccessibleName("How you chased and what they said")
        self.error = FieldError()
        label = QLabel("&How you chased and what they said:")
        label.setBuddy(self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(label)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self, "Record chase", self._on_accept))
        self.setMinimumWidth(520)
        self.note.setFocus()

    def _on_accept(self) -> None:
        if not self.note.text().strip():
            self.error.show_message("Say how you chased and what they said.")
            return
        self.accept()


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

        self.model = ReferralsTableModel(parent=self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Referrals: open first. Insert: new. Enter: update.")
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 150), (2, 170), (3, 100), (4, 170)):
            self.table.setColumnWidth(column, width)
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
        self.model.today = dt.date.today()
        self.model.set_rows(views)
        self.proposal = proposal
        if proposal is not None:
            who = proposal.authority_name or "the local authority of the person's choice"
            when = (
                "today" if proposal.days_to_release == 0
                else f"in {proposal.days_to_release} days"
            )  # fmt: skip
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
            "Open the &Duty to Refer draft" if proposal is not None and proposal.draft_id
            else "Make the &Duty to Refer referral…"
        )  # fmt: skip
        self._show_current()

    def _on_failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))

    def current(self) -> ReferralView | None:
        return self.model.row_item(self.table.currentIndex().row())

    def _show_current(self) -> None:
        view = self.current()
        self.details.setHtml(referral_html(view, self._reference) if view else
                             "No referrals yet. Insert makes one.")  # fmt: skip
        status = view.status if view else None
        self.send_button.setEnabled(status == ReferralStatus.DRAFT)
        self.chase_button.setEnabled(status == ReferralStatus.SENT)
        self.update_button.setEnabled(view is not None and bool(
            ALLOWED_TRANSITIONS[view.status] - {ReferralStatus.SENT}))  # fmt: skip
        for button in (self.copy_button, self.pdf_button):
            button.setEnabled(view is not None)

    # --- actions ----------------------------------------------------------------------------
    def _dialog(self, dialog: QDialog) -> bool:
        return run_dialog(dialog, self.table)

    def _save(self, work: Callable[[], object], message: str,
              failed: Callable[[BaseException], None] | None = None) -> None:  # fmt: skip
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
        self._save(lambda: service.create(draft), f"Draft referral saved: {name}. Send it when "
                   "it has gone (Alt+E).")  # fmt: skip

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
        how, note, override = str(dialog.how.currentData()), dialog.note.text(), (
            dialog.override.text()
        )
        self._save(lambda: service.send(view.id, how, note, override),
                   f"Sent: {view.service.name}.")  # fmt: skip

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
        dialog = StatusDialog(view, self)
        if not self._dialog(dialog):
            return
        # The step moves on from the status the worker saw (checked when it is saved).
        change = replace(dialog.change(), base=EditBase(view.version,
                                                        {"status": view.status.value}))
        self._step(view, change)

    def _step(self, view: ReferralView, change: StatusChange) -> None:
        """Save a step; if someone else moved the referral on meanwhile, show both and let
        the worker keep theirs (nothing written) or take the step from where it is now."""
        service = self._service

        def failed(error: BaseException) -> None:
            if not isinstance(error, EditClashed) or change.base is None:
                self._on_failed(error)
                return
            keeps = ask_clashes(self, error)
            if not keeps or not keeps.get("status"):
                self.message.setText("Not saved: the referral shows the other change.")
                self.reload()
                return
            self._step(view, replace(change, base=change.base.rebased(error, keeps)))

        self._save(lambda: service.change_status(view.id, change),
                   f"{change.status.label}: {view.service.name}.", failed)  # fmt: skip

    def chase(self) -> None:
        view = self.current()
        if view is None or view.status != ReferralStatus.SENT:
            return
        dialog = ChaseDialog(view, self)
        if not self._dialog(dialog):
            return
        note, service = dialog.note.text(), self._service
        self._save(lambda: service.record_chase(view.id, note),
                   f"Chase recorded: {view.service.name}.")  # fmt: skip

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
        target = ask_save_path(self.table, "Save the referral summary",
                               f"Referral to {organisation} {dt.date.today():%d-%m-%Y}.pdf",
                               ".pdf", "PDF files")  # fmt: skip
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
        from restart_desktop.ui.pdf import PdfWriterThread

        lines = text.splitlines()
        body = "<h2>" + html.escape(lines[0]) + "</h2>" + "".join(
            f"<p>{html.escape(line)}</p>" for line in lines[1:]
        )
        writer = PdfWriterThread(body, target, "Referral summary", self)
        writer.written.connect(self._on_pdf_written)
        writer.failed.connect(self._on_pdf_failed)
        writer.finished.connect(writer.deleteLater)
        self._writer = writer
        writer.start()

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
        self.model = ReferralsTableModel(with_person=True, parent=self)
        self.model.fetch_page = self._fetch_page
        self._generation = 0
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Referrals across the caseload, to chase first")
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 220), (2, 150), (3, 150), (4, 100), (5, 170)):
            self.table.setColumnWidth(column, width)
        filters = QHBoxLayout()
        status_label = QLabel("Stat&us:")
        status_label.setBuddy(self.status)
        kind_label = QLabel("&Kind:")
        kind_label.setBuddy(self.kind)
        for widget in (status_label, self.status, kind_label, self.kind, self.chase_only,
                       self.mine):  # fmt: skip
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

        self._runner.run(load, lambda loaded: self._on_loaded(generation, loaded),
                         self._on_failed)  # fmt: skip

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
        self.model.today = dt.date.today()
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
