"""indexes for hot paths (issue 27): the notes' contact times by id, so that the figures'
"days to review" reads them from a small index rather than a page of note text per signed-off
note; and reviews by worker and action, so that the notices at unlock find the comments and
returns on a worker's records without reading every sign-off of them.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_contact_notes_id_contact_at"), "contact_notes", ["id", "contact_at"])
    op.drop_index("ix_reviews_worker_id", table_name="reviews")
    op.create_index(op.f("ix_reviews_worker_id_action"), "reviews", ["worker_id", "action"])


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
