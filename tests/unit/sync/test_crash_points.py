"""Fail at each file operation of a sync in turn (export and import), as a full disk, a share
that vanished or a refused write would: the sync says so in words, and the next sync finishes
the job with nothing lost, nothing applied twice and no partial bundle under its final name."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import UserError
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService
from restart_desktop.sync import folder
from restart_desktop.sync.folder import FolderTarget
from tests.support.clock import local
from tests.support.team import Team, assert_same_as_supervisor, assert_same_changes, make_team


class Injected(Exception):
    pass


class FileOperations:
    """Counts the file operations the sync makes in the export, and fails the one numbered
    ``fail_at`` with ``make_error`` (None: count only)."""

    def __init__(
        self,
        export: Path,
        fail_at: int | None = None,
        make_error: Callable[[], BaseException] | None = None,
    ) -> None:
        self.export, self.fail_at, self.make_error = export, fail_at, make_error
        self.count = 0

    def step(self, path: object) -> None:
        if self.export.name not in str(path):
            return  # the laptop's own files (its database) are not the export
        self.count += 1
        if self.count == self.fail_at and self.make_error is not None:
            raise self.make_error()


@contextmanager
def injected(monkeypatch: pytest.MonkeyPatch, ops: FileOperations) -> Iterator[None]:
    real_open, real_replace, real_fsync = open, os.replace, os.fsync
    real_read, real_iterdir, real_mkdir = Path.read_bytes, Path.iterdir, Path.mkdir
    fds: dict[int, str] = {}

    def opening(path: Any, *args: Any, **kwargs: Any) -> Any:
        ops.step(path)
        handle = real_open(path, *args, **kwargs)
        fds[handle.fileno()] = str(path)
        return handle

    def fsyncing(fd: int) -> None:
        ops.step(fds.get(fd, ops.export.name))
        real_fsync(fd)

    def replacing(source: Any, destination: Any) -> None:
        ops.step(destination)
        real_replace(source, destination)

    def reading(path: Path) -> bytes:
        ops.step(path)
        return real_read(path)

    def listing(path: Path) -> Iterator[Path]:
        ops.step(path)
        return real_iterdir(path)

    def making(path: Path, *args: Any, **kwargs: Any) -> None:
        ops.step(path)
        real_mkdir(path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(folder, "open", opening, raising=False)
        patch.setattr(os, "replace", replacing)  # folder.py calls os.replace, os.fsync
        patch.setattr(os, "fsync", fsyncing)
        patch.setattr(Path, "read_bytes", reading)
        patch.setattr(Path, "iterdir", listing)
        patch.setattr(Path, "mkdir", making)
        yield


@pytest.fixture
def template(tmp_path: Path) -> Team:
    team = make_team(tmp_path / "template", workers=1)
    supervisor, worker = (laptop.open() for laptop in team.laptops)
    try:
        for session, name in ((worker, "Crashpoint"), (supervisor, "Diskfull")):
            case = (
                CaseService(session)
                .create_case(CaseFields(given_name="Testy", family_name=name))
                .case_id
            )
            NoteService(session).finalise(
                DraftFields(
                    person_id=case, contact_at=local(2026, 11, 20, 9), text="Fictional contact"
                ),
                confirmed=True,
            )
    finally:
        supervisor.close()
        worker.close()
    return team


def _sync_all_failing(sessions: list[AppSession]) -> UserError | Injected | None:
    """The error a sync stopped with, if it stopped with one of those."""
    try:
        _sync_all(sessions)
    except (UserError, Injected) as error:
        return error
    return None


def _sync_all(sessions: list[AppSession], rounds: int = 1) -> None:
    for _round in range(rounds):
        for session in (sessions[1], sessions[0]):  # the worker, then the supervisor
            SyncService(session).sync_now()


def _vanish(export: Path) -> Callable[[], BaseException]:
    def make() -> BaseException:
        shutil.move(str(export), str(export.with_name("unplugged")))
        return FileNotFoundError(errno.ENOENT, "No such file or directory")

    return make


ERRORS: dict[str, Callable[[Path], Callable[[], BaseException]]] = {
    "disk full": lambda _export: lambda: OSError(errno.ENOSPC, "No space left on device"),
    "target vanished": _vanish,
    "refused": lambda _export: lambda: PermissionError(errno.EACCES, "Permission denied"),
    "a bug": lambda _export: lambda: Injected("raised at this file operation"),
}


@pytest.mark.long
def test_a_sync_failing_at_any_file_operation_is_finished_by_the_next(
    template: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = FileOperations(template.export)
    probe = template.copy_to(tmp_path / "probe")
    counting.export = probe.export
    sessions = [laptop.open() for laptop in probe.laptops]
    try:
        with injected(monkeypatch, counting):
            _sync_all(sessions)
    finally:
        for session in sessions:
            session.close()
    total = counting.count
    assert total > 20  # listing, reading and writing bundles, digests, the roster

    for fail_at in range(1, total + 1):
        kind = list(ERRORS)[fail_at % len(ERRORS)]
        team = template.copy_to(tmp_path / "run")
        ops = FileOperations(team.export, fail_at, ERRORS[kind](team.export))
        sessions = [laptop.open() for laptop in team.laptops]
        try:
            with injected(monkeypatch, ops):
                failed = _sync_all_failing(sessions)
            if isinstance(failed, UserError):  # what the status bar and the command line say
                assert kind != "a bug"
                assert "Traceback" not in str(failed)
            elif failed is not None:
                assert kind == "a bug"
            unplugged = team.export.with_name("unplugged")
            if unplugged.exists():
                shutil.move(str(unplugged), str(team.export))
            _sync_all(sessions, rounds=2)
            _assert_whole(team, sessions, f"failing at operation {fail_at} ({kind})")
        finally:
            for session in sessions:
                session.close()


def _assert_whole(team: Team, sessions: list[AppSession], when: str) -> None:
    target = FolderTarget(team.export)
    for device in target.devices():
        ranges = [(p.from_seq, p.to_seq) for p in target.published(device)]
        assert [r[0] for r in ranges] == [1] + [r[1] + 1 for r in ranges[:-1]], when
    assert_same_changes(sessions[0], sessions[1])
    assert_same_as_supervisor(sessions[0], sessions[1])
    for session in sessions:
        result = SyncService(session).sync_now()
        assert result.report.problems == {}, when
        assert result.differs_from == (), when
