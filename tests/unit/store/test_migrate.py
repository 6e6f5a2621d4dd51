"""Migrations: empty to head, a too-new database refused untouched, a failed one rolled back."""

from __future__ import annotations

import datetime as dt
import shutil
import warnings
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy import inspect, select
from sqlalchemy.exc import StatementError

from restart_desktop.domain.clock import NaiveDatetime, local_text
from restart_desktop.store import migrate
from restart_desktop.store.changes import Actor
from restart_desktop.store.database import Database
from restart_desktop.store.engine import connect_raw, create_store_engine
from restart_desktop.store.errors import DatabaseTooNew, DatabaseUnreadable, MigrationFailed
from restart_desktop.store.migrate import (
    HEAD_REVISION,
    MIGRATIONS_DIR,
    head_revision,
    stored_revision,
    upgrade_to_head,
)
from restart_desktop.store.models import Base, ContactNote, Handover, LocalSetting, Person
from tests.support.template_db import build_template

BROKEN_MIGRATION_TEMPLATE = '''"""deliberately broken: creates a table, then fails"""

import sqlalchemy as sa
from alembic import op

revision = "0099"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("broken_leftover", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("INSERT INTO broken_leftover (id) VALUES (1)")
    op.execute("UPDATE people SET family_name = 'Overwritten'")
    raise RuntimeError("this migration is broken on purpose")


def downgrade() -> None:
    raise NotImplementedError
'''
BROKEN_MIGRATION = BROKEN_MIGRATION_TEMPLATE.replace("{head}", HEAD_REVISION)


def _revision(db_path: Path, key: bytes) -> str:
    raw = connect_raw(db_path, key)
    try:
        rows = raw.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        raw.close()
    assert len(rows) == 1
    return str(rows[0][0])


def _tables(db_path: Path, key: bytes) -> set[str]:
    engine = create_store_engine(db_path, key)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def real_migrations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Here every new database runs the migrations themselves, not the suite's template copy."""
    monkeypatch.setattr(migrate, "TEMPLATE", None)


def test_head_revision_constant_matches_the_migration_scripts() -> None:
    """The fast start path trusts HEAD_REVISION; a new migration must update it."""
    assert head_revision() == HEAD_REVISION


def test_migrated_schema_matches_the_models(db_path: Path, key: bytes, backups: Path) -> None:
    """The migrations build exactly the tables, columns and indexes the ORM classes declare
    (apart from the full-text index, which only raw SQL knows about)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    upgrade_to_head(db_path, key, backups)
    engine = create_store_engine(db_path, key)
    try:
        with engine.connect() as connection, warnings.catch_warnings():
            # The one index on an expression (migration 0013) is raw SQL, like the full-text
            # index: reflection skips it, and the ORM classes do not declare it.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    unexplained = [
        d
        for d in differences
        if not (d[0] == "remove_table" and d[1].name.startswith("note_search"))
    ]
    assert unexplained == []


def test_stored_revision_of_a_new_and_a_migrated_database(
    db_path: Path, key: bytes, backups: Path
) -> None:
    assert stored_revision(db_path, key) is None
    upgrade_to_head(db_path, key, backups)
    assert stored_revision(db_path, key) == HEAD_REVISION


def test_empty_file_is_migrated_to_head(db_path: Path, key: bytes, backups: Path) -> None:
    assert upgrade_to_head(db_path, key, backups) == head_revision()
    assert _revision(db_path, key) == head_revision()
    fts = {"note_search"} | {
        f"note_search_{part}" for part in ("data", "idx", "content", "docsize", "config")
    }
    assert _tables(db_path, key) == set(Base.metadata.tables) | {"alembic_version"} | fts
    assert not backups.exists()  # nothing to back up in a new database
    # Running it again is a no-op.
    assert upgrade_to_head(db_path, key, backups) == head_revision()
    assert not backups.exists()


def test_a_database_started_from_the_template_is_at_head_under_its_own_key(
    db_path: Path, key: bytes, backups: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suite's fast path (tests/support/template_db.py) gives what the migrations give."""
    template, template_key = build_template(tmp_path / "template")
    monkeypatch.setattr(migrate, "TEMPLATE", (template, template_key))
    assert upgrade_to_head(db_path, key, backups) == HEAD_REVISION
    assert _revision(db_path, key) == HEAD_REVISION
    assert _tables(db_path, key) == _tables(template, template_key)
    assert db_path.stat().st_mode & 0o777 == 0o600
    assert not db_path.with_name(db_path.name + ".template").exists()
    with pytest.raises(DatabaseUnreadable):
        connect_raw(db_path, template_key)


