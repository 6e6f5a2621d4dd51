"""The words of the subject access report: its entries and sections, and stored values,
codes and ids turned into what a person reads (dates in local time, labels, names)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from restart_desktop.app.subject_access import Row
from restart_desktop.domain.clock import local_text
from restart_desktop.domain.reference import ReferenceData


@dataclass(frozen=True)
class Entry:
    """One record in the PDF: a heading line, its fields, its long text, and the records
    under it (a note's addenda, a plan's checklist items, a referral's history)."""

    heading: str
    fields: tuple[tuple[str, str], ...] = ()
    text: str = ""
    children: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class ReportSection:
    title: str
    intro: str = ""
    entries: tuple[Entry, ...] = ()
    columns: tuple[str, ...] = ()  # a compact table instead of entries (the audit trail)
    rows: tuple[tuple[str, ...], ...] = ()
    widths: tuple[int, ...] = ()  # of the columns, in per cent
    empty: str = "None held."


def when(value: Any, zone: dt.tzinfo | None = None) -> str:
    """A date or time in words; an instant in ``zone`` (the session clock's; None: the
    laptop's)."""
    if isinstance(value, dt.datetime):
        # Earlier values in old changes may carry no zone: shown as they were written.
        return local_text(value, zone=zone) if value.tzinfo else f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", value):
        try:
            return when(
                dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value),
                zone,
            )
        except ValueError:
            return value
    return "" if value is None else str(value)


def label_of(kind: type[StrEnum], value: Any) -> str:
    try:
        return str(getattr(kind(value), "label", value))
    except ValueError:
        return "" if value is None else str(value)


def humanise(key: str) -> str:
    return key.replace("_", " ").capitalize()


def plain(value: Any, zone: dt.tzinfo | None = None) -> str:
    """Any stored value in words (the records of a table this module has no words for)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date | dt.datetime):
        return when(value, zone)
    if isinstance(value, dict):
        return "; ".join(
            f"{humanise(str(k))}: {plain(v, zone)}" for k, v in value.items() if plain(v, zone)
        )
    if isinstance(value, list | tuple):
        return ", ".join(plain(v, zone) for v in value)
    return when(value, zone) if isinstance(value, str) else ("" if value is None else str(value))


def by_time(rows: list[Row], key: str) -> list[Row]:
    """Rows in the order of ``key`` (a date or time), undated ones last; gathered in the order
    they were made, which is not always the order things happened."""
    return sorted(rows, key=lambda r: (r.get(key) is None, str(r.get(key) or "")))


def fields_of(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value) for label, value in pairs if value not in ("", None))


@dataclass
class Words:
    """Codes and ids in words, for one export."""

    reference: ReferenceData
    workers: Mapping[str, str]
    checklists: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: The session clock's zone when the export was made (None: the laptop's).
    zone: dt.tzinfo | None = None

    def when(self, value: Any) -> str:
        """A date or time in words, an instant on the export's clock."""
        return when(value, self.zone)

    def plain(self, value: Any) -> str:
        return plain(value, self.zone)

    def worker(self, worker_id: Any) -> str:
        if not worker_id:
            return ""
        return self.workers.get(str(worker_id), "a worker no longer listed")

    def need(self, code: str) -> str:
        need = self.reference.need(code)
        return need.label if need else code

    def needs(self, codes: Any) -> str:
        return ", ".join(self.need(str(c)) for c in codes or ())

    def prison(self, code: Any) -> str:
        prison = self.reference.prison(str(code or ""))
        return prison.name if prison else str(code or "")

    def authority(self, code: Any) -> str:
        authority = self.reference.local_authority(str(code or ""))
        return authority.name if authority else str(code or "")

    def sentence(self, code: Any) -> str:
        sentence = self.reference.sentence_type(str(code or ""))
        return sentence.label if sentence else str(code or "")

    def barrier_category(self, code: Any) -> str:
        category = self.reference.barrier_category(str(code or ""))
        return category.label if category else str(code or "")

    def item_label(self, plan: Row | None, item: Row) -> str:
        if item.get("label"):
            return str(item["label"])
        content = self.checklists.get(str(plan["snapshot_id"])) if plan else None
        for template_item in (content or {}).get("items", ()):
            if template_item.get("code") == item.get("item_code"):
                return str(template_item.get("label", item.get("item_code")))
        return str(item.get("item_code", ""))


def yes_no(value: Any) -> str:
    return "" if value is None else ("Yes" if value else "No")
