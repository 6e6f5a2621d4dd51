"""indexes for the figures (issue 27): each referral's first answer, the referrals of a
period and who was assessed in it, each read from an index alone rather than from rows
holding a service's directory entry or a whole assessment's scores.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The new index starts with the referral: it serves the lookups by referral too.
    op.drop_index("ix_referral_events_referral_id", table_name="referral_events")
    op.create_index(
        op.f("ix_referral_events_referral_id_status_at"),
        "referral_events",
        ["referral_id", "to_status", "at"],
    )
    op.create_index(
        op.f("ix_referrals_figures"),
        "referrals",
        ["made_on", "status", "category", "sent_on", "created_by", "id"],
    )
    op.create_index(
        op.f("ix_assessments_figures"), "assessments", ["assessed_on", "finalised_at", "person_id"]
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
