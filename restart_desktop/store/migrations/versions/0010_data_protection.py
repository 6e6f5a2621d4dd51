"""data protection: field history with reasons, legal hold, erasure tombstones, and an audit
trail that outlives an erased case

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_AUDIT_CONTENT = (
    "device_id",
    "seq",
    "at",
    "worker_id",
    "action",
    "person_id",
    "detail",
    "prev_hash",
    "hash",
)


def _bookkeeping() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("last_change_id", sa.String(length=64), nullable=True),
    ]


def _append_only(table: str, content: tuple[str, ...]) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OF {', '.join(content)} "
        f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
    )


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    # The audit trail keeps its entries about an erased case (the id then names no one), so
    # its person_id no longer refers to people. Rebuilding the table drops its trigger.
    op.execute("DROP TRIGGER audit_entries_immutable")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_constraint("fk_audit_entries_person_id_people", type_="foreignkey")
    _append_only("audit_entries", _AUDIT_CONTENT)

    op.create_table(
        "field_changes",
        *_bookkeeping(),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_field_changes_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_changes")),
    )
    op.create_index("ix_field_changes_person_id", "field_changes", ["person_id"])
    _append_only("field_changes", ("person_id", "field", "old_value", "new_value", "reason", "at"))

    op.create_table(
        "erasures",
        *_bookkeeping(),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    op.create_index("ix_erasures_case_id", "erasures", ["case_id"])
    _append_only("erasures", ("case_id", "rule", "device_id", "at"))

    # The case index learns whether each case is closed: a case erased from a worker's
    # laptop comes back to it when it is reopened.
    with op.batch_alter_table("sync_case_index") as batch:
        batch.add_column(
            sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("status_hlc", sa.String(length=32), nullable=False, server_default="")
        )
    op.execute(
        "UPDATE sync_case_index SET closed = 1 WHERE case_id IN "
        "(SELECT id FROM people WHERE status = 'closed')"
    )

    # Erasing a case deletes rows whose children are found through these columns: without an
    # index each deleted row meant a scan of the child table (minutes for a retention batch).
    for table, column in (
        ("addenda", "person_id"),
        ("follow_up_actions", "note_id"),
        ("release_plan_items", "person_id"),
        ("referrals", "note_id"),
        ("referral_events", "person_id"),
        ("reviews", "person_id"),
    ):
        op.create_index(f"ix_{table}_{column}", table, [column])

    op.create_table(
        "sync_erased_seqs",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hlc", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_erased_seqs")),
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
