"""perf: the full-text index keyed by contact time, so a search reads only the page it shows;
indexes for the referrals list across the caseload and for the figures

A search lists the newest contacts first. Ordering by ``contact_notes.contact_at`` made SQLite
find every match, look up its note and make its snippet before sorting: 600 ms for a common
word at 10,000 cases (20,000 matches). Each entry's rowid in ``note_search`` now is the
contact time of its note (whole seconds since 1970, shifted left by 20 bits) plus a number
that keeps it unique among entries of the same second. FTS5 walks its index in rowid order,
so ``ORDER BY rowid DESC LIMIT n`` stops after n entries and makes only their snippets.

The index is rebuilt from the notes and addenda (the same rows, new rowids); the triggers
that keep it in step under every write (the app's, a sync import's) give new entries their
rowid the same way. Notes are append-only, so an entry's contact time never changes.

The referrals list across the caseload filters, tests for chasing and orders ten thousand
referrals at 10,000 cases; ``ix_referrals_list`` holds every column it needs for that, so
neither the count nor the page's keys read the wide rows (each holds a directory entry).

The figures for a quarter scanned the whole change log (four times) for the status moves
of people and barriers, and read every note and sign-off of the period from the table:
``ix_changes_figures`` (partial: only those two kinds, so sync imports of the rest never
pay for it), the worker beside ``ix_contact_notes_contact_at`` and ``ix_reviews_figures``
answer from indexes. The retention check at every unlock reads each closed case's newest
change by this laptop: ``ix_changes_case_id`` carries the device and sequence for it.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TOKENIZER = "unicode61 remove_diacritics 2 categories 'L* N* Co Mc Mn So'"  # as in 0002
SECOND = 1 << 20  # rowids per second of contact time
FIGURES_WHERE = "entity = 'people' OR entity = 'barriers'"  # as store.models has it now


def _rowid(contact_at: str) -> str:
    """The SQL of a new entry's rowid: the first free one in its second."""
    base = f"(coalesce(unixepoch({contact_at}), 0) * {SECOND})"
    return (
        f"(SELECT coalesce(max(rowid) + 1, {base}) FROM note_search"
        f" WHERE rowid >= {base} AND rowid < {base} + {SECOND})"
    )


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_changes_figures ON changes (recorded_at) WHERE {FIGURES_WHERE}")
    op.drop_index("ix_changes_case_id", "changes")
    op.create_index("ix_changes_case_id", "changes", ["case_id", "device_id", "seq"])
    op.drop_index("ix_contact_notes_contact_at", "contact_notes")
    op.create_index("ix_contact_notes_contact_at", "contact_notes", ["contact_at", "worker_id"])
    op.create_index(
        "ix_reviews_figures", "reviews", ["item_kind", "action", "at", "item_id", "worker_id"]
    )
    op.create_index(
        "ix_referrals_list",
        "referrals",
        ["person_id", "status", "last_chased_on", "sent_on", "made_on", "category", "id"],
    )
    for trigger in ("contact_notes_search_insert", "addenda_search_insert"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE note_search")
    op.execute(
        "CREATE VIRTUAL TABLE note_search USING fts5("
        "kind UNINDEXED, record_id UNINDEXED, person_id UNINDEXED, note_id UNINDEXED, body, "
        f'tokenize="{TOKENIZER}")'
    )
    op.execute(
        "INSERT INTO note_search (rowid, kind, record_id, person_id, note_id, body) "
        f"SELECT coalesce(unixepoch(contact_at), 0) * {SECOND}"
        " + row_number() OVER (PARTITION BY contact_at ORDER BY kind DESC, record_id) - 1,"
        " kind, record_id, person_id, note_id, body FROM ("
        " SELECT 'note' AS kind, id AS record_id, person_id, id AS note_id, text AS body,"
        "  contact_at FROM contact_notes"
        " UNION ALL"
        " SELECT 'addendum', a.id, a.person_id, a.note_id, a.text, n.contact_at"
        "  FROM addenda AS a JOIN contact_notes AS n ON n.id = a.note_id)"
    )
    op.execute(
        "CREATE TRIGGER contact_notes_search_insert AFTER INSERT ON contact_notes BEGIN "
        "INSERT INTO note_search (rowid, kind, record_id, person_id, note_id, body) "
        f"VALUES ({_rowid('new.contact_at')}, 'note', new.id, new.person_id, new.id, new.text);"
        " END"
    )
    note_time = "(SELECT contact_at FROM contact_notes WHERE id = new.note_id)"
    op.execute(
        "CREATE TRIGGER addenda_search_insert AFTER INSERT ON addenda BEGIN "
        "INSERT INTO note_search (rowid, kind, record_id, person_id, note_id, body) "
        f"VALUES ({_rowid(note_time)}, 'addendum', new.id, new.person_id, new.note_id,"
        " new.text); END"
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
