"""Fixtures: an app from create_app(TestConfig) on SQLite (default) or on PostgreSQL when
EVENTOPS_TEST_DATABASE_URL is set, with an empty database for every test."""
import os
import shutil
from pathlib import Path
from datetime import datetime, timedelta, timezone

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from eventops import create_app
from eventops.config import TestConfig
from eventops.extensions import db, limiter

from .factories import make_event, make_user

PG_URL = os.environ.get("EVENTOPS_TEST_DATABASE_URL")


def config_for(url, **overrides):
    return type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **overrides})


@pytest.fixture(scope="session")
def _template(tmp_path_factory):
    """The schema, made once: on PostgreSQL in the test database, on SQLite in a template file
    that each test copies (a fresh file per test; the ledger's triggers refuse DELETE)."""
    url = PG_URL or "sqlite:///" + str(tmp_path_factory.mktemp("db") / "template.sqlite3")
    app = create_app(config_for(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return None if PG_URL else Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def database_url(_template, tmp_path):
    if PG_URL:
        return PG_URL
    target = tmp_path / "eventops.sqlite3"
    shutil.copyfile(_template, target)
    return f"sqlite:///{target}"


def _empty_tables():
    if db.engine.dialect.name != "postgresql":
        return  # the SQLite file is thrown away with the test's tmp_path
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app_config():
    """Override in a test module to change settings."""
    return {}


class IsolatedClient(FlaskClient):
    """Each request in an app context of its own, as in production (its own g and db session),
    while the test keeps the app context the fixture pushed."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url, app_config):
    app = create_app(config_for(database_url, **app_config))
    app.test_client_class = IsolatedClient
    with app.app_context():
        try:
            limiter.reset()
        except Exception:  # storage without reset support
            pass
        yield app
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def organizer(app):
    return make_user("organizer@example.cn", name="主办方")


@pytest.fixture
def event(app, organizer):
    return make_event(organizer)


@pytest.fixture
def is_postgres(app):
    return db.engine.dialect.name == "postgresql"


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def soon():
    return datetime.now(timezone.utc) + timedelta(days=30)


REDIS_URL = os.environ.get("EVENTOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers(url) -> bool:
    import redis
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_url():
    """A Redis database for tests that need one (EVENTOPS_TEST_REDIS_URL, by default database 15
    on 127.0.0.1:6379). Started the way this machine kind starts it when it does not answer."""
    if not _redis_answers(REDIS_URL):
        import subprocess
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
                        "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
                        "--logfile", "/var/log/redis/ci.log"], check=False, capture_output=True)
        import time
        for _ in range(50):
            if _redis_answers(REDIS_URL):
                break
            time.sleep(0.1)
    if not _redis_answers(REDIS_URL):
        pytest.fail(f"Redis does not answer at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def clean_redis(redis_url):
    """The test's Redis database, emptied before and after the test (FLUSHDB of that database only)."""
    import redis
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield redis_url
    client.flushdb()
