"""Disclosure control: what may leave the team in a board pack or an evaluation extract.

Two findings of an independent test of the board pack shaped it:
(a) a small number shown as "<5" could be worked out from the totals (partners 20, 7 and 10,
    Unallocated "<5", All 38: so Unallocated is 1). Primary suppression hides counts from 1 to 4;
    secondary suppression then hides the next smallest number of every sum that would otherwise
    give a hidden number away, within a table and across the pack's tables (a table's total is
    often a figure of the summary), until no hidden number can be solved from what is shown.
    The check solves the sums exactly (linear algebra over the hidden cells), so it also catches
    a number given away by two sums together.
(b) a barrier's free text reached the board with names, a prison number written "Z 9870 RJ" and
    a CRN in it. Free text never goes to the board as typed: a barrier carries a separate
    "wording for the board" that a supervisor writes and confirms, checked here against every
    name, prison number and CRN held on the laptop, in any spacing or case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from fractions import Fraction

from restart_desktop.domain.figures import SMALL, SUPPRESSED, Cell, Count, Figures, Share, Table
from restart_desktop.domain.figures import shown as shown_cell

SECONDARY = "[c]"  # hidden so that a "<5" cannot be worked out from a total
SUMMARY = "summary"  # the table name of summary.csv's cells: row = metric's index, column 1
ALL = "All"
RULE = (
    f"Numbers from 1 to {SMALL - 1} are shown as {SUPPRESSED}, as are shares and medians of "
    f"fewer than {SMALL}. Where such a number could be worked out from a total in the same "
    f"table or elsewhere in the pack, the next smallest number of that sum is hidden too "
    f"and shown as {SECONDARY} (secondary suppression). The barriers escalated to the board "
    f"are counted as they are listed, one by one, small numbers included."
)


@dataclass(frozen=True, order=True)
class CellRef:
    table: str
    row: int
    column: int


@dataclass(frozen=True)
class Sum:
    """``parts`` add up to ``total`` (one part: the same number shown twice)."""

    total: CellRef
    parts: tuple[CellRef, ...]

    @property
    def cells(self) -> tuple[CellRef, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Disclosed:
    """The pack's figures as they may leave the team: text per cell."""

    tables: Mapping[str, list[list[str]]]
    summary: list[tuple[str, str]]
    primary: int  # counts hidden as small
    secondary: int  # cells hidden so that those cannot be worked out

    def rows(self, table: Table) -> list[list[str]]:
        return self.tables[table.name]


def table_sums(table: Table) -> list[Sum]:
    """Within a table with a total row ("All", last) and group rows: per count column, the
    groups add up to the total."""
    names = [row[0].text if hasattr(row[0], "text") else "" for row in table.rows]
    if len(table.rows) < 2 or names[-1] != ALL:
        return []
    last = len(table.rows) - 1
    sums = []
    for column in range(1, len(table.columns)):
        if isinstance(table.rows[last][column], Count):
            sums.append(
                Sum(
                    CellRef(table.name, last, column),
                    tuple(CellRef(table.name, r, column) for r in range(last)),
                )
            )
    return sums


def metric_sums(figures: Figures, totals: Mapping[tuple[str, int], str]) -> list[Sum]:
    """Across the pack: ``totals`` maps (table, column) to the summary metric that column adds
    up to (its total row when it has one, else its rows)."""
    metrics = {name: n for n, (name, _cell) in enumerate(figures.summary)}
    sums = []
    for (name, column), metric in totals.items():
        table = next((t for t in figures.tables if t.name == name), None)
        if table is None or metric not in metrics or not table.rows:
            continue
        total = CellRef(SUMMARY, metrics[metric], 1)
        last = len(table.rows) - 1
        if getattr(table.rows[last][0], "text", "") == ALL:
            sums.append(Sum(total, (CellRef(name, last, column),)))
        else:
            sums.append(Sum(total, tuple(CellRef(name, r, column) for r in range(len(table.rows)))))
    return sums


