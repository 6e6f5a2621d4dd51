"""Reading a bundle of the central export the way an administrator or a device does, for the
tests: with a device's or the recovery identity, in process or with the standard `age` and
`zstd` tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from restart_desktop.sync.bundle import decode_bundle
from restart_desktop.sync.envelope import DeviceKeys, EnvelopeError, open_sealed
from restart_desktop.sync.parts import Manifest, decode_part, manifest_of


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"the {name} command is missing: .ci/run installs it (Debian {name})")
        pytest.skip(f"the {name} command is not installed here")
    return found


def manifest(path: Path, keys: DeviceKeys) -> Manifest:
    """The manifest of a format 3 bundle file, opened with ``keys``."""
    found = manifest_of(open_sealed(path.read_bytes(), keys))
    assert found is not None, f"{path.name} is not a format 3 bundle"
    return found


def readable_changes(path: Path, keys: DeviceKeys) -> list[Mapping[str, Any]]:
    """Every change of a bundle file that ``keys`` can open (the parts addressed to it)."""
    plain = open_sealed(path.read_bytes(), keys)
    found = manifest_of(plain)
    if found is None:
        return list(decode_bundle(plain).changes)
    changes: list[Mapping[str, Any]] = []
    for entry in found.parts:
        try:
            data = open_sealed((path.parent / "parts" / entry.name).read_bytes(), keys)
        except EnvelopeError:
            continue
        changes += decode_part(data, found.device_id, entry, found.from_seq, found.to_seq)
    return sorted(changes, key=lambda c: int(c["seq"]))


def age_opens(path: Path, keyfile: Path) -> bytes | None:
    """The plaintext of an age file by the standard `age` tool, or None when the identity
    in ``keyfile`` is not one of its recipients."""
    result = subprocess.run([tool("age"), "-d", "-i", str(keyfile), str(path)], capture_output=True)
    if result.returncode != 0:
        assert b"no identity matched" in result.stderr, result.stderr
        return None
    return result.stdout


def keyfile_of(keys: DeviceKeys, path: Path) -> Path:
    path.write_text(keys.age_identity + "\n")
    path.chmod(0o600)
    return path
