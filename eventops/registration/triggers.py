"""The triggers that keep an event's counts and its search column in step with its
registrations, in the transaction that changes them, whoever writes (the sign-up service, the
CSV import's bulk INSERT, an organizer's action, a script):

- ``registration_counts``: registrations per (event, category, status), for the back office's
  totals and the places held per category;
- ``events.places_held``: pending and approved registrations of the event, read by a sign-up in
  the same statement that takes the event's lock;
- ``registrations.search_text``: what the back office searches (an organisation's name is never
  changed after it is created, so its key is copied once).

SQLite gets row triggers; PostgreSQL statement triggers over transition tables, so that a bulk
INSERT of 30,000 imported rows updates each counter once per statement, not once per row.

The migration that adds them writes the same statements out in full (a migration must not change
when this file does); ``tests/registration/test_counters.py`` checks that both give the same
triggers and that the counts stay exact.
"""
from sqlalchemy import DDL, event

HOLDING = "('pending', 'approved')"  # models.PLACE_HOLDING, as SQL

# registrations.search_text: lower-case name, organisation key, e-mail key, mobile (queries.py)
_SEARCH = ("lower({row}.name) || char(31) || coalesce((SELECT name_key FROM organisations "
           "WHERE id = {row}.organisation_id), '') || char(31) || {row}.email_key || char(31) || {row}.mobile")

SQLITE = [
    f"""CREATE TRIGGER registrations_count_insert AFTER INSERT ON registrations
    BEGIN
      INSERT INTO registration_counts (event_id, category, status, n)
        VALUES (NEW.event_id, NEW.category, NEW.status, 1)
        ON CONFLICT (event_id, category, status) DO UPDATE SET n = n + 1;
      UPDATE events SET places_held = places_held + 1
        WHERE id = NEW.event_id AND NEW.status IN {HOLDING};
    END""",
    f"""CREATE TRIGGER registrations_count_update AFTER UPDATE OF event_id, category, status ON registrations
    WHEN OLD.event_id IS NOT NEW.event_id OR OLD.category IS NOT NEW.category OR OLD.status IS NOT NEW.status
    BEGIN
      UPDATE registration_counts SET n = n - 1
        WHERE event_id = OLD.event_id AND category = OLD.category AND status = OLD.status;
      INSERT INTO registration_counts (event_id, category, status, n)
        VALUES (NEW.event_id, NEW.category, NEW.status, 1)
        ON CONFLICT (event_id, category, status) DO UPDATE SET n = n + 1;
      UPDATE events SET places_held = places_held - 1
        WHERE id = OLD.event_id AND OLD.status IN {HOLDING};
      UPDATE events SET places_held = places_held + 1
        WHERE id = NEW.event_id AND NEW.status IN {HOLDING};
    END""",
    f"""CREATE TRIGGER registrations_count_delete AFTER DELETE ON registrations
    BEGIN
      UPDATE registration_counts SET n = n - 1
        WHERE event_id = OLD.event_id AND category = OLD.category AND status = OLD.status;
      UPDATE events SET places_held = places_held - 1
        WHERE id = OLD.event_id AND OLD.status IN {HOLDING};
    END""",
    f"""CREATE TRIGGER registrations_search_insert AFTER INSERT ON registrations
    BEGIN
      UPDATE registrations SET search_text = {_SEARCH.format(row="NEW")} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER registrations_search_update AFTER UPDATE OF name, organisation_id, email_key, mobile
    ON registrations
    BEGIN
      UPDATE registrations SET search_text = {_SEARCH.format(row="NEW")} WHERE id = NEW.id;
    END""",
]

# the changes of one statement, as (event_id, category, status, +1/-1) rows
_PG_CHANGES = {
    "insert": "SELECT event_id, category, status, 1 AS d FROM new_rows",
    "update": "SELECT event_id, category, status, 1 AS d FROM new_rows "
              "UNION ALL SELECT event_id, category, status, -1 FROM old_rows",
    "delete": "SELECT event_id, category, status, -1 AS d FROM old_rows",
}
_PG_REFERENCING = {"insert": "NEW TABLE AS new_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                   "delete": "OLD TABLE AS old_rows"}

POSTGRESQL = []
for _op, _changes in _PG_CHANGES.items():
    POSTGRESQL += [
        f"""CREATE OR REPLACE FUNCTION registrations_count_{_op}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO registration_counts AS c (event_id, category, status, n)
            SELECT event_id, category, status, sum(d) FROM ({_changes}) AS changes
            GROUP BY event_id, category, status HAVING sum(d) <> 0
            ON CONFLICT (event_id, category, status) DO UPDATE SET n = c.n + EXCLUDED.n;
          UPDATE events AS e SET places_held = e.places_held + held.n
            FROM (SELECT event_id, sum(d) AS n FROM ({_changes}) AS changes
                  WHERE status IN {HOLDING} GROUP BY event_id HAVING sum(d) <> 0) AS held
            WHERE e.id = held.event_id;
          RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER registrations_count_{_op} AFTER {_op.upper()} ON registrations
        REFERENCING {_PG_REFERENCING[_op]} FOR EACH STATEMENT EXECUTE FUNCTION registrations_count_{_op}()""",
    ]

POSTGRESQL += [
    f"""CREATE OR REPLACE FUNCTION registrations_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.search_text := {_SEARCH.format(row="NEW").replace("char(31)", "chr(31)")};
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER registrations_search_text BEFORE INSERT OR UPDATE OF name, organisation_id, email_key, mobile
    ON registrations FOR EACH ROW EXECUTE FUNCTION registrations_search_text()""",
]

TRIGGER_NAMES = {
    "sqlite": ("registrations_count_insert", "registrations_count_update", "registrations_count_delete",
               "registrations_search_insert", "registrations_search_update"),
    "postgresql": ("registrations_count_insert", "registrations_count_update", "registrations_count_delete",
                   "registrations_search_text"),
}


def install(table) -> None:
    """Create the triggers with ``table`` where the schema comes from ``create_all`` (tests, the
    benchmarks). Both databases resolve the tables a trigger writes when it runs, not when it is
    created, so the order in which ``create_all`` makes the tables does not matter."""
    for extension in ("pg_trgm", "btree_gin"):  # both trusted: the schema's owner may create them
        event.listen(table, "before_create",
                     DDL(f"CREATE EXTENSION IF NOT EXISTS {extension}").execute_if(dialect="postgresql"))
    for dialect, statements in (("sqlite", SQLITE), ("postgresql", POSTGRESQL)):
        for statement in statements:
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
