"""A job, and the file it made (kept in the database in chunks, or in a directory)."""
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime
from ..core.timeutil import now_utc
from ..extensions import db

#: a job that has not ended (literal, so that SQLite can use the partial indexes below)
JOB_ACTIVE = text("state IN ('queued', 'running')")
STATES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """One piece of long work: what to do (``kind``, ``params``), who asked, how far it is, and
    how it ended."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_event_created", "event_id", "created_at"),
        # the same work asked for twice while it runs is one job (an import of one batch)
        Index("uq_jobs_dedupe_active", "dedupe_key", unique=True, sqlite_where=JOB_ACTIVE, postgresql_where=JOB_ACTIVE),
        Index("ix_jobs_active", "state", "id", sqlite_where=JOB_ACTIVE, postgresql_where=JOB_ACTIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params = mapped_column(JSON, nullable=False, default=dict)
    #: queued, running, done, failed
    state: Mapped[str] = mapped_column(String(16), default="queued")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    #: when a task for the job was last sent to the queue (the sweep sends it again when lost)
    enqueued_at = mapped_column(UTCDateTime)
    started_at = mapped_column(UTCDateTime)
    finished_at = mapped_column(UTCDateTime)
    #: how many times a worker has taken the job; the number is the fence: only the worker
    #: holding the latest one may finish the job (and so write its output)
    attempt: Mapped[int] = mapped_column(default=0, server_default="0")
    #: the running worker's lease (with the database progress channel): taken over after it
    lease_until = mapped_column(UTCDateTime)
    worker: Mapped[str] = mapped_column(String(255), default="", server_default="")
    progress_done: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    progress_total: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    note: Mapped[str] = mapped_column(String(255), default="", server_default="")
    result = mapped_column(JSON, nullable=False, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(120))

    created_by = relationship("User", lazy="joined")
    file = relationship("JobFile", uselist=False, lazy="joined", viewonly=True)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class JobFile(db.Model):
    """The file a job made, at most one per job: written by the attempt that finished the job, in
    the same transaction. Deleted with its content after ``EVENTOPS_JOB_FILES_DAYS``."""

    __tablename__ = "job_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    attempt: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    #: in a directory (EVENTOPS_JOB_FILES): the file's name there; None: in job_chunks
    path: Mapped[str | None] = mapped_column(String(500))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    expires_at = mapped_column(UTCDateTime, nullable=False, index=True)


class JobChunk(db.Model):
    """A piece (about 1 MB) of a job's file kept in the database. Written as the job goes, so a
    large file never sits in memory; only the pieces of the attempt that finished are kept."""

    __tablename__ = "job_chunks"
    __table_args__ = (Index("uq_job_chunks_job_attempt_seq", "job_id", "attempt", "seq", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    attempt: Mapped[int]
    seq: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
