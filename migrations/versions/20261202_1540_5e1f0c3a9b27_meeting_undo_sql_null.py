"""a meeting with nothing to undo has undo NULL

``meetings.undo`` was written as the JSON value ``null`` when a meeting had nothing to undo, so
that ``undo IS NOT NULL`` held for every meeting and the zone listed all of them as changed. The
model now writes SQL NULL (``JSON(none_as_null=True)``); this turns the stored ``null`` values
into SQL NULL.

Revision ID: 5e1f0c3a9b27
Revises: 82ca4eed285d
Create Date: 2026-12-02 15:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e1f0c3a9b27'
down_revision = '82ca4eed285d'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE meetings SET undo = NULL WHERE undo IS NOT NULL AND undo::text = 'null'")
    else:
        op.execute("UPDATE meetings SET undo = NULL WHERE undo = 'null'")


def downgrade():
    pass  # SQL NULL reads back as None, as the JSON null did
