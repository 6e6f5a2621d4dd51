"""Version-checked edits, like HTTP ``If-Match``: an edit form sends the version of the record
it loaded (the record's ``last_change_id``, which every write and every sync import sets) and,
for each field the user changed, the value it loaded.

The service writes only those fields. If the record moved on since the form loaded it, a change
to another field is kept without a word; a field whose stored value is no longer the one the
form loaded is a clash: nothing is written and the user is shown both values (who set theirs and
when, from the change log) to choose. The check runs inside the service's write transaction, so
a save racing a sync import is checked against what the import wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.app.errors import UserError
from restart_desktop.domain.clock import local_text
from restart_desktop.store.changes import to_json_value
from restart_desktop.store.models import Change, SyncedRecord, Worker


@dataclass(frozen=True)
class EditBase:
    """What an edit was made from: the record's version when the form loaded it, and the
    value the form loaded for each field the user changed (only those are written)."""

    version: str | None
    loaded: Mapping[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> frozenset[str]:
        return frozenset(self.loaded)

    def rebased(self, clashed: EditClashed, keeps_mine: Mapping[str, bool]) -> EditBase:
        """The base after the user chose per clashing field: on the record's version now, a
        kept field built on their value (so it is written), a taken one no longer changed."""
        loaded = dict(self.loaded)
        for clash in clashed.clashes:
            if keeps_mine.get(clash.field):
                loaded[clash.field] = clash.theirs_value
            else:
                loaded.pop(clash.field, None)
        return EditBase(clashed.version, loaded)

    @classmethod
    def between(
        cls, version: str | None, loaded: Any, typed: Any, names: Iterable[str]
    ) -> EditBase:
        """The base of an edit from two objects with the same attributes: the values the form
        loaded and the values now in it; a field counts as changed when the two differ."""
        return cls(
            version,
            {
                name: getattr(loaded, name)
                for name in names
                if to_json_value(getattr(loaded, name)) != to_json_value(getattr(typed, name))
            },
        )


def same(one: Any, other: Any) -> bool:
    """Whether two values of a field are the same value as stored (a tuple and a list with the
    same items, a date and its ISO text)."""
    return bool(to_json_value(one) == to_json_value(other))


@dataclass(frozen=True)
class Clash:
    """One field changed by someone else since the form loaded it, and by the user too."""

    field: str
    label: str  # the field in words
    mine: str  # the user's value, in words
    theirs: str  # the value now stored, in words
    theirs_value: Any  # the value now stored, as the record holds it
    by: str  # who set theirs
    at: dt.datetime | None  # when (aware UTC); None if the change log no longer says


class EditClashed(UserError):
    """Someone else changed a field the user changed too; nothing was saved.

    ``version`` is the record's version now: a form that takes the user's choices builds on it.
    """

    def __init__(self, clashes: Iterable[Clash], version: str | None) -> None:
        self.clashes = tuple(clashes)
        self.version = version
        named = ", ".join(c.label for c in self.clashes)
        super().__init__(
            f"Nothing was saved: since you opened this, someone else changed {named}. "
            "Choose which value to keep."
        )


def check_edit(
    s: Session,
    record: SyncedRecord,
    base: EditBase,
    mine: Mapping[str, Any],
    label: Callable[[str], str],
    shown: Callable[[str, Any], str],
) -> None:
    """Refuse the edit (EditClashed) if a field the user changed was changed by someone else
    since ``base`` was loaded. ``mine`` holds the user's values of the changed fields."""
    if base.version == record.last_change_id:
        return  # nothing has been written to the record since the form loaded it
    clashes = []
    for name, loaded in base.loaded.items():
        stored = getattr(record, name)
        now = to_json_value(stored)
        if now == to_json_value(loaded) or now == to_json_value(mine.get(name, loaded)):
            continue  # nobody else changed it, or both made the same change
        by, at = last_set(s, record.id, name)
        clashes.append(
            Clash(
                name, label(name), shown(name, mine.get(name)), shown(name, stored), stored, by, at
            )
        )
    if clashes:
        raise EditClashed(clashes, record.last_change_id)


def edited_fields(
    s: Session,
    record: SyncedRecord | None,
    base: EditBase | None,
    typed: Mapping[str, Any],
    label: Callable[[str], str],
    shown: Callable[[str, Any], str],
) -> set[str]:
    """The fields an edit writes, checked: every field of ``typed`` without a base; with one,
    those the user changed (as stored values), after ``check_edit`` on the record (None: the
    record does not exist yet, so nobody else can have changed it)."""
    if base is None:
        return set(typed)
    names = {n for n in base.changed if n in typed and not same(base.loaded[n], typed[n])}
    if record is not None:
        check_edit(
            s,
            record,
            EditBase(base.version, {n: base.loaded[n] for n in names}),
            typed,
            label,
            shown,
        )
    return names


def last_set(s: Session, record_id: str, name: str) -> tuple[str, dt.datetime | None]:
    """Who set ``name`` of the record last, and when: the newest change that set it."""
    changes = s.execute(
        select(Change.fields, Change.author_id, Change.recorded_at)
        .where(Change.record_id == record_id)
        .order_by(Change.hlc.desc())
    )
    for fields, author_id, recorded_at in changes:
        if name in fields:
            worker = s.get(Worker, author_id)
            at = recorded_at if recorded_at.tzinfo else recorded_at.replace(tzinfo=dt.UTC)
            return (worker.name if worker else "Someone"), at.astimezone(dt.UTC)
    return "Someone", None


def words(value: Any) -> str:
    """A stored value in words, for a clash."""
    if value is None or value == "" or value == [] or value == ():
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return local_text(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
