"""hot-path indexes: the review queue reads referrals oldest first through an index, not a
scan and a sort; the caseload's Duty to Refer flag is answered from an index alone

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_referrals_made_on", "referrals", ["made_on", "id"])
    # The caseload's Duty to Refer flag, answered from the index alone: a referral's row (its
    # copied directory entry runs into overflow pages) is never read for it. On an expression,
    # so the ORM classes do not declare it (app/referrals.duty_to_refer_made uses it).
    op.execute(
        "CREATE INDEX ix_referrals_duty_to_refer ON referrals "
        "(person_id, status, json_extract(service, '$.local_authority'))"
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
