"""Disclosure control: no hidden number can be worked out from the totals, and no wording for
the board holds a name, prison number or CRN in any spacing or case."""

from __future__ import annotations

import datetime as dt

from restart_desktop.domain.disclosure import (
    SECONDARY,
    SUMMARY,
    CellRef,
    Identifiers,
    KnownIdentifiers,
    Sum,
    disclose,
    identifier_problems,
    metric_sums,
    solvable,
    suppress,
    table_sums,
)
from restart_desktop.domain.figures import Count, Figures, Period, Share, Table, Text

PERIOD = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def _cases(*counts: tuple[str, int]) -> Table:
    return Table(
        "cases",
        "Cases",
        ("Group", "Recommended"),
        tuple((Text(name), Count(n)) for name, n in counts),
    )


def _hidden(rows: list[list[str]]) -> list[tuple[int, int]]:
    return [
        (r, c) for r, row in enumerate(rows) for c, v in enumerate(row) if v in ("<5", SECONDARY)
    ]


def test_finding_a_the_unallocated_cell_can_no_longer_be_worked_out_from_all() -> None:
    table = _cases(
        ("Aspire", 20), ("Connection", 7), ("Partnership", 10), ("Unallocated", 1), ("All", 38)
    )
    figures = Figures(PERIOD, "organisation", (table,), ())
    today = table.text_rows(suppress=True)
    assert [r[1] for r in today] == ["20", "7", "10", "<5", "38"]  # 38 - 37 = 1: the finding
    rows = disclose(figures).rows(table)
    assert [r[1] for r in rows] == ["20", SECONDARY, "10", "<5", "38"]  # the next smallest
    values = {CellRef("cases", r, 1): n for r, n in enumerate((20, 7, 10, 1, 38))}
    hidden = {CellRef("cases", r, 1) for r, _ in _hidden(rows)}
    assert solvable(values, hidden, table_sums(table)) == set()


def test_finding_a_across_tables_a_week_cannot_be_worked_out_from_the_summary() -> None:
    weeks = Table(
        "releases_by_week",
        "Releases per week",
        ("Week", "Releases"),
        ((Text("6 Apr"), Count(40)), (Text("13 Apr"), Count(28)), (Text("20 Apr"), Count(4))),
    )
    figures = Figures(PERIOD, "programme", (weeks,), (("releases", Count(72)),))
    totals = {("releases_by_week", 1): "releases"}
    disclosed = disclose(figures, totals)
    assert [r[1] for r in disclosed.rows(weeks)] == ["40", SECONDARY, "<5"]  # 72 - 68 no more
    assert disclosed.summary == [("releases", "72")]
    assert (disclosed.primary, disclosed.secondary) == (1, 1)


def test_a_count_the_pack_lists_one_by_one_is_shown_and_never_hidden_for_another() -> None:
    """A listed count (the barriers escalated to the board) is shown as the list gives it,
    and another small number of its sum is protected by hiding a different cell."""
    table = Table(
        "barriers",
        "Barriers",
        ("Status", "Barriers"),
        (
            (Text("Escalated"), Count(2, listed=True)),
            (Text("Open"), Count(1)),
            (Text("Resolved"), Count(9)),
            (Text("All"), Count(12)),
        ),
    )
    assert [r[1] for r in table.text_rows(suppress=True)] == ["2", "<5", "9", "12"]
    rows = disclose(Figures(PERIOD, "programme", (table,), ())).rows(table)
    assert [r[1] for r in rows] == ["2", "<5", SECONDARY, "12"]  # not the smaller 2
    values = {CellRef("barriers", r, 1): n for r, n in enumerate((2, 1, 9, 12))}
    primary, secondary = suppress(values, table_sums(table), {CellRef("barriers", 0, 1)})
    assert primary == {CellRef("barriers", 1, 1)}
    assert secondary == {CellRef("barriers", 2, 1)}


