"""Jobs: what a request starts and a worker runs.

The rules:

- A view calls :func:`start` inside its transaction (through ``perform``), which writes the job
  row; the task is sent to the queue after the commit. The page of the job then shows its
  progress. The same work asked for while it runs (``dedupe_key``: an import of one batch) gets
  the job already running.
- A worker takes the job with one conditional UPDATE that raises its ``attempt`` number
  (:func:`claim`). The number is a fence: the job is finished (state, result, file) only in a
  transaction whose UPDATE still finds the worker's attempt, so whatever happens, the output
  exists at most once.
- While it runs, a heartbeat renews the job's lease (``EVENTOPS_JOB_LEASE_SECONDS``). A second
  delivery of the task (a retry, a redelivery after a crash) finds the job running with a live
  lease and waits; finished, it does nothing. A worker killed with kill -9 stops renewing: once
  the lease has run out, the redelivered task, or the sweep, starts the job again under a new
  attempt, and after ``EVENTOPS_JOB_MAX_ATTEMPTS`` marks it failed. No job stays "running".
- A job's code is a domain's function of a :class:`Context` (``ctx.progress``, ``ctx.output``):
  a :class:`~..core.errors.DomainError` ends the job as failed with its message; any other
  exception is retried like a lost worker.

Domains hand their kinds of job to ``create_app`` (:func:`init_app`), as core's views are handed
their loaders: ``jobs`` sits under every domain that starts long work.
"""
from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core import audit
from ..core.db import begin_write
from ..core.errors import DomainError, InvalidInput
from ..core.timeutil import now_utc
from ..extensions import db
from . import storage
from .models import Job, JobFile
from .progress import Heartbeat, Progress, channel_for
from .worker import send

log = logging.getLogger(__name__)
RUN_TASK = "eventops.jobs.run"
_KEY = "eventops.jobs"
_PENDING = "eventops_pending_jobs"
#: a queued job whose task has not started after this long gets its task sent again
LOST_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Kind:
    """A kind of job: its name, its title for people, the permission that may start and see it,
    and its code. ``summary(job)`` words the result; ``link(job)`` is where to go on from it,
    under ``link_label``."""
    name: str
    label: Any
    permission: str
    run: Callable[["Context"], dict]
    summary: Callable[[Job], str] | None = None
    link: Callable[[Job], str | None] | None = None
    link_label: Any = None


def init_app(app, kinds) -> None:
    app.extensions[_KEY] = {kind.name: kind for kind in kinds}
    for name, listener in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not sa_event.contains(Session, name, listener):
            sa_event.listen(Session, name, listener)


def kinds() -> dict[str, Kind]:
    return current_app.extensions[_KEY]


def kind_of(job) -> Kind | None:
    return kinds().get(job.kind)


# --- starting -----------------------------------------------------------------------------------

def start(event, kind: str, params: dict | None = None, *, actor, dedupe_key: str | None = None,
          total: int = 0, note: str = "") -> Job:
    """Record a job for ``event`` (the caller commits; the task is sent after the commit)."""
    if kind not in kinds():
        raise ValueError(f"unknown kind of job: {kind}")
    if dedupe_key is not None:
        running = _active(dedupe_key)
        if running is not None:
            return running
    job = Job(event_id=event.id, kind=kind, params=dict(params or {}), state="queued", created_by_id=actor.id,
              created_at=now_utc(), progress_total=total, note=note[:255], dedupe_key=dedupe_key, result={})
    begin_write()
    try:
        with db.session.begin_nested():
            db.session.add(job)
            db.session.flush()
    except IntegrityError:  # the same work, started at the same moment by another request
        running = _active(dedupe_key)
        if running is None:
            raise
        return running
    audit.record(actor, "job.start", job, event=event, details={"kind": kind})
    db.session.info.setdefault(_PENDING, []).append(job.id)
    return job


def _active(dedupe_key):
    return db.session.scalar(select(Job).where(Job.dedupe_key == dedupe_key, Job.state.in_(("queued", "running"))))


def _enqueue(app, ids, countdown=None) -> None:
    if not ids:
        return
    db_now = now_utc()
    for job_id in ids:
        try:
            send(app, RUN_TASK, [job_id], countdown=countdown, ignore_result=True)
        except Exception as exc:  # the broker is away: the sweep sends it later
            if app.config.get("CELERY_EAGER"):
                raise
            log.warning("could not queue job %s: %s", job_id, exc)
            return
    with app.app_context():
        db.session.execute(update(Job).where(Job.id.in_(ids)).values(enqueued_at=db_now)
                           .execution_options(synchronize_session=False))
        db.session.commit()


def _after_commit(session):
    ids = session.info.pop(_PENDING, None)
    if ids:
        _enqueue(current_app._get_current_object(), ids)


def _after_rollback(session):
    session.info.pop(_PENDING, None)