def _counts(figures: Figures) -> tuple[dict[CellRef, int], set[CellRef]]:
    """Every count in the pack by where it is, and which of them are ``listed``."""
    found, listed = {}, set()
    cells = [
        (CellRef(table.name, r, c), cell)
        for table in figures.tables
        for r, row in enumerate(table.rows)
        for c, cell in enumerate(row)
    ]
    cells += [(CellRef(SUMMARY, n, 1), cell) for n, (_name, cell) in enumerate(figures.summary)]
    for ref, cell in cells:
        if isinstance(cell, Count):
            found[ref] = cell.n
            if cell.listed:
                listed.add(ref)
    return found, listed


def solvable(
    values: Mapping[CellRef, int], hidden: set[CellRef], sums: Sequence[Sum]
) -> set[CellRef]:
    """The hidden cells whose value follows from the shown cells and the sums (exactly:
    Gauss-Jordan elimination over the hidden cells)."""
    unknowns = sorted(hidden & set(values))
    index = {ref: n for n, ref in enumerate(unknowns)}
    matrix: list[list[Fraction]] = []
    for total in sums:
        if not all(ref in values for ref in total.cells):
            continue
        row = [Fraction(0)] * len(unknowns)
        for ref, sign in ((total.total, -1), *((p, 1) for p in total.parts)):
            if ref in index:
                row[index[ref]] += sign
        if any(row):
            matrix.append(row)
    pivots: list[int] = []
    rank = 0
    for column in range(len(unknowns)):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column]), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][column]
        matrix[rank] = [v / lead for v in matrix[rank]]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column]:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        pivots.append(column)
        rank += 1
    free = set(range(len(unknowns))) - set(pivots)
    found = set()
    for r, column in enumerate(pivots):
        if not any(matrix[r][f] for f in free):
            found.add(unknowns[column])
    return found


def _widen(
    values: Mapping[CellRef, int], hidden: set[CellRef], total: Sum, listed: Set[CellRef]
) -> CellRef | None:
    """The cell to hide next in a sum that gives a hidden number away: the smallest shown
    non-zero part, else the total; never a ``listed`` count (the pack's list gives it)."""
    shown_parts = [
        p for p in total.parts if p not in hidden and p not in listed and values.get(p, 0) > 0
    ]
    if shown_parts:
        return min(shown_parts, key=lambda p: (values[p], p))
    return total.total if total.total not in hidden | listed else None


def suppress(
    values: Mapping[CellRef, int], sums: Sequence[Sum], listed: Set[CellRef] = frozenset()
) -> tuple[set[CellRef], set[CellRef]]:
    """Primary and secondary suppression: (small counts, cells hidden to protect them).
    ``listed``: counts of things the pack lists one by one, shown as they are."""
    primary = {ref for ref, n in values.items() if 0 < n < SMALL and ref not in listed}
    hidden = set(primary)
    for _round in range(len(values) + 1):
        found = solvable(values, hidden, sums)
        if not found:
            break
        widened = False
        for ref in sorted(found):
            for total in sums:
                if (
                    ref in total.cells
                    and (cell := _widen(values, hidden, total, listed)) is not None
                ):
                    hidden.add(cell)
                    widened = True
                    break
        if not widened:
            break  # nothing left to hide (cannot happen with consistent sums)
    return primary, hidden - primary


def disclose(figures: Figures, totals: Mapping[tuple[str, int], str] | None = None) -> Disclosed:
    """The figures as a board pack shows them: primary and secondary suppression applied."""
    sums = [s for t in figures.tables for s in table_sums(t)]
    sums += metric_sums(figures, totals or {})
    values, listed = _counts(figures)
    primary, secondary = suppress(values, sums, listed)
    tables: dict[str, list[list[str]]] = {}
    for table in figures.tables:
        rows = []
        for r, row in enumerate(table.rows):
            hidden_here = {
                values[ref]
                for c in range(len(row))
                if (ref := CellRef(table.name, r, c)) in secondary
            }
            rows.append(
                [
                    _text(cell, CellRef(table.name, r, c) in secondary, hidden_here)
                    for c, cell in enumerate(row)
                ]
            )
        tables[table.name] = rows
    summary = [
        (name, _text(cell, CellRef(SUMMARY, n, 1) in secondary, set()))
        for n, (name, cell) in enumerate(figures.summary)
    ]
    return Disclosed(tables, summary, len(primary), len(secondary))


