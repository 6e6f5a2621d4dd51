"""sync published: each device's own record of the bundles it published, to check the files
in the central export against (a stray file never moves its position); and the digest's
items, kept current from the changes written since the last digest

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_published",
        sa.Column("from_seq", sa.Integer(), nullable=False),
        sa.Column("to_seq", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("from_seq", "to_seq", name=op.f("pk_sync_published")),
    )
    op.create_table(
        "sync_digest_items",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        *(sa.Column(f"h{n}", sa.Integer(), nullable=False) for n in range(8)),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_sync_digest_items")),
    )
    op.create_index("ix_sync_digest_items_case_id", "sync_digest_items", ["case_id"])


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
