"""The yardstick of both throughput comparisons: a minimal Flask app doing one committed statement
per request, against the same database, served by the same ``gunicorn -w 2`` as EventOps
(``cd bench && gunicorn -w 2 minimal:app``, with EVENTOPS_DATABASE_URL set).

- ``POST /submit`` (``run.py``, registration throughput): reads the fields the registration form
  posts and does one ``INSERT`` into its own table ``bench_minimal_submissions``.
- ``POST /api/v1/events/<slug>/checkins`` (``checkin.py``, check-in throughput): answers the request
  the scanners send (JSON ``{"code", "gate", "nonce"}``, a bearer token) with the least a check-in
  must do, in one transaction: look the code up (``SELECT`` by a unique code among
  ``BENCH_COUNTER_ROWS`` badges, codes ``M1`` … ``M<n>``), one conditional ``UPDATE`` of its
  check-in (``WHERE checked_in_at IS NULL``), one ``INSERT`` of the scan row; then the same answers
  as EventOps (200 ok, 409 already_checked_in, 404 invalid) in a small JSON document.

Same engine options as the application (``pool_pre_ping``) and, on SQLite, the same connection
pragmas (WAL, synchronous=NORMAL, busy_timeout, foreign keys), so that a ratio compares the
application's work with the bare cost of a Flask request plus one committed single-row write.
Deliberately independent of eventops and of the harness.
"""
import os
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
                Column("n", Integer, nullable=False, default=0), Column("code", String(40), unique=True),
                Column("checked_in_at", DateTime(timezone=True)))
scans = Table("bench_scans", metadata, Column("id", Integer, primary_key=True),
              Column("counter_id", Integer), Column("gate", Integer), Column("nonce", String(64)),
              Column("verdict", String(24), nullable=False), Column("at", DateTime(timezone=True), nullable=False))


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
                connection.execute(insert(counter), [{"id": i, "n": 0, "code": f"M{i}"}
                                                     for i in range(start, min(counter_rows, start + 4999) + 1)])
            if counter_rows and engine.dialect.name == "postgresql":
                connection.execute(text("ANALYZE bench_counter"))
    finally:
        engine.dispose()


def create_app(url, rows=COUNTER_ROWS) -> Flask:
    app = Flask(__name__)
    engine = make_engine(url)
    lookup = text("SELECT id FROM bench_counter WHERE code = :code")
    check_in = text("UPDATE bench_counter SET checked_in_at = :at, n = n + 1 WHERE id = :id AND checked_in_at IS NULL")
    record = insert(scans)

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
        code = str(data.get("code", ""))
        code = code[4:] if code.startswith("EO1:") else code
        now = datetime.now(timezone.utc)
        with engine.begin() as connection:
            found = connection.execute(lookup, {"code": code}).scalar()
            if found is None:
                verdict = "invalid"
            else:
                verdict = "ok" if connection.execute(check_in, {"at": now, "id": found}).rowcount else "already_checked_in"
            connection.execute(record, {"counter_id": found, "gate": data.get("gate"), "nonce": data.get("nonce"),
                                        "verdict": verdict, "at": now})
        return jsonify(status=verdict, nonce=data.get("nonce")), {"ok": 200, "already_checked_in": 409}.get(verdict, 404)

    return app


_URL = os.environ.get("EVENTOPS_DATABASE_URL")
app = create_app(_URL) if _URL else None
