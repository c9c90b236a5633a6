"""Open the store: one engine, sessions from it, the schema brought up to date on opening.

The schema comes only from the Alembic migrations shipped in ``migrations/`` (never
``create_all``), so a database created by an older junheng is upgraded the same way a new one is
created. The migrations run on a connection of the store's own engine (passed through
``Config.attributes``), so no second engine or ``alembic.ini`` is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


class Store:
    """A database and its session factory.

    ``url`` is the full SQLAlchemy URL, password included if it has one: print ``engine.url``
    (which masks the password) rather than ``url``.
    """

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def session(self) -> Session:
        """A new session; objects stay readable after ``commit`` (``expire_on_commit=False``)."""
        return self._sessions()

    def close(self) -> None:
        """Close the engine's pooled connections (the database file is left as it is)."""
        self.engine.dispose()


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores FOREIGN KEY clauses unless every connection turns them on.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(connection: Any = None) -> Config:
    """The Alembic configuration built in code: the package's migrations, an optional connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def open_store(url: str | None = None, folder: str | Path = "junheng-data") -> Store:
    """Open (creating if needed) the database at ``url`` and upgrade it to the newest schema.

    ``url=None`` means SQLite at ``{folder}/junheng.db``, the folder created; otherwise any
    SQLAlchemy URL (``postgresql+psycopg://…``).
    """
    if url is None:
        path = Path(folder).resolve()
        path.mkdir(parents=True, exist_ok=True)
        engine = create_engine(URL.create("sqlite", database=str(path / "junheng.db")))
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return Store(engine.url.render_as_string(hide_password=False), engine)
