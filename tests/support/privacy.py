"""A pytest plugin: the logs of a whole test run must not name anyone the tests made up.

Every log record of the run is kept in memory (``restart_desktop.*`` from DEBUG up, anything
else that reaches the root logger), with the standard error of the command-line runs
(``tests.support.cli.run_cli``: the CLI logs and reports crashes there). At the end of the run
they are searched for the names of the fictional people and workers of the run: those the
tests and the demo generator name in their code, and every one actually written to a database
during the run (from the ORM's inserts and updates), with the people's prison numbers and
probation references. A match fails the run and names the record (logger, level, source line
and the name found), never the rest of the record.

Under pytest-xdist (``make test``, ``make test-fast``) each worker searches its own records
for the names its own tests made, and hands what it found to the controller, which fails the
run: a worker's exit status alone would not.

Registered from ``tests/conftest.py``; ``find_leaks`` is tested on its own in
``tests/unit/test_data_minimisation.py``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.constants import WORKER_NAME

OWN_LOGGER = "restart_desktop"
# A person's given or family name as the tests write them ("Zebedee", "Homeless-Example"):
# text that does not look like one (hypothesis' random strings) would match anything.
_NAME = re.compile(r"[A-Z][A-Za-z'\-]{2,40}")
_IDENTIFIER = re.compile(r"[A-Z0-9]{6,16}")  # prison numbers, CRNs
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
# Names the tests themselves give workers and people, besides those read from the ORM.
STATIC_NAMES = (WORKER_NAME,)


@dataclass(frozen=True)
class Captured:
    """One record (or a process's standard error) as it would have been written out."""

    source: str  # e.g. "restart_desktop.ui.tasks ERROR (tasks.py:107)"
    text: str


@dataclass(frozen=True)
class Leak:
    source: str
    name: str


class _Names:
    """The fictional names of the run (thread-safe: the ORM writes on the database thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: set[str] = set(STATIC_NAMES)

    def add(self, *values: object) -> None:
        with self._lock:
            for value in values:
                if isinstance(value, str) and value.strip():
                    self._names.add(value.strip())

    def snapshot(self) -> set[str]:
        with self._lock:
            return set(self._names)


NAMES = _Names()


def demo_names() -> set[str]:
    from restart_desktop.app import demo

    names = {*demo.GIVEN_NAMES, *demo.FAMILY_NAMES, demo.MANAGER[0], "Demo Team Leader"}
    names.update(name for name, _organisation in demo.COLLEAGUES)
    return names


def app_vocabulary() -> set[str]:
    """The words the application itself writes (its code and reference data, not the demo's
    name lists): a fixture name that is also one ("Three", a test's given name, is in the
    passphrase advice) cannot be told apart from the application's own text."""
    import restart_desktop
    from restart_desktop.paths import resources_dir

    package = Path(restart_desktop.__file__).parent
    files = [p for p in package.rglob("*.py") if not p.name.startswith("demo")]
    files += [p for p in resources_dir().rglob("*") if p.suffix in {".csv", ".json", ".txt"}]
    words: set[str] = set()
    for path in files:
        words.update(_WORD.findall(path.read_text("utf-8", errors="replace")))
    return words


def searchable(names: Iterable[str]) -> set[str]:
    """The names worth searching for: people's names that look like names, whole worker
    names (several words), identifiers that look like identifiers."""
    kept = set()
    for name in names:
        if " " in name.strip():
            if len(name) >= 8:
                kept.add(name.strip())
        elif _NAME.fullmatch(name) or _IDENTIFIER.fullmatch(name):
            kept.add(name)
    return kept


def find_leaks(captured: Iterable[Captured], names: Iterable[str]) -> list[Leak]:
    """Each captured text holding one of ``names`` (whole words, as written or in capitals,
    as lists show family names), with the first name found in it."""
    kept = searchable(names)
    wanted = sorted(kept | {name.upper() for name in kept}, key=len, reverse=True)
    if not wanted:
        return []
    pattern = re.compile(r"(?<![\w])(" + "|".join(map(re.escape, wanted)) + r")(?![\w])")
    leaks = []
    for item in captured:
        found = pattern.search(item.text)
        if found:
            leaks.append(Leak(item.source, found.group(1)))
    return leaks


class RecordingHandler(logging.Handler):
    """Keeps every record it is handed, formatted as a log file would show it (with the
    exception's text and the stack, where there is one)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.captured: list[Captured] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a record that cannot be formatted: its raw parts, then
            text = f"{record.msg!s} {record.args!r}"
        where = f"{record.name} {record.levelname} ({record.filename}:{record.lineno})"
        self.captured.append(Captured(where, text))


class PrivacyPlugin:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.outputs: list[Captured] = []
        self.leaks: list[Leak] = []
        self.worker_leaks: list[Leak] = []  # found by xdist workers (on the controller)
        self._previous_level = logging.NOTSET

    def start(self) -> None:
        own = logging.getLogger(OWN_LOGGER)
        self._previous_level = own.level
        own.setLevel(logging.DEBUG)  # only ours: SQLAlchemy at DEBUG would log every query
        logging.getLogger().addHandler(self.handler)
        _watch_the_orm()

    def stop(self) -> None:
        logging.getLogger().removeHandler(self.handler)
        logging.getLogger(OWN_LOGGER).setLevel(self._previous_level)

    def check(self) -> list[Leak]:
        names = (NAMES.snapshot() | demo_names()) - app_vocabulary()
        self.leaks = [
            *self.worker_leaks,
            *find_leaks([*self.handler.captured, *self.outputs], names),
        ]
        return self.leaks


_PLUGIN: PrivacyPlugin | None = None


def note_output(source: str, text: str) -> None:
    """Add what a subprocess wrote to its standard error (its log and crash output)."""
    if _PLUGIN is not None and text:
        _PLUGIN.outputs.append(Captured(source, text))


def _watch_the_orm() -> None:
    from sqlalchemy import event

    from restart_desktop.store.models import Person, Worker

    # Read from the instance's loaded values only: an attribute read here must never load
    # anything, or the watch would change what the tests run.
    def person_written(_mapper: Any, _connection: Any, person: Person) -> None:
        loaded = vars(person)
        NAMES.add(
            *(
                loaded.get(field)
                for field in ("given_name", "family_name", "preferred_name", "nomis_number", "crn")
            )
        )

    def worker_written(_mapper: Any, _connection: Any, worker: Worker) -> None:
        NAMES.add(vars(worker).get("name"))

    for hook in ("before_insert", "before_update"):
        if not event.contains(Person, hook, person_written):
            event.listen(Person, hook, person_written)
            event.listen(Worker, hook, worker_written)


def pytest_configure(config: pytest.Config) -> None:
    global _PLUGIN
    _PLUGIN = PrivacyPlugin()
    _PLUGIN.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _PLUGIN
    if _PLUGIN is not None:
        _PLUGIN.stop()
        _PLUGIN = None


#: The key of a pytest-xdist worker's output holding its leaks, as (source, name) pairs.
WORKER_OUTPUT_KEY = "privacy_leaks"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the xdist controller: a worker is done; keep the leaks it found."""
    if _PLUGIN is None:
        return
    output = getattr(node, "workeroutput", None) or {}
    _PLUGIN.worker_leaks.extend(
        Leak(source, name) for source, name in output.get(WORKER_OUTPUT_KEY, [])
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _PLUGIN is None:
        return
    leaks = _PLUGIN.check()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports and fails the run
        workeroutput[WORKER_OUTPUT_KEY] = [(leak.source, leak.name) for leak in leaks]
    if leaks and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _PLUGIN is None or not _PLUGIN.leaks:
        return
    terminalreporter.section("personal data in logs", sep="=", red=True, bold=True)
    terminalreporter.write_line(
        f"{len(_PLUGIN.leaks)} log record(s) or error output(s) of this run name a fixture "
        "person or worker. Logs must hold no personal data: log what happened, not to whom."
    )
    for leak in _PLUGIN.leaks[:20]:
        terminalreporter.write_line(f"  {leak.source}: names {leak.name!r}")
