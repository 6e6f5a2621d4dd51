"""sync digest totals: the digest's running totals per case, so that a digest adds up a row
per case rather than an item per change and record; changes keep no items any more. The
items are worked out again from scratch at the next digest.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_digest_totals",
        sa.Column("case_key", sa.String(length=36), nullable=False),
        sa.Column("changes", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        *(sa.Column(f"h{n}", sa.Integer(), nullable=False) for n in range(8)),
        sa.PrimaryKeyConstraint("case_key", "changes", name=op.f("pk_sync_digest_totals")),
    )
    # Worked out again at the next digest (in short transactions, as on a new day).
    op.execute("DELETE FROM sync_digest_items")
    op.execute("DELETE FROM local_settings WHERE key = 'sync_digest_cursor'")


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
