"""Referrals as lists and text: the table models of referrals and of the service directory,
the next step a referral waits for, and the HTML shown beside a chosen service or referral."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor

from restart_desktop.app.referral_views import ReferralView
from restart_desktop.domain.clock import Clock, local_date, local_text
from restart_desktop.domain.reference import ReferenceData, Service
from restart_desktop.domain.referrals import (
    HowSent,
    ReferralStatus,
    Urgency,
)
from restart_desktop.ui.list_models import TEXT_ROLES, Index, RowListTableModel

CHASE = QColor("#8a1c00")


ID_ROLE = Qt.ItemDataRole.UserRole + 1


def next_step(view: ReferralView, today: dt.date, zone: dt.tzinfo | None = None) -> str:
    """What happens next, in a few words: the column a worker scans."""
    if view.chase_due:
        return "Chase now"
    if view.status == ReferralStatus.SENT and view.chase_due_on is not None:
        return f"Chase from {view.chase_due_on:%d/%m}"
    if view.status == ReferralStatus.APPOINTMENT_BOOKED and view.appointment_at is not None:
        day = local_date(view.appointment_at, zone)
        if day < today:
            return "Record: attended?"
        year = "" if day.year == today.year else "/%Y"
        return f"Appointment {local_text(view.appointment_at, f'%d/%m{year} %H:%M', zone)}"
    return {
        ReferralStatus.DRAFT: "Not sent yet",
        ReferralStatus.ACKNOWLEDGED: "Waiting for a decision",
        ReferralStatus.ACCEPTED: "Book the appointment",
        ReferralStatus.DECLINED: "Close it",
        ReferralStatus.DID_NOT_ATTEND: "Rebook or close",
        ReferralStatus.ATTENDED: "Close with the outcome",
    }.get(view.status, "")


PAGE_SIZE = 100  # referrals across the caseload read at a time (a supervisor's run to 10,000)


class ReferralsTableModel(RowListTableModel[ReferralView]):
    """A person's referrals, or (``with_person``) referrals across the caseload."""

    def __init__(
        self, clock: Clock, with_person: bool = False, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.with_person = with_person
        self.COLUMNS = (  # type: ignore[misc]
            ("Person",) if with_person else ()
        ) + ("Service", "Kind", "Status", "Made", "Next")
        #: The session's clock: its zone for times, and its day (``today``, set again at each
        #: load) for "Record: attended?".
        self.clock = clock
        self.today = clock.today()
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
        return (
            self.fetch_page is not None
            and not parent.isValid()
            and not self._fetching
            and len(self._rows) < self.total
        )

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self.fetch_page is not None:
            self._fetching = True
            self.fetch_page(len(self._rows))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        view = self.row_item(index.row()) if index.isValid() else None
        if view is None:
            return None
        column = self.COLUMNS[index.column()]
        if role in TEXT_ROLES:
            return {
                "Person": view.person_name,
                "Service": view.service.name,
                "Kind": view.category_label,
                "Status": view.status.label
                + (" (urgent)" if view.urgency != Urgency.ROUTINE and view.open else ""),
                "Made": f"{view.made_on:%d/%m/%Y}",
                "Next": next_step(view, self.today, self.clock.zone),
            }[column]
        if role == ID_ROLE:
            return view.id
        late = view.chase_due or next_step(view, self.today, self.clock.zone) == (
            "Record: attended?"
        )
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
        if role in TEXT_ROLES:
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


def referral_html(
    view: ReferralView, reference: ReferenceData, zone: dt.tzinfo | None = None
) -> str:
    e = html.escape
    parts = [
        service_html(view.service, reference),
        f"<p><b>{e(view.status.label)}</b> · {e(view.urgency.label)} · made "
        f"{view.made_on:%d/%m/%Y} by {e(view.made_by)}"
        + (
            f" · sent {view.sent_on:%d/%m/%Y} ({e(HowSent(view.how_sent).label.lower())})"
            if view.sent_on and view.how_sent
            else ""
        )
        + "</p>",
        f"<p>Reason: {e(view.reason)}</p>",
    ]
    if view.consent_override:
        parts.append(f"<p>Sent without consent: {e(view.consent_override)}</p>")
    for label, value in (
        ("Declined", view.declined_reason),
        (
            "Appointment",
            (f"{local_text(view.appointment_at, zone=zone)} " if view.appointment_at else "")
            + view.appointment_place,
        ),
        ("Outcome", view.outcome),
        ("Withdrawn", view.withdrawn_reason),
    ):
        if value.strip():
            parts.append(f"<p>{label}: {e(value)}</p>")
    if view.events:
        parts.append("<p><b>History</b><br>")
        for event in reversed(view.events):
            what = (
                "Chased"
                if event.kind == "chase"
                else (event.to_status.label if event.to_status else "")
            )
            note = f": {e(event.note)}" if event.note else ""
            when = local_text(event.at, zone=zone)
            parts.append(f"{when} · {e(what)} · {e(event.author)}{note}<br>")
        parts.append("</p>")
    return "".join(parts)
