"""job queue: jobs, job files, mail attempts, attachments and sealed secrets

Mail written before this revision: "queued" meant "kept in the outbox" (nothing retried it), so it
becomes "unsent"; and the personal and password-reset links in those bodies are removed, since
organizers read the outbox (the mails themselves were delivered, or never will be).

Revision ID: 70092e8034b5
Revises: 5d73b344fcf5
Create Date: 2026-12-02 07:29:36.005487

"""
import re

from alembic import op
import sqlalchemy as sa

SECRET_LINKS = re.compile(r"(/r/)[A-Za-z0-9_-]{16,}|(/password/reset/)[A-Za-z0-9_.-]{16,}")


# revision identifiers, used by Alembic.
revision = '70092e8034b5'
down_revision = '5d73b344fcf5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempt', sa.Integer(), server_default='0', nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('worker', sa.String(length=255), server_default='', nullable=False),
    sa.Column('progress_done', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('progress_total', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('note', sa.String(length=255), server_default='', nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jobs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_jobs_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_active', ['state', 'id'], unique=False, sqlite_where=sa.text("state IN ('queued', 'running')"), postgresql_where=sa.text("state IN ('queued', 'running')"))
        batch_op.create_index('ix_jobs_event_created', ['event_id', 'created_at'], unique=False)
        batch_op.create_index('uq_jobs_dedupe_active', ['dedupe_key'], unique=True, sqlite_where=sa.text("state IN ('queued', 'running')"), postgresql_where=sa.text("state IN ('queued', 'running')"))

    op.create_table('job_chunks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_chunks_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_chunks'))
    )
    with op.batch_alter_table('job_chunks', schema=None) as batch_op:
        batch_op.create_index('uq_job_chunks_job_attempt_seq', ['job_id', 'attempt', 'seq'], unique=True)

    op.create_table('job_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_files_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_files')),
    sa.UniqueConstraint('job_id', name=op.f('uq_job_files_job_id'))
    )
    with op.batch_alter_table('job_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_files_expires_at'), ['expires_at'], unique=False)

    op.create_table('mail_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['mail_messages.id'], name=op.f('fk_mail_attachments_message_id_mail_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_attachments'))
    )
    with op.batch_alter_table('mail_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_attachments_message_id'), ['message_id'], unique=False)

    op.create_table('mail_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['mail_messages.id'], name=op.f('fk_mail_attempts_message_id_mail_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_attempts'))
    )
    with op.batch_alter_table('mail_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_attempts_message_id'), ['message_id'], unique=False)

    op.create_table('mail_secrets',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['mail_messages.id'], name=op.f('fk_mail_secrets_message_id_mail_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_mail_secrets'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=120), nullable=True))
        batch_op.create_index('ix_mail_messages_due', ['next_attempt_at'], unique=False, sqlite_where=sa.text("status IN ('queued', 'sending')"), postgresql_where=sa.text("status IN ('queued', 'sending')"))
        batch_op.create_index('ix_mail_messages_event_status', ['event_id', 'status'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_mail_messages_dedupe_key'), ['dedupe_key'])

    conn = op.get_bind()
    conn.execute(sa.text("UPDATE mail_messages SET status = 'unsent' WHERE status = 'queued'"))
    mails = sa.table("mail_messages", sa.column("id", sa.Integer), sa.column("body", sa.Text))
    last = 0
    while True:
        rows = conn.execute(sa.select(mails.c.id, mails.c.body).where(mails.c.id > last)
                            .order_by(mails.c.id).limit(1000)).all()
        if not rows:
            break
        for row_id, body in rows:
            redacted = SECRET_LINKS.sub(lambda m: (m.group(1) or m.group(2)) + "[removed]", body or "")
            if redacted != body:
                conn.execute(sa.update(mails).where(mails.c.id == row_id).values(body=redacted))
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_mail_messages_dedupe_key'), type_='unique')
        batch_op.drop_index('ix_mail_messages_event_status')
        batch_op.drop_index('ix_mail_messages_due', sqlite_where=sa.text("status IN ('queued', 'sending')"), postgresql_where=sa.text("status IN ('queued', 'sending')"))
        batch_op.drop_column('dedupe_key')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')

    op.drop_table('mail_secrets')
    with op.batch_alter_table('mail_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_attempts_message_id'))

    op.drop_table('mail_attempts')
    with op.batch_alter_table('mail_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_attachments_message_id'))

    op.drop_table('mail_attachments')
    with op.batch_alter_table('job_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_files_expires_at'))

    op.drop_table('job_files')
    with op.batch_alter_table('job_chunks', schema=None) as batch_op:
        batch_op.drop_index('uq_job_chunks_job_attempt_seq')

    op.drop_table('job_chunks')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('uq_jobs_dedupe_active', sqlite_where=sa.text("state IN ('queued', 'running')"), postgresql_where=sa.text("state IN ('queued', 'running')"))
        batch_op.drop_index('ix_jobs_event_created')
        batch_op.drop_index('ix_jobs_active', sqlite_where=sa.text("state IN ('queued', 'running')"), postgresql_where=sa.text("state IN ('queued', 'running')"))

    op.drop_table('jobs')
