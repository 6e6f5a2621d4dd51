"""The programme's figures on a fixed fixture, each checked against a count made by hand, and
the board pack written from them: a PDF and CSV files with no name, prison number or note
text, and small numbers suppressed. A real SQLCipher database; the period is May-June 2026
(bank holidays Monday 4 May and Monday 25 May)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from pytestqt.qtbot import QtBot

from restart_desktop import cli
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import UserError
from restart_desktop.app.figures import FiguresService
from restart_desktop.app.release_plans import new_plan
from restart_desktop.app.session import AppSession, enrol
from restart_desktop.documents.board_pack import PROGRAMME, write_board_pack
from restart_desktop.domain.case import CaseStatus, Role
from restart_desktop.domain.clock import Clock, from_local
from restart_desktop.domain.figures import Figures, Period, shown
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.store.models import (
    Assessment,
    Barrier,
    ContactNote,
    Person,
    Referral,
    ReferralEvent,
    Review,
    Worker,
)
from tests.support.constants import PASSPHRASE

PERIOD = Period(dt.date(2026, 5, 1), dt.date(2026, 6, 30))
NAMES = (
    "Quillonfix",
    "Zedfixone",
    "Brannock",
    "Zedfixtwo",
    "Corvina",
    "Zedfixthree",
    "Dellow",
    "Zedfixfour",
    "Elspin",
    "Zedfixfive",
    "Fenwarra",
    "Zedfixsix",
)
PRISON_NUMBERS = ("Z1111AA", "Z2222BB", "Z3333CC", "Z4444DD", "Z5555EE", "Z6666FF")
NOTE_TEXTS = ("Fixture visit about the hostel waiting list", "Fixture call about his debts")


def _at(day: str, time: str = "12:00") -> dt.datetime:
    """A local wall-clock time on that day, as the instant it is."""
    return from_local(dt.datetime.fromisoformat(f"{day}T{time}"))


@pytest.fixture
def lead(
    tmp_path: Path, fast_kdf: KdfParams, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppSession]:
    session = enrol(
        DataPaths(tmp_path / "lead"),
        name="Fixture Lead",
        passphrase=PASSPHRASE,
        organisation_code="aspire_oxford",
        role=Role.SUPERVISOR,
        kdf=fast_kdf,
    )
    clock = {"now": _at("2026-05-15")}  # changes are recorded when the fixture says
    session.clock = Clock(now=lambda: clock["now"])
    with session.db.write() as s:
        one = Worker(name="Fixture Worker One", organisation_code="aspire_oxford")
        two = Worker(name="Fixture Worker Two", organisation_code="connection_support")
        s.add_all([one, two])
        s.flush()
        people = {}
        for n, (referred, source, worker, status, release) in enumerate(
            [
                ("2026-05-03", "self_recommendation", one.id, "released", "2026-05-22"),
                ("2026-05-10", "probation", one.id, "engaged_in_custody", "2026-06-12"),
                ("2026-03-01", "probation", two.id, "released", "2026-06-10"),
                ("2026-06-01", "self_recommendation", two.id, "recommended", None),
                ("2026-06-20", "partner_agency", None, "recommended", None),
                ("2026-07-15", "other", one.id, "released", "2026-07-17"),
            ]
        ):
            person = Person(
                given_name=NAMES[2 * n],
                family_name=NAMES[2 * n + 1],
                nomis_number=PRISON_NUMBERS[n],
                referral_source=source,
                referral_date=dt.date.fromisoformat(referred),
                allocated_worker_id=worker,
                status=status,
                release_date=dt.date.fromisoformat(release) if release else None,
            )
            s.add(person)
            people[n + 1] = person
        s.flush()
        plans = {}
        for n in (1, 2, 3, 6):
            plans[n] = new_plan(s, people[n], session.reference, 1)
            s.flush()  # the checklist snapshot is shared
        plans[1].met_at_gate, plans[1].first_night = True, "temporary_or_cas3"
        plans[3].met_at_gate, plans[3].first_night = False, "rough_sleeping"
        service = {"name": "Fixture service"}
        referrals = [
            Referral(
                person_id=people[1].id,
                service_code="x",
                service=service,
                category="accommodation",
                made_on=dt.date(2026, 5, 4),
                status="acknowledged",
                sent_on=dt.date(2026, 5, 4),
            ),
            Referral(
                person_id=people[2].id,
                service_code="x",
                service=service,
                category="accommodation",
                made_on=dt.date(2026, 5, 11),
                status="accepted",
                sent_on=dt.date(2026, 5, 11),
            ),
            Referral(
                person_id=people[3].id,
                service_code="x",
                service=service,
                category="benefits",
                made_on=dt.date(2026, 6, 1),
                status="sent",
                sent_on=dt.date(2026, 6, 1),
            ),
            Referral(
                person_id=people[1].id,
                service_code="x",
                service=service,
                category="benefits",
                made_on=dt.date(2026, 5, 2),
                status="draft",
            ),
        ]
        s.add_all(referrals)
        s.flush()
        for referral, status, day in (
            (referrals[0], "acknowledged", "2026-05-07"),
            (referrals[1], "accepted", "2026-05-16"),
        ):
            s.add(
                ReferralEvent(
                    referral_id=referral.id,
                    person_id=referral.person_id,
                    kind="status",
                    from_status="sent",
                    to_status=status,
                    at=_at(day),
                )
            )
        for on, score in (("2026-04-01", 3), ("2026-05-20", 7)):
            s.add(
                Assessment(
                    person_id=people[1].id,
                    assessed_on=dt.date.fromisoformat(on),
                    scores=[{"code": "accommodation", "label": "Accommodation", "worker": score}],
                    finalised_at=_at(on),
                )
            )
        s.add(
            Assessment(
                person_id=people[2].id,
                assessed_on=dt.date(2026, 5, 21),
                scores=[{"code": "accommodation", "worker": 4}],
                finalised_at=_at("2026-05-21"),
            )
        )
        s.add(
            Barrier(
                title=f"No beds for {NAMES[0]} {NAMES[1]} ({PRISON_NUMBERS[0]}) on Fridays",
                category="accommodation",
                raised_on=dt.date(2026, 5, 5),
                status="escalated",
            )
        )
        s.add(
            Barrier(
                title="Jobcentre letters go to old addresses",
                category="benefits_dwp",
                raised_on=dt.date(2026, 6, 15),
                status="open",
            )
        )
        notes = [
            ContactNote(
                person_id=people[1].id,
                worker_id=one.id,
                contact_type="in_person",
                contact_at=_at("2026-05-05", "10:00"),
                text=NOTE_TEXTS[0],
            ),
            ContactNote(
                person_id=people[3].id,
                worker_id=two.id,
                contact_type="phone",
                contact_at=_at("2026-06-02", "09:00"),
                text=NOTE_TEXTS[1],
            ),
            ContactNote(
                person_id=people[2].id,
                worker_id=one.id,
                contact_at=_at("2026-04-01"),
                contact_type="phone",
                text="Fixture note before the period",
            ),
        ]
        s.add_all(notes)
        s.flush()
        s.add(
            Review(
                item_kind="note",
                item_id=notes[0].id,
                person_id=people[1].id,
                worker_id=one.id,
                action="reviewed",
                comment="",
                at=_at("2026-05-08", "10:00"),
            )
        )
        four = people[4].id
    clock["now"] = _at("2026-06-02")
    CaseService(session).change_status(four, CaseStatus.ACCEPTED, "Fixture allocation panel")
    yield session
    session.close()


def _rows(figures: Figures, name: str) -> list[list[str]]:
    return figures.table(name).text_rows(suppress=False)


def test_every_figure_matches_the_count_made_by_hand(lead: AppSession) -> None:
    figures = FiguresService(lead).figures(PERIOD, "organisation")
    summary = {key: shown(cell, False) for key, cell in figures.summary}
    assert summary == {
        "cases_recommended": "4",  # people 1, 2, 4, 5 (3 and 6 referred outside the period)
        "cases_self_recommended": "2",
        "cases_accepted": "1",  # person 4, on 2 June
        "cases_engaged_in_custody": "1",  # person 2, recorded engaged on 15 May
        # No intake records in this fixture (tests/unit/app/test_intake_figures.py has them).
        "intake_recommended": "0",
        "intake_self_recommended": "0",
        "intake_eligible": "0",
        "intake_accepted": "0",
        "intake_declined": "0",
        "median_days_to_decision": "–",
        "median_days_to_first_contact": "–",
        "cases_released": "2",  # people 1 and 3 (2 is still inside, 6 after the period)
        "releases": "2",
        "releases_on_friday": "1",  # Friday 22 May
        "releases_before_bank_holiday": "1",  # ... before the Spring bank holiday
        "met_at_gate": "1",
        "housed_first_night": "1",  # CAS3 counts; rough sleeping does not
        "referrals_made": "3",  # the draft is not counted
        "referrals_median_days_to_acknowledgement": "4.0",  # 3 and 5 days
        "contact_notes": "2",
        "notes_reviewed": "1",
        "notes_median_days_to_review": "3.0",
        "barriers_raised": "2",
        "barriers_escalated": "1",
        "cases_closed": "0",  # nobody closed in the period (tests/unit/app/test_outcome_figures)
    }
    assert _rows(figures, "cases") == [
        ["Aspire Oxford", "2", "0", "1", "1"],
        ["Connection Support", "1", "1", "0", "1"],
        ["Unallocated", "1", "0", "0", "0"],
        ["All", "4", "1", "1", "2"],
    ]
    assert _rows(figures, "recommended_by_source") == [
        ["Probation", "1"],
        ["Partner agency", "1"],
        ["Self-recommendation", "2"],
    ]
    assert _rows(figures, "releases_by_week") == [
        ["18 May 2026", "1", "1", "1", "1"],
        ["08 Jun 2026", "1", "0", "0", "0"],
    ]
    assert _rows(figures, "release_day")[-1] == ["All", "2", "50%", "50%", "1", "50%", "1"]
    assert _rows(figures, "first_night") == [
        ["Temporary accommodation or CAS3", "1", "50%"],
        ["Rough sleeping", "1", "50%"],
    ]
    assert _rows(figures, "referrals_by_category_status") == [
        ["Accommodation", "Acknowledged", "1"],
        ["Accommodation", "Accepted", "1"],
        ["Benefits and money", "Sent", "1"],
    ]
    assert _rows(figures, "referrals_acknowledgement") == [
        ["Accommodation", "2", "2", "4.0"],
        ["Benefits and money", "1", "0", "–"],
        ["All", "3", "2", "4.0"],
    ]
    assert _rows(figures, "outcomes") == [["Accommodation", "1", "4.0", "1", "0"]]
    assert _rows(figures, "barriers_by_category_status") == [
        ["Accommodation", "Escalated to the board", "1"],
        ["Benefits and DWP", "Open", "1"],
    ]
    assert _rows(figures, "notes_reviewed") == [
        ["Aspire Oxford", "1", "1", "3.0"],
        ["Connection Support", "1", "0", "–"],
        ["All", "2", "1", "3.0"],
    ]
    by_worker = FiguresService(lead).figures(PERIOD, "worker")
    assert _rows(by_worker, "cases")[0] == ["Fixture Worker One", "2", "0", "1", "1"]


def _scan(folder: Path) -> str:
    texts = []
    for path in sorted(folder.iterdir()):
        assert not path.name.startswith("."), "no temporary file is left behind"
        if path.suffix == ".pdf":
            pages = " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
            texts.append(" ".join(pages.split()))  # words come out separated by tabs
        else:
            texts.append(path.read_text("utf-8"))
    return "\n".join(texts)


def test_the_board_pack_holds_no_name_prison_number_or_note_text(
    lead: AppSession, tmp_path: Path, qtbot: QtBot
) -> None:
    figures = FiguresService(lead).report(PERIOD)
    written = write_board_pack(figures, tmp_path / "pack", PROGRAMME)
    names = sorted(p.name for p in written)
    assert "summary.csv" in names
    assert "board-pack-2026-05-01-to-2026-06-30.pdf" in names
    assert len([n for n in names if n.endswith(".csv")]) == len(figures.tables) + 1
    text = _scan(tmp_path / "pack")
    for secret in (*NAMES, *PRISON_NUMBERS, *NOTE_TEXTS, "Fixture Worker"):
        assert secret.lower() not in text.lower(), secret
    assert "No beds for" not in text  # the title as typed never reaches the board
    assert "(no wording for the board confirmed yet)" in text
    # Small numbers are suppressed, in the PDF and in the CSV files.
    with open(tmp_path / "pack" / "summary.csv", encoding="utf-8") as handle:
        summary = dict(csv.reader(handle))
    assert summary["metric"] == "value"
    assert summary["cases_recommended"] == "<5"
    assert summary["referrals_made"] == "<5"
    assert summary["referrals_median_days_to_acknowledgement"] == "<5"
    assert all(
        value in ("0", "<5", "[c]", "–")
        for key, value in summary.items()
        if key not in ("metric", "barriers_escalated")
    )
    # ... but not the barriers escalated: the pack lists them, one a row, for the board.
    with open(tmp_path / "pack" / "barriers_escalated.csv", encoding="utf-8") as handle:
        assert summary["barriers_escalated"] == str(len(list(csv.reader(handle))) - 1) == "1"
    pdf = next(p for p in written if p.suffix == ".pdf")
    pages = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "Cases recommended <5" in " ".join(pages.split())


def test_the_report_command_writes_the_pack_and_refuses_bad_dates(
    lead: AppSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    qtbot: QtBot,
) -> None:
    lead.close()
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    command = ["--data-dir", str(lead.paths.root), "report"]
    out = tmp_path / "out"
    assert (
        cli.main([*command, "--from", "2026-05-01", "--to", "2026-06-30", "--out", str(out)]) == 0
    )
    assert "Board pack for 1 May 2026 to 30 Jun 2026" in capsys.readouterr().out
    with open(out / "summary.csv", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["metric", "value"]
    metrics = {row[0] for row in rows[1:]}
    assert {
        "cases_recommended",
        "cases_released",
        "met_at_gate",
        "housed_first_night",
        "referrals_made",
        "notes_reviewed",
    } <= metrics
    assert (out / "board-pack-2026-05-01-to-2026-06-30.pdf").stat().st_size > 1000
    with pytest.raises(SystemExit) as bad_date:
        cli.main([*command, "--from", "1 May", "--to", "2026-06-30", "--out", str(out)])
    assert bad_date.value.code == 2
    assert "--from must be a date like 2026-09-30" in capsys.readouterr().err
    backwards = [
        *command,
        "--from",
        "2026-06-30",
        "--to",
        "2026-05-01",
        "--out",
        str(tmp_path / "bad"),
    ]
    assert cli.main(backwards) == 2
    assert "before" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_the_report_command_breaks_down_as_the_window_does_unless_told(
    lead: AppSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
) -> None:
    """Without ``--by`` the pack is the programme's, as the Figures window opens (it was by
    partner organisation); ``--by organisation`` still adds a row per partner."""
    from restart_desktop.app.figures import DEFAULT_GROUPING
    from restart_desktop.ui.figures_view import FiguresView
    from restart_desktop.ui.tasks import TaskRunner

    runner = TaskRunner()
    view = FiguresView(FiguresService(lead), runner)
    qtbot.addWidget(view)
    assert view.group.currentData() == DEFAULT_GROUPING == "programme"
    lead.close()
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    command = ["--data-dir", str(lead.paths.root), "report", "--from", "2026-05-01"]
    command += ["--to", "2026-06-30", "--out"]

    def groups(out: Path) -> list[str]:
        with open(out / "cases.csv", encoding="utf-8") as handle:
            return [row[0] for row in list(csv.reader(handle))[1:]]

    assert cli.main([*command, str(tmp_path / "default")]) == 0
    assert groups(tmp_path / "default") == ["All"]
    assert cli.main([*command, str(tmp_path / "partners"), "--by", "organisation"]) == 0
    by_partner = groups(tmp_path / "partners")
    assert by_partner[-1] == "All"
    assert len(by_partner) > 2
    assert cli.main([*command, str(tmp_path / "whole"), "--by", "programme"]) == 0
    assert groups(tmp_path / "whole") == ["All"]


def test_a_worker_laptop_makes_no_board_pack(enrolled: AppSession) -> None:
    with pytest.raises(UserError, match="supervisor"):
        FiguresService(enrolled).report(PERIOD)


def test_the_board_pack_reads_as_words_and_keeps_headings_with_rows(
    lead: AppSession, tmp_path: Path, qtbot: QtBot
) -> None:
    """Issue 21, finding 11: labels in words, headings repeated on every page a table runs
    onto, and a chart of suppressed figures that says why it has no bars."""
    from restart_desktop.documents.board_pack import pack_html
    from restart_desktop.documents.charts import Bar, bar_image

    figures = FiguresService(lead).report(PERIOD)
    content, _images = pack_html(figures, PROGRAMME)
    assert "Releases on a Friday" in content
    assert "Met at the gate" in content
    assert "Releases on friday" not in content
    assert "Met at gate" not in content
    assert content.count("<thead>") == content.count("<table") - 1  # all but the summary
    shown = bar_image("Test", (Bar("Temporary accommodation or CAS3", 7.0, "7"),))
    hidden = bar_image("Test", (Bar("Temporary accommodation or CAS3", None, "<5"),))
    assert hidden.height() > shown.height()  # room for the sentence saying why


def test_the_default_period_is_the_last_full_quarter() -> None:
    from restart_desktop.domain.figures import last_full_quarter

    assert last_full_quarter(dt.date(2026, 12, 5)) == Period(
        dt.date(2026, 7, 1), dt.date(2026, 9, 30)
    )
    assert last_full_quarter(dt.date(2027, 1, 1)) == Period(
        dt.date(2026, 10, 1), dt.date(2026, 12, 31)
    )
