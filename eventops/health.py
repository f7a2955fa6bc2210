"""``GET /healthz`` for load balancers and monitoring: is this instance able to serve?

Each dependency has a named check in a registry on the app. ``create_app`` registers the database
and Redis; another part registers its own with :func:`register_check` (job workers, say:
``register_check(app, "workers", ping_workers, critical=False)``), and /healthz reports it without
any change here.

The answer is JSON: ``{"status": "ok" | "degraded" | "fail", "checks": {name: {"ok": bool,
"critical": bool, "ms": float, "error": str?}}}``, with 200 unless a critical check fails (503:
take this instance out). A non-critical failure (Redis, whose loss every instance shares and which
the application survives) is "degraded" and stays 200, so that the load balancer does not take
every instance out at once. No secret or address is ever part of the answer: an error is named by
its exception class only.
"""
import time
from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db, limiter

_KEY = "eventops.health"

bp = Blueprint("health", __name__)


@dataclass(frozen=True)
class Check:
    run: Callable[[], None]  # raises when the dependency does not answer
    critical: bool


def register_check(app, name: str, run: Callable[[], None], *, critical: bool = True) -> None:
    """Add (or replace) the check ``name``: ``run()`` raises when the dependency fails; it runs in
    an app context. ``critical`` failures answer 503."""
    app.extensions.setdefault(_KEY, {})[name] = Check(run, critical)


def checks(app) -> dict[str, Check]:
    return dict(app.extensions.get(_KEY, {}))


def check_database() -> None:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _redis_client(app):
    client = app.extensions.get(_KEY + ".redis")
    if client is None:
        import redis
        client = redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=1)
        app.extensions[_KEY + ".redis"] = client
    return client


def check_redis() -> None:
    if not _redis_client(current_app).ping():
        raise ConnectionError("no PONG")


def init_app(app) -> None:
    app.register_blueprint(bp)
    register_check(app, "database", check_database, critical=True)
    if app.config.get("REDIS_URL"):
        register_check(app, "redis", check_redis, critical=False)


@bp.route("/healthz")
@limiter.exempt
def healthz():
    report, status = {}, "ok"
    for name, check in checks(current_app).items():
        started = time.perf_counter()
        entry = {"critical": check.critical}
        try:
            check.run()
            entry["ok"] = True
        except Exception as exc:  # a failing dependency is the answer, not an error
            entry.update(ok=False, error=type(exc).__name__)
            status = "fail" if check.critical else ("degraded" if status == "ok" else status)
        entry["ms"] = round((time.perf_counter() - started) * 1000, 1)
        report[name] = entry
    response = jsonify(status=status, checks=report)
    response.status_code = 503 if status == "fail" else 200
    response.headers["Cache-Control"] = "no-store"
    return response
