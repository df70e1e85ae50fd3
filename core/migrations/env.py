"""Alembic environment: migrations run on the connection the application hands over.

Run them with ``mentorbot migrate`` (or by starting the bot), which opens the database the way the
application does (SQLite pragmas, PostgreSQL advisory lock) and calls ``core.migrate.upgrade_to_head``.
"""

from alembic import context

from core.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `mentorbot migrate`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
