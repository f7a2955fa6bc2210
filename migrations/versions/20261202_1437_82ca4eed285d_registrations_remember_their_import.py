"""registrations remember their import

``registrations.import_batch_id``: the upload that brought an imported person in (so that their
personal links can be mailed after the import). A plain nullable column, added in place on
SQLite too (no table rebuild: the registrations' triggers stay).

Revision ID: 82ca4eed285d
Revises: 1d7ac09d417b
Create Date: 2026-12-02 14:37:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '82ca4eed285d'
down_revision = '1d7ac09d417b'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('registrations', sa.Column('import_batch_id', sa.Integer(), nullable=True))


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a rebuild that would lose the triggers
    op.drop_column('registrations', 'import_batch_id')
