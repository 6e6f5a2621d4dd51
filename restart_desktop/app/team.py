"""Team details: the team's own phone number and its contacts for the directory's services,
set by a supervisor (Settings > Team details) and synced to every laptop, in place of the
reference data's examples. Also: which example contacts are still in use, for the banner and
``doctor``, and the contacts a release-day sheet may print (never an example number)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from restart_desktop.app.errors import UserError, ValidationFailed
from restart_desktop.app.session import AppSession
from restart_desktop.app.versions import EditBase, edited_fields, words
from restart_desktop.domain.case import Role
from restart_desktop.domain.checklist import SheetContact
from restart_desktop.domain.examples import example_numbers, is_example
from restart_desktop.domain.reference import ReferenceData, Service
from restart_desktop.store.models import TeamDetails

TEAM_DETAILS_ID = "team-details"  # one record: the same id on every laptop
TEAM_CONTACT = "RESTART team"  # the sheet's contact that the team's own number replaces
MAX_CONTACT_LENGTH = 300
_LABELS = {
    "phone": "team phone number",
    "phone_when": "when the team answers",
    "service_contacts": "service contacts",
}


@dataclass(frozen=True)
class TeamDetailsFields:
    phone: str = ""
    phone_when: str = ""
    service_contacts: Mapping[str, str] = field(default_factory=dict)  # code -> contact


@dataclass(frozen=True)
class TeamDetailsView:
    fields: TeamDetailsFields
    version: str | None


def load_details(s: Session) -> TeamDetailsFields:
    row = s.get(TeamDetails, TEAM_DETAILS_ID)
    if row is None:
        return TeamDetailsFields()
    return TeamDetailsFields(row.phone, row.phone_when, dict(row.service_contacts or {}))


def service_with_team_contact(service: Service, details: TeamDetailsFields) -> Service:
    """The directory entry with the team's own contact for it, when one is set."""
    contact = details.service_contacts.get(service.code, "").strip()
    return replace(service, contact=contact) if contact else service


def sheet_contacts(
    contacts: tuple[SheetContact, ...], details: TeamDetailsFields
) -> tuple[SheetContact, ...]:
    """The "Who to call" lines of a person's sheet: the team's own number in place of the
    template's, and no line whose number is only an example (it would not connect)."""
    shown = []
    for contact in contacts:
        if contact.name == TEAM_CONTACT and details.phone.strip():
            contact = SheetContact(
                contact.name, details.phone.strip(), details.phone_when.strip() or contact.when
            )
        if example_numbers(contact.phone) or is_example(contact.phone):
            continue
        shown.append(contact)
    return tuple(shown)


def examples_in_use(reference: ReferenceData, details: TeamDetailsFields) -> list[str]:
    """Each example contact still in use, in words (empty when none is)."""
    found = []
    for contact in reference.default_checklist.contacts:
        own = contact.name == TEAM_CONTACT and details.phone.strip()
        if not own and is_example(contact.phone):
            found.append(
                f"the release-day sheet's number for {contact.name} (not printed "
                "until a supervisor sets it)"
            )
    services = [
        s.organisation + ": " + s.service
        for s in reference.services
        if is_example(service_with_team_contact(s, details).contact)
    ]
    if services:
        found.append(
            f"{len(services)} services' contacts in the directory ("
            + "; ".join(services[:3])
            + ("…" if len(services) > 3 else "")
            + ")"
        )
    return found


class TeamDetailsService:
    def __init__(self, session: AppSession) -> None:
        self._app = session
        self._db = session.db
        self._reference = session.reference

    def get(self) -> TeamDetailsView:
        with self._db.read() as s:
            row = s.get(TeamDetails, TEAM_DETAILS_ID)
            return TeamDetailsView(load_details(s), row.last_change_id if row else None)

    def examples_in_use(self) -> list[str]:
        with self._db.read() as s:
            return examples_in_use(self._reference, load_details(s))

    def save(self, fields: TeamDetailsFields, base: EditBase | None = None) -> None:
        """A supervisor sets the team's details; with ``base`` only the fields changed in the
        form are written, and one someone else changed meanwhile is refused (EditClashed)."""
        if self._app.worker.role != Role.SUPERVISOR:
            raise UserError("Only a supervisor changes the team's details.")
        problems: dict[str, str] = {}
        if example_numbers(fields.phone):
            problems["phone"] = (
                "That is an example number (it does not connect): enter the team's own."
            )
        if len(fields.phone) > 64:
            problems["phone"] = "Keep the number under 64 characters."
        known = {service.code for service in self._reference.services}
        contacts = {
            code: text.strip()
            for code, text in fields.service_contacts.items()
            if code in known and text.strip()
        }
        for code, text in contacts.items():
            if len(text) > MAX_CONTACT_LENGTH:
                problems[code] = f"Keep a contact under {MAX_CONTACT_LENGTH} characters."
        if problems:
            raise ValidationFailed(problems)
        typed = {
            "phone": fields.phone.strip(),
            "phone_when": fields.phone_when.strip(),
            "service_contacts": contacts,
        }
        with self._db.write() as s:
            row = s.get(TeamDetails, TEAM_DETAILS_ID)
            if row is None:
                s.add(TeamDetails(id=TEAM_DETAILS_ID, **typed))
                return
            for name in edited_fields(
                s, row, base, typed, lambda n: _LABELS.get(n, n), lambda _name, value: words(value)
            ):
                setattr(row, name, typed[name])
