"""a barrier's wording for the board, written and confirmed by a supervisor

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("barriers") as batch:
        batch.add_column(sa.Column("board_wording", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("board_wording_by", sa.String(length=36), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("board_wording_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