def test_too_new_database_is_refused_and_left_untouched(
    database: Database, db_path: Path, key: bytes, backups: Path
) -> None:
    with database.write() as s:
        s.add(Person(given_name="Testy", family_name="McExample"))
    database.close()
    raw = connect_raw(db_path, key)
    try:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    before = db_path.read_bytes()
    assert not Path(str(db_path) + "-wal").exists()

    with pytest.raises(DatabaseTooNew) as caught:
        Database.open(db_path, key, backups)

    assert caught.value.revision == "9999"
    assert "newer version" in str(caught.value)
    assert db_path.read_bytes() == before
    assert not backups.exists()
    assert _revision(db_path, key) == "9999"


@pytest.fixture
def broken_migrations(tmp_path: Path) -> Path:
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0099_broken.py").write_text(BROKEN_MIGRATION, "utf-8")
    assert head_revision(scripts) == "0099"
    return scripts


def test_failed_migration_restores_the_backup(
    database: Database,
    db_path: Path,
    key: bytes,
    backups: Path,
    actor: Actor,
    broken_migrations: Path,
) -> None:
    assert _revision(db_path, key) == HEAD_REVISION
    with database.write() as s:
        person = Person(given_name="Testy", family_name="McExample")
        s.add(person)
    database.close()

    with pytest.raises(MigrationFailed) as caught:
        upgrade_to_head(db_path, key, backups, script_location=broken_migrations)

    saved = list(backups.iterdir())
    assert len(saved) == 1
    assert saved[0].name.startswith(f"restart-{HEAD_REVISION}-")
    assert saved[0].name in str(caught.value)
    assert "RuntimeError" in str(caught.value)
    assert not saved[0].read_bytes().startswith(b"SQLite format 3")  # the copy is encrypted

    assert _revision(db_path, key) == HEAD_REVISION
    assert "broken_leftover" not in _tables(db_path, key)
    reopened = Database.open(db_path, key, backups, actor)
    try:
        with reopened.read() as s:
            loaded = s.get(Person, person.id)
            assert loaded is not None
            assert loaded.family_name == "McExample"
    finally:
        reopened.close()


