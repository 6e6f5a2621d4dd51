"""The program's entry point: ``restart-desktop``, ``python -m restart_desktop`` and the
standalone build all start here, before anything else is imported.

A command line with only the window's options starts the window. Its start-up makes objects
that live as long as the app (modules, classes, widgets), and Python's automatic garbage
collector walked them again and again as they were made: some 20 collections, about 6 ms of
a 145 ms cold start (issue 27). So the automatic collector is off from the first import;
once the application object exists, the window's own collector (``ui.collector``) collects
on the GUI thread, as it does for the rest of the app's life. The commands keep Python's.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

#: The options of the window itself: a command line with only these starts the window, and
#: its parser needs none of the commands' (building those is most of the parser's cost).
WINDOW_FLAGS = frozenset({"--demo", "--quit-after-shown"})


def starts_the_window(argv: Sequence[str]) -> bool:
    """Whether ``argv`` holds only the window's options (no command, no --help)."""
    words = iter(argv)
    for word in words:
        if word == "--data-dir":
            next(words, None)  # its value
        elif word not in WINDOW_FLAGS and not word.startswith("--data-dir="):
            return False
    return True


def run() -> None:
    """Run the program with this process's command line; exits with its code."""
    if starts_the_window(sys.argv[1:]):
        gc.disable()
    from restart_desktop.cli import main

    raise SystemExit(main())
