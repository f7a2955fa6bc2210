"""The migration creates the same triggers as create_all, and they keep the counts and the search
column of a migrated database exact."""
import subprocess
import sys

from sqlalchemy import create_engine, text

from eventops.registration.triggers import TRIGGER_NAMES

from ..test_migrations import ROOT, empty_database_url  # noqa: F401 (fixture)


def trigger_names(conn):
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'registrations'"))
    else:
        rows = conn.execute(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'registrations'::regclass "
                                 "AND NOT tgisinternal"))
    return {r[0] for r in rows}


def test_migrated_triggers_match_and_count(app, empty_database_url):  # noqa: F811
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
        env={"EVENTOPS_DATABASE_URL": empty_database_url, "EVENTOPS_SECRET_KEY": "x", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            dialect = conn.dialect.name
            assert trigger_names(conn) == set(TRIGGER_NAMES[dialect])
            conn.execute(text("INSERT INTO organisations (name, name_key, org_type, created_at) "
                              "VALUES ('广东省人民医院', '广东省人民医院', 'hospital', CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO events (slug, name_zh, name_en, description_zh, description_en, venue_zh, venue_en, "
                              "starts_at, ends_at, timezone, requires_approval, auto_promote, published, "
                              "signing_requires_confirmation, interest_tags, lock_version, created_at) VALUES "
                              "('m', '活动', '', '', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'Asia/Shanghai', "
                              ":f, :t, :t, :f, '[]', 0, CURRENT_TIMESTAMP)"), {"f": False, "t": True})
            for n, status in enumerate(["approved", "approved", "waitlisted"]):
                conn.execute(text(
                    "INSERT INTO registrations (event_id, organisation_id, name, position, mobile, email, email_key, category, "
                    "tags, answers, status, token_hash, source, locale, created_at, updated_at, status_changed_at) VALUES "
                    "(1, 1, :name, '', :mobile, :email, :email, 'attendee', '[]', '{}', :status, :hash, 'web', 'zh', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    {"name": f"Ouyang {n}", "mobile": f"1390000000{n}", "email": f"p{n}@example.cn", "status": status,
                     "hash": f"{n:064d}"})
            conn.execute(text("UPDATE registrations SET status = 'cancelled' WHERE mobile = '13900000000'"))
            assert conn.execute(text("SELECT places_held FROM events")).scalar() == 1
            counts = dict(conn.execute(text("SELECT status, n FROM registration_counts")).all())
            assert {k: v for k, v in counts.items() if v} == {"approved": 1, "waitlisted": 1, "cancelled": 1}
            assert conn.execute(text("SELECT search_text FROM registrations WHERE mobile = '13900000001'")).scalar() \
                == "ouyang 1\x1f广东省人民医院\x1fp1@example.cn\x1f13900000001"
    finally:
        engine.dispose()
