"""sync merge: the changes each change was made on top of, conflicts as derived state, records
waiting for the changes they build on

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        # The record's changes the author's laptop held and had not seen superseded (its
        # "frontier"), so every device works out the same ancestry and the same conflicts.
        batch.add_column(sa.Column("bases", sa.JSON(), nullable=True))
    # Conflicts are now worked out from the changes (the same set on every device): the old
    # table held device-relative "local" and "remote" values, and nothing had been released.
    op.drop_index("ix_sync_conflicts_record_id", table_name="sync_conflicts")
    op.drop_table("sync_conflicts")
    op.create_table(
        "sync_conflicts",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("change_ids", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("winner_change_id", sa.String(length=64), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "field", name=op.f("pk_sync_conflicts")),
    )
    op.create_table(
        "sync_pending",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_sync_pending")),
    )
    with op.batch_alter_table("sync_peers") as batch:
        # "gap" (a bundle is missing) or "refused" (a bundle failed its checks: quarantined).
        batch.add_column(
            sa.Column("problem_kind", sa.String(length=16), nullable=False, server_default="")
        )

    # Append-only records keep their content, but their bookkeeping (who created them first,
    # which change is latest) must settle to the same on every laptop: two laptops can create
    # the same checklist snapshot, or receive an older creation after their own. The triggers
    # now refuse a change of content columns only.
    bookkeeping = {"id", "created_at", "updated_at", "created_by", "updated_by", "last_change_id"}
    inspector = sa.inspect(op.get_bind())
    for table in ("contact_notes", "addenda", "checklist_snapshots", "referral_events"):
        content = [c["name"] for c in inspector.get_columns(table) if c["name"] not in bookkeeping]
        op.execute(f"DROP TRIGGER {table}_immutable")
        op.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OF {', '.join(content)} "
            f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
        )
    content = [
        c["name"] for c in inspector.get_columns("assessments") if c["name"] not in bookkeeping
    ]
    op.execute("DROP TRIGGER assessments_final")
    op.execute(
        f"CREATE TRIGGER assessments_final BEFORE UPDATE OF {', '.join(content)} ON assessments "
        "WHEN old.finalised_at IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'finalised assessments are never changed'); END"
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
