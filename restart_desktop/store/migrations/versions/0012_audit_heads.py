"""audit heads: every signed chain head this laptop has seen, to compare each device's chain
with what it published

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_heads",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "device_id", "seq", "hash", "signed_at", name=op.f("pk_audit_heads")
        ),
    )
    op.execute(
        "CREATE TRIGGER audit_heads_immutable BEFORE UPDATE ON audit_heads "
        "BEGIN SELECT RAISE(ABORT, 'audit_heads are kept as received'); END"
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
