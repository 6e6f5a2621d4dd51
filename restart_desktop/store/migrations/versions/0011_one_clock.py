"""one clock: instants written in the laptop's local time become UTC

Before this revision app services stored some instants in local wall-clock time (a note's
contact time, an item done, a referral step, a finalised assessment...) and the store stamped
others in UTC, all without a zone. Every stored instant is UTC from now on; this revision
converts the local ones (``store.instants.LEGACY_LOCAL``), reading them in this laptop's zone
with its summer time. The change log keeps its values as written: they are read by the same
rule when applied (``store.instants.read_instant``). Append-only triggers on a table are set
aside for the conversion and put back from their own stored SQL.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from restart_desktop.domain.clock import from_local
from restart_desktop.store.instants import LEGACY_LOCAL

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def _to_utc(text: str | None) -> str | None:
    if text is None:
        return None
    wall = dt.datetime.fromisoformat(text)
    return from_local(wall.replace(tzinfo=None)).replace(tzinfo=None).strftime(_FORMAT)


def upgrade() -> None:
    bind = op.get_bind()
    for table, columns in LEGACY_LOCAL.items():
        triggers = bind.execute(
            sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"
            ),
            {"table": table},
        ).all()
        for name, _sql in triggers:
            op.execute(f'DROP TRIGGER "{name}"')
        names = sorted(columns)
        rows = bind.execute(sa.text(f"SELECT id, {', '.join(names)} FROM {table}")).all()
        assignments = ", ".join(f"{c} = :{c}" for c in names)
        updates = [
            {"id": row[0], **{c: _to_utc(v) for c, v in zip(names, row[1:], strict=True)}}
            for row in rows
            if any(v is not None for v in row[1:])
        ]
        if updates:
            bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), updates)
        for _name, sql in triggers:
            op.execute(sql)


def downgrade() -> None:
    raise NotImplementedError("RESTART Desktop migrations are forward-only; restore a backup")
