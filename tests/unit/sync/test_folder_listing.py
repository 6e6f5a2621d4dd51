"""A device folder listed at every sync, in a real folder: what this process keeps from one
listing to the next (the bundles of a member's folder, its own folder as a check found it)
never stands in for what another process or a person has changed there since."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from restart_desktop.sync.folder import (
    ROSTER,
    FolderTarget,
    Published,
    bundle_name,
    signature_name,
)

DEVICE = "01a245c4-a23c-74fc-844b-9aed4990316c"


def _export(tmp_path: Path) -> FolderTarget:
    (tmp_path / ROSTER).write_bytes(b"{}")  # a team's export: its roster is there
    return FolderTarget(tmp_path)


def _folder(target: FolderTarget) -> Path:
    return target.root / "devices" / DEVICE


def _put(target: FolderTarget, first: int, last: int, generation: int = 1) -> None:
    """A bundle written by another process (a member's laptop, a cloud client)."""
    folder = _folder(target)
    folder.mkdir(parents=True, exist_ok=True)
    name = bundle_name(first, last, generation)
    (folder / signature_name(name)).write_bytes(b"signature")
    (folder / name).write_bytes(b"bundle")


def _as_listed(target: FolderTarget) -> list[Published]:
    """The newest generation of each range, worked out here from the names alone."""
    newest: dict[tuple[int, int], int] = {}
    for path in _folder(target).iterdir():
        found = re.fullmatch(r"(\d{10})-(\d{10})(?:\.(\d+))?\.age", path.name)
        if found:
            span = (int(found[1]), int(found[2]))
            newest[span] = max(newest.get(span, 0), int(found[3] or 1))
    return [Published(DEVICE, a, b, g) for (a, b), g in sorted(newest.items())]


def test_a_members_bundles_are_those_in_the_folder_after_each_change(tmp_path: Path) -> None:
    target = _export(tmp_path)
    folder = _folder(target)
    _put(target, 1, 10)
    _put(target, 11, 20)

    def two_at_once() -> None:
        _put(target, 41, 45)
        _put(target, 46, 50)

    changes: list[Callable[[], object]] = [
        lambda: _put(target, 21, 30),  # the next bundle (what a receiver mostly finds)
        lambda: (folder / signature_name(bundle_name(31, 40))).write_bytes(b"s"),  # its sig
        lambda: _put(target, 31, 40),  # then the bundle
        lambda: _put(target, 11, 20, 2),  # a range published again, as its next generation
        lambda: (folder / bundle_name(11, 20)).unlink(),  # the older generation retired
        lambda: (folder / bundle_name(21, 30)).unlink(),  # a bundle lost from the share
        lambda: _put(target, 21, 30),  # published again
        two_at_once,
        lambda: (folder / bundle_name(1, 10)).rename(folder / bundle_name(1, 9)),  # renamed
    ]
    assert target.published(DEVICE) == _as_listed(target)
    for change in changes:
        change()
        assert target.published(DEVICE) == _as_listed(target)
        assert target.published(DEVICE) == _as_listed(target)  # the same listing again


def test_its_own_folder_counts_as_checked_only_while_nobody_else_changes_it(
    tmp_path: Path,
) -> None:
    target = _export(tmp_path)
    assert target.unchanged_since_confirmed(DEVICE) is None  # never checked
    assert target.bundle_files(DEVICE) == []
    target.confirm_listing(DEVICE, 0)
    assert target.unchanged_since_confirmed(DEVICE) == 0  # nothing there yet: as found

    # What this process writes there keeps it as checked.
    target.publish(DEVICE, 1, 10, b"bundle", b"signature")
    target.publish(DEVICE, 11, 20, b"bundle", b"signature")
    assert target.unchanged_since_confirmed(DEVICE) == 20
    target.publish(DEVICE, 1, 10, b"again", b"signature", generation=2)
    target.retire(Published(DEVICE, 1, 10, 1))
    target.publish_file(DEVICE, "digest.json", b"{}", b"signature")
    target.publish_parts(DEVICE, [("part", b"part", b"signature")])
    assert target.unchanged_since_confirmed(DEVICE) == 20

    # Anybody else's file added, removed or renamed there: checked again.
    folder = _folder(target)
    changes: tuple[Callable[[], object], ...] = (
        lambda: (folder / bundle_name(21, 30)).write_bytes(b"a stray"),
        lambda: (folder / bundle_name(11, 20)).unlink(),
        lambda: (folder / bundle_name(1, 10, 2)).rename(folder / bundle_name(1, 11, 2)),
        lambda: (folder / "digest.json").unlink(),
    )
    for change in changes:
        target.bundle_files(DEVICE)
        target.confirm_listing(DEVICE, 20)
        assert target.unchanged_since_confirmed(DEVICE) == 20
        change()
        assert target.unchanged_since_confirmed(DEVICE) is None
        # Another target on the same folder (the next sync) sees the same.
        assert FolderTarget(target.root).unchanged_since_confirmed(DEVICE) is None


def test_a_check_under_way_forgets_the_last_one(tmp_path: Path) -> None:
    target = _export(tmp_path)
    target.publish(DEVICE, 1, 10, b"bundle", b"signature")
    target.bundle_files(DEVICE)
    target.confirm_listing(DEVICE, 10)
    target.bundle_files(DEVICE)  # listed again: only a confirmation of this listing counts
    assert target.unchanged_since_confirmed(DEVICE) is None


def test_what_a_check_sets_aside_or_publishes_again_counts_as_found(tmp_path: Path) -> None:
    target = _export(tmp_path)
    target.publish(DEVICE, 1, 10, b"bundle", b"signature")
    _put(target, 11, 20)  # a file it did not sign
    target.bundle_files(DEVICE)
    target.remove(Published(DEVICE, 11, 20))  # set aside
    target.publish(DEVICE, 11, 12, b"bundle", b"signature")  # its own, published meanwhile
    target.confirm_listing(DEVICE, 12)
    assert target.unchanged_since_confirmed(DEVICE) == 12
