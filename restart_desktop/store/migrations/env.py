"""Alembic environment: always run programmatically by ``store.migrate`` on a keyed connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from restart_desktop.store.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("migrations run only through restart_desktop.store.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