def test_failed_migration_is_rolled_back_even_without_the_backup(
    database: Database,
    db_path: Path,
    key: bytes,
    backups: Path,
    broken_migrations: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The upgrade runs in one transaction (DDL included), so the backup is a second line."""
    with database.write() as s:
        s.add(Person(given_name="Testy", family_name="McExample"))
    database.close()
    monkeypatch.setattr("restart_desktop.store.migrate._restore", lambda backup, path: None)

    with pytest.raises(MigrationFailed):
        upgrade_to_head(db_path, key, backups, script_location=broken_migrations)

    assert _revision(db_path, key) == HEAD_REVISION
    assert "broken_leftover" not in _tables(db_path, key)
    raw = connect_raw(db_path, key)
    try:
        assert raw.execute("SELECT family_name FROM people").fetchall() == [("McExample",)]
    finally:
        raw.close()


def test_a_0001_database_is_upgraded_with_its_data_and_a_backup(
    tmp_path: Path, db_path: Path, key: bytes, backups: Path, actor: Actor
) -> None:
    """Every released schema migrates to head: 0001 was the first release's."""
    first = tmp_path / "migrations-0001"
    shutil.copytree(MIGRATIONS_DIR, first, ignore=shutil.ignore_patterns("__pycache__"))
    for script in (first / "versions").glob("*.py"):
        if script.name[:4].isdigit() and script.name[:4] != "0001":
            script.unlink()
    assert upgrade_to_head(db_path, key, backups, script_location=first) == "0001"
    raw = connect_raw(db_path, key)
    try:
        raw.execute("BEGIN")
        raw.execute(
            "INSERT INTO people (id, given_name, family_name, preferred_name, nomis_number, crn,"
            " prison_code, release_time, sentence_type, iom, mappa, referral_source,"
            " has_settled_address, consent_given, consent_method, consent_scope, needs, status,"
            " status_reason, created_at, updated_at, created_by, updated_by) VALUES"
            " ('p1', 'Testy', 'McExample', '', '', '', '', '', '', 0, 0, '', 0, 0, '', '',"
            " '[]', 'recommended', '', '2026-01-01', '2026-01-01', 'w', 'w')"
        )
        raw.execute(
            "INSERT INTO people (id, given_name, family_name, preferred_name, nomis_number, crn,"
            " prison_code, release_time, sentence_type, iom, mappa, referral_source,"
            " has_settled_address, consent_given, consent_method, consent_scope, needs, status,"
            " status_reason, created_at, updated_at, created_by, updated_by) VALUES"
            " ('p2', 'Testy', 'Consentson', '', '', '', '', '', '', 0, 0, '', 0, 1, 'written',"
            " 'All partners', '[]', 'accepted', '', '2026-01-01', '2026-01-01', 'w', 'w')"
        )
        raw.execute("COMMIT")
    finally:
        raw.close()

    assert upgrade_to_head(db_path, key, backups) == HEAD_REVISION
    assert [p.name[:13] for p in backups.iterdir()] == ["restart-0001-"]
    assert {"contact_notes", "addenda", "note_search"} <= _tables(db_path, key)
    reopened = Database.open(db_path, key, backups, actor)
    try:
        with reopened.read() as s:
            kept = s.get(Person, "p1")
            assert kept is not None
            assert kept.family_name == "McExample"
            assert kept.consent_categories == []
            assert kept.housing_authority == ""
            # Consent recorded before consent had kinds of service covered every kind.
            consented = s.get(Person, "p2")
            assert consented is not None
            assert set(consented.consent_categories) == {
                "accommodation",
                "substance_misuse",
                "benefits",
                "id_and_bank",
                "health",
                "mental_health",
                "employment_training",
                "family",
                "other",
            }
    finally:
        reopened.close()


def _schema_at(tmp_path: Path, revision: str) -> Path:
    """A copy of the migrations that stops at ``revision`` (a released schema)."""
    copy = tmp_path / f"migrations-{revision}"
    shutil.copytree(MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for script in (copy / "versions").glob("*.py"):
        if script.name[:4].isdigit() and script.name[:4] > revision:
            script.unlink()
    return copy


def test_local_times_written_before_0011_become_utc_and_utc_ones_stay(
    tmp_path: Path, db_path: Path, key: bytes, backups: Path, actor: Actor, london: None
) -> None:
    """A note made at 14:05 in British Summer Time was stored as 14:05 (local); after the
    migration it is 13:05 UTC and still reads 14:05. A winter note keeps its hour; instants
    the store always wrote in UTC (a handover, the bookkeeping) are left alone, and the
    append-only rule on notes still holds."""
    assert upgrade_to_head(db_path, key, backups, script_location=_schema_at(tmp_path, "0010"))
    raw = connect_raw(db_path, key)
    book = "'2026-06-10 09:00:00.000000', '2026-06-10 09:00:00.000000', 'w', 'w', NULL"
    try:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("BEGIN")
        raw.execute(
            "INSERT INTO people (id, given_name, family_name, preferred_name, nomis_number, crn,"
            " prison_code, release_time, sentence_type, iom, mappa, referral_source,"
            " has_settled_address, consent_given, consent_method, consent_scope,"
            " consent_categories, housing_authority, needs, status, status_reason, legal_hold,"
            " created_at, updated_at, created_by, updated_by, last_change_id) VALUES ('p1',"
            " 'Testy', 'McExample', '', '', '', '', '', '', 0, 0, '', 0, 0, '', '', '[]', '',"
            f" '[]', 'accepted', '', 0, {book})"
        )
        for note_id, at in (
            ("summer", "2026-06-10 14:05:00.000000"),
            ("winter", "2026-12-01 14:05:00.000000"),
        ):
            raw.execute(
                "INSERT INTO contact_notes (id, person_id, worker_id, contact_at, contact_type,"
                " not_seen_reason, location, duration_minutes, text, needs, created_at,"
                " updated_at, created_by, updated_by, last_change_id) VALUES"
                f" ('{note_id}', 'p1', 'w', '{at}', 'phone', '', '', NULL, 'Fictional', '[]',"
                f" {book})"
            )
        raw.execute(
            "INSERT INTO handovers (id, person_id, kind, from_worker_id, to_worker_id, note, at,"
            " created_at, updated_at, created_by, updated_by, last_change_id) VALUES ('h1',"
            f" 'p1', 'allocation', NULL, 'w', '', '2026-06-10 14:05:00.000000', {book})"
        )
        raw.execute("COMMIT")
    finally:
        raw.close()

    assert upgrade_to_head(db_path, key, backups) == HEAD_REVISION
    reopened = Database.open(db_path, key, backups, actor)
    try:
        with reopened.read() as s:
            summer = s.get(ContactNote, "summer")
            winter = s.get(ContactNote, "winter")
            handover = s.get(Handover, "h1")
            assert summer is not None
            assert winter is not None
            assert handover is not None
            assert summer.contact_at == dt.datetime(2026, 6, 10, 13, 5, tzinfo=dt.UTC)
            assert winter.contact_at == dt.datetime(2026, 12, 1, 14, 5, tzinfo=dt.UTC)
            assert local_text(summer.contact_at, "%H:%M") == "14:05"
            assert handover.at == dt.datetime(2026, 6, 10, 14, 5, tzinfo=dt.UTC)
            assert summer.created_at == dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
    finally:
        reopened.close()
    raw = connect_raw(db_path, key)
    try:
        with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
            raw.execute("UPDATE contact_notes SET text = 'changed' WHERE id = 'summer'")
    finally:
        raw.close()


def test_a_naive_datetime_is_refused_by_the_store(database: Database) -> None:
    """Whether a zone-less time meant UTC or local time cannot be guessed: writing or
    comparing one is a programming error, stopped before anything is stored."""
    naive = dt.datetime(2026, 6, 10, 14, 5)

    def write_and_compare() -> None:
        with database.write() as s:
            s.add(LocalSetting(key="probe", value="x"))
            s.execute(select(ContactNote.id).where(ContactNote.contact_at < naive)).all()

    with pytest.raises(StatementError) as refused:
        write_and_compare()
    assert isinstance(refused.value.orig, NaiveDatetime)
    with database.read() as s:
        assert s.get(LocalSetting, "probe") is None


def test_the_search_index_is_rebuilt_in_contact_time_order_at_0022(
    tmp_path: Path, db_path: Path, key: bytes, backups: Path
) -> None:
    """Notes written in another order than their contact times (a late write-up, an
    addendum to an old note) come out of the rebuilt index newest contact first, and new
    entries after the migration take their place by contact time too."""
    assert upgrade_to_head(db_path, key, backups, script_location=_schema_at(tmp_path, "0020"))
    book = "'2026-06-10 09:00:00.000000', '2026-06-10 09:00:00.000000', 'w', 'w', NULL"
    person = (
        "INSERT INTO people (id, given_name, family_name, preferred_name, nomis_number, crn,"
        " prison_code, release_time, sentence_type, iom, mappa, referral_source,"
        " has_settled_address, consent_given, consent_method, consent_scope,"
        " consent_categories, housing_authority, needs, status, status_reason, legal_hold,"
        " created_at, updated_at, created_by, updated_by, last_change_id) VALUES ('p1',"
        " 'Testy', 'McExample', '', '', '', '', '', '', 0, 0, '', 0, 0, '', '', '[]', '',"
        f" '[]', 'accepted', '', 0, {book})"
    )

    def note(raw: object, note_id: str, at: str) -> None:
        raw.execute(  # type: ignore[attr-defined]
            "INSERT INTO contact_notes (id, person_id, worker_id, contact_at, contact_type,"
            " not_seen_reason, location, duration_minutes, text, needs, created_at,"
            " updated_at, created_by, updated_by, last_change_id) VALUES"
            f" ('{note_id}', 'p1', 'w', '{at}', 'phone', '', '', NULL, 'Fictional hostel',"
            f" '[]', {book})"
        )

    raw = connect_raw(db_path, key)
    try:
        raw.execute("PRAGMA foreign_keys = OFF")  # no worker record: not what is tested
        raw.execute("BEGIN")
        raw.execute(person)
        for note_id, at in (
            ("june", "2026-06-10 14:05:00.000000"),
            ("march", "2026-03-01 10:00:00.000000"),
            ("march-too", "2026-03-01 10:00:00.000000"),
            ("july", "2026-07-01 08:00:00.000000"),
        ):
            note(raw, note_id, at)
        raw.execute(
            "INSERT INTO addenda (id, note_id, person_id, text, created_at, updated_at,"
            f" created_by, updated_by, last_change_id) VALUES ('a1', 'march', 'p1',"
            f" 'Fictional hostel addendum', {book})"
        )
        raw.execute("COMMIT")
    finally:
        raw.close()

    assert upgrade_to_head(db_path, key, backups) == HEAD_REVISION
    raw = connect_raw(db_path, key)
    try:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("BEGIN")
        note(raw, "may", "2026-05-05 12:00:00.000000")  # written now, contact in May
        raw.execute("COMMIT")
        order = [
            row[0]
            for row in raw.execute(
                "SELECT note_id FROM note_search WHERE note_search MATCH 'hostel'"
                " ORDER BY rowid DESC"
            )
        ]
    finally:
        raw.close()
    assert order[:3] == ["july", "june", "may"]
    assert sorted(order[3:]) == ["march", "march", "march-too"]  # one second, three entries


def test_the_review_waits_are_filled_from_the_records_at_0026(
    tmp_path: Path, db_path: Path, key: bytes, backups: Path
) -> None:
    """The sign-offs of notes held before the summary table was made are in it, with their
    days waited; comments, other kinds and sign-offs of notes not held are not."""
    from restart_desktop.store.summaries import RECOUNTS, ReviewWait

    assert upgrade_to_head(db_path, key, backups, script_location=_schema_at(tmp_path, "0025"))
    book = "'2026-06-10 09:00:00.000000', '2026-06-10 09:00:00.000000', 'w', 'w', NULL"
    raw = connect_raw(db_path, key)
    try:
        raw.execute("PRAGMA foreign_keys = OFF")  # no worker or person: not what is tested
        raw.execute("BEGIN")
        for note_id, at in (("n1", "2026-03-01 10:00:00.000000"), ("n2", "2026-03-05 08:30:00")):
            raw.execute(
                "INSERT INTO contact_notes (id, person_id, worker_id, contact_at, contact_type,"
                " not_seen_reason, location, duration_minutes, text, needs, created_at,"
                " updated_at, created_by, updated_by, last_change_id) VALUES"
                f" ('{note_id}', 'p1', 'w1', '{at}', 'phone', '', '', NULL, 'Fictional',"
                f" '[]', {book})"
            )
        for review_id, kind, item, action in (
            ("r1", "note", "n1", "reviewed"),
            ("r2", "note", "n2", "comment"),
            ("r3", "note", "n2", "reviewed"),
            ("r4", "referral", "n1", "reviewed"),
            ("r5", "note", "elsewhere", "reviewed"),
        ):
            raw.execute(
                "INSERT INTO reviews (id, item_kind, item_id, person_id, worker_id, action,"
                " comment, at, created_at, updated_at, created_by, updated_by, last_change_id)"
                f" VALUES ('{review_id}', '{kind}', '{item}', 'p1', 'w1', '{action}', '',"
                f" '2026-03-11 16:00:00.000000', {book})"
            )
        raw.execute("COMMIT")
    finally:
        raw.close()

    assert upgrade_to_head(db_path, key, backups) == HEAD_REVISION
    raw = connect_raw(db_path, key)
    try:
        held = raw.execute("SELECT * FROM review_waits ORDER BY 1").fetchall()
        recounted = raw.execute(RECOUNTS[ReviewWait.__tablename__]).fetchall()
    finally:
        raw.close()
    assert held == recounted
    assert [(r[0], r[3]) for r in held] == [("r1", 10.25), ("r3", 6.3125)]
