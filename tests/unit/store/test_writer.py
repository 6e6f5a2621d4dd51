"""This app's writers take turns at one database file: a save waits for the background
transaction in progress, never for SQLite's busy timeout, and goes before the background
work's next transaction."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from restart_desktop.store import engine as store_engine
from restart_desktop.store.database import Database
from restart_desktop.store.models import Person


def test_a_save_goes_before_the_next_background_transaction(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 50)
    database.close()  # new connections pick up the short timeout
    order: list[str] = []
    first_held, save_waiting = threading.Event(), threading.Event()

    def background() -> None:
        with database.background():
            with database.write() as s:
                first_held.set()
                save_waiting.wait(10)
                time.sleep(0.3)  # longer than SQLite's own wait: the turn, not SQLite, waits
                s.add(Person(given_name="Testy", family_name="Firstson"))
                order.append("background 1")
            with database.write() as s:  # the save waiting meanwhile goes first
                s.add(Person(given_name="Testy", family_name="Secondson"))
                order.append("background 2")

    thread = threading.Thread(target=background, name="test-background")
    thread.start()
    assert first_held.wait(10)

    def saving() -> None:
        with database.write() as s:
            s.add(Person(given_name="Testy", family_name="Saveson"))
            order.append("save")

    save = threading.Thread(target=saving, name="test-save")
    save.start()
    deadline = time.monotonic() + 10
    while not database.saves_waiting() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert database.saves_waiting()
    save_waiting.set()
    save.join(10)
    thread.join(10)
    assert order == ["background 1", "save", "background 2"]
    with database.read() as s:
        assert sorted(s.scalars(select(Person.family_name))) == ["Firstson", "Saveson",
                                                                 "Secondson"]  # fmt: skip
