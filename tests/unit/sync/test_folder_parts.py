"""A bundle's parts written side by side in a real folder: every part and its signature
complete under its own name, and nothing half-written left behind when one cannot land."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from restart_desktop.sync.folder import (
    PARTS,
    ROSTER,
    FolderTarget,
    bundle_name,
    part_name,
    signature_name,
)

DEVICE = "01a245c4-a23c-74fc-844b-9aed4990316c"


def _export(tmp_path: Path) -> FolderTarget:
    (tmp_path / ROSTER).write_bytes(b"{}")  # a team's export: its roster is there
    return FolderTarget(tmp_path)


def _parts(count: int) -> list[tuple[str, bytes, bytes]]:
    bundle = bundle_name(1, 500)
    found = []
    for n in range(count):
        ciphertext = os.urandom(1000 + n)
        found.append((part_name(bundle, ciphertext), ciphertext, f"signature {n}".encode()))
    return found


def test_every_part_and_its_signature_land_whole(tmp_path: Path) -> None:
    target = _export(tmp_path)
    parts = _parts(12)
    target.publish_parts(DEVICE, parts)
    for name, ciphertext, signature in parts:
        assert target.read_part(DEVICE, name) == (ciphertext, signature)
    assert sorted(target.part_names(DEVICE)) == sorted(name for name, _c, _s in parts)
    folder = tmp_path / "devices" / DEVICE / PARTS
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_a_part_that_cannot_land_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = _export(tmp_path)
    parts = _parts(8)
    folder = tmp_path / "devices" / DEVICE / PARTS
    folder.mkdir(parents=True)
    (folder / parts[3][0]).mkdir()  # a folder where the fourth part should go: its rename fails
    (folder / parts[3][0] / "in the way").write_bytes(b"")
    with pytest.raises(OSError):  # noqa: PT011 - a rename onto a folder: errno varies by system
        target.publish_parts(DEVICE, parts)
    left = sorted(p.name for p in folder.iterdir())
    assert [name for name in left if name.startswith(".")] == []  # no temporary file stays
    assert parts[3][0] in left
    assert signature_name(parts[3][0]) in left
    for name, _ciphertext, _signature in parts[4:]:
        assert name not in left  # renamed in order: none after the one that failed
