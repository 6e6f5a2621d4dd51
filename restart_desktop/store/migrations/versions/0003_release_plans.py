"""release-day plans: checklist template snapshots, plans and their items

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
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
    op.create_table(
        "checklist_snapshots",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_snapshots")),
    )
    op.execute(
        "CREATE TRIGGER checklist_snapshots_immutable BEFORE UPDATE ON checklist_snapshots "
        "BEGIN SELECT RAISE(ABORT, 'checklist_snapshots are append-only'); END"
    )
    op.create_table(
        "release_plans",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.String(length=36), nullable=False),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("release_time", sa.String(length=5), nullable=False),
        sa.Column("previous_release_date", sa.Date(), nullable=True),
        sa.Column("previous_release_time", sa.String(length=5), nullable=False),
        sa.Column("release_changed_at", sa.DateTime(), nullable=True),
        sa.Column("first_night", sa.String(length=32), nullable=False),
        sa.Column("first_night_detail", sa.String(length=200), nullable=False),
        sa.Column("met_at_gate", sa.Boolean(), nullable=True),
        sa.Column("met_at_gate_at", sa.DateTime(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=False),
        sa.Column("outcome_recorded_at", sa.DateTime(), nullable=True),
        *_bookkeeping(),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_release_plans_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["checklist_snapshots.id"],
            name=op.f("fk_release_plans_snapshot_id_checklist_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_plans")),
        sa.UniqueConstraint("person_id", "number", name="uq_release_plans_person_number"),
    )
    op.create_index("ix_release_plans_release_date", "release_plans", ["release_date"])
    op.create_table(
        "release_plan_items",
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.Boolean(), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("due_time", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_at", sa.DateTime(), nullable=True),
        sa.Column("state_by", sa.String(length=36), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("appointment_at", sa.DateTime(), nullable=True),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        *_bookkeeping(),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["release_plans.id"],
            name=op.f("fk_release_plan_items_plan_id_release_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_release_plan_items_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_plan_items")),
        sa.UniqueConstraint("plan_id", "item_code", name="uq_release_plan_items_plan_code"),
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
