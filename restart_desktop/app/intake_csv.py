"""A referring partner's CSV batch for the intake queue, checked line by line in the file's own
terms (its columns, the values written) before anything is recorded. The window shows the
check before the import (File > Import recommendations); ``restart-desktop intake import``
imports at once; both go through ``IntakeService`` and import the whole file or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from restart_desktop.app.errors import UserError
from restart_desktop.app.intake_views import Duplicate, IntakeFields
from restart_desktop.domain.case import display_name
from restart_desktop.domain.identifiers import normalise_nomis
from restart_desktop.domain.intake import (
    CSV_COLUMNS,
    CSV_REQUIRED,
    NOT_CSV,
    csv_records,
    is_duplicate,
    parse_date,
    parse_mappa,
    parse_yes_no,
    screen,
)
from restart_desktop.domain.reference import ReferenceData


@dataclass(frozen=True)
class BatchRow:
    """A line of the file that would be recorded, as the window previews it."""

    line: int
    name: str
    nomis_number: str
    prison: str  # its name
    release_date: dt.date | None
    source: str  # who recommended, in words
    recommended_on: dt.date | None
    screen: str  # the eligibility screen in words


@dataclass(frozen=True)
class RefusedLine:
    """A line that stops the file from being imported, and why, in the file's terms."""

    where: str  # "line 4", "line 1 (the header)"; "" for the file as a whole
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why}" if self.where else self.why


@dataclass(frozen=True)
class BatchCheck:
    """What importing a file would do: its lines to record, or the lines refused (then
    nothing is imported). ``digest`` names the file's content as checked."""

    path: Path
    rows: tuple[BatchRow, ...]
    refused: tuple[RefusedLine, ...]
    digest: str

    @property
    def importable(self) -> bool:
        return bool(self.rows) and not self.refused


Checks = tuple[Callable[[IntakeFields], dict[str, str]], Callable[[IntakeFields], list[Duplicate]]]


