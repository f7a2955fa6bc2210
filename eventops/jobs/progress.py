"""Where a running job's progress and lease go while it works: Redis when the application has
one (``EVENTOPS_REDIS_URL``), else the job's row, written on a connection of its own.

Neither waits on the job's own transaction: an import holds the database's write lock for its
whole transaction on SQLite, and its progress must still be seen. With the database channel on
SQLite, an update that would wait for that lock is skipped (the bar moves again when the lock is
free); PostgreSQL and Redis take every update.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import redis
from sqlalchemy import create_engine, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from ..core.timeutil import now_utc
from .models import Job

log = logging.getLogger(__name__)


class DatabaseChannel:
    def __init__(self, url: str, lease: float):
        self.url, self.lease = url, lease
        self.sqlite = url.startswith("sqlite")
        self._engine = None  # made at the first write: reading needs none

    @property
    def engine(self):
        if self._engine is None:
            # no pool: a connection per write (a few a second at most), none left open afterwards
            self._engine = create_engine(self.url, poolclass=NullPool)
        return self._engine

    def _update(self, job_id, attempt, **values) -> None:
        try:
            with self.engine.connect() as conn:
                if self.sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout=200")
                conn.execute(update(Job).where(Job.id == job_id, Job.attempt == attempt, Job.state == "running")
                             .values(lease_until=now_utc() + timedelta(seconds=self.lease), **values))
                conn.commit()
        except OperationalError as exc:  # SQLite busy: the next update will do
            log.debug("progress of job %s not written: %s", job_id, exc)

    def write(self, job_id, attempt, done, total, note) -> None:
        self._update(job_id, attempt, progress_done=done, progress_total=total, note=note[:255])

    def beat(self, job_id, attempt) -> None:
        self._update(job_id, attempt)

    def read(self, job) -> tuple[int, int, str]:
        return job.progress_done, job.progress_total, job.note

    def alive(self, job) -> bool:
        return job.lease_until is not None and job.lease_until > now_utc()

    def forget(self, job_id) -> None:
        pass

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


class RedisChannel:
    def __init__(self, url: str, lease: float):
        self.lease = lease
        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    @staticmethod
    def _keys(job_id):
        return f"eventops:job:{job_id}:progress", f"eventops:job:{job_id}:lease"

    def write(self, job_id, attempt, done, total, note) -> None:
        progress, lease = self._keys(job_id)
        try:
            pipe = self.redis.pipeline()
            pipe.hset(progress, mapping={"attempt": attempt, "done": done, "total": total, "note": note[:255]})
            pipe.expire(progress, 24 * 3600)
            pipe.set(lease, attempt, px=int(self.lease * 1000))
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("progress of job %s not written: %s", job_id, exc)

    def beat(self, job_id, attempt) -> None:
        try:
            self.redis.set(self._keys(job_id)[1], attempt, px=int(self.lease * 1000))
        except redis.RedisError as exc:
            log.warning("lease of job %s not renewed: %s", job_id, exc)

    def read(self, job) -> tuple[int, int, str]:
        try:
            data = self.redis.hgetall(self._keys(job.id)[0])
        except redis.RedisError:
            data = {}
        if not data or int(data.get(b"attempt", -1)) != job.attempt:
            return job.progress_done, job.progress_total, job.note
        return int(data[b"done"]), int(data[b"total"]), data[b"note"].decode()

    def alive(self, job) -> bool:
        try:
            holder = self.redis.get(self._keys(job.id)[1])
        except redis.RedisError:
            return True  # unknown: never take a job over on a guess
        return holder is not None and int(holder) == job.attempt

    def forget(self, job_id) -> None:
        try:
            self.redis.delete(*self._keys(job_id))
        except redis.RedisError:
            pass

    def close(self) -> None:
        self.redis.close()


def channel_for(app):
    lease = float(app.config["JOB_LEASE_SECONDS"])
    if app.config.get("REDIS_URL"):
        return RedisChannel(app.config["REDIS_URL"], lease)
    return DatabaseChannel(app.config["SQLALCHEMY_DATABASE_URI"], lease)


class Heartbeat(threading.Thread):
    """Renews a running job's lease every quarter of it, whatever the job is busy with."""

    def __init__(self, channel, job_id, attempt):
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.channel, self.job_id, self.attempt = channel, job_id, attempt
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(max(self.channel.lease / 4, 0.2)):
            self.channel.beat(self.job_id, self.attempt)

    def stop(self):
        self.stopped.set()
        self.join(timeout=5)


class Progress:
    """What a job's code calls: ``progress(done, total, note)``; written at most every 0.3 s."""

    def __init__(self, channel, job_id, attempt):
        self.channel, self.job_id, self.attempt = channel, job_id, attempt
        self.done, self.total, self.note = 0, 0, ""
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, note: str | None = None) -> None:
        self.done = int(done)
        if total is not None:
            self.total = int(total)
        if note is not None:
            self.note = str(note)
        now = time.monotonic()
        if now - self._last >= 0.3 or (self.total and self.done >= self.total):
            self._last = now
            self.channel.write(self.job_id, self.attempt, self.done, self.total, self.note)
