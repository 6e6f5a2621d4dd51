"""intake and onward handover: recommendations waiting for the allocation decision, the
decisions, and the summaries written for another service when support ends

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _bookkeeping() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("last_change_id", sa.String(length=64), nullable=True),
    ]


def _person(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["person_id"], ["people.id"], name=op.f(f"fk_{table}_person_id_people")
    )


def _append_only(table: str, content: list[str]) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OF {', '.join(content)} "
        f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
    )


def upgrade() -> None:
    op.create_table(
        "intake_records",
        *_bookkeeping(),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("recommender_name", sa.String(length=200), nullable=False),
        sa.Column("recommender_organisation", sa.String(length=200), nullable=False),
        sa.Column("recommender_role", sa.String(length=200), nullable=False),
        sa.Column("recommender_contact", sa.String(length=200), nullable=False),
        sa.Column("recommended_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("in_thames_valley", sa.Boolean(), nullable=True),
        sa.Column("iom", sa.Boolean(), nullable=True),
        sa.Column("mappa_level", sa.String(length=8), nullable=False),
        sa.Column("earlier_custodial_sentences", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        _person("intake_records"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_records")),
    )
    op.create_index("ix_intake_records_person_id", "intake_records", ["person_id"])
    op.create_index(
        "ix_intake_records_status_recommended_on", "intake_records", ["status", "recommended_on"]
    )

    op.create_table(
        "intake_decisions",
        *_bookkeeping(),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("intake_id", sa.String(length=36), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("organisation_code", sa.String(length=64), nullable=False),
        sa.Column("worker_id", sa.String(length=36), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        _person("intake_decisions"),
        sa.ForeignKeyConstraint(
            ["intake_id"],
            ["intake_records.id"],
            name=op.f("fk_intake_decisions_intake_id_intake_records"),
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_intake_decisions_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_decisions")),
    )
    op.create_index("ix_intake_decisions_person_id", "intake_decisions", ["person_id"])
    _append_only(
        "intake_decisions",
        [
            "person_id",
            "intake_id",
            "decision",
            "reason_code",
            "words",
            "organisation_code",
            "worker_id",
            "at",
        ],
    )

    op.create_table(
        "onward_handovers",
        *_bookkeeping(),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("service_kind", sa.String(length=32), nullable=False),
        sa.Column("service_name", sa.String(length=200), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("consent_override", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        _person("onward_handovers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onward_handovers")),
    )
    op.create_index("ix_onward_handovers_person_id", "onward_handovers", ["person_id"])
    _append_only(
        "onward_handovers",
        ["person_id", "service_kind", "service_name", "sections", "consent_override", "at"],
    )


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
