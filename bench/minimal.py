"""The yardstick of both throughput comparisons: a minimal Flask app doing one committed statement
per request, against the same database, served by the same ``gunicorn -w 2`` as EventOps
(``cd bench && gunicorn -w 2 minimal:app``, with EVENTOPS_DATABASE_URL set).

- ``POST /submit`` (``run.py``, registration throughput): reads the fields the registration form
  posts and does one ``INSERT`` into its own table ``bench_minimal_submissions``.
- ``POST /api/v1/events/<slug>/checkins`` (``checkin.py``, check-in throughput): answers the request
  the scanners send (JSON ``{"code", "gate", "nonce"}``, a bearer token) with one
  ``UPDATE bench_counter SET n = n + 1 WHERE id = :random_id`` over ``BENCH_COUNTER_ROWS`` rows
  (30,000) and a small JSON document.

Same engine options as the application (``pool_pre_ping``) and, on SQLite, the same connection
pragmas (WAL, synchronous=NORMAL, busy_timeout, foreign keys), so that a ratio compares the
application's work with the bare cost of a Flask request plus one committed single-row write.
Deliberately independent of eventops and of the harness.
"""
import os
import random
from datetime import datetime, timezone

from flask import Flask, jsonify, redirect, request
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, event, insert, text

COUNTER_ROWS = int(os.environ.get("BENCH_COUNTER_ROWS", "30000"))

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
counter = Table("bench_counter", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                Column("n", Integer, nullable=False, default=0))


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


def create_tables(url, counter_rows=0):
    """(Re)create both tables; bench_counter with ``counter_rows`` rows (ids 1..n, n = 0)."""
    engine = make_engine(url)
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as connection:
            for start in range(1, counter_rows + 1, 5000):
                connection.execute(insert(counter), [{"id": i, "n": 0}
                                                     for i in range(start, min(counter_rows, start + 4999) + 1)])
            if counter_rows and engine.dialect.name == "postgresql":
                connection.execute(text("ANALYZE bench_counter"))
    finally:
        engine.dispose()


def create_app(url, rows=COUNTER_ROWS) -> Flask:
    app = Flask(__name__)
    engine = make_engine(url)
    update = text("UPDATE bench_counter SET n = n + 1 WHERE id = :id")

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

    @app.post("/api/v1/events/<slug>/checkins")
    def checkin(slug):
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not request.headers.get("Authorization", "").startswith("Bearer "):
            return jsonify(error="bad_request"), 400
        with engine.begin() as connection:
            updated = connection.execute(update, {"id": random.randint(1, rows)}).rowcount
        return jsonify(status="ok", nonce=data.get("nonce"), updated=updated)

    return app


_URL = os.environ.get("EVENTOPS_DATABASE_URL")
app = create_app(_URL) if _URL else None