def test_sums_that_each_hide_two_numbers_can_still_give_them_away_together() -> None:
    """a + b, b + c and a + c shown: each sum hides two numbers, yet all three follow. A rule
    that only counts hidden cells per sum misses this; solving the sums finds it."""
    a, b, c = CellRef("t", 0, 1), CellRef("t", 1, 1), CellRef("t", 2, 1)
    ab, bc, ac = CellRef("u", 0, 1), CellRef("u", 1, 1), CellRef("u", 2, 1)
    values = {a: 3, b: 2, c: 4, ab: 5, bc: 6, ac: 7}
    sums = [Sum(ab, (a, b)), Sum(bc, (b, c)), Sum(ac, (a, c))]
    assert solvable(values, {a, b, c}, sums) == {a, b, c}
    assert solvable(values, {a, b, c}, sums[:2]) == set()  # two sums alone leave a free
    primary, secondary = suppress(values, sums)
    assert primary == {a, b, c}
    assert secondary
    assert solvable(values, primary | secondary, sums) == set()


def test_a_share_of_a_hidden_number_is_hidden_with_it() -> None:
    table = Table(
        "release_day",
        "Release day",
        ("Group", "Releases", "Met", "Met (share)"),
        (
            (Text("Aspire"), Count(12), Count(10), Share(10, 12)),
            (Text("Connection"), Count(6), Count(3), Share(3, 6)),
            (Text("All"), Count(18), Count(13), Share(13, 18)),
        ),
    )
    rows = disclose(Figures(PERIOD, "organisation", (table,), ())).rows(table)
    assert rows[1][2:] == ["<5", "<5"]
    assert rows[0][2:] == [SECONDARY, SECONDARY]  # 10 of 12 would say 83%
    assert rows[2][2:] == ["13", "72%"]


def test_metric_sums_link_a_total_row_to_its_summary_figure() -> None:
    table = _cases(("A", 6), ("B", 2), ("All", 8))
    figures = Figures(PERIOD, "organisation", (table,), (("cases_recommended", Count(8)),))
    (link,) = metric_sums(figures, {("cases", 1): "cases_recommended"})
    assert link.total == CellRef(SUMMARY, 0, 1)
    assert link.parts == (CellRef("cases", 2, 1),)


PEOPLE = [
    Identifiers(("Testy", "Practise", ""), "Z9870RJ", "X123456"),
    Identifiers(("Zoë", "Van Der Example", "Zo"), "", ""),
]


def test_finding_b_names_numbers_and_crns_in_any_spacing_or_case_are_refused() -> None:
    text = "[removed] Practise's council refused housing; Practise-Jones family; Z 9870 RJ"
    problems = identifier_problems(text, PEOPLE)
    assert problems[0].startswith('It names someone on the programme ("Practise")')
    assert "prison number" in problems[1]
    assert identifier_problems("x 123 456 was given a room", PEOPLE) == [
        "It holds a probation case reference (CRN): leave it out."
    ]
    assert identifier_problems("P R A C T I S E slept rough", PEOPLE)
    assert identifier_problems("ZOE was turned away", PEOPLE)  # accents and case off
    assert identifier_problems("z9870rj", PEOPLE)
    assert identifier_problems("A1234BC, someone not on this laptop", PEOPLE)  # by its shape


def test_a_plain_description_may_go_to_the_board() -> None:
    assert (
        identifier_problems(
            "Council housing officers refuse Friday afternoon presentations from prison leavers",
            PEOPLE,
        )
        == []
    )
    assert identifier_problems("Zone 3 hostels are full", PEOPLE) == []  # "Zo" is too short


def test_identifiers_made_ready_once_find_what_the_list_finds() -> None:
    """The board pack checks several wordings against identifiers made ready once, from
    the people's columns (repeats, blanks and spacing among them)."""
    known = KnownIdentifiers.made(
        ["Testy", "Practise", "", "Zoë", "Van Der Example", "Zo", "Testy"],
        ["Z9870RJ", "", "z 1111 aa", "Z9870RJ"],
        ["X123456", ""],
    )
    assert known == KnownIdentifiers.of([*PEOPLE, Identifiers(("Testy", "", ""), "z 1111 aa", "")])
    for text in (
        "[removed] Practise's council refused housing; Z 9870 RJ",
        "x 123 456 was given a room",
        "ZOE was turned away",
        "Zone 3 hostels are full",
        "Ex ample",
    ):
        assert identifier_problems(text, known) == identifier_problems(
            text, PEOPLE + [Identifiers(("Testy", "", ""), "z 1111 aa", "")]
        )
    assert identifier_problems("held at z1111AA", known)  # compacted: spacing and case off
