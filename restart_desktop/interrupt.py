"""Ctrl+C on the command line: one stop, then a clean finish.

Python turns Ctrl+C into KeyboardInterrupt wherever the program happens to be. While that
exception unwinds, every ``finally``, rollback and clean-up runs, and a person who presses
Ctrl+C again (they often do) interrupted those too: SQLAlchemy's pool printed a traceback
while closing its connection, and a set-up's clean-up could be cut short. So while a
KeyboardInterrupt is being handled, a further Ctrl+C is ignored.

A press is not ignored when none is being handled: the SQLCipher driver clears an interrupt
that lands while it adapts a parameter, and the next press must still stop the command.
Every press is also remembered (``pressed``): long work that checks between its steps (a
sync, between bundles) stops at the next step even when the exception was cleared.

Plain Python, no Qt; the window does not use it (Qt's event loop has its own handling).
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

MAX_CHAIN = 10  # exceptions followed back through "during handling of the above..."
_pressed = False  # Ctrl+C pressed since install()


def stopping() -> bool:
    """Whether a KeyboardInterrupt is being handled (in an except, finally or __exit__)."""
    current: BaseException | None = sys.exc_info()[1]
    for _step in range(MAX_CHAIN):
        if current is None:
            return False
        if isinstance(current, KeyboardInterrupt):
            return True
        current = current.__context__
    return False


def _on_ctrl_c(_number: int, _frame: FrameType | None) -> None:
    global _pressed
    _pressed = True
    if stopping():
        return  # the first press is being acted on: let its clean-up finish
    raise KeyboardInterrupt


def pressed() -> bool:
    """Whether Ctrl+C was pressed since install(), whatever became of its KeyboardInterrupt
    (a ``cancelled`` check for work done in steps)."""
    return _pressed


def install() -> None:
    """Make Ctrl+C stop once; call on the main thread of a command-line run."""
    global _pressed
    _pressed = False
    signal.signal(signal.SIGINT, _on_ctrl_c)


def stopped() -> None:
    """The stop has been acted on and the program only says so and exits: from here a press
    is ignored (it would end the process by the signal, not with the command's exit status)."""
    global _pressed
    _pressed = False  # acted on
    if signal.getsignal(signal.SIGINT) is _on_ctrl_c:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
