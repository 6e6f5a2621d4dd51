"""need to know in the cryptography (bundle format 3): the cases whose audience changed since
this laptop last published (its bundles holding them are published again to the new
audience), and the generation of each other device's bundle this laptop has read (a newer
generation may hold a part now addressed to it)

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_audience_moves",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_sync_audience_moves")),
    )
    op.create_table(
        "sync_read_bundles",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("from_seq", sa.Integer(), nullable=False),
        sa.Column("to_seq", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "device_id", "from_seq", "to_seq", name=op.f("pk_sync_read_bundles")
        ),
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
