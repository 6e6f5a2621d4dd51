"""Crash output without personal data.

An exception's message can quote the data being handled (a value that failed to parse, a
database error's parameters), so a crash is reported by the types of its exceptions and the
frames they passed through: which code failed, never with what. No local variables, no
messages. Python's default hooks print the message; ``install`` replaces them (the GUI adds a
plain message for the person at the keyboard, see ``ui.application.run_gui``).

Plain Python, no Qt: the command line uses it too.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger(__name__)
MAX_CHAIN = 5  # causes followed ("during handling of the above...")


def crash_report(error: BaseException) -> str:
    """The exception's type and frames, then each cause's: no messages, no values."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < MAX_CHAIN:
        seen.add(id(current))
        kind = type(current)
        name = (
            kind.__qualname__
            if kind.__module__ == "builtins"
            else (f"{kind.__module__}.{kind.__qualname__}")
        )
        heading = "" if not parts else "caused by (while handling) "
        frames = "".join(traceback.format_tb(current.__traceback__)) or "  (no frames)\n"
        parts.append(f"{heading}{name} (message left out: it may quote personal data)\n{frames}")
        current = current.__cause__ or current.__context__
    return "".join(parts).rstrip("\n")


def log_crash(error: BaseException, where: str = "unhandled error") -> None:
    log.critical("%s: %s", where, crash_report(error))


def install(notify: Callable[[], None] | None = None) -> None:
    """Report uncaught exceptions (main thread and others) without their messages; then call
    ``notify`` (the GUI tells the person in words). Ctrl+C keeps Python's usual behaviour."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        if error.__traceback__ is None:
            error = error.with_traceback(tb)
        log_crash(error)
        if notify is not None:
            notify()

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "a thread"
        log_crash(args.exc_value, f"unhandled error in {name}")

    sys.excepthook = hook
    threading.excepthook = thread_hook
