"""The queue for real: a Celery worker process started with the README's command, on the tests'
Redis database (EVENTOPS_TEST_REDIS_URL) and the test's database (SQLite file or PostgreSQL).

- a badge job and an import job run to the end, their progress seen on the way;
- an SMTP server that never answers does not hold up a registration;
- a worker killed with kill -9 in the middle of a job: the job is run again and its file exists
  once.
"""
import io
import os
import signal
import zipfile

import pytest
from sqlalchemy import func, select

from eventops.core.models import MailMessage
from eventops.extensions import db
from eventops.jobs import services as jobs
from eventops.jobs.models import Job, JobChunk, JobFile
from eventops.registration import csvio
from eventops.registration.models import Registration

from ..factories import login, person
from ..registration.test_races import form_of
from .conftest import queue_config, wait_until
from .helpers import confirmed_people, csv_rows


@pytest.fixture
def app_config(redis_url):
    return queue_config(redis_url)


def _job(job_id) -> Job:
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    db.session.rollback()
    return job


def _follow(job_id):
    """Poll the job's status as its page does until it ends; every status seen, in order."""
    seen = []

    def ended():
        status = jobs.status(_job(job_id))
        if not seen or seen[-1] != (status["state"], status["done"]):
            seen.append((status["state"], status["done"], status["total"]))
        return status["finished"]
    wait_until(ended, seconds=300, what="the end of the job")
    return seen


def _started(client, response):
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"], response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_a_worker_runs_a_badge_job_and_an_import_job_with_progress(app, client, organizer, event, start_worker):
    confirmed_people(event, 2500)  # more than render.CHUNK: a ZIP of three PDFs
    start_worker()
    login(client, organizer)

    job_id = _started(client, client.post(f"/manage/{event.slug}/badges/print", data={"sheet": "label"}))
    page = client.get(f"/manage/{event.slug}/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-progress"' in page and organizer.email in page  # the bar, and who started it
    seen = _follow(job_id)
    assert any(state == "running" and 0 < done < total for state, done, total in seen), seen
    job = _job(job_id)
    assert job.state == "done" and job.result["badges"] == 2500, job.error
    download = client.get(f"/manage/{event.slug}/jobs/{job_id}/file")
    assert download.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert len(archive.namelist()) == 3 and all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())

    upload = client.post(f"/manage/{event.slug}/import", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(csv_rows(6000)), "名单.csv")})
    preview_url = upload.headers["Location"]
    batch_id = int(preview_url.rstrip("/").rsplit("/", 1)[1])
    preview = client.get(preview_url)  # the preview is immediate, in the request
    assert preview.status_code == 200 and "6000" in preview.get_data(as_text=True)
    mapping = {f"map_{k}": str(v) for k, v in csvio.guess_mapping(csv_rows(1).decode().splitlines()[0].split(",")).items()}
    job_id = _started(client, client.post(preview_url, data={**mapping, "confirm": "1"}))
    again = _started(client, client.post(preview_url, data={**mapping, "confirm": "1"}))
    assert again == job_id or _job(again).state == "done"  # the same batch is one job while it runs
    seen = _follow(job_id)
    assert any(state == "running" and 0 < done < total for state, done, total in seen), seen
    assert _job(job_id).state == "done", _job(job_id).error
    assert db.session.scalar(select(func.count()).select_from(Registration).where(Registration.email.like("csv%"))) == 6000
    assert "6000" in client.get(f"/manage/{event.slug}/import/{batch_id}").get_data(as_text=True)
    listing = client.get(f"/manage/{event.slug}/jobs/").get_data(as_text=True)
    assert f"/jobs/{job_id}" in listing and organizer.email in listing


