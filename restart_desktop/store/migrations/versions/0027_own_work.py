"""this laptop's own work waiting to go out, counted from indexes (issue 24).

Before each sync that sends anything, the sync counts this laptop's changes not yet in the
export, leaving out its audit entries (a sync that sends only those is not recorded as a
sync). The kind of each change is in the table's rows, not in the (device, sequence) index,
so a first export of a 10,000-case laptop read all 400,000 rows to count them (0.8 s of
CPU). ``ix_changes_audit`` holds only the audit entries' (device, sequence): the count is
the range of the unique (device, sequence) index less the range of this one, both read from
the index alone. Partial: the other kinds (most changes, and every sync import) never pay
for it.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_changes_audit ON changes (device_id, seq) WHERE entity = 'audit_entries'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_changes_audit")
