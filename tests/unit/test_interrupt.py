"""Ctrl+C on the command line: the first press stops the command, a press during its
clean-up does not cut that clean-up short, and a press after a lost one still stops it."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

import pytest

from restart_desktop import interrupt


@pytest.fixture
def ctrl_c_handled() -> Iterator[None]:
    before = signal.getsignal(signal.SIGINT)
    interrupt.install()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def press() -> None:
    signal.raise_signal(signal.SIGINT)


def test_a_press_stops_the_work(ctrl_c_handled: None) -> None:
    with pytest.raises(KeyboardInterrupt):
        press()


def work_pressed_twice(cleaned_up: list[str]) -> None:
    try:
        press()
    finally:
        press()  # pressed again while the first is acted on
        cleaned_up.append("rolled back")


def test_a_second_press_lets_the_clean_up_finish(ctrl_c_handled: None) -> None:
    cleaned_up: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        work_pressed_twice(cleaned_up)
    assert cleaned_up == ["rolled back"]


def work_whose_clean_up_fails_and_is_pressed(closed: list[bool]) -> None:
    try:
        press()
    except KeyboardInterrupt:
        try:
            raise OSError("closing")
        except OSError:
            press()
            closed.append(True)
        raise


def test_a_press_during_a_clean_up_caused_by_the_stop_is_ignored(ctrl_c_handled: None) -> None:
    """The traceback CI saw: the pool closing its connection while handling another error
    raised during the first stop."""
    closed: list[bool] = []
    with pytest.raises(KeyboardInterrupt):
        work_whose_clean_up_fails_and_is_pressed(closed)
    assert closed == [True]


def test_a_press_after_one_the_driver_swallowed_still_stops(ctrl_c_handled: None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        press()  # swallowed, as the SQLCipher driver does when it lands in parameter adaptation
    with pytest.raises(KeyboardInterrupt):
        press()


def test_once_the_stop_is_acted_on_a_press_does_not_end_the_process(ctrl_c_handled: None) -> None:
    """After the command said "Stopped", a press must not turn its exit status into a kill."""
    try:
        press()
    except KeyboardInterrupt:
        interrupt.stopped()
    press()  # ignored: no KeyboardInterrupt here
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
