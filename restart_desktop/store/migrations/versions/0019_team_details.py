"""team details: the team's own phone number for the release-day sheet and its contacts for
the directory's services, set by a supervisor and synced to every laptop

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_BOOKKEEPING = (
    ("id", sa.String(length=36)),
    ("created_at", sa.DateTime()),
    ("updated_at", sa.DateTime()),
    ("created_by", sa.String(length=36)),
    ("updated_by", sa.String(length=36)),
)


def upgrade() -> None:
    op.create_table(
        "team_details",
        sa.Column("phone", sa.String(length=64), nullable=False),
        sa.Column("phone_when", sa.String(length=200), nullable=False),
        sa.Column("service_contacts", sa.JSON(), nullable=False),
        *[sa.Column(name, type_, nullable=False) for name, type_ in _BOOKKEEPING],
        sa.Column("last_change_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_details")),
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
