"""check-in: the event's check-in window, devices in test mode and their test scans, the moment a
scan was received, scans by person

Revision ID: 5d73b344fcf5
Revises: de7459983668
Create Date: 2026-12-02 07:25:40.661419

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d73b344fcf5'
down_revision = 'de7459983668'
branch_labels = None
depends_on = None

# scans are append-only (triggers of e32d577cfaed): their columns are added in place, never by
# copying the table (SQLite's batch mode would drop the triggers with the old table)
SQLITE_SCANS_TRIGGERS = [
    """CREATE TRIGGER scans_no_update BEFORE UPDATE ON scans
       BEGIN SELECT RAISE(ABORT, 'scans are append-only'); END""",
    """CREATE TRIGGER scans_no_delete BEFORE DELETE ON scans
       BEGIN SELECT RAISE(ABORT, 'scans are append-only'); END""",
]


def upgrade():
    op.create_table('test_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('presented', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('gate_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_test_scans_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_test_scans_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['gate_id'], ['gates.id'], name=op.f('fk_test_scans_gate_id_gates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_test_scans_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_scans')),
    sa.UniqueConstraint('event_id', 'nonce', name=op.f('uq_test_scans_event_id_nonce'))
    )
    op.create_index('ix_test_scans_registration_id', 'test_scans', ['registration_id'], unique=False)

    op.add_column('devices', sa.Column('test_mode', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('events', sa.Column('checkin_opens_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('events', sa.Column('checkin_closes_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('scans', sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_scans_registration_at', 'scans', ['registration_id', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_scans_registration_at', table_name='scans')
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_column('received_at')
    if sqlite:  # the batch copy of the table left its triggers behind
        for statement in SQLITE_SCANS_TRIGGERS:
            op.execute(statement)
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('checkin_closes_at')
        batch_op.drop_column('checkin_opens_at')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('test_mode')
    op.drop_index('ix_test_scans_registration_id', table_name='test_scans')
    op.drop_table('test_scans')
