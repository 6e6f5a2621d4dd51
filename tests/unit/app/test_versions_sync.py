"""Version-checked edits against a real sync import: a worker's form opened before the
supervisor's change arrived by sync keeps that change, or shows it as a clash naming the
supervisor, on two laptops through a real export folder."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import laptop_of
from restart_desktop.app.versions import EditBase, EditClashed
from restart_desktop.sync.export import export_changes
from restart_desktop.sync.receive import import_changes
from restart_desktop.sync.roster import Roster
from restart_desktop.sync.target import Target

NAMES = [f.name for f in fields(CaseFields)]


def test_a_form_opened_before_a_sync_keeps_what_the_sync_brought(
    enrolled: AppSession, supervisor: AppSession, target: Target, roster: Roster
) -> None:
    worker_cases, supervisor_cases = CaseService(enrolled), CaseService(supervisor)
    case = worker_cases.create_case(
        CaseFields(given_name="Testy", family_name="Oldname", nomis_number="Z1234AB")
    ).case_id
    export_changes(laptop_of(enrolled), target, roster)
    import_changes(laptop_of(supervisor), target, roster)
    opened = worker_cases.get_case(case)  # the worker's tab

    supervisor_cases.update_case(
        case, replace(supervisor_cases.get_case(case).fields, family_name="Newname")
    )
    export_changes(laptop_of(supervisor), target, roster)
    import_changes(laptop_of(enrolled), target, roster)  # the sync lands under the open tab

    values = replace(opened.fields, needs=("health",))
    worker_cases.update_case(
        case, values, base=EditBase.between(opened.version, opened.fields, values, NAMES)
    )
    after = worker_cases.get_case(case).fields
    assert (after.family_name, after.needs) == ("Newname", ("health",))

    clashing = replace(opened.fields, family_name="Mine")
    with pytest.raises(EditClashed) as refused:
        worker_cases.update_case(
            case, clashing, base=EditBase.between(opened.version, opened.fields, clashing, NAMES)
        )
    (clash,) = refused.value.clashes
    assert (clash.theirs, clash.mine, clash.by) == ("Newname", "Mine", "Supervisor (fictional)")
    assert worker_cases.get_case(case).fields.family_name == "Newname"
