"""Version-checked edits on a real SQLCipher database: a form opened before someone else's
write, saved with another field changed, keeps their value; the same field changed on both
sides is refused with both values, who and when, and writes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace

import pytest
from sqlalchemy import func, select

from restart_desktop.app.case_views import CaseDetails, CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.outcomes import (
    AssessmentFields,
    BarrierFields,
    BarrierQuery,
    OutcomeService,
    assessment_edit_base,
    barrier_edit_base,
)
from restart_desktop.app.referral_views import ReferralDraft, StatusChange
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import ItemUpdate, item_edit_base
from restart_desktop.app.session import AppSession
from restart_desktop.app.versions import EditBase, EditClashed
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import ItemState
from restart_desktop.domain.clock import from_local
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.referrals import ReferralStatus, Urgency
from restart_desktop.store.changes import Actor
from restart_desktop.store.models import Change, Person, Worker
from tests.support.clock import set_clock

NOW = dt.datetime(2026, 11, 20, 10, 0)  # a Friday
FRIDAY = dt.date(2026, 11, 27)
NAMES = [f.name for f in fields(CaseFields)]


@pytest.fixture(autouse=True)
def clock(enrolled: AppSession) -> None:
    set_clock(enrolled, NOW)


@pytest.fixture
def cases(enrolled: AppSession) -> CaseService:
    return CaseService(enrolled)


@pytest.fixture
def colleague(enrolled: AppSession) -> AppSession:
    """Another worker on another laptop writing to the same database: what a sync import of
    their change does to the record (a new last change, by them)."""
    worker_id = uuid7()
    with enrolled.db.write() as s:
        s.add(Worker(id=worker_id, name="Fictional Colleague", organisation_code="pact"))
    return replace(enrolled, db=enrolled.db.with_actor(Actor(worker_id, "colleague-laptop")))


def _case(cases: CaseService) -> str:
    return cases.create_case(
        CaseFields(
            given_name="Testy",
            family_name="Oldname",
            nomis_number="Z1234AB",
            release_date=FRIDAY,
            release_time="08:30",
            referral_date=dt.date(2026, 9, 1),
        )
    ).case_id


def _edit(loaded: CaseDetails, **typed: object) -> tuple[CaseFields, EditBase]:
    """The form's values after typing, and the base it sends."""
    values = replace(loaded.fields, **typed)  # type: ignore[arg-type]
    return values, EditBase.between(loaded.version, loaded.fields, values, NAMES)


def _changes(session: AppSession, record_id: str) -> int:
    with session.db.read() as s:
        return int(
            s.execute(
                select(func.count()).select_from(Change).where(Change.record_id == record_id)
            ).scalar_one()
        )


def test_a_save_from_an_older_form_keeps_the_newer_family_name(
    cases: CaseService, colleague: AppSession, enrolled: AppSession
) -> None:
    case_id = _case(cases)
    loaded = cases.get_case(case_id)  # the form opens
    theirs = CaseService(colleague)
    theirs.update_case(case_id, replace(theirs.get_case(case_id).fields, family_name="Newname"))

    values, base = _edit(loaded, needs=("health",), crn="Z123456")
    assert base.changed == {"needs", "crn"}
    cases.update_case(case_id, values, base=base)

    after = cases.get_case(case_id).fields
    assert after.family_name == "Newname"  # not put back
    assert (after.needs, after.crn) == (("health",), "Z123456")
    with enrolled.db.read() as s:  # the save's change names only the fields it changed
        newest = s.scalars(
            select(Change)
            .where(Change.record_id == case_id)
            .order_by(Change.seq.desc(), Change.hlc.desc())
        ).first()
        assert newest is not None
        assert set(newest.fields) == {"needs", "crn"}


def test_without_a_base_a_stale_save_would_put_the_old_name_back(
    cases: CaseService, colleague: AppSession
) -> None:
    """What the check prevents (scripts still save whole records)."""
    case_id = _case(cases)
    loaded = cases.get_case(case_id)
    CaseService(colleague).update_case(case_id, replace(loaded.fields, family_name="Newname"))
    cases.update_case(case_id, replace(loaded.fields, crn="Z123456"))
    assert cases.get_case(case_id).fields.family_name == "Oldname"