def _text(cell: Cell, hidden: bool, hidden_in_row: set[int]) -> str:
    if hidden:
        return SECONDARY
    text = shown_cell(cell, True)
    # A share of a hidden number would give it back: hide it with the number.
    if (
        isinstance(cell, Share)
        and text not in (SUPPRESSED, "–")
        and (cell.part in hidden_in_row or cell.whole in hidden_in_row)
    ):
        return SECONDARY
    return text


# --- free text for the board ----------------------------------------------------------------
_PRISON_NUMBER = re.compile(r"[a-z]\d{4}[a-z]{2}")
_CRN = re.compile(r"[a-z]\d{6}")


@dataclass(frozen=True)
class Identifiers:
    """What names one person on the laptop: their names, prison number and CRN."""

    names: tuple[str, ...]
    prison_number: str = ""
    crn: str = ""


def _plain(text: str) -> str:
    """Lower case, accents off, so "Zoë" and "ZOE" compare equal."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    """The words of a text, with letters written apart ("P R A C T I S E") joined up."""
    if text.isascii() and text.isalpha():  # most names: one plain word, no work to do
        return [text.lower()] if len(text) > 1 else []
    words: list[str] = []
    run = ""
    for token in re.findall(r"[^\W\d_]+", _plain(text)):
        if len(token) == 1:
            run += token
            continue
        if len(run) > 1:
            words.append(run)
        run = ""
        words.append(token)
    if len(run) > 1:
        words.append(run)
    return words


def _compact(text: str) -> str:
    if text.isascii() and text.isalnum():  # a prison number or CRN as usually typed
        return text.lower()
    return re.sub(r"[\W_]+", "", _plain(text))


@dataclass(frozen=True)
class KnownIdentifiers:
    """Every person's identifiers made ready to look for once, for checking several texts
    against the same laptop (the board pack's barriers): the words of their names, their
    prison numbers and CRNs without spacing or case."""

    name_words: frozenset[str]
    prison_numbers: frozenset[str]
    crns: frozenset[str]

    @classmethod
    def of(cls, people: Iterable[Identifiers]) -> KnownIdentifiers:
        held = list(people)
        return cls.made(
            (name for person in held for name in person.names),
            (person.prison_number for person in held),
            (person.crn for person in held),
        )

    @classmethod
    def made(
        cls, names: Iterable[str], prison_numbers: Iterable[str], crns: Iterable[str]
    ) -> KnownIdentifiers:
        """From every name, prison number and CRN held (in any order, repeats and blanks
        among them): names repeat across a caseload, and each is read once."""
        return cls(
            frozenset(part for name in set(names) for part in _words(name) if len(part) > 1),
            _compacted(prison_numbers),
            _compacted(crns),
        )


def _compacted(numbers: Iterable[str]) -> frozenset[str]:
    """``_compact`` of each number given (blanks left out), its usual case made inline."""
    held = set(numbers)
    held.discard("")
    return frozenset(n.lower() if n.isascii() and n.isalnum() else _compact(n) for n in held if n)


def identifier_problems(text: str, people: Iterable[Identifiers] | KnownIdentifiers) -> list[str]:
    """What in ``text`` could identify someone: a name, prison number or CRN of a person on
    the laptop in any spacing or case, or anything shaped like a prison number or a CRN.
    Each problem is a sentence for the supervisor; empty when the text may go to the board."""
    known = people if isinstance(people, KnownIdentifiers) else KnownIdentifiers.of(people)
    words = set(_words(text))
    compact = _compact(text)
    names = words & known.name_words
    prison = bool(_PRISON_NUMBER.search(compact)) or any(
        number in compact for number in known.prison_numbers
    )
    crn = bool(_CRN.search(compact)) or any(number in compact for number in known.crns)
    problems = []
    if names:
        listed = ", ".join(f'"{n.capitalize()}"' for n in sorted(names))
        problems.append(
            f"It names someone on the programme ({listed}): describe the barrier without names."
        )
    if prison:
        problems.append("It holds a prison number (perhaps written with spaces): leave it out.")
    if crn:
        problems.append("It holds a probation case reference (CRN): leave it out.")
    return problems
