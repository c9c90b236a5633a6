"""Alembic environment for the store's migrations.

``open_store`` runs the migrations programmatically and passes its own connection in
``config.attributes["connection"]``. A developer generating a new revision from the command line
gives a URL instead (``alembic -c <ini with script_location and sqlalchemy.url> revision
--autogenerate``). SQLite migrations run in batch mode, since SQLite cannot ALTER most things.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from junheng.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url for the migrations")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


# pytest's --doctest-modules imports every module under src/, outside any Alembic run: the
# context then has no configuration and there is nothing to migrate.
if hasattr(context, "config"):
    if context.is_offline_mode():
        _offline()
    else:
        _online()
