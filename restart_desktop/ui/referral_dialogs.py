"""The referral dialogs: a new referral from the offline service directory, marking it sent
(with consent, or the reason to send without), a change of status, and a chase."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.referral_views import ReferralDraft, ReferralView, StatusChange
from restart_desktop.app.referrals import ReferralService
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.reference import ReferenceData, Service
from restart_desktop.domain.referrals import (
    ALLOWED_TRANSITIONS,
    MAX_REASON_LENGTH,
    HowSent,
    ReferralStatus,
    Urgency,
)
from restart_desktop.ui.list_models import EnterTableView
from restart_desktop.ui.referral_models import (
    ServicesTableModel,
    service_html,
)
from restart_desktop.ui.widgets import (
    DateTimeField,
    FieldError,
    SearchBox,
    buddy_label,
    ok_cancel,
)


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
        find = buddy_label("&Find:", self.search)
        kind = buddy_label("&Kind:", self.kind)
        top.addWidget(find)
        top.addWidget(self.search, 1)
        top.addWidget(kind)
        top.addWidget(self.kind)
        form = QFormLayout()
        reason_label = buddy_label("&Reason:", self.reason)
        urgency_label = buddy_label("&Urgency:", self.urgency)
        form.addRow(reason_label, self.reason)
        form.addRow("", self.errors["reason"])
        form.addRow(urgency_label, self.urgency)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.errors["service"])
        layout.addWidget(self.details)
        layout.addLayout(form)
        layout.addWidget(ok_cancel(self, "Save as draft", self._on_accept))
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
            row = next(
                (
                    n
                    for n in range(self.model.rowCount())
                    if (s := self.model.row_item(n)) and s.code == preset
                ),
                -1,
            )
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
        self.details.setText(
            service_html(service, self._reference)
            if service
            else "No service matches: try fewer words."
        )
        self.errors["service"].show_message(None)

    def chosen(self) -> Service | None:
        return self.model.row_item(self.table.currentIndex().row())

    def reject(self) -> None:
        """Esc or Cancel: a reason already typed is not thrown away without asking."""
        if (
            self.reason.toPlainText().strip()
            and QMessageBox.question(
                self,
                "Discard this referral?",
                "The reason you typed will be lost. Discard the referral?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            != QMessageBox.StandardButton.Discard
        ):
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
        self.how.setCurrentIndex(
            max(0, self.how.findData(view.how_sent or view.service.how_to_refer))
        )
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
        how_label = buddy_label("&How sent:", self.how)
        note = buddy_label("N&ote:", self.note)
        form.addRow(how_label, self.how)
        form.addRow(note, self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.consent)
        if gap:
            override = buddy_label("Send &without consent because:", self.override)
            layout.addWidget(override)
            layout.addWidget(self.override)
            layout.addWidget(self.error)
            self.override.textEdited.connect(lambda _t: self.error.show_message(None))
        layout.addWidget(ok_cancel(self, "Mark as sent", self._on_accept))
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

    def __init__(self, view: ReferralView, clock: Clock, parent: QWidget | None = None) -> None:
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
        self.appointment_at = DateTimeField("Appointment date and time", clock)
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
            label = buddy_label(caption, widget)
            self.form.addRow(label, widget)
            self._rows[key] = (label, widget)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "Save", self._on_accept))
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
        label = buddy_label("&How you chased and what they said:", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(label)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "Record chase", self._on_accept))
        self.setMinimumWidth(520)
        self.note.setFocus()

    def _on_accept(self) -> None:
        if not self.note.text().strip():
            self.error.show_message("Say how you chased and what they said.")
            return
        self.accept()
