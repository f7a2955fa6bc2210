"""The yardstick for check-in throughput: a minimal Flask endpoint doing one committed UPDATE.

Served like EventOps by ``bench/checkin.py`` (``gunicorn -w 2 -b 127.0.0.1:PORT checkin_minimal:app``
from the ``bench`` directory, with EVENTOPS_DATABASE_URL set). It answers the same request the
scanners send (``POST /api/v1/events/<slug>/checkins``, JSON ``{"code", "gate", "nonce"}``, a bearer
token) by reading the JSON body and running, in one transaction,

    UPDATE bench_counter SET n = n + 1 WHERE id = :random_id

over a table of 30,000 rows, then answering a small JSON document. Same engine options as the
application (``pool_pre_ping``) and, on SQLite, the same connection pragmas (WAL,
synchronous=NORMAL, busy_timeout, foreign keys), so the ratio compares the application's work with
the bare cost of a Flask request plus one committed single-row write.
"""
import os
import random

from flask import Flask, jsonify, request
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, event, insert, text

ROWS = 30_000

metadata = MetaData()
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


def create_table(url, rows=ROWS):
    """(Re)create bench_counter with ``rows`` rows (ids 1..rows, n = 0)."""
    engine = make_engine(url)
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as connection:
            for start in range(1, rows + 1, 5000):
                connection.execute(insert(counter), [{"id": i, "n": 0} for i in range(start, min(rows, start + 4999) + 1)])
            if engine.dialect.name == "postgresql":
                connection.execute(text("ANALYZE bench_counter"))
    finally:
        engine.dispose()


def create_app(url, rows=ROWS) -> Flask:
    app = Flask(__name__)
    engine = make_engine(url)
    statement = text("UPDATE bench_counter SET n = n + 1 WHERE id = :id")

    @app.get("/")
    def ready():
        return "ok"

    @app.post("/api/v1/events/<slug>/checkins")
    def checkin(slug):
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not request.headers.get("Authorization", "").startswith("Bearer "):
            return jsonify(error="bad_request"), 400
        with engine.begin() as connection:
            updated = connection.execute(statement, {"id": random.randint(1, rows)}).rowcount
        return jsonify(status="ok", nonce=data.get("nonce"), updated=updated)

    return app


_URL = os.environ.get("EVENTOPS_DATABASE_URL")
app = create_app(_URL) if _URL else None