# --- running (the worker) -----------------------------------------------------------------------

class Superseded(Exception):
    """Another attempt has taken the job: this one's work is thrown away."""


class Context:
    """What a job's code gets: the job, its parameters, who started it, ``progress(done, total,
    note)`` and ``output(filename, content_type)`` (a file-like writer; one file per job)."""

    def __init__(self, app, job, channel):
        self.app, self.job, self.channel = app, job, channel
        self.params = dict(job.params or {})
        self.event_id = job.event_id
        self.actor = job.created_by
        self.progress = Progress(channel, job.id, job.attempt)
        self.writer = None

    def output(self, filename: str, content_type: str) -> storage.Writer:
        if self.writer is not None:
            raise RuntimeError("a job makes one file")
        self.writer = storage.Writer(self.app, self.job.id, self.job.attempt, filename, content_type)
        return self.writer


def claim(job_id: int, *, worker: str = "") -> tuple[str, Job | None]:
    """Take the job: ``("claimed", job)``; ``("busy", job)`` when a live worker holds it (the
    caller tries again after the lease); ``("finished", None)`` when there is nothing to do.
    Commits."""
    app = current_app._get_current_object()
    job = db.session.get(Job, job_id)
    if job is None or job.finished:
        db.session.rollback()
        return "finished", None
    channel = channel_for(app)
    try:
        if job.state == "running" and channel.alive(job):
            db.session.rollback()
            return "busy", job
    finally:
        channel.close()
    seen = job.attempt
    now = now_utc()
    if seen >= app.config["JOB_MAX_ATTEMPTS"]:
        _fail(job_id, seen, _lost_message(seen))
        return "finished", None
    taken = db.session.execute(update(Job).where(Job.id == job_id, Job.attempt == seen,
                                                 Job.state.in_(("queued", "running")))
                               .values(state="running", attempt=seen + 1, worker=worker[:255],
                                       started_at=now, lease_until=now + timedelta(seconds=app.config["JOB_LEASE_SECONDS"]))
                               .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not taken:
        return "busy", None
    db.session.expire_all()
    return "claimed", db.session.get(Job, job_id)


def execute(job_id: int, *, worker: str = "") -> str:
    """Run a job to its end (the task's body): ``done``, ``failed``, ``retry`` (an unexpected error:
    the task is sent again later), ``busy``, ``finished`` or ``superseded``."""
    app = current_app._get_current_object()
    state, job = claim(job_id, worker=f"{worker or socket.gethostname()} pid {os.getpid()}")
    if state != "claimed":
        return state
    kind = kind_of(job)
    channel = channel_for(app)
    attempt = job.attempt
    channel.beat(job.id, attempt)
    heartbeat = Heartbeat(channel, job.id, attempt)
    heartbeat.start()
    ctx = Context(app, job, channel)
    try:
        if kind is None:
            raise DomainError("unknown_kind", f"unknown kind of job: {job.kind}")
        result = kind.run(ctx) or {}
        if ctx.writer is not None:
            ctx.writer.close()
        _finish(ctx, result)
        return "done"
    except Superseded:
        db.session.rollback()
        _discard(ctx)
        return "superseded"
    except (DomainError, InvalidInput) as exc:
        db.session.rollback()
        _discard(ctx)
        message = exc.message if isinstance(exc, DomainError) else "; ".join(str(v) for v in exc.errors.values())
        _fail(job_id, attempt, message)
        return "failed"
    except Exception as exc:
        db.session.rollback()
        _discard(ctx)
        log.exception("job %s (%s), attempt %s", job_id, job.kind, attempt)
        if attempt >= app.config["JOB_MAX_ATTEMPTS"]:
            _fail(job_id, attempt, f"{type(exc).__name__}: {exc}")
            return "failed"
        _requeue(job_id, attempt, f"{type(exc).__name__}: {exc}")
        return "retry"
    finally:
        heartbeat.stop()
        channel.forget(job_id)
        channel.close()


def _discard(ctx) -> None:
    if ctx.writer is not None:
        try:
            ctx.writer.discard()
        except Exception:  # the sweep removes what is left
            db.session.rollback()
            log.exception("could not discard the file of job %s", ctx.job.id)


def _finish(ctx, result: dict) -> None:
    """Finish the job in one transaction with its file: only if this attempt still holds it."""
    app, job_id, attempt, now = ctx.app, ctx.job.id, ctx.job.attempt, now_utc()
    progress = ctx.progress
    done = max(progress.done, progress.total)
    finished = db.session.execute(update(Job).where(Job.id == job_id, Job.attempt == attempt, Job.state == "running")
                                  .values(state="done", finished_at=now, result=result, error=None, lease_until=None,
                                          progress_done=done, progress_total=max(progress.total, done),
                                          note=progress.note[:255])
                                  .execution_options(synchronize_session=False)).rowcount
    if not finished:
        raise Superseded()
    if ctx.writer is not None:  # the fence held: the file is the job's, committed with its end
        ctx.writer.record(now + timedelta(days=app.config["JOB_FILES_DAYS"]))
    db.session.commit()


def _fail(job_id, attempt, message) -> None:
    db.session.rollback()
    db.session.execute(update(Job).where(Job.id == job_id, Job.attempt == attempt, Job.state.in_(("queued", "running")))
                       .values(state="failed", finished_at=now_utc(), error=str(message), lease_until=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _requeue(job_id, attempt, message) -> None:
    db.session.execute(update(Job).where(Job.id == job_id, Job.attempt == attempt, Job.state == "running")
                       .values(state="queued", error=str(message), lease_until=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _lost_message(attempts) -> str:
    return _("The job was started %(n)d times and did not finish: its worker stopped each time.", n=attempts)


def lease_seconds() -> float:
    return float(current_app.config["JOB_LEASE_SECONDS"])


# --- the sweep ----------------------------------------------------------------------------------

def sweep() -> dict:
    """Periodic (Celery beat): start again the jobs whose worker died (or fail them after the last
    attempt), send again the tasks of jobs that were never picked up, delete job files past their
    time and the pieces of attempts that did not finish. Commits."""
    app = current_app._get_current_object()
    now = now_utc()
    channel = channel_for(app)
    restarted, failed, resent = [], 0, []
    try:
        running = db.session.scalars(select(Job).where(Job.state == "running")).all()
        for job in running:
            if channel.alive(job):
                continue
            if job.attempt >= app.config["JOB_MAX_ATTEMPTS"]:
                _fail(job.id, job.attempt, _lost_message(job.attempt))
                failed += 1
            else:
                taken = db.session.execute(update(Job).where(Job.id == job.id, Job.attempt == job.attempt,
                                                             Job.state == "running")
                                           .values(state="queued", error=_("Its worker stopped; the job is started again."), lease_until=None)
                                           .execution_options(synchronize_session=False)).rowcount
                db.session.commit()
                if taken:
                    restarted.append(job.id)
    finally:
        channel.close()
    stale = db.session.scalars(select(Job.id).where(
        Job.state == "queued", (Job.enqueued_at.is_(None) & (Job.created_at < now - LOST_AFTER))
        | (Job.enqueued_at < now - LOST_AFTER))).all()
    resent = [job_id for job_id in stale if job_id not in restarted]
    expired = db.session.scalars(select(JobFile).where(JobFile.expires_at < now)).all()
    removed = storage.remove(app, expired)
    orphans = storage.remove_orphans(app)
    db.session.commit()
    _enqueue(app, restarted + resent)
    return {"restarted": len(restarted), "failed": failed, "resent": len(resent), "files_removed": removed,
            "orphans_removed": orphans}


# --- health ------------------------------------------------------------------------------------

class WorkersBehind(RuntimeError):
    """Jobs wait for a worker longer than JOB_WAIT_ALERT_SECONDS: no worker runs, or too few."""


def check_workers() -> None:
    """The /healthz check of the job queue (not critical: the web pages work without workers):
    raises when a job has waited for a worker longer than ``JOB_WAIT_ALERT_SECONDS``. Read in the
    database, where every machine's jobs are, so that it needs no answer from the broker."""
    waited = now_utc() - timedelta(seconds=float(current_app.config["JOB_WAIT_ALERT_SECONDS"]))
    oldest = db.session.scalar(select(Job.id).where(Job.state == "queued", Job.created_at < waited).limit(1))
    db.session.rollback()  # end the read: /healthz holds no transaction open
    if oldest is not None:
        raise WorkersBehind("a job has waited for a worker too long")


# --- reading ------------------------------------------------------------------------------------

def recent(event, *, limit: int = 50) -> list[Job]:
    return db.session.scalars(select(Job).where(Job.event_id == event.id)
                              .order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)).all()


def status(job) -> dict:
    """What the job's page shows, as data (the progress bar polls it)."""
    app = current_app._get_current_object()
    done, total, note = job.progress_done, job.progress_total, job.note
    if job.state == "running":
        channel = channel_for(app)
        try:
            done, total, note = channel.read(job)
        finally:
            channel.close()
    percent = 100 if job.state == "done" else (min(100, int(100 * done / total)) if total else 0)
    return {"id": job.id, "state": job.state, "done": done, "total": total, "percent": percent, "note": note,
            "attempt": job.attempt, "error": job.error if job.state == "failed" else None,
            "finished": job.finished}


def file_of(job) -> JobFile | None:
    file = db.session.scalar(select(JobFile).where(JobFile.job_id == job.id))
    if file is None or not storage.exists(current_app, file):
        return None
    return file


def read_file(file):
    return storage.read(current_app._get_current_object(), file)