def test_a_registration_completes_while_the_smtp_server_has_not_answered(app, client, event, start_worker,
                                                                         silent_smtp):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=silent_smtp.port)
    start_worker(env={"EVENTOPS_SMTP_HOST": "127.0.0.1", "EVENTOPS_SMTP_PORT": str(silent_smtp.port),
                      "EVENTOPS_SMTP_TIMEOUT": "600"})
    first = client.post(f"/e/{event.slug}/register", data=form_of(person(1)))
    assert first.status_code == 302
    # the worker, not the request, has gone to the mail server, which says nothing
    assert silent_smtp.accepted.wait(120)
    assert not silent_smtp.answered
    second = client.post(f"/e/{event.slug}/register", data=form_of(person(2)))
    # this registration was made after the server took the worker's connection and before it said
    # a word: the request did not wait for SMTP
    assert second.status_code == 302 and not silent_smtp.answered
    assert len(silent_smtp.connections) == 1  # no request opened a connection of its own
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2
    states = sorted(db.session.scalars(select(MailMessage.status)).all())
    assert states == ["queued", "sending"]  # one held by the worker, the other waiting its turn


@pytest.mark.parametrize("whole_worker", [False, True], ids=["pool-process", "whole-worker"])
def test_kill_9_mid_job_runs_the_job_again_and_keeps_one_file(app, client, organizer, event, start_worker,
                                                              whole_worker):
    confirmed_people(event, 3000)
    worker = start_worker()
    login(client, organizer)
    job_id = _started(client, client.post(f"/manage/{event.slug}/badges/print", data={"sheet": "label"}))
    first = wait_until(lambda: (lambda j: j if j.state == "running" and jobs.status(j)["done"] > 0 else None)(_job(job_id)),
                       what="the job's first progress")
    assert first.attempt == 1
    if whole_worker:
        worker.kill()  # main process and pool: the task stays unacknowledged in Redis
        # the lease runs out; the sweep (Celery beat in production) starts the job again
        wait_until(lambda: jobs.sweep()["restarted"] == 1, what="the sweep taking the job back")
        start_worker()
    else:
        pid = int(first.worker.rsplit(" pid ", 1)[1])
        os.kill(pid, signal.SIGKILL)  # the pool process running the task
        # the worker gives the task back (task_reject_on_worker_lost); the new delivery waits for
        # the dead lease and takes the job under attempt 2
    seen = _follow(job_id)
    job = _job(job_id)
    assert job.state == "done" and job.attempt == 2, (job.state, job.error, seen)
    assert db.session.scalar(select(func.count()).select_from(JobFile).where(JobFile.job_id == job_id)) == 1
    jobs.sweep()  # what the dead attempt wrote goes
    attempts = set(db.session.scalars(select(JobChunk.attempt).where(JobChunk.job_id == job_id)))
    assert attempts == {2}
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/manage/{event.slug}/jobs/{job_id}/file").data))
    assert len(archive.namelist()) == 3


def test_kill_9_during_an_import_imports_every_row_once(app, client, organizer, event, start_worker):
    start_worker()
    login(client, organizer)
    upload = client.post(f"/manage/{event.slug}/import", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(csv_rows(8000)), "名单.csv")})
    preview_url = upload.headers["Location"]
    mapping = {f"map_{k}": str(v) for k, v in csvio.guess_mapping(csv_rows(1).decode().splitlines()[0].split(",")).items()}
    job_id = _started(client, client.post(preview_url, data={**mapping, "confirm": "1"}))
    first = wait_until(lambda: (lambda j: j if j.state == "running" and jobs.status(j)["done"] > 0 else None)(_job(job_id)),
                       what="the import's first progress")
    os.kill(int(first.worker.rsplit(" pid ", 1)[1]), signal.SIGKILL)  # in the middle of its transaction
    _follow(job_id)
    job = _job(job_id)
    assert job.state == "done" and job.attempt == 2, (job.state, job.error)
    count = db.session.scalar(select(func.count()).select_from(Registration).where(Registration.email.like("csv%")))
    assert count == 8000 and job.result["imported"] == 8000
