"""Checklist templates: the shipped one loads and covers the release-day essentials; a broken
copy fails naming the file and the item; progress, due times and late changes."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from restart_desktop.domain.checklist import (
    ChecklistTemplate,
    ItemState,
    ItemStatus,
    Section,
    is_late_change,
    load_template,
    load_templates,
    plan_progress,
    state_problems,
)
from restart_desktop.domain.clock import local_text
from restart_desktop.domain.errors import ReferenceDataError
from restart_desktop.domain.reference import load_reference_data
from restart_desktop.domain.release import release_flags
from restart_desktop.paths import resources_dir
from tests.support.clock import local

TEMPLATE = "release_day.toml"
NEEDS = frozenset(n.code for n in load_reference_data().needs)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "checklists"
    shutil.copytree(resources_dir() / "checklists", target)
    return target


def _edit(folder: Path, old: str, new: str) -> Path:
    path = folder / TEMPLATE
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def test_shipped_template_covers_the_release_day_essentials() -> None:
    template = load_reference_data().default_checklist
    labels = " | ".join(item.label.lower() for item in template.items)
    for words in (
        "release date and time confirmed",
        "friday or pre-holiday",
        "transport",
        "discharge grant and travel warrant",
        "id documents",
        "bank account",
        "phone",
        "universal credit",
        "jobcentre",
        "probation initial appointment",
        "prescriptions",
        "naloxone",
        "gp registration",
        "accommodation for the first night",
        "duty to refer",
        "cas3",
        "property and clothes",
        "met at the gate",
        "accompanied to appointments",
    ):
        assert words in labels, words
    assert {item.section for item in template.items} == set(Section)
    assert all(
        item.label and item.help or item.section != Section.BEFORE_RELEASE
        for item in template.items
    )
    assert sum(item.required for item in template.items) >= 12


def test_a_missing_label_names_the_file_and_the_item(folder: Path) -> None:
    _edit(folder, 'label = "Transport from the gate arranged"\n', "")
    with pytest.raises(ReferenceDataError) as caught:
        load_templates(folder, NEEDS)
    message = str(caught.value)
    assert message.startswith("release_day.toml: item ")
    assert "'transport_arranged'" in message
    assert "label is missing" in message


def test_an_unknown_need_is_refused_with_the_known_ones(folder: Path) -> None:
    _edit(folder, 'need = "health"', 'need = "wellbeing"')
    with pytest.raises(
        ReferenceDataError,
        match=r"'gp_registration'.*'wellbeing' is not in "
        r"needs.csv",
    ):
        load_templates(folder, NEEDS)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('section = "at_the_gate"', 'section = "gate"', "section 'gate' is not one of"),
        ('code = "phone"', 'code = "transport_arranged"', "is used by item"),
        ("due_days = -3", 'due_days = "three"', "due_days should be a whole number"),
        ('due_time = "20:00"', 'due_time = "8pm"', "due_time '8pm' should be a time"),
        ("required = true", 'required = "yes"', "required should be true or false"),
        ('code = "phone"', 'code = "Phone!"', "only lower-case letters"),
        ("version = 1", "version = 0", "version should be a whole number"),
        ('label = "Phone"', 'label = "Phone"\ncolour = "red"', "colour is not a known setting"),
    ],
)
def test_broken_templates_say_what_is_wrong(
    folder: Path, old: str, new: str, expected: str
) -> None:
    _edit(folder, old, new)
    with pytest.raises(ReferenceDataError, match="^release_day.toml: ") as caught:
        load_templates(folder, NEEDS)
    assert expected in str(caught.value)


def test_a_toml_syntax_error_gives_the_line(folder: Path) -> None:
    _edit(folder, 'code = "phone"', 'code = "phone')
    with pytest.raises(ReferenceDataError, match=r"not valid TOML: .*line \d+"):
        load_templates(folder, NEEDS)


def test_exactly_one_template_is_the_default(folder: Path) -> None:
    shutil.copy(folder / TEMPLATE, folder / "second.toml")
    _edit_second = folder / "second.toml"
    _edit_second.write_text(
        _edit_second.read_text("utf-8").replace('code = "release_day"', 'code = "women"'),
        "utf-8",
    )
    with pytest.raises(ReferenceDataError, match=r"exactly one .* default = true \(found 2"):
        load_templates(folder, NEEDS)
    _edit_second.write_text(
        _edit_second.read_text("utf-8").replace("default = true", "default = false"), "utf-8"
    )
    assert [t.code for t in load_templates(folder, NEEDS)] == ["release_day", "women"]


def test_a_template_survives_its_snapshot_unchanged() -> None:
    template = load_template(resources_dir() / "checklists" / TEMPLATE, NEEDS)
    again = ChecklistTemplate.from_json(template.to_json())
    assert again.items == template.items
    assert again.contacts == template.contacts
    assert again.digest == template.digest


def test_due_times_follow_the_release_date_and_time() -> None:
    template = load_reference_data().default_checklist
    codes = ("met_at_gate", "transport_arranged", "somewhere_tonight")
    gate, transport, tonight = (template.item(code) for code in codes)
    assert gate
    assert transport
    assert tonight
    friday = dt.date(2026, 11, 27)
    assert gate.due_at(friday, "08:30", None) == local(2026, 11, 27, 8, 30)
    assert gate.due_at(friday, "", None) == local(2026, 11, 27, 8, 0)  # time not known yet
    assert transport.due_at(friday, "08:30", None) == local(2026, 11, 26, 17, 0)
    assert tonight.due_at(friday + dt.timedelta(days=3), "", None) == local(2026, 11, 30, 20, 0)
    assert gate.due_at(None, "08:30", None) is None


def test_conditional_items_apply_only_to_friday_releases_and_no_settled_address() -> None:
    template = load_reference_data().default_checklist
    friday_item, dtr = template.item("friday_release_raised"), template.item("duty_to_refer")
    assert friday_item
    assert dtr
    holidays: frozenset[dt.date] = frozenset()
    today = dt.date(2026, 11, 20)
    friday = release_flags(dt.date(2026, 11, 27), False, today, holidays)
    tuesday = release_flags(dt.date(2026, 11, 24), False, today, holidays)
    assert friday_item.applies_to(friday, True)
    assert not friday_item.applies_to(tuesday, True)
    assert dtr.applies_to(tuesday, has_settled_address=False)
    assert not dtr.applies_to(tuesday, has_settled_address=True)


def test_progress_reads_like_the_issue() -> None:
    states = [ItemState.DONE] * 12 + [ItemState.PROBLEM] * 2 + [ItemState.OPEN] * 4
    items = [ItemStatus(state, required=True) for state in states]
    items += [ItemStatus(ItemState.NOT_NEEDED, required=True)]
    items += [ItemStatus(ItemState.OPEN, required=True, applies=False)]
    progress = plan_progress(items)
    assert progress.text == "12 of 18 done, 2 problems"
    assert progress.required_outstanding == 6
    assert plan_progress([ItemStatus(ItemState.PROBLEM, False)]).text == "0 of 1 done, 1 problem"
    assert plan_progress([ItemStatus(ItemState.DONE, False)]).text == "1 of 1 done"


def test_not_needed_and_problem_need_words_and_nothing_is_done_in_the_future() -> None:
    now = local(2026, 11, 27, 9, 0)
    assert state_problems(ItemState.NOT_NEEDED, now, " ", now) == {
        "note": "Say why this item is not needed."
    }
    assert "note" in state_problems(ItemState.PROBLEM, now, "", now)
    assert state_problems(ItemState.DONE, now, "", now) == {}
    assert "at" in state_problems(ItemState.DONE, now + dt.timedelta(hours=1), "", now)


def test_a_release_moved_within_48_hours_is_a_late_change() -> None:
    monday, friday = dt.date(2026, 11, 30), dt.date(2026, 11, 27)
    early = local(2026, 11, 20, 10, 0)
    late = local(2026, 11, 26, 15, 0)
    assert not is_late_change(early, (monday, "09:00"), (friday, "08:30"), None)
    assert is_late_change(late, (monday, "09:00"), (friday, "08:30"), None)  # 17.5 h before Friday
    # Moved later, but decided the evening before the old date: still late.
    assert is_late_change(local(2026, 11, 26, 18, 0), (friday, ""), (monday, ""), None)


def test_a_due_time_is_the_local_time_of_that_date_either_side_of_the_clock_change(
    london: None,
) -> None:
    """08:30 on a release day is 08:30 on the laptop's clock: 07:30 UTC in British Summer
    Time, 08:30 UTC in winter, whichever side of the change the laptop is on now."""
    gate = load_reference_data().default_checklist.item("met_at_gate")
    assert gate is not None
    summer = gate.due_at(dt.date(2026, 3, 30), "08:30", None)  # after the clocks go forward
    winter = gate.due_at(dt.date(2026, 10, 26), "08:30", None)  # after they go back
    assert summer == dt.datetime(2026, 3, 30, 7, 30, tzinfo=dt.UTC)
    assert winter == dt.datetime(2026, 10, 26, 8, 30, tzinfo=dt.UTC)
    assert local_text(summer, "%H:%M") == local_text(winter, "%H:%M") == "08:30"


def test_a_due_time_is_read_on_the_session_clock_zone_not_the_laptop_s() -> None:
    """A session whose clock keeps London time on a laptop set to UTC (this process's zone):
    08:30 on a summer release day is 07:30 UTC, and a move is late against that time."""
    london = ZoneInfo("Europe/London")
    gate = load_reference_data().default_checklist.item("met_at_gate")
    assert gate is not None
    assert gate.due_at(dt.date(2026, 7, 3), "08:30", london) == dt.datetime(
        2026, 7, 3, 7, 30, tzinfo=dt.UTC
    )
    moved_at = dt.datetime(2026, 7, 1, 7, 45, tzinfo=dt.UTC)  # 47h45 before 07:30 UTC on the 3rd
    assert is_late_change(moved_at, (None, ""), (dt.date(2026, 7, 3), "08:30"), london)
