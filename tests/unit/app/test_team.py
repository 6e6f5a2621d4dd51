"""Team details on real SQLCipher databases (issue 21, finding 3): the sheet never prints an
example number, a supervisor sets the team's own contacts, they reach a worker's laptop by
sync, and what is still an example is said plainly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import UserError, ValidationFailed
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService
from restart_desktop.app.team import TeamDetailsFields, TeamDetailsService
from restart_desktop.domain.examples import example_numbers, is_example
from tests.support.roles import as_supervisor
from tests.support.team import Laptop, Team, make_team

TEAM_PHONE = "0300 123 4567"  # a real-looking non-geographic number, not a drama one


def test_drama_numbers_and_example_addresses_are_examples() -> None:
    assert example_numbers("Call 01632 960 001 (Mon-Fri)") == ["01632 960 001"]
    assert example_numbers("+44 20 7946 0123") == ["+44 20 7946 0123"]
    assert example_numbers("116 123") == []
    assert example_numbers(TEAM_PHONE) == []
    assert is_example("debt@example.org")
    assert is_example("Duty to Refer portal (example: check the council's address)")
    assert not is_example("Oxford City Council housing options, 01865 249811")


def _sheet_phones(session: AppSession) -> list[str]:
    case_id = (
        CaseService(session)
        .create_case(
            CaseFields(
                given_name="Testy",
                family_name="Sheetly",
                release_date=dt.date.today(),
                release_time="08:30",
            )
        )
        .case_id
    )
    return [c.phone for c in ReleaseService(session).release_sheet(case_id).contacts]


def test_the_sheet_never_prints_an_example_number_and_prints_the_teams_own(
    enrolled: AppSession,
) -> None:
    phones = _sheet_phones(enrolled)
    assert "01632 960 001" not in phones
    assert "116 123" in phones  # the real helplines stay
    assert "the release-day sheet's number for RESTART team" in " ".join(
        TeamDetailsService(enrolled).examples_in_use()
    )

    with pytest.raises(UserError, match="Only a supervisor"):
        TeamDetailsService(enrolled).save(TeamDetailsFields(phone=TEAM_PHONE))
    supervisor = as_supervisor(enrolled)
    team = TeamDetailsService(supervisor)
    services_before = int(team.examples_in_use()[1].split(" services'")[0])
    with pytest.raises(ValidationFailed, match="example number"):
        team.save(TeamDetailsFields(phone="01632 960 555"))
    team.save(
        TeamDetailsFields(
            phone=TEAM_PHONE,
            phone_when="Every day, 7am to 7pm",
            service_contacts={"debt_advice": "Ring 0300 555 0100"},
        )
    )

    assert _sheet_phones(supervisor)[0] == TEAM_PHONE
    debt = [s for s in ReferralService(supervisor).directory("debt") if s.code == "debt_advice"]
    assert debt
    assert debt[0].contact == "Ring 0300 555 0100"
    left = " ".join(team.examples_in_use())
    assert "RESTART team" not in left
    assert f"{services_before - 1} services' contacts" in left


@pytest.fixture
def team(tmp_path: Path) -> Team:
    return make_team(tmp_path, workers=1)


def _sync(laptop: Laptop) -> None:
    session = laptop.open()
    try:
        assert SyncService(session).sync_now().state == "synced"
    finally:
        session.close()


def test_team_details_set_by_the_supervisor_reach_a_workers_laptop(team: Team) -> None:
    supervisor, worker = team.laptops
    session = supervisor.open()
    try:
        TeamDetailsService(session).save(TeamDetailsFields(phone=TEAM_PHONE))
    finally:
        session.close()
    _sync(supervisor)
    _sync(worker)
    session = worker.open()
    try:
        assert TeamDetailsService(session).get().fields.phone == TEAM_PHONE
        assert _sheet_phones(session)[0] == TEAM_PHONE
    finally:
        session.close()
