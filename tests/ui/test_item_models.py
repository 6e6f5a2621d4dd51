"""Every list model of the notes and release-day screens passes pytest-qt's model tester,
with real data."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from pytestqt.modeltest import ModelTester

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.outcomes import (
    AssessmentFields,
    BarrierFields,
    BarrierQuery,
    OutcomeService,
)
from restart_desktop.app.referral_views import ReferralDraft
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import ItemUpdate
from restart_desktop.app.session import AppSession
from restart_desktop.domain.checklist import ItemState, Section
from restart_desktop.ui.actions_view import ActionsTableModel
from restart_desktop.ui.barrier_models import BarrierCountsTableModel, BarriersTableModel
from restart_desktop.ui.outcome_models import AssessmentsTableModel, ScoresTableModel
from restart_desktop.ui.referral_models import ReferralsTableModel, ServicesTableModel
from restart_desktop.ui.release_plan_model import PlanItemsTableModel
from restart_desktop.ui.search_view import SearchResultsTableModel
from restart_desktop.ui.timeline import TimelineTableModel
from restart_desktop.ui.today_view import TodayListModel


def _noted(enrolled: AppSession) -> tuple[NoteService, str]:
    person = (
        CaseService(enrolled)
        .create_case(CaseFields(given_name="Modelly", family_name="McExample"))
        .case_id
    )
    notes = NoteService(enrolled)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for days in range(3):
        note = notes.finalise(
            DraftFields(
                person_id=person,
                contact_at=now - dt.timedelta(days=days + 1),
                text=f"Fictional note {days} about the hostel",
            )
        )
    notes.add_addendum(note, "Fictional addendum about the hostel")
    notes.add_action(person, "Overdue thing", due_date=dt.date.today() - dt.timedelta(1))
    notes.add_action(person, "Undated thing")
    return notes, person


def test_timeline_model(qtmodeltester: ModelTester, enrolled: AppSession) -> None:
    notes, person = _noted(enrolled)
    model = TimelineTableModel()
    model.set_entries(notes.timeline(person))
    assert model.rowCount() == 5
    qtmodeltester.check(model, force_py=True)


def test_actions_model(qtmodeltester: ModelTester, enrolled: AppSession) -> None:
    notes, _person = _noted(enrolled)
    model = ActionsTableModel()
    model.set_actions(notes.my_actions())
    assert model.rowCount() == 2
    qtmodeltester.check(model, force_py=True)


def test_search_results_model(qtmodeltester: ModelTester, enrolled: AppSession) -> None:
    notes, _person = _noted(enrolled)
    model = SearchResultsTableModel()
    model.set_hits(notes.search("hostel"))
    assert model.rowCount() == 4  # three notes and the addendum
    qtmodeltester.check(model, force_py=True)


def _releasing(enrolled: AppSession) -> tuple[ReleaseService, str]:
    cases = CaseService(enrolled)
    today = dt.date.today()
    person = ""
    for days, family in ((0, "Todayson"), (2, "Soonerby"), (5, "Laterly")):
        person = cases.create_case(
            CaseFields(
                given_name="Modelly",
                family_name=family,
                release_date=today + dt.timedelta(days=days),
                release_time="08:30",
            )
        ).case_id
    release = ReleaseService(enrolled)
    plan = release.plan(person)
    assert plan is not None
    release.mark_done(plan.id, "transport_arranged")
    release.update_item(plan.id, "phone", ItemUpdate(ItemState.PROBLEM, note="No credit"))
    release.add_item(plan.id, "Fictional extra item", Section.ON_THE_DAY)
    return release, person


def test_plan_items_model(qtmodeltester: ModelTester, enrolled: AppSession) -> None:
    release, person = _releasing(enrolled)
    plan = release.plan(person)
    assert plan is not None
    model = PlanItemsTableModel(enrolled.clock)
    model.set_rows(list(plan.items))
    assert model.rowCount() == len(enrolled.reference.default_checklist.items) + 1
    qtmodeltester.check(model, force_py=True)


def test_today_model(qtmodeltester: ModelTester, enrolled: AppSession) -> None:
    release, _person = _releasing(enrolled)
    model = TodayListModel(enrolled.clock)
    model.set_rows(release.today())
    assert model.rowCount() == 3
    qtmodeltester.check(model, force_py=True)


def test_referral_models(qtmodeltester: ModelTester, enrolled: AppSession) -> None:
    person = (
        CaseService(enrolled)
        .create_case(CaseFields(given_name="Modelly", family_name="Referson"))
        .case_id
    )
    service = ReferralService(enrolled)
    for code in ("jobcentre_plus", "housing_oxford"):
        service.create(ReferralDraft(person_id=person, service_code=code, reason="Test"))
    for with_person in (False, True):
        model = ReferralsTableModel(enrolled.clock, with_person=with_person)
        model.set_rows(service.for_person(person))
        assert model.rowCount() == 2
        assert model.columnCount() == 5 + with_person
        qtmodeltester.check(model, force_py=True)
    services = ServicesTableModel(enrolled.reference)
    services.set_rows(service.directory(""))
    qtmodeltester.check(services, force_py=True)


def test_outcome_and_barrier_models(qtmodeltester: ModelTester, enrolled: AppSession) -> None:
    person = (
        CaseService(enrolled)
        .create_case(CaseFields(given_name="Modelly", family_name="Scoreson"))
        .case_id
    )
    service = OutcomeService(enrolled)
    for value in (3, 6):
        scores = tuple(replace(area, worker=value) for area in service.blank_scores())
        service.finalise(service.save_draft(AssessmentFields(person, dt.date.today(), "", scores)))
    assessments = AssessmentsTableModel()
    assessments.set_rows(service.assessments(person))
    scores_model = ScoresTableModel()
    scores_model.set_assessments(service.assessments(person))
    assert scores_model.rowCount() == 7
    assert scores_model.columnCount() == 4
    service.create_barrier(
        BarrierFields("Fictional barrier", "other", "", (person,), dt.date.today())
    )
    barriers = BarriersTableModel()
    barriers.set_rows(service.barriers(BarrierQuery()))
    counts = BarrierCountsTableModel(enrolled.reference)
    counts.set_counts(service.barrier_counts(None, None))
    for model in (assessments, scores_model, barriers, counts):
        qtmodeltester.check(model, force_py=True)
