"""The evaluation extract's codebook: every column of every file with its type, meaning and
allowed values, written as a Frictionless Data Package descriptor (datapackage.json, one Table
Schema per file) and summarised in the README for the evaluator."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from restart_desktop.domain.case import CaseStatus, ReferralSource
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.custody import CustodyKind
from restart_desktop.domain.reference import ReferenceData

EVENTS = (
    "status",
    "release",
    "first_night",
    "check",
    "referral",
    "referral_outcome",
    "score_change",
    "custody_return",
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema type: string, integer, boolean
    description: str
    values: tuple[str, ...] = ()  # allowed values ("" allowed too when not required)


def case_columns(reference: ReferenceData) -> tuple[Column, ...]:
    return (
        Column(
            "pseudonym",
            "string",
            "The person's pseudonym: a keyed hash of the case, the "
            "same in every extract made with the same evaluation key.",
        ),
        Column(
            "age_band",
            "string",
            "Age at release (or at recommendation if not released), "
            "in bands; wider bands where a narrow one would single someone out.",
            ("18-24", "25-34", "35-44", "45-54", "55+", "18-34", "35-54", "not known"),
        ),
        Column(
            "release_period",
            "string",
            "Month (YYYY-MM) or, where coarsened, quarter (YYYY-Qn) of the latest "
            "release: its release-day record, else the case's release date for a person "
            "released (Released or Supported in the community, now or before closing); "
            "'released, month not known' for such a person with no date yet passed; "
            "'not released' for anyone still in custody or closed before release.",
        ),
        Column(
            "prison_group",
            "string",
            "The kind of prison released from (its category), or 'any' where coarsened.",
            (*sorted({p.category for p in reference.prisons}), "not known", "any"),
        ),
        Column(
            "recommended_by",
            "string",
            "Who recommended the person to the programme.",
            (*(s.value for s in ReferralSource), "not known"),
        ),
        Column(
            "sentence_type",
            "string",
            "Sentence type code (sentence_types.csv).",
            (*(t.code for t in reference.sentence_types), "not known"),
        ),
        Column(
            "earlier_custodial_sentences",
            "string",
            "Custodial sentences before this one.",
            ("0", "1", "2-4", "5+", "not known"),
        ),
        Column(
            "needs_at_referral",
            "string",
            "Needs recorded when the case was first "
            "recorded, need codes separated by ';' (needs.csv).",
            (),
        ),
        Column(
            "needs_at_closure",
            "string",
            "Needs recorded at closure (or now, if open), need codes separated by ';'.",
            (),
        ),
        Column(
            "status",
            "string",
            "Status at the end of the period.",
            tuple(s.value for s in CaseStatus),
        ),
        Column(
            "closure_reason",
            "string",
            "Why the case closed (closure_reasons.csv); empty while open.",
            ("", *(r.code for r in reference.closure_reasons)),
        ),
        Column(
            "first_night",
            "string",
            "Where the person slept on the first night of the latest release.",
            ("", *(f.value for f in FirstNight)),
        ),
        Column(
            "met_at_gate",
            "string",
            "Whether a worker met the person at the gate.",
            ("yes", "no", ""),
        ),
        Column(
            "included_by",
            "string",
            "Why the person is in the extract.",
            ("research_consent", "lawful_basis"),
        ),
    )


def event_columns() -> tuple[Column, ...]:
    return (
        Column("pseudonym", "string", "The person's pseudonym (cases.csv)."),
        Column("event", "string", "What happened.", EVENTS),
        Column(
            "code",
            "string",
            "Which: the status moved to, the need category referred "
            "for, the check (follow_up_checks.csv), the outcome area, the kind of return "
            f"to custody ({', '.join(k.value for k in CustodyKind)}).",
        ),
        Column(
            "value",
            "string",
            "The result as codes: a referral's outcome, a check's "
            "answers (accommodation;universal_credit;treatment;gp;ete), a score change.",
        ),
        Column(
            "days_from_release",
            "integer",
            "Days from the latest recorded release to the "
            "event (negative before it); empty when there is no release.",
        ),
    )


def _schema(columns: Sequence[Column]) -> dict[str, object]:
    fields = []
    for column in columns:
        field: dict[str, object] = {
            "name": column.name,
            "type": column.type,
            "description": column.description,
        }
        if column.values:
            field["constraints"] = {"enum": list(column.values)}
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


def descriptor(
    name: str, cases: Sequence[Column], events: Sequence[Column], linkage: bool
) -> bytes:
    """datapackage.json: a Frictionless Data Package with a Table Schema per file (the
    encrypted linkage file is named in the README, not described here: it is not data for
    analysis)."""
    package = {
        "profile": "tabular-data-package",
        "name": name,
        "title": "RESTART Thames Valley: pseudonymised evaluation extract",
        "licenses": [{"name": "other-closed", "title": "For the commissioned evaluation only"}],
        "resources": [
            {
                "name": "cases",
                "path": "cases.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {**_schema(cases), "primaryKey": ["pseudonym"]},
            },
            {
                "name": "events",
                "path": "events.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    **_schema(events),
                    "foreignKeys": [
                        {
                            "fields": ["pseudonym"],
                            "reference": {"resource": "cases", "fields": ["pseudonym"]},
                        }
                    ],
                },
            },
        ],
    }
    if linkage:
        package["description"] = (
            "A separate linkage file (linkage.csv.age) is encrypted to "
            "the receiving service; see README.md."
        )
    return json.dumps(package, indent=2).encode()
