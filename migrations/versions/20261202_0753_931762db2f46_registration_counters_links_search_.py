"""registration: place counters and their triggers, personal links, search column and index,
rules version, English labels of tags and options

- registration_counts (event, category, status) and events.places_held, kept by triggers on
  registrations (row triggers on SQLite, statement triggers over transition tables on
  PostgreSQL), filled here from the rows that exist;
- registration_links: personal links after the first one;
- registrations.search_text, kept by triggers, filled here; on PostgreSQL a GIN index of its
  trigrams (extensions pg_trgm and btree_gin, both trusted: the schema's owner creates them);
- events.rules_version (caches key on it), events.interest_tags_en, questions.options_en;
- the back office's sort indexes end in the id (keyset pages).

The triggers are written out in full (as eventops/registration/triggers.py has them today), so
that this migration does not change when that file does.

Revision ID: 931762db2f46
Revises: 70092e8034b5
Create Date: 2026-12-02 07:53:53.473190

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '931762db2f46'
down_revision = '70092e8034b5'
branch_labels = None
depends_on = None

TRIGGERS = {
    "sqlite": [
        """CREATE TRIGGER registrations_count_insert AFTER INSERT ON registrations
    BEGIN
      INSERT INTO registration_counts (event_id, category, status, n)
        VALUES (NEW.event_id, NEW.category, NEW.status, 1)
        ON CONFLICT (event_id, category, status) DO UPDATE SET n = n + 1;
      UPDATE events SET places_held = places_held + 1
        WHERE id = NEW.event_id AND NEW.status IN ('pending', 'approved');
    END""",
        """CREATE TRIGGER registrations_count_update AFTER UPDATE OF event_id, category, status ON registrations
    WHEN OLD.event_id IS NOT NEW.event_id OR OLD.category IS NOT NEW.category OR OLD.status IS NOT NEW.status
    BEGIN
      UPDATE registration_counts SET n = n - 1
        WHERE event_id = OLD.event_id AND category = OLD.category AND status = OLD.status;
      INSERT INTO registration_counts (event_id, category, status, n)
        VALUES (NEW.event_id, NEW.category, NEW.status, 1)
        ON CONFLICT (event_id, category, status) DO UPDATE SET n = n + 1;
      UPDATE events SET places_held = places_held - 1
        WHERE id = OLD.event_id AND OLD.status IN ('pending', 'approved');
      UPDATE events SET places_held = places_held + 1
        WHERE id = NEW.event_id AND NEW.status IN ('pending', 'approved');
    END""",
        """CREATE TRIGGER registrations_count_delete AFTER DELETE ON registrations
    BEGIN
      UPDATE registration_counts SET n = n - 1
        WHERE event_id = OLD.event_id AND category = OLD.category AND status = OLD.status;
      UPDATE events SET places_held = places_held - 1
        WHERE id = OLD.event_id AND OLD.status IN ('pending', 'approved');
    END""",
        """CREATE TRIGGER registrations_search_insert AFTER INSERT ON registrations
    BEGIN
      UPDATE registrations SET search_text = lower(NEW.name) || char(31) || coalesce((SELECT name_key FROM organisations WHERE id = NEW.organisation_id), '') || char(31) || NEW.email_key || char(31) || NEW.mobile WHERE id = NEW.id;
    END""",
        """CREATE TRIGGER registrations_search_update AFTER UPDATE OF name, organisation_id, email_key, mobile
    ON registrations
    BEGIN
      UPDATE registrations SET search_text = lower(NEW.name) || char(31) || coalesce((SELECT name_key FROM organisations WHERE id = NEW.organisation_id), '') || char(31) || NEW.email_key || char(31) || NEW.mobile WHERE id = NEW.id;
    END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION registrations_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO registration_counts AS c (event_id, category, status, n)
            SELECT event_id, category, status, sum(d) FROM (SELECT event_id, category, status, 1 AS d FROM new_rows) AS changes
            GROUP BY event_id, category, status HAVING sum(d) <> 0
            ON CONFLICT (event_id, category, status) DO UPDATE SET n = c.n + EXCLUDED.n;
          UPDATE events AS e SET places_held = e.places_held + held.n
            FROM (SELECT event_id, sum(d) AS n FROM (SELECT event_id, category, status, 1 AS d FROM new_rows) AS changes
                  WHERE status IN ('pending', 'approved') GROUP BY event_id HAVING sum(d) <> 0) AS held
            WHERE e.id = held.event_id;
          RETURN NULL;
        END $$""",
        """CREATE TRIGGER registrations_count_insert AFTER INSERT ON registrations
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registrations_count_insert()""",
        """CREATE OR REPLACE FUNCTION registrations_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO registration_counts AS c (event_id, category, status, n)
            SELECT event_id, category, status, sum(d) FROM (SELECT event_id, category, status, 1 AS d FROM new_rows UNION ALL SELECT event_id, category, status, -1 FROM old_rows) AS changes
            GROUP BY event_id, category, status HAVING sum(d) <> 0
            ON CONFLICT (event_id, category, status) DO UPDATE SET n = c.n + EXCLUDED.n;
          UPDATE events AS e SET places_held = e.places_held + held.n
            FROM (SELECT event_id, sum(d) AS n FROM (SELECT event_id, category, status, 1 AS d FROM new_rows UNION ALL SELECT event_id, category, status, -1 FROM old_rows) AS changes
                  WHERE status IN ('pending', 'approved') GROUP BY event_id HAVING sum(d) <> 0) AS held
            WHERE e.id = held.event_id;
          RETURN NULL;
        END $$""",
        """CREATE TRIGGER registrations_count_update AFTER UPDATE ON registrations
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registrations_count_update()""",
        """CREATE OR REPLACE FUNCTION registrations_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO registration_counts AS c (event_id, category, status, n)
            SELECT event_id, category, status, sum(d) FROM (SELECT event_id, category, status, -1 AS d FROM old_rows) AS changes
            GROUP BY event_id, category, status HAVING sum(d) <> 0
            ON CONFLICT (event_id, category, status) DO UPDATE SET n = c.n + EXCLUDED.n;
          UPDATE events AS e SET places_held = e.places_held + held.n
            FROM (SELECT event_id, sum(d) AS n FROM (SELECT event_id, category, status, -1 AS d FROM old_rows) AS changes
                  WHERE status IN ('pending', 'approved') GROUP BY event_id HAVING sum(d) <> 0) AS held
            WHERE e.id = held.event_id;
          RETURN NULL;
        END $$""",
        """CREATE TRIGGER registrations_count_delete AFTER DELETE ON registrations
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION registrations_count_delete()""",
        """CREATE OR REPLACE FUNCTION registrations_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.search_text := lower(NEW.name) || chr(31) || coalesce((SELECT name_key FROM organisations WHERE id = NEW.organisation_id), '') || chr(31) || NEW.email_key || chr(31) || NEW.mobile;
      RETURN NEW;
    END $$""",
        """CREATE TRIGGER registrations_search_text BEFORE INSERT OR UPDATE OF name, organisation_id, email_key, mobile
    ON registrations FOR EACH ROW EXECUTE FUNCTION registrations_search_text()""",
    ],
}

DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER IF EXISTS registrations_count_insert", "DROP TRIGGER IF EXISTS registrations_count_update",
               "DROP TRIGGER IF EXISTS registrations_count_delete", "DROP TRIGGER IF EXISTS registrations_search_insert",
               "DROP TRIGGER IF EXISTS registrations_search_update"],
    "postgresql": ["DROP TRIGGER IF EXISTS registrations_count_insert ON registrations",
                   "DROP TRIGGER IF EXISTS registrations_count_update ON registrations",
                   "DROP TRIGGER IF EXISTS registrations_count_delete ON registrations",
                   "DROP TRIGGER IF EXISTS registrations_search_text ON registrations",
                   "DROP FUNCTION IF EXISTS registrations_count_insert()",
                   "DROP FUNCTION IF EXISTS registrations_count_update()",
                   "DROP FUNCTION IF EXISTS registrations_count_delete()",
                   "DROP FUNCTION IF EXISTS registrations_search_text()"],
}

SEARCH_TEXT = {
    "sqlite": "lower(name) || char(31) || coalesce((SELECT name_key FROM organisations "
              "WHERE organisations.id = registrations.organisation_id), '') || char(31) || email_key || char(31) || mobile",
    "postgresql": "lower(name) || chr(31) || coalesce((SELECT name_key FROM organisations "
                  "WHERE organisations.id = registrations.organisation_id), '') || chr(31) || email_key || chr(31) || mobile",
}


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.create_table('registration_counts',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_registration_counts_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'category', 'status', name=op.f('pk_registration_counts'))
    )
    op.create_table('registration_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_links_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_registration_links_token_hash'))
    )
    with op.batch_alter_table('registration_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_links_registration_id'), ['registration_id'], unique=False)

    # existing rows: no English labels yet, version 0 (the first change gives a random one)
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interest_tags_en', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('places_held', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rules_version', sa.BigInteger(), server_default='0', nullable=False))

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('options_en', sa.JSON(), server_default='[]', nullable=False))

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_registrations_event_category'))
        batch_op.create_index('ix_registrations_event_category', ['event_id', 'category', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_registrations_event_created'))
        batch_op.create_index('ix_registrations_event_created', ['event_id', 'created_at', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_registrations_event_name'))
        batch_op.create_index('ix_registrations_event_name', ['event_id', 'name', 'id'], unique=False)

    # what the triggers keep from now on, filled from the rows there are
    op.execute(f"UPDATE registrations SET search_text = {SEARCH_TEXT[dialect]}")
    op.execute("INSERT INTO registration_counts (event_id, category, status, n) "
               "SELECT event_id, category, status, count(*) FROM registrations GROUP BY event_id, category, status")
    op.execute("UPDATE events SET places_held = (SELECT count(*) FROM registrations WHERE registrations.event_id = events.id "
               "AND registrations.status IN ('pending', 'approved'))")
    op.create_index('ix_registrations_event_search', 'registrations', ['event_id', 'search_text'], unique=False,
                    postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    for statement in TRIGGERS[dialect]:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in DROP_TRIGGERS[dialect]:
        op.execute(statement)
    op.drop_index('ix_registrations_event_search', table_name='registrations')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_event_name')
        batch_op.create_index(batch_op.f('ix_registrations_event_name'), ['event_id', 'name'], unique=False)
        batch_op.drop_index('ix_registrations_event_created')
        batch_op.create_index(batch_op.f('ix_registrations_event_created'), ['event_id', 'created_at'], unique=False)
        batch_op.drop_index('ix_registrations_event_category')
        batch_op.create_index(batch_op.f('ix_registrations_event_category'), ['event_id', 'category'], unique=False)
        batch_op.drop_column('search_text')

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('options_en')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('rules_version')
        batch_op.drop_column('places_held')
        batch_op.drop_column('interest_tags_en')

    with op.batch_alter_table('registration_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_links_registration_id'))

    op.drop_table('registration_links')
    op.drop_table('registration_counts')
