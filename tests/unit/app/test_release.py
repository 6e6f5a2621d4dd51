"""ReleaseService on a real SQLCipher database: plans start from the template and follow the
release date, ticks record time and author, the Today view's order and flags, the outcome."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import ItemUpdate, OutcomeFields
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import FirstNight, ItemState, Section
from restart_desktop.domain.reference import load_reference_data
from restart_desktop.paths import RESOURCES_ENV, resources_dir
from restart_desktop.store.models import Change, ReleasePlanItem
from tests.support.clock import Moment, local, set_clock

# Thursday 26 November 2026, 18:00: the evening before a Friday release.
NOW = local(2026, 11, 26, 18, 0)
TODAY = NOW.date()
FRIDAY = dt.date(2026, 11, 27)
# Thursday 24 December 2026 is the last working day before Christmas Day (a bank holiday).
CHRISTMAS_EVE = dt.date(2026, 12, 24)


@pytest.fixture
def clock(enrolled: AppSession) -> Moment:
    return set_clock(enrolled, NOW)


@pytest.fixture
def cases(enrolled: AppSession, clock: Moment) -> CaseService:
    return CaseService(enrolled)


@pytest.fixture
def release(enrolled: AppSession, clock: Moment) -> ReleaseService:
    return ReleaseService(enrolled)


def _person(
    cases: CaseService,
    family: str,
    release_date: dt.date | None,
    release_time: str = "",
    settled: bool = False,
) -> str:
    case_id = cases.create_case(
        CaseFields(
            given_name="Testy",
            family_name=family,
            release_date=release_date,
            release_time=release_time,
            has_settled_address=settled,
            nomis_number="Z1234AB",
            crn="Z123456",
            referral_date=dt.date(2026, 9, 1),
        )
    ).case_id
    cases.change_status(case_id, CaseStatus.ACCEPTED, "Accepted onto the programme (test)")
    return case_id


def test_a_plan_starts_from_the_template_when_a_case_has_a_release_date(
    cases: CaseService, release: ReleaseService, enrolled: AppSession
) -> None:
    without = _person(cases, "Nodate", None)
    assert release.plan(without) is None
    person = _person(cases, "Example", FRIDAY, "08:30")

    plan = release.plan(person)

    assert plan is not None
    template = enrolled.reference.default_checklist
    assert [item.code for item in plan.items] == [
        item.code for section in Section for item in template.items if item.section == section
    ]
    assert (plan.template_name, plan.template_version) == (template.name, template.version)
    assert all(item.state == ItemState.OPEN for item in plan.items)
    assert plan.release_date == FRIDAY
    assert plan.release_time == "08:30"
    # A Friday release with no settled address: the conditional items count.
    applicable = [item for item in plan.items if item.applies]
    assert len(applicable) == len(plan.items)
    assert plan.progress.text == f"0 of {len(plan.items)} done"
    gate = plan.item("met_at_gate")
    assert gate is not None
    assert gate.due_at == local(2026, 11, 27, 8, 30)
    assert plan.flags is not None
    assert plan.flags.friday


def test_conditional_items_drop_out_of_the_count_for_a_tuesday_with_an_address(
    cases: CaseService, release: ReleaseService
) -> None:
    person = _person(cases, "Example", dt.date(2026, 12, 1), settled=True)
    plan = release.plan(person)
    assert plan is not None
    left_out = {item.code for item in plan.items if not item.applies}
    assert left_out == {"friday_release_raised", "duty_to_refer", "cas3_requested"}
    assert plan.progress.total == len(plan.items) - 3


def test_ticks_record_the_time_the_author_and_a_note(
    cases: CaseService, release: ReleaseService, enrolled: AppSession, clock: Moment
) -> None:
    person = _person(cases, "Example", FRIDAY, "08:30")
    plan = release.plan(person)
    assert plan is not None

    release.mark_done(plan.id, "transport_arranged")
    release.update_item(
        plan.id, "naloxone", ItemUpdate(ItemState.NOT_NEEDED, note="Does not use opioids")
    )
    release.update_item(
        plan.id, "phone", ItemUpdate(ItemState.PROBLEM, note="Phone left at old address")
    )
    clock.now = dt.datetime(2026, 11, 27, 8, 41)
    release.update_item(
        plan.id, "met_at_gate", ItemUpdate(ItemState.DONE, at=local(2026, 11, 27, 8, 35))
    )

    after = release.plan(person)
    assert after is not None
    transport = after.item("transport_arranged")
    assert transport is not None
    assert (transport.state, transport.state_at) == (ItemState.DONE, NOW)
    assert transport.state_by == enrolled.worker.name
    naloxone, phone = after.item("naloxone"), after.item("phone")
    assert naloxone is not None
    assert naloxone.note == "Does not use opioids"
    assert phone is not None
    assert phone.state == ItemState.PROBLEM
    total = len([i for i in after.items if i.applies]) - 1  # naloxone not needed
    assert after.progress.text == f"2 of {total} done, 1 problem"
    # Ticking "met at the gate" records the release outcome's gate time too.
    assert after.outcome.fields.met_at_gate is True
    assert after.outcome.fields.met_at_gate_at == local(2026, 11, 27, 8, 35)
    # Each tick is a synced change naming its author.
    with enrolled.db.read() as s:
        changes = s.scalars(
            select(Change).where(Change.entity == ReleasePlanItem.__tablename__)
        ).all()
    assert len(changes) == 4
    assert {c.author_id for c in changes} == {enrolled.worker.id}
    assert {c.fields["state"] for c in changes} == {"done", "not_needed", "problem"}


def test_refused_ticks_save_nothing(cases: CaseService, release: ReleaseService) -> None:
    person = _person(cases, "Example", FRIDAY)
    plan = release.plan(person)
    assert plan is not None
    with pytest.raises(ValidationFailed) as caught:
        release.update_item(plan.id, "naloxone", ItemUpdate(ItemState.NOT_NEEDED))
    assert caught.value.problems == {"note": "Say why this item is not needed."}
    with pytest.raises(ValidationFailed, match="in the future"):
        release.update_item(
            plan.id, "phone", ItemUpdate(ItemState.DONE, at=NOW + dt.timedelta(hours=2))
        )
    after = release.plan(person)
    assert after is not None
    assert all(item.state == ItemState.OPEN for item in after.items)


def test_an_item_added_to_one_plan_only(cases: CaseService, release: ReleaseService) -> None:
    first = _person(cases, "Example", FRIDAY)
    second = _person(cases, "Sample", FRIDAY)
    plan = release.plan(first)
    assert plan is not None
    code = release.add_item(
        plan.id, "Collect glasses from healthcare", Section.AT_THE_GATE, required=True
    )
    release.mark_done(plan.id, code)

    after, other = release.plan(first), release.plan(second)
    assert after is not None
    assert other is not None
    added = after.item(code)
    assert added is not None
    assert added.extra
    assert added.state == ItemState.DONE
    gate_section = [i.code for i in after.items if i.section == Section.AT_THE_GATE]
    assert gate_section[-1] == code
    assert other.item(code) is None
    assert after.progress.total == other.progress.total + 1
    with pytest.raises(ValidationFailed):
        release.add_item(plan.id, "  ", Section.ON_THE_DAY)


def test_a_template_change_does_not_rewrite_existing_plans(
    cases: CaseService,
    enrolled: AppSession,
    clock: Moment,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _person(cases, "Example", FRIDAY)
    edited = tmp_path / "resources"
    shutil.copytree(resources_dir(), edited)
    path = edited / "checklists" / "release_day.toml"
    text = path.read_text("utf-8")
    text = text.replace("version = 1", "version = 2").replace(
        'label = "Phone"', 'label = "Mobile phone with credit"'
    )
    path.write_text(text, "utf-8")
    monkeypatch.setenv(RESOURCES_ENV, str(edited))
    enrolled.reference = load_reference_data()
    new_cases = CaseService(enrolled)
    after = _person(new_cases, "Sample", FRIDAY)

    service = ReleaseService(enrolled)
    old_plan, new_plan = service.plan(before), service.plan(after)
    assert old_plan is not None
    assert new_plan is not None
    old_phone, new_phone = old_plan.item("phone"), new_plan.item("phone")
    assert old_phone is not None
    assert new_phone is not None
    assert (old_plan.template_version, old_phone.label) == (1, "Phone")
    assert (new_plan.template_version, new_phone.label) == (2, "Mobile phone with credit")


def test_the_plan_follows_a_moved_release_and_flags_a_late_change(
    cases: CaseService, release: ReleaseService, clock: Moment
) -> None:
    monday = dt.date(2026, 11, 30)
    person = _person(cases, "Example", monday, "09:00")
    clock.now = dt.datetime(2026, 11, 20, 10, 0)  # a week ahead: not late
    details = cases.get_case(person)
    cases.update_case(
        person, _with(details.fields, release_date=dt.date(2026, 12, 1)), "Fictional new date"
    )
    plan = release.plan(person)
    assert plan is not None
    assert plan.move is not None
    assert not plan.move.late

    clock.now = dt.datetime(2026, 11, 26, 15, 20)  # the governor brings it forward to Friday
    cases.update_case(
        person,
        _with(details.fields, release_date=FRIDAY, release_time="08:30"),
        "Fictional new date",
    )
    plan = release.plan(person)
    assert plan is not None
    assert plan.move is not None
    assert plan.release_date == FRIDAY
    assert (plan.move.previous_date, plan.move.previous_time) == (dt.date(2026, 12, 1), "09:00")
    assert plan.move.changed_at == local(2026, 11, 26, 15, 20)
    assert plan.move.late
    transport = plan.item("transport_arranged")
    assert transport is not None
    assert transport.due_at == local(2026, 11, 26, 17, 0)


def _with(fields: CaseFields, **changes: object) -> CaseFields:
    from dataclasses import replace

    return replace(fields, **changes)  # type: ignore[arg-type]


def test_today_lists_the_next_seven_days_in_order_with_flags(
    cases: CaseService, release: ReleaseService, clock: Moment, enrolled: AppSession
) -> None:
    clock.now = dt.datetime(2026, 12, 21, 7, 0)  # Monday before Christmas
    today = clock.now.date()
    _person(cases, "Later", today + dt.timedelta(days=8))  # outside the week
    _person(cases, "Thursday", CHRISTMAS_EVE, "09:00")
    _person(cases, "Monday", today, "10:00", settled=True)
    _person(cases, "Mondayearly", today, "08:00")
    _person(cases, "Mondaynotime", today, "")
    _person(cases, "Saturday", today - dt.timedelta(days=2), "08:00")
    done = _person(cases, "Fridaydone", today - dt.timedelta(days=3), "08:00")
    clock.now = dt.datetime(2026, 12, 18, 12, 0)
    done_plan = release.plan(done)
    assert done_plan is not None
    met = local(2026, 12, 18, 8, 10)
    release.record_outcome(done_plan.id, OutcomeFields(FirstNight.SETTLED.value, "", True, met))
    clock.now = dt.datetime(2026, 12, 21, 7, 0)

    rows = release.today()

    assert [r.person_name.split(",")[0] for r in rows] == [
        "SATURDAY",
        "MONDAYEARLY",
        "MONDAY",
        "MONDAYNOTIME",
        "THURSDAY",
    ]
    by_name = {r.person_name.split(",")[0]: r for r in rows}
    thursday = by_name["THURSDAY"]
    assert thursday.flags.pre_bank_holiday
    assert not thursday.flags.friday
    assert thursday.flags.duty_to_refer
    assert "Friday or pre-holiday release raised with the prison" in thursday.outstanding
    monday = by_name["MONDAY"]
    assert not monday.flags.duty_to_refer  # settled address
    assert "Duty to Refer made to the chosen local authority" not in monday.outstanding
    assert "Release date and time confirmed with the prison" in monday.outstanding
    assert by_name["SATURDAY"].outcome is not None
    assert not by_name["SATURDAY"].outcome.recorded
    assert all(r.mine for r in rows)
    assert release.today(only_mine=True) == rows


def test_friday_releases_are_flagged(cases: CaseService, release: ReleaseService) -> None:
    _person(cases, "Friday", FRIDAY, "08:30")
    (row,) = release.today()
    assert row.flags.friday
    assert row.flags.needs_weekend_plan
    assert row.progress is not None
    assert row.progress.done == 0


def test_recording_the_outcome_ticks_the_gate_and_marks_the_case_released(
    cases: CaseService, release: ReleaseService, clock: Moment
) -> None:
    person = _person(cases, "Example", FRIDAY, "08:30")
    plan = release.plan(person)
    assert plan is not None
    with pytest.raises(ValidationFailed, match="still ahead"):
        release.record_outcome(plan.id, OutcomeFields(FirstNight.SETTLED.value, "", False))
    clock.now = dt.datetime(2026, 11, 27, 21, 0)
    with pytest.raises(ValidationFailed) as caught:
        release.record_outcome(plan.id, OutcomeFields("", "", True, None))
    assert set(caught.value.problems) == {"first_night", "met_at_gate_at"}

    with pytest.raises(ValidationFailed, match="The release was on 27/11/2026"):
        release.record_outcome(
            plan.id, OutcomeFields(FirstNight.SETTLED.value, "", True, local(2026, 11, 26, 8, 40))
        )

    message = release.record_outcome(
        plan.id,
        OutcomeFields(
            FirstNight.TEMPORARY_OR_CAS3.value,
            "CAS3 house, Banbury (test)",
            True,
            local(2026, 11, 27, 8, 40),
        ),
    )

    assert "Released" in message
    after = release.plan(person)
    assert after is not None
    assert after.outcome.recorded
    assert after.outcome.fields.first_night == FirstNight.TEMPORARY_OR_CAS3.value
    gate = after.item("met_at_gate")
    assert gate is not None
    assert gate.state == ItemState.DONE
    assert gate.state_at == local(2026, 11, 27, 8, 40)
    details = cases.get_case(person)
    assert details.status == CaseStatus.RELEASED
    assert details.status_reason == "Release-day record of 27/11/2026"
    # A recorded release is history: its date is not changed afterwards.
    with pytest.raises(ValidationFailed) as caught:
        cases.update_case(person, _with(details.fields, release_date=dt.date(2026, 11, 30)))
    assert caught.value.problems["release_date"].startswith(
        "The release of 27/11/2026 is recorded on the release-day checklist"
    )
    again = release.plan(person)
    assert again is not None
    assert again.release_date == FRIDAY
    assert again.move is None
    assert cases.get_case(person).fields.release_date == FRIDAY


def test_not_met_at_the_gate_says_it_changed_the_ticked_item(
    cases: CaseService, release: ReleaseService, clock: Moment
) -> None:
    person = _person(cases, "Example", FRIDAY, "08:30")
    plan = release.plan(person)
    assert plan is not None
    clock.now = dt.datetime(2026, 11, 27, 8, 40)
    release.mark_done(plan.id, "met_at_gate")
    clock.now = dt.datetime(2026, 11, 27, 20, 0)
    message = release.record_outcome(
        plan.id, OutcomeFields(FirstNight.ROUGH_SLEEPING.value, "", False, None, "Released early")
    )
    assert '"Met at the gate" on the checklist is now marked as a problem' in message
    after = release.plan(person)
    assert after is not None
    gate = after.item("met_at_gate")
    assert gate is not None
    assert gate.state == ItemState.PROBLEM
    assert after.outcome.fields.met_at_gate is False


def test_a_made_duty_to_refer_answers_the_flag_on_today(
    cases: CaseService, release: ReleaseService
) -> None:
    person = _person(cases, "Example", FRIDAY, "08:30")
    (row,) = release.today()
    assert row.flags.duty_to_refer
    plan = release.plan(person)
    assert plan is not None
    release.update_item(plan.id, "duty_to_refer", ItemUpdate(ItemState.DONE, note="Oxford"))
    (row,) = release.today()
    assert not row.flags.duty_to_refer
    assert "Duty to Refer made to the chosen local authority" not in row.outstanding


def test_the_sheet_has_appointments_in_time_order_and_nothing_about_offences(
    cases: CaseService, release: ReleaseService
) -> None:
    person = _person(cases, "Example", FRIDAY, "08:30")
    plan = release.plan(person)
    assert plan is not None
    release.update_item(
        plan.id,
        "probation_appointment",
        ItemUpdate(
            ItemState.DONE,
            note="Officer worried about risk to ex-partner",
            appointment_at=local(2026, 11, 27, 11, 0),
            place="Probation office, 1 Fictional Street, Oxford",
            contact="Ask for the duty officer",
        ),
    )
    release.update_item(
        plan.id,
        "universal_credit",
        ItemUpdate(
            ItemState.DONE,
            appointment_at=local(2026, 11, 27, 9, 30),
            place="Jobcentre, 2 Example Road, Oxford",
        ),
    )
    release.update_item(
        plan.id,
        "first_night_accommodation",
        ItemUpdate(
            ItemState.DONE,
            place="Sample House, 3 Madeup Lane, Banbury",
            appointment_at=local(2026, 11, 27, 16, 0),
        ),
    )

    sheet = release.release_sheet(person)

    assert sheet.person_name == "Testy Example"
    assert [a.what for a in sheet.appointments] == [
        "Jobcentre appointment (Universal Credit)",
        "Probation appointment",
    ]
    assert sheet.appointments[1].bring.startswith("Your licence")
    assert sheet.tonight is not None
    assert sheet.tonight.place.startswith("Sample House")
    text = repr(sheet)
    for secret in ("risk", "Z1234AB", "Z123456", "ex-partner"):
        assert secret not in text
    assert any(contact.phone == "116 123" for contact in sheet.contacts)


def test_a_recommended_case_becomes_released_through_accepted_with_the_reason(
    cases: CaseService, release: ReleaseService, clock: Moment
) -> None:
    person = cases.create_case(
        CaseFields(
            given_name="Testy",
            family_name="Gateonly",
            release_date=FRIDAY,
            release_time="08:30",
        )
    ).case_id
    assert cases.get_case(person).status == CaseStatus.RECOMMENDED
    plan = release.plan(person)
    assert plan is not None
    clock.now = dt.datetime(2026, 11, 27, 12, 0)

    message = release.record_outcome(
        plan.id, OutcomeFields(FirstNight.SETTLED.value, "", True, local(2026, 11, 27, 8, 40))
    )

    assert "The case status is now Released (from Recommended, through Accepted)." in message
    details = cases.get_case(person)
    assert details.status == CaseStatus.RELEASED
    steps = sorted((h.old, h.new, h.reason) for h in details.field_history if h.field == "status")
    assert steps == [
        ("Accepted", "Released", "Release-day record of 27/11/2026"),
        ("Recommended", "Accepted", "Release-day record of 27/11/2026"),
    ]


def test_a_declined_case_keeps_its_status_and_the_worker_is_told_why(
    cases: CaseService, release: ReleaseService, clock: Moment
) -> None:
    person = cases.create_case(
        CaseFields(
            given_name="Testy",
            family_name="Declinedby",
            release_date=FRIDAY,
            release_time="08:30",
        )
    ).case_id
    plan = release.plan(person)
    assert plan is not None
    cases.change_status(person, CaseStatus.DECLINED, "Did not want support (test)")
    clock.now = dt.datetime(2026, 11, 27, 12, 0)

    message = release.record_outcome(plan.id, OutcomeFields(FirstNight.SETTLED.value, "", False))

    assert "The case status stays Declined" in message
    assert cases.get_case(person).status == CaseStatus.DECLINED


def test_a_release_brought_forward_is_recorded_on_the_day_it_happened(
    cases: CaseService, release: ReleaseService, clock: Moment
) -> None:
    # Due out on Friday; the governor brought it forward and the worker met them on Thursday.
    person = _person(cases, "Broughtforward", FRIDAY, "08:30")
    plan = release.plan(person)
    assert plan is not None
    clock.now = dt.datetime(2026, 11, 26, 10, 0)
    with pytest.raises(ValidationFailed, match=r"That time has not come yet \(it is now 10:00\)"):
        release.record_outcome(
            plan.id, OutcomeFields(FirstNight.SETTLED.value, "", True, local(2026, 11, 26, 10, 30))
        )

    message = release.record_outcome(
        plan.id, OutcomeFields(FirstNight.SETTLED.value, "", True, local(2026, 11, 26, 8, 40))
    )

    assert "The release date is now 26/11/2026 (brought forward from 27/11/2026)." in message
    details = cases.get_case(person)
    assert details.status == CaseStatus.RELEASED
    assert details.fields.release_date == TODAY
    after = release.plan(person)
    assert after is not None
    assert after.release_date == TODAY
    assert after.outcome.fields.met_at_gate_at == local(2026, 11, 26, 8, 40)