def test_the_same_field_changed_by_both_is_refused_with_both_values_and_who(
    cases: CaseService, colleague: AppSession, enrolled: AppSession
) -> None:
    case_id = _case(cases)
    loaded = cases.get_case(case_id)
    CaseService(colleague).update_case(case_id, replace(loaded.fields, family_name="Newname"))
    before = _changes(enrolled, case_id)

    values, base = _edit(loaded, family_name="Mine", crn="Z123456")
    with pytest.raises(EditClashed) as refused:
        cases.reasoned_changes(case_id, values, base)  # asked before any reason question
    with pytest.raises(EditClashed) as refused:
        cases.update_case(case_id, values, base=base)

    (clash,) = refused.value.clashes
    assert (clash.field, clash.label, clash.mine, clash.theirs) == (
        "family_name",
        "Family name",
        "Mine",
        "Newname",
    )
    assert clash.by == "Fictional Colleague"
    assert clash.at is not None
    assert clash.at.tzinfo is not None
    assert clash.at == from_local(NOW)  # when they made it, by the session's clock
    assert "Family name" in str(refused.value)
    assert _changes(enrolled, case_id) == before  # nothing written, not even the CRN
    assert cases.get_case(case_id).fields.crn == ""

    # Keeping mine: the form's base for the field is now theirs, at the record's version.
    kept = EditBase(refused.value.version, {**base.loaded, "family_name": "Newname"})
    cases.update_case(case_id, values, base=kept)
    assert cases.get_case(case_id).fields.family_name == "Mine"
    assert _changes(enrolled, case_id) == before + 1  # an ordinary change: it syncs


def test_both_making_the_same_change_is_no_clash(cases: CaseService, colleague: AppSession) -> None:
    case_id = _case(cases)
    loaded = cases.get_case(case_id)
    CaseService(colleague).update_case(case_id, replace(loaded.fields, crn="Z123456"))
    values, base = _edit(loaded, crn="z123456 ")  # normalised to the same value
    cases.update_case(case_id, values, base=base)
    assert cases.get_case(case_id).fields.crn == "Z123456"


def test_only_fields_the_user_changed_need_a_reason(
    cases: CaseService, colleague: AppSession
) -> None:
    case_id = _case(cases)
    loaded = cases.get_case(case_id)
    # A colleague moves the release date (with a reason); the older form still shows the old.
    CaseService(colleague).update_case(
        case_id,
        replace(loaded.fields, release_date=FRIDAY + dt.timedelta(days=3)),
        "Fictional new date from the prison",
    )

    values, base = _edit(loaded, preferred_name="Tess")
    assert cases.reasoned_changes(case_id, values, base) == []
    cases.update_case(case_id, values, base=base)  # no reason asked, none needed
    after = cases.get_case(case_id).fields
    assert (after.release_date, after.preferred_name) == (FRIDAY + dt.timedelta(days=3), "Tess")

    values, base = _edit(cases.get_case(case_id), iom=True)
    assert cases.reasoned_changes(case_id, values, base) == ["Integrated Offender Management (IOM)"]
    with pytest.raises(ValidationFailed):
        cases.update_case(case_id, values, base=base)


def test_a_release_plan_item_edited_from_an_older_dialog(
    cases: CaseService, colleague: AppSession, enrolled: AppSession
) -> None:
    case_id = _case(cases)
    cases.change_status(case_id, CaseStatus.ACCEPTED, "Accepted (test)")
    release = ReleaseService(enrolled)
    theirs = ReleaseService(colleague)
    plan = release.plan(case_id)
    assert plan is not None
    theirs.update_item(plan.id, "phone", ItemUpdate(ItemState.OPEN, note="Charger at home"))
    plan = release.plan(case_id)
    assert plan is not None
    opened = plan.item("phone")  # the dialog opens on this
    assert opened is not None
    assert opened.version is not None

    # They record a problem; the older dialog sets the appointment place only: both kept.
    theirs.update_item(plan.id, "phone", ItemUpdate(ItemState.PROBLEM, note="Phone lost"))
    mine = ItemUpdate(ItemState.OPEN, note=opened.note, place="Phone shop, Cornmarket")
    mine = replace(mine, base=item_edit_base(opened, mine))
    assert mine.base is not None
    assert mine.base.changed == {"place"}
    release.update_item(plan.id, "phone", mine)
    after = release.plan(case_id)
    assert after is not None
    item = after.item("phone")
    assert item is not None
    assert (item.state, item.note, item.place) == (
        ItemState.PROBLEM,
        "Phone lost",
        "Phone shop, Cornmarket",
    )

    # The same field (the note) from the older dialog: refused, nothing written.
    clash = ItemUpdate(ItemState.OPEN, note="Has a phone now", place="Phone shop, Cornmarket")
    clash = replace(clash, base=item_edit_base(opened, clash))
    with pytest.raises(EditClashed) as refused:
        release.update_item(plan.id, "phone", clash)
    fields_clashed = {c.field: c for c in refused.value.clashes}
    assert set(fields_clashed) == {"note"}  # the state: theirs, as this dialog left it alone
    assert fields_clashed["note"].theirs == "Phone lost"
    assert fields_clashed["note"].mine == "Has a phone now"
    assert fields_clashed["note"].by == "Fictional Colleague"
    again = release.plan(case_id)
    assert again is not None
    assert again.item("phone") == item

    # Keeping mine: saved from the record as it is now, as an ordinary change.
    assert clash.base is not None
    kept = replace(clash, base=clash.base.rebased(refused.value, {"note": True}))
    release.update_item(plan.id, "phone", kept)
    final = release.plan(case_id)
    assert final is not None
    phone = final.item("phone")
    assert phone is not None
    assert (phone.state, phone.note) == (ItemState.PROBLEM, "Has a phone now")