def read_batch(path: Path) -> tuple[str, str]:
    """The file's text (read as a text file reads it: any line ending) and its digest."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"There is no file {path}. Nothing was imported.") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not a CSV file. Nothing was imported.") from None
    except UnicodeDecodeError:
        raise UserError(
            f"The file {path} is not UTF-8 text: save it from the spreadsheet "
            "as CSV UTF-8. Nothing was imported."
        ) from None
    except OSError as error:
        raise UserError(
            f"The file {path} cannot be read ({error.strerror}). Nothing was imported."
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, hashlib.sha256(data).hexdigest()


def refused_words(refused: tuple[RefusedLine, ...] | list[RefusedLine]) -> str:
    return "Nothing was imported. Please correct:\n" + "\n".join(f"- {r}" for r in refused)


def check_batch(
    text: str, reference: ReferenceData, checks: Checks
) -> tuple[list[tuple[int, IntakeFields]], list[RefusedLine]]:
    """Each line's recommendation, or why it is refused: a value the file cannot mean, a
    recommendation the intake refuses (``checks``: its problems and its duplicates on this
    laptop), or the same person twice in the file."""
    problems_of, duplicates_of = checks
    # strict: a quote never closed is an error, not the rest of the file as one value
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error:
        return [], [RefusedLine("line 1", NOT_CSV)]
    missing = [c for c in CSV_REQUIRED if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        said = []
        if missing:
            said.append("missing column " + ", ".join(missing))
        if unknown:
            said.append("unknown column " + ", ".join(unknown))
        return [], [RefusedLine("line 1 (the header)", "; ".join(said))]
    rows: list[tuple[int, IntakeFields]] = []
    refused: list[RefusedLine] = []
    seen: list[tuple[int, IntakeFields]] = []
    for line, raw in csv_records(reader):
        if raw is None:
            refused.append(RefusedLine(f"line {line}", NOT_CSV))
            break
        values, row_problems = _row(raw, reference)
        extra = len(raw.get(None) or ())  # DictReader puts extra values under None
        if extra:
            row_problems.insert(
                0,
                f"{extra} more value{'s' if extra != 1 else ''} than the header has "
                "columns (a value with a comma in it needs quotes round it)",
            )
        if not row_problems:
            row_problems = list(problems_of(values).values())
        if not row_problems:
            row_problems = _same_person(values, seen)
            if duplicates_of(values):
                row_problems.append("the person is already recorded on this laptop")
        if row_problems:
            refused.append(RefusedLine(f"line {line}", "; ".join(row_problems)))
        else:
            rows.append((line, values))
        seen.append((line, values))
    if not rows and not refused:
        refused.append(RefusedLine("", "the file holds no recommendations"))
    return rows, refused


def _same_person(values: IntakeFields, seen: list[tuple[int, IntakeFields]]) -> list[str]:
    found = []
    for earlier, other in seen:
        why = is_duplicate(
            values.nomis_number,
            values.given_name,
            values.family_name,
            values.date_of_birth,
            other.nomis_number,
            other.given_name,
            other.family_name,
            other.date_of_birth,
        )
        if why:
            found.append(f"the same person as line {earlier} ({why})")
    return found


def preview(line: int, values: IntakeFields, reference: ReferenceData) -> BatchRow:
    """A checked line as the window lists it (names, not codes)."""
    prison = reference.prison(values.prison_code)
    kind = reference.recommender_kind(values.source)
    assert values.recommended_on is not None  # checked
    return BatchRow(
        line,
        display_name(values.given_name, values.family_name, ""),
        values.nomis_number,
        prison.name if prison else values.prison_code,
        values.release_date,
        kind.label if kind else values.source,
        values.recommended_on,
        screen(values.answers(), values.recommended_on).text,
    )


def _row(
    raw: dict[str | None, str | None], reference: ReferenceData
) -> tuple[IntakeFields, list[str]]:
    def get(name: str) -> str:
        return (raw.get(name) or "").strip()

    problems: list[str] = []
    dates: dict[str, dt.date | None] = {}
    for name in ("date_of_birth", "release_date", "recommended_on"):
        dates[name], problem = parse_date(get(name))
        if problem:
            problems.append(f"{name}: {problem}")
    answers: dict[str, bool | None] = {}
    for name in ("in_thames_valley", "iom"):
        answers[name], problem = parse_yes_no(get(name))
        if problem:
            problems.append(f"{name}: {problem}")
    mappa, problem = parse_mappa(get("mappa"))
    if problem:
        problems.append(f"mappa: {problem}")
    sentences: int | None = None
    if get("earlier_custodial_sentences"):
        try:
            sentences = int(get("earlier_custodial_sentences"))
        except ValueError:
            problems.append("earlier_custodial_sentences: write a whole number")
    source, prison = _csv_codes(reference, get("source"), get("prison"), problems)
    values = IntakeFields(
        given_name=get("given_name"),
        family_name=get("family_name"),
        date_of_birth=dates["date_of_birth"],
        nomis_number=normalise_nomis(get("nomis_number")),
        prison_code=prison,
        release_date=dates["release_date"],
        source=source,
        recommender_name=get("recommender_name"),
        recommender_organisation=get("recommender_organisation"),
        recommender_role=get("recommender_role"),
        recommender_contact=get("recommender_contact"),
        recommended_on=dates["recommended_on"],
        reason=get("reason"),
        in_thames_valley=answers["in_thames_valley"],
        iom=answers["iom"],
        mappa_level=mappa,
        earlier_custodial_sentences=sentences,
    )
    return values, problems


def _csv_codes(
    ref: ReferenceData, source: str, prison: str, problems: list[str]
) -> tuple[str, str]:
    """The recommender kind's and the prison's codes from a partner's file, which may give
    the code ("probation", "bullingdon") or the name ("Probation", "HMP Bullingdon"); what
    matches neither is said in the file's own terms (its column, the value written)."""
    kinds = [(k.code, k.label) for k in ref.recommender_kinds]
    found_source = _code_or_name(source, kinds)
    if found_source is None:
        written = f"'{source}' is not a kind of recommender" if source else "empty"
        problems.append(
            f"source: {written}: write one of {', '.join(c for c, _n in kinds)} "
            f"(or the name, such as {kinds[1][1] if len(kinds) > 1 else 'Probation'})"
        )
    found_prison = _code_or_name(prison, [(p.code, p.name) for p in ref.prisons])
    if prison and found_prison is None:
        problems.append(
            f"prison: '{prison}' is not a prison on the list: write its code (such as "
            "bullingdon) or its name (such as HMP Bullingdon), as in resources/prisons.csv"
        )
    return found_source or source, found_prison or prison


def _code_or_name(written: str, known: list[tuple[str, str]]) -> str | None:
    """The code whose code or name is ``written`` (case and spacing aside); None if none."""
    wanted = " ".join(written.split()).casefold()
    if not wanted:
        return None
    for code, name in known:
        if wanted in (code.casefold(), " ".join(name.split()).casefold()):
            return code
    return None
