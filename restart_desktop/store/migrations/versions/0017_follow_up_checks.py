"""follow-up checks at 4 and 12 weeks after release

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_up_checks",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("check_code", sa.String(length=32), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("accommodation", sa.String(length=32), nullable=False),
        sa.Column("universal_credit", sa.String(length=16), nullable=False),
        sa.Column("treatment", sa.String(length=16), nullable=False),
        sa.Column("gp", sa.String(length=16), nullable=False),
        sa.Column("ete", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("last_change_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_follow_up_checks_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_checks")),
    )
    op.create_index("ix_follow_up_checks_person_id", "follow_up_checks", ["person_id"])


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
