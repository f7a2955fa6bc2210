"""Column types and helpers shared by every domain's models."""
from datetime import timezone

from sqlalchemy import DDL, DateTime, ForeignKey, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from ..extensions import db


class OfEvent:
    """The first two columns of a row that belongs to one event and goes with it: ``id`` and
    ``event_id`` (ON DELETE CASCADE). A mixin for the models (``class Gate(OfEvent, db.Model)``)."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), sort_order=-1)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as UTC; naive values are refused, results come back aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def init_app(app) -> None:
    """Register the connection settings (create_app calls this; a listener is added once)."""
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    with app.app_context():
        # an INSERT of many rows without RETURNING goes as multi-row statements of up to 1,000
        # rows (psycopg 3 would send one statement per row): the statement triggers on
        # registrations then run once per 1,000 rows, not once per row (registration.triggers)
        db.engine.dialect.use_insertmanyvalues_wo_returning = True


def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, write-ahead log, wait for the write lock instead of failing."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except Exception:  # pragma: no cover - in-memory databases answer "memory"
        pass
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def contains(column, term: str):
    """``column LIKE %term%`` with the term's own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def lock_row(table: str, row_id: int, column: str = "id") -> int:
    """Serialise writers on one row, on PostgreSQL and on SQLite alike.

    An UPDATE takes PostgreSQL's row lock, and on SQLite it is the statement that opens the write
    transaction (the driver starts transactions lazily at the first write), so the reads that follow
    see every earlier committed change and no other writer runs until commit. Call it before
    reading what the decision depends on. Returns how many rows it locked (0 or 1).
    """
    result = db.session.execute(
        text(f"UPDATE {table} SET lock_version = lock_version + 1 WHERE {column} = :id"), {"id": row_id}
    )
    return result.rowcount


def begin_write() -> None:
    """Open the transaction as a writer now (SQLite), so that savepoints that follow stay inside
    it. The SQLite driver starts a transaction only at the first INSERT/UPDATE/DELETE, and a
    SAVEPOINT outside a transaction would commit on release. PostgreSQL needs nothing."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE events SET lock_version = lock_version WHERE 1 = 0"))


def append_only(table, name: str) -> None:
    """Make the database refuse UPDATE and DELETE on ``table`` (triggers on PostgreSQL and SQLite),
    where the schema comes from create_all. Migrations write the same triggers out in full."""
    statements = {
        "postgresql": [
            f"""CREATE OR REPLACE FUNCTION {name}_append_only() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION '{name} are append-only'; END $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {table.name}
               FOR EACH ROW EXECUTE FUNCTION {name}_append_only()""",
        ],
        "sqlite": [
            f"""CREATE TRIGGER {name}_no_update BEFORE UPDATE ON {table.name}
               BEGIN SELECT RAISE(ABORT, '{name} are append-only'); END""",
            f"""CREATE TRIGGER {name}_no_delete BEFORE DELETE ON {table.name}
               BEGIN SELECT RAISE(ABORT, '{name} are append-only'); END""",
        ],
    }
    for dialect, ddl in statements.items():
        for statement in ddl:
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
