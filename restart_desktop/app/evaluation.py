"""The evaluation extract (supervisors): one row per case and one per event for a period, with
no free text and no direct identifier, for the programme's independent evaluators.

- Pseudonyms are keyed hashes of the case id under the team's evaluation key
  (``app.evaluation_key``); quasi-identifiers are coarsened and checked for k-anonymity
  (``domain.evaluation``); the codebook is a Frictionless Data Package (``evaluation_schema``).
- Only people whose research consent is recorded, or everyone under the lawful basis the
  programme records in Settings (named in the README).
- An optional linkage file (identifiers a reoffending data service matches on, columns from
  ``resources/linkage_columns.csv``) is encrypted with age to the recipient given and never
  written in plain.
- The folder is written whole or not at all (a hidden folder renamed when complete); an
  existing folder is refused; the extract is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from pyrage import x25519
from sqlalchemy import String, literal_column, select
from sqlalchemy.orm import Session

from restart_desktop.app.audit import record
from restart_desktop.app.errors import UserError
from restart_desktop.app.evaluation_key import evaluation_key
from restart_desktop.app.evaluation_schema import case_columns, descriptor, event_columns
from restart_desktop.app.outcome_figures import first_needs as first_needs_of
from restart_desktop.app.session import AppSession
from restart_desktop.atomic import write_atomically
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import Role, age_on
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.evaluation import (
    OUT_OF_CUSTODY,
    K,
    QuasiIdentifiers,
    k_anonymise,
    pseudonym,
    release_of,
)
from restart_desktop.domain.figures import Period
from restart_desktop.store.models import (
    STATUS_MOVED_TO,
    Assessment,
    Change,
    CustodyReturn,
    FollowUpCheck,
    Person,
    Referral,
    ReleasePlan,
)

Row = dict[str, Any]
LAWFUL_BASIS = "evaluation_lawful_basis"  # local setting: the basis for including everyone
LINKAGE_FILE = "linkage.csv.age"


@dataclass(frozen=True)
class ExtractResult:
    folder: Path
    cases: int
    events: int
    coarsened: int
    withheld: int
    key_version: int
    linkage: bool


class EvaluationService:
    def __init__(self, session: AppSession) -> None:
        self._app = session
        self._db = session.db
        self._reference = session.reference

    def lawful_basis(self) -> str:
        return self._app.setting(LAWFUL_BASIS, "")

    def set_lawful_basis(self, text: str) -> None:
        """The basis on which everyone may be included (e.g. "Public task: the commissioned
        evaluation, DPIA of 3 March 2026"); empty: only people with research consent."""
        self._require_supervisor()
        self._app.set_setting(LAWFUL_BASIS, " ".join(text.split()))

    def _require_supervisor(self) -> None:
        if self._app.worker.role != Role.SUPERVISOR:
            raise UserError("The evaluation extract is made on a supervisor's laptop.")

    def extract(
        self, period: Period, out: Path, recipient: str = "", rotate_key: bool = False
    ) -> ExtractResult:
        self._require_supervisor()
        out = out.expanduser()
        if out.exists():
            raise UserError(f"{out} already exists: choose a new folder for the extract.")
        if out.parent.exists() and not out.parent.is_dir():
            raise UserError(f"{out.parent} is a file, not a folder: nothing was written.")
        if not out.parent.is_dir():
            raise UserError(f"The folder {out.parent} does not exist: nothing was written.")
        parsed = None
        if recipient.strip():
            try:
                parsed = x25519.Recipient.from_str(recipient.strip())
            except pyrage.RecipientError:
                raise UserError("The recipient is not an age public key (age1…).") from None
        version, key = evaluation_key(self._app, rotate=rotate_key)
        basis = self.lawful_basis()
        with self._db.read() as s:
            people, events, linkage = self._gather(s, period, key, bool(basis))
        quasi = [p.pop("_quasi") for p in people]
        anonymised = k_anonymise(quasi)
        kept, kept_ids = [], set()
        for row, shown in zip(people, anonymised.shown, strict=True):
            if shown is not None:
                row.update(
                    age_band=shown.age_band,
                    release_period=shown.release_period,
                    prison_group=shown.prison_group,
                )
                kept.append(row)
                kept_ids.add(row["pseudonym"])
        events = [e for e in events if e["pseudonym"] in kept_ids]
        files = {
            "cases.csv": _csv([c.name for c in case_columns(self._reference)], kept),
            "events.csv": _csv([c.name for c in event_columns()], events),
            "datapackage.json": descriptor(
                f"restart-evaluation-{period.start}-{period.end}",
                case_columns(self._reference),
                event_columns(),
                parsed is not None,
            ),
            "README.md": self._readme(
                period,
                version,
                basis,
                len(kept),
                len(events),
                anonymised.coarsened,
                anonymised.withheld,
                parsed is not None,
            ).encode(),
        }
        if parsed is not None:
            rows = [r for r in linkage if r["pseudonym"] in kept_ids]
            columns = self._reference.linkage_columns
            plain = _csv(
                [c for c, _ in columns], [{c: r[source] for c, source in columns} for r in rows]
            )
            files[LINKAGE_FILE] = pyrage.encrypt(plain, [parsed])  # never written in plain
        _write_folder(out, files)
        record(
            self._app,
            AuditAction.EXPORTED,
            None,
            f"evaluation extract, {period.label}: {len(kept)} cases, {len(events)} events, "
            f"key version {version}" + (", linkage file" if parsed else ""),
        )
        return ExtractResult(
            out,
            len(kept),
            len(events),
            anonymised.coarsened,
            anonymised.withheld,
            version,
            parsed is not None,
        )

    # --- gathering ------------------------------------------------------------------------
    def _gather(
        self, s: Session, period: Period, key: bytes, everyone: bool
    ) -> tuple[list[Row], list[Row], list[dict[str, str]]]:
        released = _latest_releases(s)
        was_out = _ever_out(s)
        today = self._app.clock.today()
        prisons = {p.code: p.category for p in self._reference.prisons}
        first_needs = first_needs_of(s)
        people, linkage = [], []
        by_id: dict[str, str] = {}
        release_days: dict[str, dt.date] = {}
        for p in s.scalars(select(Person)):
            plan = released.get(p.id)
            release = release_of(
                p.status, plan[0] if plan else None, p.release_date, p.id in was_out, today
            )
            # the day the laptop showed (00:30 in summer time is the next day in UTC)
            recommended = p.referral_date or self._app.clock.day_of(p.created_at)
            in_period = recommended in period or release.day in period
            if not in_period or not (everyone or p.research_consent_date):
                continue
            name = pseudonym(key, p.id)
            by_id[p.id] = name
            if release.day is not None:
                release_days[p.id] = release.day
            on = release.day or recommended
            people.append(
                {
                    "_quasi": QuasiIdentifiers(
                        age_on(p.date_of_birth, on) if p.date_of_birth else None,
                        release.month,
                        prisons.get(p.prison_code, "not known"),
                    ),
                    "pseudonym": name,
                    "recommended_by": p.referral_source or "not known",
                    "sentence_type": p.sentence_type or "not known",
                    "earlier_custodial_sentences": _band(p.earlier_custodial_sentences),
                    "needs_at_referral": ";".join(sorted(first_needs.get(p.id, p.needs or []))),
                    "needs_at_closure": ";".join(sorted(p.needs or [])),
                    "status": p.status,
                    "closure_reason": p.closure_reason,
                    "first_night": plan[1] if plan else "",
                    "met_at_gate": ""
                    if not plan or plan[2] is None
                    else ("yes" if plan[2] else "no"),
                    "included_by": "research_consent"
                    if p.research_consent_date
                    else "lawful_basis",
                }
            )
            linkage.append(
                {
                    "pseudonym": name,
                    "given_name": p.given_name,
                    "family_name": p.family_name,
                    "date_of_birth": p.date_of_birth.isoformat() if p.date_of_birth else "",
                    "nomis_number": p.nomis_number,
                    "crn": p.crn,
                    "support_started": recommended.isoformat(),
                }
            )
        events = list(_events(s, by_id, release_days, period, self._app.clock))
        return people, events, linkage

    def _readme(
        self,
        period: Period,
        version: int,
        basis: str,
        cases: int,
        events: int,
        coarsened: int,
        withheld: int,
        linkage: bool,
    ) -> str:
        included = (
            f"everyone on the programme in the period, under the lawful basis the "
            f'programme recorded: "{basis}"'
            if basis
            else "only people whose research consent is recorded"
        )
        lines = [
            "# RESTART Thames Valley: evaluation extract",
            "",
            f"Period: {period.label}. {cases} people (cases.csv) and {events} events "
            "(events.csv). The codebook is datapackage.json (a Frictionless Data Package: "
            "every column's name, type, meaning and allowed values).",
            "",
            "## Who is in it",
            f"This extract holds {included}.",
            "",
            "## Pseudonyms",
            f"Each person appears as a pseudonym: a keyed hash (HMAC-SHA256) of their case "
            f"under the team's evaluation key (version {version}). The same person has the "
            "same pseudonym in every extract made with this key, by any supervisor, so "
            "extracts can be joined; without the key a pseudonym cannot be traced back. If "
            "the key is rotated, later extracts carry new pseudonyms that do not match "
            "earlier ones.",
            "",
            "## Disclosure control",
            "No free text and no name, date of birth, prison number or CRN is in the analysis "
            "files. Age is given in bands, the release by month, the prison by its kind. "
            f"Every combination of age band, release period and prison group is shared by at "
            f"least {K} people: {coarsened} people are shown at a coarser level (release "
            f"quarter, wider age band, or any prison) and {withheld} were withheld because "
            "they would still have stood out. Event dates are days from the latest release.",
        ]
        if linkage:
            lines += [
                "",
                "## Linkage file",
                f"{LINKAGE_FILE} holds the pseudonym with the identifiers a reoffending "
                "data service needs to match records (see resources/linkage_columns.csv "
                "for its columns). It is encrypted with age to the receiving service's "
                "key: only that service can open it (age -d -i KEY linkage.csv.age). "
                "Keep it apart from the analysis files.",
            ]
        return "\n".join(lines) + "\n"


def _band(count: int | None) -> str:
    if count is None:
        return "not known"
    return "0" if count == 0 else "1" if count == 1 else "2-4" if count <= 4 else "5+"


def _latest_releases(s: Session) -> dict[str, tuple[dt.date, str, bool | None]]:
    """Per person, the latest recorded release: (day, first night, met at the gate)."""
    found: dict[str, tuple[dt.date, str, bool | None]] = {}
    for pid, day, night, met in s.execute(
        select(
            ReleasePlan.person_id,
            ReleasePlan.release_date,
            ReleasePlan.first_night,
            ReleasePlan.met_at_gate,
        )
        .where(ReleasePlan.outcome_recorded_at.is_not(None), ReleasePlan.release_date.is_not(None))
        .order_by(ReleasePlan.release_date)
    ):
        if day is not None:
            found[pid] = (day, night or "", met)
    return found


def _ever_out(s: Session) -> set[str]:
    """The cases whose status was ever Released or Supported in the community (from the
    change log: a case closed in the community was released)."""
    status = literal_column(STATUS_MOVED_TO, String)
    return set(
        s.scalars(
            select(Change.record_id).where(
                Change.entity == "people", status.in_(sorted(OUT_OF_CUSTODY))
            )
        )
    )


def _events(  # noqa: C901 - every kind of event in the extract, one generator, in order
    s: Session,
    names: dict[str, str],
    released: dict[str, dt.date],
    period: Period,
    clock: Clock,
) -> Iterable[dict[str, Any]]:
    def row(pid: str, event: str, code: str, value: str, day: dt.date) -> dict[str, Any]:
        start = released.get(pid)
        return {
            "pseudonym": names[pid],
            "event": event,
            "code": code,
            "value": value,
            "days_from_release": (day - start).days if start else "",
        }

    for change in s.scalars(
        select(Change).where(Change.entity == "people", Change.record_id.in_(names))
    ):
        on = clock.day_of(change.recorded_at)  # the laptop's day, not UTC's
        if "status" in change.fields and on <= period.end:
            yield row(change.record_id, "status", str(change.fields["status"]), "", on)
    for pid, day in released.items():
        if pid in names:
            yield row(pid, "release", "", "", day)
    for plan in s.scalars(
        select(ReleasePlan).where(ReleasePlan.person_id.in_(names), ReleasePlan.first_night != "")
    ):
        if plan.release_date:
            yield row(plan.person_id, "first_night", plan.first_night, "", plan.release_date)
    for c in s.scalars(select(FollowUpCheck).where(FollowUpCheck.person_id.in_(names))):
        yield row(
            c.person_id,
            "check",
            c.check_code,
            ";".join((c.accommodation, c.universal_credit, c.treatment, c.gp, c.ete)),
            c.checked_on,
        )
    for r in s.scalars(
        select(Referral).where(Referral.person_id.in_(names), Referral.status != "draft")
    ):
        yield row(r.person_id, "referral", r.category, "", r.sent_on or r.made_on)
        yield row(r.person_id, "referral_outcome", r.category, r.status, r.made_on)
    scores: dict[str, list[tuple[dt.date, dict[str, int]]]] = defaultdict(list)
    for a in s.scalars(
        select(Assessment).where(
            Assessment.person_id.in_(names), Assessment.finalised_at.is_not(None)
        )
    ):
        scores[a.person_id].append(
            (
                a.assessed_on,
                {
                    str(x["code"]): int(x["worker"])
                    for x in a.scores or []
                    if x.get("worker") is not None
                },
            )
        )
    for pid, points in scores.items():
        points.sort(key=lambda p: p[0])
        for (_before, old), (on, new) in zip(points, points[1:], strict=False):
            for area in sorted(set(old) & set(new)):
                if new[area] != old[area]:
                    yield row(pid, "score_change", area, f"{new[area] - old[area]:+d}", on)
    for back in s.scalars(select(CustodyReturn).where(CustodyReturn.person_id.in_(names))):
        yield row(back.person_id, "custody_return", back.kind, "", back.returned_on)


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _write_folder(out: Path, files: dict[str, bytes]) -> None:
    """Every file into a hidden folder beside ``out``, renamed to ``out`` when complete."""
    building = out.with_name(f".{out.name}.part")
    try:
        if building.exists():
            shutil.rmtree(building)
        building.mkdir(mode=0o700)
        try:
            for name, data in files.items():
                write_atomically(building / name, data)
            os.rename(building, out)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    except OSError as error:
        raise UserError(
            f"The extract could not be written in {out.parent} ({error.strerror or error}): "
            "nothing of it was kept. Choose another folder, or check the space left on the disk."
        ) from error
