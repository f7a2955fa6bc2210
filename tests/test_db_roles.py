"""The database roles of the README's production setup (deploy/postgresql/roles.sql): the owner
migrates; the application's role reads and writes rows and cannot change the schema, so it cannot
undo the ledger's append-only guarantee (ALTER TABLE ledger_entries DISABLE TRIGGER USER)."""
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from eventops import create_app
from eventops.accounts.models import User
from eventops.extensions import db

from .conftest import PG_URL, config_for
from eventops.ledger import services as ledger

from .factories import make_user
from .ledger.conftest import contract, make_signing_event

ROOT = Path(__file__).resolve().parent.parent
ROLES_SQL = ROOT / "deploy" / "postgresql" / "roles.sql"


def _drop(admin, database, roles):
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        for role in roles:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


@pytest.fixture
def by_the_book():
    """On PostgreSQL: a new database and its two roles made by deploy/postgresql/roles.sql run with
    psql, as the README says; {"owner_url", "app_url"}. None on SQLite."""
    if not PG_URL:
        yield None
        return
    url = make_url(PG_URL)
    database, owner, app = f"{url.database}_book", f"{url.database}_owner", f"{url.database}_app"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    _drop(admin, database, [app, owner])
    result = subprocess.run(
        ["psql", "-X", "-q", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
         "-d", url.database, "-v", "ON_ERROR_STOP=1", "-v", f"db={database}", "-v", f"owner={owner}",
         "-v", f"app={app}", "-v", f"owner_password={secrets.token_hex(12)}",
         "-v", f"app_password={secrets.token_hex(12)}", "-f", str(ROLES_SQL)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    base = url.set(database=database, password=None)
    yield {"owner_url": base.set(username=owner).render_as_string(hide_password=False),
           "app_url": base.set(username=app).render_as_string(hide_password=False)}
    _drop(admin, database, [app, owner])
    admin.dispose()


def migrate(url):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                            env={"EVENTOPS_DATABASE_URL": url, "EVENTOPS_SECRET_KEY": "x", "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def refused(conn, sql) -> str:
    """The SQLSTATE with which PostgreSQL refuses ``sql`` (the statement must fail)."""
    try:
        with conn.begin_nested():
            conn.execute(text(sql))
    except DBAPIError as exc:
        return exc.orig.sqlstate
    raise AssertionError(f"the application role was allowed: {sql}")


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL")
def test_the_application_role_has_data_rights_only(by_the_book):
    migrate(by_the_book["owner_url"])
    app = create_app(config_for(by_the_book["app_url"]))
    with app.app_context(), app.test_request_context():
        # the application works as this role: accounts, an event, a signing in the ledger
        organizer = make_user("owner-of-event@example.cn")
        signing = make_signing_event(app, organizer, make_user("clerk-of-event@example.cn"))
        entry, _created = ledger.record(signing["event"], contract(signing["sessions"][0]),
                                        key="roles-test-0001", actor=organizer)
        db.session.commit()
        assert db.session.scalar(select(User.email).where(User.id == organizer.id)) == organizer.email
        with db.engine.connect() as conn:
            insufficient = "42501"
            must_be_owner = {"42501"}
            assert refused(conn, "ALTER TABLE ledger_entries DISABLE TRIGGER USER") in must_be_owner
            assert refused(conn, "ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only") in must_be_owner
            assert refused(conn, "DROP TRIGGER ledger_entries_append_only ON ledger_entries") in must_be_owner
            assert refused(conn, "ALTER TABLE ledger_entries ADD COLUMN note text") in must_be_owner
            assert refused(conn, "DROP TABLE ledger_entries") in must_be_owner
            assert refused(conn, "TRUNCATE ledger_entries") == insufficient
            assert refused(conn, "ALTER TABLE scans DISABLE TRIGGER ALL") in must_be_owner
            assert refused(conn, "CREATE TABLE planted (id int)") == insufficient
            assert refused(conn, "CREATE OR REPLACE FUNCTION ledger_entries_append_only() RETURNS trigger "
                                 "AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql") in must_be_owner
            # and the triggers still refuse the rows' change
            assert refused(conn, f"UPDATE ledger_entries SET amount_fen = 1 WHERE id = {entry.id}") == "P0001"
            assert refused(conn, f"DELETE FROM ledger_entries WHERE id = {entry.id}") == "P0001"
        db.session.remove()
        db.engine.dispose()