def test_a_referral_step_from_a_status_someone_else_moved_on(
    cases: CaseService, colleague: AppSession, enrolled: AppSession
) -> None:
    case_id = _case(cases)
    cases.change_status(case_id, CaseStatus.ACCEPTED, "Accepted (test)")
    with enrolled.db.write() as s:  # consent for the referral (not what is tested here)
        person = s.get(Person, case_id)
        assert person is not None
        person.consent_given, person.consent_categories = True, ["substance_misuse"]
    referrals = ReferralService(enrolled)
    referral = referrals.create(
        ReferralDraft(
            person_id=case_id,
            service_code="dass_oxfordshire",
            reason="Script on release (test)",
            urgency=Urgency.URGENT.value,
        )
    )
    referrals.send(referral, "email")
    seen = referrals.get(referral)  # the worker's view, before the colleague's step

    ReferralService(colleague).change_status(
        referral, StatusChange(ReferralStatus.DECLINED, reason="No capacity (test)")
    )
    before = _changes(enrolled, referral)
    with pytest.raises(EditClashed) as refused:
        referrals.change_status(referral, StatusChange.step(seen, ReferralStatus.ACKNOWLEDGED))
    (clash,) = refused.value.clashes
    assert (clash.label, clash.mine, clash.theirs, clash.by) == (
        "Status",
        ReferralStatus.ACKNOWLEDGED.label,
        ReferralStatus.DECLINED.label,
        "Fictional Colleague",
    )
    assert _changes(enrolled, referral) == before
    assert referrals.get(referral).status == ReferralStatus.DECLINED

    # From what is there now, the step is an ordinary one.
    now_seen = referrals.get(referral)
    referrals.change_status(
        referral,
        StatusChange.step(now_seen, ReferralStatus.CLOSED, outcome="Referred elsewhere (test)"),
    )
    assert referrals.get(referral).status == ReferralStatus.CLOSED


def test_a_barrier_edited_from_an_older_dialog(enrolled: AppSession, colleague: AppSession) -> None:
    mine, theirs = OutcomeService(enrolled), OutcomeService(colleague)
    barrier = mine.create_barrier(
        BarrierFields("No ID for bank accounts (test)", "accommodation", raised_on=NOW.date())
    )
    (opened,) = mine.barriers(BarrierQuery())
    theirs.update_barrier(barrier, replace(opened.fields(), title="No ID at release (test)"))

    edited = replace(opened.fields(), description="Three people this month (test)")
    mine.update_barrier(barrier, edited, barrier_edit_base(opened, edited))
    (after,) = mine.barriers(BarrierQuery())
    assert (after.title, after.description) == (
        "No ID at release (test)",
        "Three people this month (test)",
    )

    clashing = replace(opened.fields(), title="Mine (test)")
    with pytest.raises(EditClashed) as refused:
        mine.update_barrier(barrier, clashing, barrier_edit_base(opened, clashing))
    (clash,) = refused.value.clashes
    assert (clash.label, clash.mine, clash.theirs, clash.by) == (
        "Title",
        "Mine (test)",
        "No ID at release (test)",
        "Fictional Colleague",
    )
    assert mine.barriers(BarrierQuery()) == [after]


def test_an_assessment_draft_edited_from_an_older_dialog(
    cases: CaseService, enrolled: AppSession, colleague: AppSession
) -> None:
    case_id = _case(cases)
    mine, theirs = OutcomeService(enrolled), OutcomeService(colleague)
    draft = mine.save_draft(AssessmentFields(case_id, NOW.date(), "", mine.blank_scores()))
    (opened,) = mine.assessments(case_id)
    theirs.save_draft(replace(opened.fields(), present="Testy and his sister (test)"), draft)

    scored = (replace(opened.scores[0], worker=4),) + opened.scores[1:]
    edited = replace(opened.fields(), scores=scored)
    mine.save_draft(edited, draft, assessment_edit_base(opened, edited))
    (after,) = mine.assessments(case_id)
    assert after.present == "Testy and his sister (test)"
    assert after.scores[0].worker == 4

    clashing = replace(opened.fields(), present="Testy alone (test)")
    with pytest.raises(EditClashed) as refused:
        mine.save_draft(clashing, draft, assessment_edit_base(opened, clashing))
    assert [c.field for c in refused.value.clashes] == ["present"]
    assert mine.assessments(case_id) == [after]
