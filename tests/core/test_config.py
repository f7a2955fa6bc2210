"""Settings a deployment changes: the database pool, and where the instance folder is."""
from pathlib import Path

from eventops import config


def test_pool_settings_come_from_the_environment(monkeypatch):
    url = "postgresql://eventops_app@db.internal/eventops"
    defaults = config._engine_options(url)
    assert (defaults["pool_size"], defaults["max_overflow"]) == (2, 3)  # 5 per worker: see the README's arithmetic
    assert defaults["pool_pre_ping"] and "prepare_threshold" not in defaults["connect_args"]
    monkeypatch.setenv("EVENTOPS_DB_POOL_SIZE", "4")
    monkeypatch.setenv("EVENTOPS_DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("EVENTOPS_DB_PGBOUNCER", "1")
    options = config._engine_options(url)
    assert (options["pool_size"], options["max_overflow"]) == (4, 0)
    assert options["connect_args"]["prepare_threshold"] is None  # PgBouncer in transaction mode
    assert config._engine_options("sqlite:///x.sqlite3") == {"pool_pre_ping": True}


def test_the_pool_settings_reach_the_engine(monkeypatch):
    from sqlalchemy import create_engine
    monkeypatch.setenv("EVENTOPS_DB_POOL_SIZE", "3")
    monkeypatch.setenv("EVENTOPS_DB_MAX_OVERFLOW", "1")
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                           **config._engine_options("postgresql://nobody@127.0.0.1:1/none"))
    assert engine.pool.size() == 3 and engine.pool._max_overflow == 1
    engine.dispose()


def test_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTOPS_INSTANCE_PATH", str(tmp_path / "state"))
    assert config._instance_path() == tmp_path / "state"
    monkeypatch.delenv("EVENTOPS_INSTANCE_PATH")
    # a checkout keeps it beside the package; an installed package would use ./instance
    assert not config.INSTALLED and config._instance_path() == Path(config.PACKAGE).parent / "instance"
    monkeypatch.setattr(config, "INSTALLED", True)
    monkeypatch.chdir(tmp_path)
    assert config._instance_path() == tmp_path / "instance"
