"""service referrals and their events; consent categories and the housing authority of choice

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BOOKKEEPING = (
    ("id", sa.String(length=36)),
    ("created_at", sa.DateTime()),
    ("updated_at", sa.DateTime()),
    ("created_by", sa.String(length=36)),
    ("updated_by", sa.String(length=36)),
)


def _bookkeeping() -> list[sa.Column[object]]:
    columns: list[sa.Column[object]] = [
        sa.Column(name, type_, nullable=False) for name, type_ in _BOOKKEEPING
    ]
    columns.append(sa.Column("last_change_id", sa.String(length=64), nullable=True))
    return columns


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("consent_categories", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(
            sa.Column("housing_authority", sa.String(length=64), nullable=False, server_default="")
        )
    # Existing consent covered every partner: carry it over as every kind of service.
    op.execute(
        "UPDATE people SET consent_categories = (SELECT json_group_array(code) FROM (SELECT "
        "'accommodation' AS code UNION ALL SELECT 'substance_misuse' UNION ALL SELECT "
        "'benefits' UNION ALL SELECT 'id_and_bank' UNION ALL SELECT 'health' UNION ALL SELECT "
        "'mental_health' UNION ALL SELECT 'employment_training' UNION ALL SELECT 'family' "
        "UNION ALL SELECT 'other')) WHERE consent_given = 1"
    )
    with op.batch_alter_table("people") as batch:
        batch.alter_column("consent_categories", server_default=None)
        batch.alter_column("housing_authority", server_default=None)
    op.create_table(
        "referrals",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("service_code", sa.String(length=64), nullable=False),
        sa.Column("service", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("how_sent", sa.String(length=16), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("last_chased_on", sa.Date(), nullable=True),
        sa.Column("consent_override", sa.Text(), nullable=False),
        sa.Column("declined_reason", sa.Text(), nullable=False),
        sa.Column("appointment_at", sa.DateTime(), nullable=True),
        sa.Column("appointment_place", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("withdrawn_reason", sa.Text(), nullable=False),
        sa.Column("note_id", sa.String(length=36), nullable=True),
        *_bookkeeping(),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_referrals_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["contact_notes.id"], name=op.f("fk_referrals_note_id_contact_notes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    op.create_index("ix_referrals_person_id", "referrals", ["person_id"])
    op.create_index("ix_referrals_status", "referrals", ["status"])
    op.create_table(
        "referral_events",
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_bookkeeping(),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_events_referral_id_referrals"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_referral_events_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_events")),
    )
    op.create_index("ix_referral_events_referral_id", "referral_events", ["referral_id"])
    op.execute(
        "CREATE TRIGGER referral_events_immutable BEFORE UPDATE ON referral_events "
        "BEGIN SELECT RAISE(ABORT, 'referral_events are append-only'); END"
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
