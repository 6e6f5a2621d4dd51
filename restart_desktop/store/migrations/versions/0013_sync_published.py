"""sync published: each device's own record of the bundles it published, to check the files
in the central export against (a stray file never moves its position)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
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


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
