"""initial schema: workers, devices, people, changes, local settings

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("change_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("base_change_id", sa.String(length=64), nullable=True),
        sa.Column("hlc", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_changes")),
        sa.UniqueConstraint("device_id", "seq", name="uq_changes_device_seq"),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index("ix_changes_record_id", ["record_id"], unique=False)

    op.create_table(
        "local_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_local_settings")),
    )
    op.create_table(
        "workers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation_code", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("last_change_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
    )
    op.create_table(
        "devices",
        sa.Column("worker_id", sa.String(length=36), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("last_change_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_devices_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
    )
    op.create_table(
        "people",
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("preferred_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("nomis_number", sa.String(length=16), nullable=False),
        sa.Column("crn", sa.String(length=16), nullable=False),
        sa.Column("prison_code", sa.String(length=64), nullable=False),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("release_time", sa.String(length=5), nullable=False),
        sa.Column("sentence_type", sa.String(length=64), nullable=False),
        sa.Column("iom", sa.Boolean(), nullable=False),
        sa.Column("mappa", sa.Boolean(), nullable=False),
        sa.Column("referral_source", sa.String(length=32), nullable=False),
        sa.Column("referral_date", sa.Date(), nullable=True),
        sa.Column("allocated_worker_id", sa.String(length=36), nullable=True),
        sa.Column("has_settled_address", sa.Boolean(), nullable=False),
        sa.Column("consent_given", sa.Boolean(), nullable=False),
        sa.Column("consent_date", sa.Date(), nullable=True),
        sa.Column("consent_method", sa.String(length=32), nullable=False),
        sa.Column("consent_scope", sa.Text(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("last_change_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["allocated_worker_id"],
            ["workers.id"],
            name=op.f("fk_people_allocated_worker_id_workers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(
            "ix_people_allocated_worker_id", ["allocated_worker_id"], unique=False
        )
        batch_op.create_index("ix_people_family_name", ["family_name"], unique=False)
        batch_op.create_index("ix_people_release_date", ["release_date"], unique=False)
        batch_op.create_index("ix_people_status", ["status"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
