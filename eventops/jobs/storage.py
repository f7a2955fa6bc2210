"""Job files in storage every machine reads: the database (``job_chunks``, the default) or a
directory shared by the machines (``EVENTOPS_JOB_FILES=/srv/eventops/files``).

A job writes its file as it goes (:class:`Writer`), under its attempt number; the file becomes
visible only when the same attempt finishes the job and its ``job_files`` row is committed with
it. A worker killed halfway leaves pieces nobody can download, which the sweep removes.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, select
from sqlalchemy.pool import NullPool

from ..extensions import db
from .models import Job, JobChunk, JobFile

PIECE = 1024 * 1024


def _directory(app) -> Path | None:
    where = app.config.get("JOB_FILES") or "database"
    return None if where == "database" else Path(where)


class Writer:
    """A file-like sink: ``write(bytes)``, then :meth:`close`; ``size`` is what was written."""

    def __init__(self, app, job_id: int, attempt: int, filename: str, content_type: str):
        self.job_id, self.attempt, self.filename, self.content_type = job_id, attempt, filename, content_type
        self.size, self.seq, self._buffer = 0, 0, bytearray()
        self.directory = _directory(app)
        self.path = None
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.path = f"job-{job_id}-a{attempt}-{os.getpid()}.part"
            self._file = open(self.directory / self.path, "wb")
        else:
            url = app.config["SQLALCHEMY_DATABASE_URI"]
            # pieces go on a connection of their own: the job's session may be reading in batches
            self._engine = create_engine(url, poolclass=NullPool)

    def write(self, data) -> int:
        self.size += len(data)
        if self.directory is not None:
            self._file.write(data)
            return len(data)
        self._buffer += data
        while len(self._buffer) >= PIECE:
            self._flush(bytes(self._buffer[:PIECE]))
            del self._buffer[:PIECE]
        return len(data)

    def _flush(self, piece: bytes) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(JobChunk).values(job_id=self.job_id, attempt=self.attempt, seq=self.seq, data=piece))
        self.seq += 1

    def close(self) -> None:
        if self.directory is not None:
            if not self._file.closed:
                self._file.flush()
                os.fsync(self._file.fileno())
                self._file.close()
            return
        if self._buffer:
            self._flush(bytes(self._buffer))
            self._buffer.clear()
        self._engine.dispose()

    def discard(self) -> None:
        """Throw away what was written (the attempt did not finish the job)."""
        if self.directory is not None:
            if not self._file.closed:
                self._file.close()
            (self.directory / self.path).unlink(missing_ok=True)
        else:
            self._engine.dispose()
            db.session.execute(delete(JobChunk).where(JobChunk.job_id == self.job_id, JobChunk.attempt == self.attempt))
            db.session.commit()

    def record(self, expires_at) -> JobFile:
        """The file's row, added to the job's finishing transaction."""
        row = JobFile(job_id=self.job_id, attempt=self.attempt, filename=self.filename[:255],
                      content_type=self.content_type, size=self.size, path=self.path, expires_at=expires_at)
        db.session.add(row)
        return row


def read(app, file: JobFile):
    """The file's bytes as an iterator of pieces (read in batches: flat memory)."""
    if file.path:
        directory = _directory(app)
        path = (directory or Path(".")) / file.path

        def from_disk():
            with open(path, "rb") as handle:
                while piece := handle.read(PIECE):
                    yield piece
        return from_disk()

    def from_database():
        seq = 0
        while True:
            pieces = db.session.scalars(select(JobChunk.data).where(
                JobChunk.job_id == file.job_id, JobChunk.attempt == file.attempt, JobChunk.seq >= seq)
                .order_by(JobChunk.seq).limit(8)).all()
            if not pieces:
                return
            for piece in pieces:
                yield piece
            seq += len(pieces)
    return from_database()


def exists(app, file: JobFile) -> bool:
    if file.path:
        return ((_directory(app) or Path(".")) / file.path).exists()
    return True


def remove(app, files) -> int:
    """Delete files and their content (the sweep, after the retention time)."""
    count = 0
    for file in files:
        if file.path:
            ((_directory(app) or Path(".")) / file.path).unlink(missing_ok=True)
        else:
            db.session.execute(delete(JobChunk).where(JobChunk.job_id == file.job_id))
        db.session.delete(file)
        count += 1
    return count


def remove_orphans(app) -> int:
    """Pieces and directory files of attempts that never finished their job, once the job ended."""
    ended = select(Job.id).where(Job.state.in_(("done", "failed")))
    kept = select(JobFile.attempt).where(JobFile.job_id == JobChunk.job_id).scalar_subquery()
    result = db.session.execute(delete(JobChunk).where(
        JobChunk.job_id.in_(ended), (JobChunk.attempt != kept) | (kept.is_(None))).execution_options(
        synchronize_session=False))
    count = result.rowcount or 0
    directory = _directory(app)
    if directory is not None and directory.is_dir():
        known = set(db.session.scalars(select(JobFile.path).where(JobFile.path.is_not(None))))
        active = {(j, a) for j, a in db.session.execute(select(Job.id, Job.attempt).where(
            Job.state.in_(("queued", "running"))))}
        for entry in directory.glob("job-*-a*.part"):
            try:
                job_id, attempt = entry.name.split("-")[1], entry.name.split("-")[2][1:]
                key = (int(job_id), int(attempt))
            except (IndexError, ValueError):
                continue
            if entry.name not in known and key not in active:
                entry.unlink(missing_ok=True)
                count += 1
    return count
