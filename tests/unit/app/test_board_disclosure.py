"""The board pack as it leaves the team, checked the way the independent test did: (a) no
suppressed number can be worked out by solving each table's totals or the pack's summary
against its tables; (b) a barrier's text naming someone, with a spaced prison number and a
CRN, never reaches the pack. A real SQLCipher database; the files written are what is read."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pypdf
import pytest
from pytestqt.qtbot import QtBot

from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.figures import FiguresService
from restart_desktop.app.outcomes import OutcomeService
from restart_desktop.app.release_plans import new_plan
from restart_desktop.app.session import AppSession
from restart_desktop.documents.board_pack import PROGRAMME, write_board_pack
from restart_desktop.domain.figures import Period
from restart_desktop.store.models import Barrier, Person, Worker
from tests.support.roles import as_supervisor

PERIOD = Period(dt.date(2026, 5, 1), dt.date(2026, 6, 30))
#: The independent test's pack: partners 20, 7 and 10, one case unallocated, 38 in all.
GROUPS = (
    ("aspire_oxford", 20),
    ("connection_support", 7),
    ("thames_valley_partnership", 10),
    (None, 1),
)
#: Which summary metric a table's column adds up to, as an evaluator would read the pack.
ACROSS = (
    ("cases_recommended", "recommended_by_source", 1),
    ("cases_recommended", "cases", 1),
    ("releases", "first_night", 1),
    ("releases", "releases_by_week", 1),
    ("releases", "release_day", 1),
)


@pytest.fixture
def lead(enrolled: AppSession) -> AppSession:
    session = as_supervisor(enrolled)
    with session.db.write() as s:
        workers = {}
        for code, _n in GROUPS:
            if code:
                workers[code] = Worker(name=f"Fixture {code}", organisation_code=code)
        s.add_all(workers.values())
        s.flush()
        n = 0
        for code, count in GROUPS:
            for _ in range(count):
                n += 1
                released = code == "aspire_oxford" and n <= 8  # 5 in one week, 3 the next
                day = dt.date(2026, 5, 18) if n <= 5 else dt.date(2026, 6, 9)
                person = Person(
                    given_name=f"Fixgiven{n}",
                    family_name=f"Fixfamily{n}",
                    nomis_number=f"Z{1000 + n}AA",
                    referral_source="probation",
                    referral_date=dt.date(2026, 5, 4),
                    allocated_worker_id=workers[code].id if code else None,
                    status="released" if released else "recommended",
                    release_date=day if released else None,
                )
                s.add(person)
                s.flush()
                if released:
                    plan = new_plan(s, person, session.reference, 1)
                    plan.met_at_gate = True
                    plan.first_night = "settled" if n <= 5 else "rough_sleeping"
                    s.flush()
    return session


def _csv(folder: Path, name: str) -> list[list[str]]:
    with open(folder / f"{name}.csv", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _derivable(folder: Path) -> list[str]:
    """Every hidden cell that one total gives away: a table's groups against its All row, or
    a summary metric against the column that adds up to it."""
    found = []
    for path in sorted(folder.glob("*.csv")):
        rows = _csv(folder, path.stem)
        if len(rows) < 2 or rows[-1][0] != "All":
            continue
        for column in range(1, len(rows[0])):
            cells = [_number(row[column]) for row in rows]
            if (
                all(
                    c is not None or row[column] in ("<5", "[c]")
                    for c, row in zip(cells, rows, strict=True)
                )
                and cells.count(None) == 1
            ):
                found.append(f"{path.stem} column {column}")
    summary = dict(_csv(folder, "summary"))
    for metric, name, column in ACROSS:
        rows = _csv(folder, name)
        if rows and rows[-1][0] == "All":
            rows = rows[-1:]
        if not rows or any(len(row) <= column for row in rows):
            continue
        cells = [_number(row[column]) for row in rows] + [_number(summary[metric])]
        if cells.count(None) == 1:
            found.append(f"{name} column {column} against {metric}")
    return found


def test_no_suppressed_number_can_be_worked_out_from_the_totals(
    lead: AppSession, tmp_path: Path, qtbot: QtBot
) -> None:
    figures = FiguresService(lead).report(PERIOD)
    write_board_pack(figures, tmp_path / "pack", PROGRAMME)
    pack = tmp_path / "pack"
    assert _derivable(pack) == []  # today: cases (38 - 37 = 1), first night (8 - 5 = 3), …
    cases = _csv(pack, "cases")
    assert [row[:2] for row in cases] == [
        ["Aspire Oxford", "20"],
        ["Connection Support", "[c]"],
        ["Thames Valley Partnership", "10"],
        ["Unallocated", "<5"],
        ["All", "38"],
    ]
    assert [row[1] for row in _csv(pack, "first_night")] == ["[c]", "<5"]  # 8 - 5 no more
    pdf = next(pack.glob("*.pdf"))
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages).split())
    assert "secondary suppression" in text
    assert "more hidden to protect them" in text


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def test_a_barrier_naming_someone_never_reaches_the_pack(
    lead: AppSession, tmp_path: Path, qtbot: QtBot
) -> None:
    with lead.db.write() as s:
        person = s.query(Person).filter_by(given_name="Fixgiven3").one()
        person.family_name, person.nomis_number, person.crn = "Practise", "Z9870RJ", "X123456"
        barrier = Barrier(
            title="Practise's council refused housing; Practise-Jones family; Z 9870 RJ; X123456",
            category="accommodation",
            raised_on=dt.date(2026, 5, 5),
            status="escalated",
        )
        s.add(barrier)
        s.flush()
        barrier_id = barrier.id
    outcomes = OutcomeService(lead)
    for wording in (
        "The council refused PRACTISE housing",
        "Refused: z 9870 rj",
        "Refused: x 123 456",
        "P r a c t i s e was refused",
    ):
        with pytest.raises(ValidationFailed):
            outcomes.confirm_board_wording(barrier_id, wording)
    outcomes.confirm_board_wording(
        barrier_id, "A council refuses housing to people released on a Friday afternoon"
    )

    figures = FiguresService(lead).report(PERIOD)
    write_board_pack(figures, tmp_path / "pack", PROGRAMME)
    texts = [p.read_text("utf-8") for p in (tmp_path / "pack").glob("*.csv")]
    pdf = next((tmp_path / "pack").glob("*.pdf"))
    texts += [page.extract_text() for page in pypdf.PdfReader(pdf).pages]
    whole = _compact(" ".join(texts))
    for secret in ("Practise", "Z9870RJ", "X123456", "Fixgiven", "Fixfamily"):
        assert _compact(secret) not in whole, secret
    assert "refuseshousingtopeoplereleasedonafridayafternoon" in whole


def test_the_escalated_barriers_are_counted_as_the_board_reads_them_listed(
    lead: AppSession, tmp_path: Path, qtbot: QtBot
) -> None:
    """The pack listed each barrier escalated to the board, in the wording a supervisor
    confirmed, yet gave their number as "<5" in the summary and in the table by category:
    the board counts the list, so the count is shown as the list gives it. A barrier count
    the list does not give stays suppressed."""
    from restart_desktop.app.outcomes import BarrierFields
    from restart_desktop.domain.outcomes import BarrierStatus

    outcomes = OutcomeService(lead)
    for title, category, escalate in (
        ("Fixture: no beds on a Friday afternoon", "accommodation", True),
        ("Fixture: housing office shut at 3pm", "accommodation", True),
        ("Fixture: prescriptions not ready at the gate", "health_prescriptions", False),
    ):
        barrier_id = outcomes.create_barrier(
            BarrierFields(title, category, raised_on=dt.date(2026, 5, 6))
        )
        if escalate:
            outcomes.change_barrier_status(barrier_id, BarrierStatus.ESCALATED)
            outcomes.confirm_board_wording(barrier_id, f"Board wording: {title[9:]}")

    figures = FiguresService(lead).report(PERIOD)
    write_board_pack(figures, tmp_path / "pack", PROGRAMME)
    pack = tmp_path / "pack"
    listed = _csv(pack, "barriers_escalated")
    assert len(listed) == 2
    assert all(row[1].startswith("Board wording: ") for row in listed)
    summary = dict(_csv(pack, "summary"))
    assert summary["barriers_escalated"] == str(len(listed)) == "2"
    assert summary["barriers_raised"] == "<5"  # three: the list gives two of them only
    by_category = {(row[0], row[1]): row[2] for row in _csv(pack, "barriers_by_category_status")}
    assert by_category[("Accommodation", "Escalated to the board")] == "2"
    assert "<5" in by_category.values()  # the open barrier is in no list: still hidden
    assert _derivable(pack) == []
    pdf = next(pack.glob("*.pdf"))
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages).split())
    assert "Barriers escalated 2" in text
    assert "counted as they are listed" in text
