"""Reference data (prisons, authorities, needs...) loaded from the CSV files in resources/.

The files are the single source of truth and are edited by the team, not by developers, so
every problem is reported with the file name and the line number a person would see in an
editor or spreadsheet. Nothing here is computed: bank holidays, in particular, come only from
bank_holidays.csv.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from restart_desktop.domain.checklist import ChecklistTemplate, load_templates
from restart_desktop.domain.errors import ReferenceDataError
from restart_desktop.domain.reference_csv import coded_rows, csv_rows, load_table
from restart_desktop.paths import resources_dir

CHECKLISTS_FOLDER = "checklists"
_CODE = re.compile(r"^[a-z0-9_]+$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class Prison:
    code: str
    name: str
    category: str
    notes: str


@dataclass(frozen=True)
class LocalAuthority:
    code: str
    name: str
    county: str


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class Need:
    code: str
    label: str
    description: str


@dataclass(frozen=True)
class SentenceType:
    code: str
    label: str


@dataclass(frozen=True)
class Service:
    """One entry of the service directory (services.csv)."""

    code: str
    organisation: str
    service: str
    category: str  # a need code
    areas: tuple[str, ...]  # local authority codes; empty means everywhere
    how_to_refer: str  # a HowSent value
    contact: str
    opening_hours: str
    referral_needs: str  # what the service needs in a referral, in words
    summary_fields: tuple[str, ...]  # SummaryField values the summary may carry
    local_authority: str = ""  # this authority's housing team: the Duty to Refer goes here

    @property
    def name(self) -> str:
        return f"{self.organisation}: {self.service}"

    def covers(self, authority: str) -> bool:
        return not self.areas or authority in self.areas

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "organisation": self.organisation,
            "service": self.service,
            "category": self.category,
            "areas": list(self.areas),
            "how_to_refer": self.how_to_refer,
            "contact": self.contact,
            "opening_hours": self.opening_hours,
            "referral_needs": self.referral_needs,
            "summary_fields": list(self.summary_fields),
            "local_authority": self.local_authority,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Service:
        def text(key: str) -> str:
            return str(data.get(key, ""))

        def texts(key: str) -> tuple[str, ...]:
            value = data.get(key, [])
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(
            code=text("code"),
            organisation=text("organisation"),
            service=text("service"),
            category=text("category"),
            areas=texts("areas"),
            how_to_refer=text("how_to_refer"),
            contact=text("contact"),
            opening_hours=text("opening_hours"),
            referral_needs=text("referral_needs"),
            summary_fields=texts("summary_fields"),
            local_authority=text("local_authority"),
        )


@dataclass(frozen=True)
class OutcomeArea:
    """A life area scored 1-10, with what a low, middle and high score looks like."""

    code: str
    label: str
    low: str
    middle: str
    high: str


@dataclass(frozen=True)
class BarrierCategory:
    code: str
    label: str


@dataclass(frozen=True)
class RecommenderKind:
    """Who recommends people to the programme (recommender_kinds.csv)."""

    code: str
    label: str
    self: str  # "yes" for the person's own recommendation

    @property
    def is_self(self) -> bool:
        return self.self == "yes"


@dataclass(frozen=True)
class DeclineReason:
    """Why a recommendation is declined (decline_reasons.csv). ``letter`` is what the decision
    letter may say (empty: the letter gives no reason)."""

    code: str
    label: str
    letter: str = ""


@dataclass(frozen=True)
class ClosureReason:
    """Why a case closed (closure_reasons.csv). ``words``: the worker must say what (other);
    ``custody``: the custody kind (domain.custody.CustodyKind value) a return this reason
    implies, or ""."""

    code: str
    label: str
    words: bool = False
    custody: str = ""


@dataclass(frozen=True)
class FollowUpCheckKind:
    """A check some weeks after release (follow_up_checks.csv): the intervals are data."""

    code: str
    label: str
    weeks: int


@dataclass(frozen=True)
class BankHoliday:
    date: dt.date
    name: str


_T = TypeVar(
    "_T",
    Prison,
    LocalAuthority,
    Organisation,
    Need,
    SentenceType,
    OutcomeArea,
    BarrierCategory,
    RecommenderKind,
    DeclineReason,
    ClosureReason,
)


def _find(items: tuple[_T, ...], code: str) -> _T | None:
    # The lists are short (a dozen rows), so a scan is as quick as a dictionary.
    return next((item for item in items if item.code == code), None)


@dataclass(frozen=True)
class ReferenceData:
    """All reference lists, with look-ups by code (the value stored in case records)."""

    prisons: tuple[Prison, ...]
    local_authorities: tuple[LocalAuthority, ...]
    organisations: tuple[Organisation, ...]
    needs: tuple[Need, ...]
    sentence_types: tuple[SentenceType, ...]
    bank_holidays: tuple[BankHoliday, ...]
    checklist_templates: tuple[ChecklistTemplate, ...] = ()
    services: tuple[Service, ...] = ()
    outcome_areas: tuple[OutcomeArea, ...] = ()
    barrier_categories: tuple[BarrierCategory, ...] = ()
    recommender_kinds: tuple[RecommenderKind, ...] = ()
    decline_reasons: tuple[DeclineReason, ...] = ()
    closure_reasons: tuple[ClosureReason, ...] = ()
    follow_up_checks: tuple[FollowUpCheckKind, ...] = ()
    #: The evaluation extract's linkage file: (column in the receiving template, source).
    linkage_columns: tuple[tuple[str, str], ...] = ()
    # Built once: release flags test membership for every row of the caseload.
    _holiday_dates: frozenset[dt.date] = field(
        init=False, repr=False, compare=False, default=frozenset()
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_holiday_dates", frozenset(h.date for h in self.bank_holidays))

    def prison(self, code: str) -> Prison | None:
        return _find(self.prisons, code)

    def local_authority(self, code: str) -> LocalAuthority | None:
        return _find(self.local_authorities, code)

    def organisation(self, code: str) -> Organisation | None:
        return _find(self.organisations, code)

    def need(self, code: str) -> Need | None:
        return _find(self.needs, code)

    def sentence_type(self, code: str) -> SentenceType | None:
        return _find(self.sentence_types, code)

    def recommender_kind(self, code: str) -> RecommenderKind | None:
        return _find(self.recommender_kinds, code)

    def decline_reason(self, code: str) -> DeclineReason | None:
        return _find(self.decline_reasons, code)

    def barrier_category(self, code: str) -> BarrierCategory | None:
        return _find(self.barrier_categories, code)

    def closure_reason(self, code: str) -> ClosureReason | None:
        return _find(self.closure_reasons, code)

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def housing_authority_service(self, authority: str) -> Service | None:
        """The service a Duty to Refer to ``authority`` goes to."""
        return next((s for s in self.services if s.local_authority == authority), None)

    def checklist_template(self, code: str) -> ChecklistTemplate | None:
        return next((t for t in self.checklist_templates if t.code == code), None)

    @property
    def default_checklist(self) -> ChecklistTemplate:
        """The template a new release plan starts from (the loader checks there is one)."""
        return next(t for t in self.checklist_templates if t.default)

    @property
    def bank_holiday_dates(self) -> frozenset[dt.date]:
        return self._holiday_dates


SERVICE_COLUMNS = (
    "code",
    "organisation",
    "service",
    "category",
    "areas",
    "how_to_refer",
    "contact",
    "opening_hours",
    "referral_needs",
    "summary_fields",
    "local_authority",
)
HOW_TO_REFER = ("form", "email", "phone", "portal", "in_person")  # domain.referrals.HowSent
SUMMARY_FIELDS = (
    "name",
    "date_of_birth",
    "nomis_number",
    "crn",
    "prison",
    "release_date",
    "needs",
    "reason",
    "urgency",
    "local_authority",
    "worker",
)  # domain.referrals.SummaryField; a test keeps the two the same


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _load_services(
    path: Path, needs: tuple[Need, ...], authorities: tuple[LocalAuthority, ...]
) -> tuple[Service, ...]:
    need_codes = {n.code for n in needs}
    authority_codes = {a.code for a in authorities}
    services: list[Service] = []
    housing: dict[str, int] = {}
    for row in coded_rows(
        path,
        SERVICE_COLUMNS,
        ("code", "organisation", "service", "category", "areas", "how_to_refer", "contact"),
    ):
        v = row.values
        if v["category"] not in need_codes:
            raise row.error(
                f"the category {v['category']!r} is not a need code from needs.csv "
                f"({', '.join(sorted(need_codes))})."
            )
        areas = () if v["areas"].lower() == "all" else _split(v["areas"])
        unknown = [a for a in areas if a not in authority_codes]
        if unknown or (not areas and v["areas"].lower() != "all"):
            raise row.error(
                f"the areas {', '.join(unknown) or repr(v['areas'])} are not local authority "
                "codes from local_authorities.csv (separate several with ';', or write all)."
            )
        if v["how_to_refer"] not in HOW_TO_REFER:
            raise row.error(
                f"how_to_refer {v['how_to_refer']!r} should be one of: {', '.join(HOW_TO_REFER)}."
            )
        fields = _split(v["summary_fields"])
        wrong = [f for f in fields if f not in SUMMARY_FIELDS]
        if wrong:
            raise row.error(
                f"summary_fields {', '.join(wrong)} are not known (known: "
                f"{', '.join(SUMMARY_FIELDS)})."
            )
        authority = v["local_authority"]
        if authority:
            if authority not in authority_codes:
                raise row.error(f"local_authority {authority!r} is not in local_authorities.csv.")
            if authority in housing:
                raise row.error(
                    f"{authority!r} already has its Duty to Refer service on line "
                    f"{housing[authority]}."
                )
            housing[authority] = row.line
        services.append(
            Service(
                code=v["code"],
                organisation=v["organisation"],
                service=v["service"],
                category=v["category"],
                areas=areas,
                how_to_refer=v["how_to_refer"],
                contact=v["contact"],
                opening_hours=v["opening_hours"],
                referral_needs=v["referral_needs"],
                summary_fields=fields,
                local_authority=authority,
            )
        )
    return tuple(services)


CUSTODY_KINDS = ("recall", "remand", "new_sentence")  # domain.custody.CustodyKind


def _load_closure_reasons(path: Path) -> tuple[ClosureReason, ...]:
    reasons = []
    for row in coded_rows(path, ("code", "label", "words", "custody"), ("code", "label")):
        words, custody = row.values["words"], row.values["custody"]
        if words not in ("", "required"):
            raise row.error(f"words should be empty or required, not {words!r}.")
        if custody and custody not in CUSTODY_KINDS:
            raise row.error(f"custody should be empty or one of {', '.join(CUSTODY_KINDS)}.")
        reasons.append(
            ClosureReason(row.values["code"], row.values["label"], words == "required", custody)
        )
    if not reasons:
        raise ReferenceDataError(path, 1, "no closure reasons are listed.")
    return tuple(reasons)


def _load_follow_up_checks(path: Path) -> tuple[FollowUpCheckKind, ...]:
    kinds = []
    for row in coded_rows(path, ("code", "label", "weeks"), ("code", "label", "weeks")):
        weeks = row.values["weeks"]
        if not weeks.isdigit() or not 1 <= int(weeks) <= 104:
            raise row.error(f"weeks should be a whole number from 1 to 104, not {weeks!r}.")
        kinds.append(FollowUpCheckKind(row.values["code"], row.values["label"], int(weeks)))
    return tuple(sorted(kinds, key=lambda k: k.weeks))


LINKAGE_SOURCES = (
    "pseudonym",
    "given_name",
    "family_name",
    "date_of_birth",
    "nomis_number",
    "crn",
    "support_started",
)


def _load_linkage_columns(path: Path) -> tuple[tuple[str, str], ...]:
    columns = []
    for row in csv_rows(path, ("column", "source"), ("column", "source")):
        if row.values["source"] not in LINKAGE_SOURCES:
            raise row.error(f"source should be one of {', '.join(LINKAGE_SOURCES)}.")
        columns.append((row.values["column"], row.values["source"]))
    return tuple(columns)


def _load_bank_holidays(path: Path) -> tuple[BankHoliday, ...]:
    holidays: list[BankHoliday] = []
    first_seen: dict[dt.date, int] = {}
    for row in csv_rows(path, ("date", "name"), ("date", "name")):
        text = row.values["date"]
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError(text)
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise row.error(
                f"the date {text!r} is not a real date written as YYYY-MM-DD, e.g. 2026-12-25."
            ) from None
        if day in first_seen:
            raise row.error(f"the date {text} appears twice (first on line {first_seen[day]}).")
        first_seen[day] = row.line
        holidays.append(BankHoliday(day, row.values["name"]))
    return tuple(holidays)


CSV_FILES = (
    "prisons.csv",
    "local_authorities.csv",
    "organisations.csv",
    "needs.csv",
    "sentence_types.csv",
    "bank_holidays.csv",
    "services.csv",
    "outcome_areas.csv",
    "barrier_categories.csv",
    "recommender_kinds.csv",
    "decline_reasons.csv",
    "closure_reasons.csv",
    "follow_up_checks.csv",
    "linkage_columns.csv",
)


def reference_files(directory: Path | None = None) -> list[Path]:
    """Every file the loader reads, relative to the resources folder: what a build must carry
    (the packaging smoke test compares this list with the frozen build)."""
    root = directory or resources_dir()
    templates = sorted(p.relative_to(root) for p in (root / CHECKLISTS_FOLDER).glob("*.toml"))
    return [Path(name) for name in CSV_FILES] + templates


@functools.lru_cache(maxsize=8)
def _load(directory: Path) -> ReferenceData:
    needs = load_table(
        Need, directory / "needs.csv", ("code", "label", "description"), ("code", "label")
    )
    authorities = load_table(
        LocalAuthority,
        directory / "local_authorities.csv",
        ("code", "name", "county"),
        ("code", "name", "county"),
    )
    return ReferenceData(
        prisons=load_table(
            Prison,
            directory / "prisons.csv",
            ("code", "name", "category", "notes"),
            ("code", "name", "category"),
        ),
        local_authorities=authorities,
        organisations=load_table(
            Organisation,
            directory / "organisations.csv",
            ("code", "name", "kind"),
            ("code", "name", "kind"),
        ),
        needs=needs,
        sentence_types=load_table(
            SentenceType, directory / "sentence_types.csv", ("code", "label"), ("code", "label")
        ),
        bank_holidays=_load_bank_holidays(directory / "bank_holidays.csv"),
        services=_load_services(directory / "services.csv", needs, authorities),
        outcome_areas=load_table(
            OutcomeArea,
            directory / "outcome_areas.csv",
            ("code", "label", "low", "middle", "high"),
            ("code", "label", "low", "middle", "high"),
        ),
        barrier_categories=load_table(
            BarrierCategory,
            directory / "barrier_categories.csv",
            ("code", "label"),
            ("code", "label"),
        ),
        recommender_kinds=load_table(
            RecommenderKind,
            directory / "recommender_kinds.csv",
            ("code", "label", "self"),
            ("code", "label", "self"),
        ),
        decline_reasons=load_table(
            DeclineReason,
            directory / "decline_reasons.csv",
            ("code", "label", "letter"),
            ("code", "label"),
        ),
        closure_reasons=_load_closure_reasons(directory / "closure_reasons.csv"),
        follow_up_checks=_load_follow_up_checks(directory / "follow_up_checks.csv"),
        linkage_columns=_load_linkage_columns(directory / "linkage_columns.csv"),
        checklist_templates=load_templates(
            directory / CHECKLISTS_FOLDER, frozenset(n.code for n in needs)
        ),
    )


def load_reference_data(directory: Path | None = None) -> ReferenceData:
    """Load and check every file in ``directory`` (default: resources_dir()), once per folder.

    Raises ReferenceDataError for the first problem found.
    """
    return _load((directory or resources_dir()).resolve())
