"""The yardstick for registration throughput: a minimal Flask endpoint that does one INSERT.

Served by the same gunicorn settings against the same database as EventOps
(``gunicorn -w 2 --chdir bench minimal_app:app``, with EVENTOPS_DATABASE_URL set). It reads the
same form fields the registration form posts and inserts one row into its own table, with the same
engine options and, on SQLite, the same connection pragmas as the application (WAL,
synchronous=NORMAL, busy_timeout), so that the ratio compares the application's work with the bare
cost of a Flask request plus one committed INSERT.
"""
import os
from datetime import datetime, timezone

from flask import Flask, redirect, request
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, event, insert

metadata = MetaData()
submissions = Table(
    "bench_minimal_submissions", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50)),
    Column("organisation", String(200)),
    Column("mobile", String(20)),
    Column("email", String(255)),
    Column("created_at", DateTime(timezone=True)),
)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url):
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def create_table(url):
    engine = make_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    engine.dispose()


def create_app(url) -> Flask:
    app = Flask(__name__)
    engine = make_engine(url)

    @app.get("/")
    def ready():
        return "ok"

    @app.post("/submit")
    def submit():
        form = request.form
        with engine.begin() as connection:
            connection.execute(insert(submissions).values(
                name=form.get("name", "")[:50], organisation=form.get("organisation", "")[:200],
                mobile=form.get("mobile", "")[:20], email=form.get("email", "")[:255],
                created_at=datetime.now(timezone.utc)))
        return redirect("/", 303)

    return app


_URL = os.environ.get("EVENTOPS_DATABASE_URL")
app = create_app(_URL) if _URL else None
