"""Jobs without a worker (tasks run in place: the point is their logic): the fence that keeps a
job's output at most once, the sweep, the message to registrants run twice, the scheduler's hard
time limit, and who may see which job."""
import io
import os
import sys
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from eventops.badges import render
from eventops.core.models import MailMessage
from eventops.core.timeutil import freeze_now, now_utc
from eventops.extensions import db
from eventops.jobs import services as jobs
from eventops.jobs import storage
from eventops.jobs.models import Job, JobChunk, JobFile
from eventops.meetings import bounded
from eventops.registration import jobs as registration_jobs
from eventops.registration import services as registrations

from ..factories import door_staff, job_file, login, make_event, person
from .helpers import confirmed_people


@pytest.fixture
def clock():
    moment = [now_utc()]
    freeze_now(lambda: moment[0])
    yield moment
    freeze_now(None)


def _queued(event, organizer, kind="badges.print", params=None, **kw):
    """A job recorded but not sent (as if its task were still on the way)."""
    job = jobs.start(event, kind, params or {"sheet": "label"}, actor=organizer, **kw)
    db.session.info.pop("eventops_pending_jobs", None)
    db.session.commit()
    return job.id


def test_a_badge_print_job_writes_its_file_in_pieces_and_offers_it(app, client, organizer, event, monkeypatch):
    confirmed_people(event, 7)
    monkeypatch.setattr(render, "CHUNK", 3)
    monkeypatch.setattr(storage, "PIECE", 1000)  # small pieces: several rows in job_chunks
    login(client, organizer)
    response = job_file(client, client.post(f"/manage/{event.slug}/badges/print", data={"sheet": "label"}))
    assert response.headers["Content-Type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) == 3
    job = db.session.scalar(select(Job))
    assert job.state == "done" and job.progress_done == job.progress_total == 7 and job.attempt == 1
    assert db.session.scalar(select(func.count()).select_from(JobChunk)) > 1
    assert job.file.size == len(response.data)


def test_files_can_go_to_a_directory_instead(app, client, organizer, event, tmp_path):
    app.config["JOB_FILES"] = str(tmp_path / "files")
    confirmed_people(event, 2)
    login(client, organizer)
    response = job_file(client, client.post(f"/manage/{event.slug}/badges/print", data={}))
    assert response.data.startswith(b"%PDF")
    assert [p.name for p in (tmp_path / "files").iterdir()] == [db.session.scalar(select(JobFile.path))]
    assert db.session.scalar(select(func.count()).select_from(JobChunk)) == 0


def test_only_the_attempt_holding_the_job_may_finish_it(app, organizer, event, clock):
    confirmed_people(event, 2)
    job_id = _queued(event, organizer)
    state, job = jobs.claim(job_id)
    assert state == "claimed" and job.attempt == 1
    assert jobs.claim(job_id)[0] == "busy"  # a second delivery while the lease lives waits
    clock[0] += timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 1)  # the first worker went silent
    db.session.rollback()
    assert jobs.execute(job_id) == "done"  # a new delivery takes the job over: attempt 2
    first = SimpleNamespace(id=job_id, attempt=1, params={}, event_id=event.id, created_by=organizer)
    ctx = jobs.Context(app, first, jobs.channel_for(app))  # the first attempt comes back to finish
    ctx.output("late.pdf", "application/pdf").write(b"%PDF late")
    ctx.writer.close()
    with pytest.raises(jobs.Superseded):
        jobs._finish(ctx, {"late": True})
    db.session.rollback()
    ctx.writer.discard()
    files = db.session.scalars(select(JobFile)).all()
    assert [(f.job_id, f.attempt) for f in files] == [(job_id, 2)]
    assert db.session.get(Job, job_id).result.get("late") is None
    assert set(db.session.scalars(select(JobChunk.attempt))) == {2}


def test_the_sweep_restarts_lost_jobs_fails_them_at_the_last_attempt_and_removes_old_files(app, organizer, event,
                                                                                        clock):
    confirmed_people(event, 1)
    lost = _queued(event, organizer)
    assert jobs.claim(lost)[0] == "claimed"  # ... and its worker is killed: no more heartbeats
    stuck = _queued(event, organizer)
    db.session.query(Job).filter_by(id=stuck).update({"state": "running", "attempt": 3,
                                                      "lease_until": clock[0] + timedelta(seconds=1)})
    never_sent = _queued(event, organizer)
    db.session.commit()
    assert jobs.sweep() == {"restarted": 0, "failed": 0, "resent": 0, "files_removed": 0, "orphans_removed": 0}

    clock[0] += timedelta(minutes=6)
    result = jobs.sweep()  # the tasks run in place here: the lost and the never-sent jobs end
    assert (result["restarted"], result["failed"], result["resent"]) == (1, 1, 1)
    db.session.expire_all()
    assert db.session.get(Job, lost).state == "done" and db.session.get(Job, lost).attempt == 2
    assert db.session.get(Job, never_sent).state == "done"
    stuck_job = db.session.get(Job, stuck)
    assert stuck_job.state == "failed" and "3" in stuck_job.error

    clock[0] += timedelta(days=app.config["JOB_FILES_DAYS"], minutes=1)
    assert jobs.sweep()["files_removed"] == 2
    assert db.session.scalar(select(func.count()).select_from(JobChunk)) == 0


def test_a_job_that_raises_a_domain_error_fails_with_its_message(app, client, organizer, event):
    login(client, organizer)
    upload = client.post(f"/manage/{event.slug}/import", content_type="multipart/form-data",
                         data={"file": (io.BytesIO("姓名,手机\n张三,13900000000\n".encode()), "a.csv")})
    batch_id = int(upload.headers["Location"].rsplit("/", 1)[1])
    job = jobs.start(event, "registrations.import", {"batch_id": batch_id, "mapping": {"name": 0}}, actor=organizer)
    db.session.commit()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state == "failed" and job.attempt == 1
    page = client.get(f"/manage/{event.slug}/jobs/{job.id}").get_data(as_text=True)
    assert 'id="job-error"' in page


def test_a_message_to_registrants_goes_to_the_chosen_people_once_even_if_run_twice(app, client, organizer, event):
    with app.test_request_context():
        for n in range(1, 5):
            registrations.register(event, person(n, category="exhibitor" if n % 2 else "attendee"))
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(MailMessage))
    login(client, organizer)
    page = client.post(f"/manage/{event.slug}/registrations/message",
                       data={"categories": ["exhibitor"], "statuses": ["approved"], "subject": "展位布置", "body": "请于8点前到场。",
                             "send": "0"})
    assert "2" in page.get_data(as_text=True) and page.status_code == 200  # counted, nothing sent
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    response = client.post(f"/manage/{event.slug}/registrations/message",
                           data={"categories": ["exhibitor"], "statuses": ["approved"], "subject": "展位布置",
                                 "body": "请于8点前到场。", "send": "1"})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    new = db.session.scalars(select(MailMessage).where(MailMessage.subject.contains("展位布置"))).all()
    assert sorted(m.to_address for m in new) == ["p1@example.cn", "p3@example.cn"]
    assert all("请于8点前到场。" in m.body and m.dedupe_key.startswith(f"job{job_id}:") for m in new)
    # delivered again (a retry, a redelivery after a crash): no second mail
    db.session.query(Job).filter_by(id=job_id).update({"state": "queued"})
    db.session.commit()
    assert jobs.execute(job_id) == "done"
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == before + 2
    assert registration_jobs.count_recipients(event, [], []) == 4


def test_the_same_import_started_twice_is_one_job(app, organizer, event):
    first = _queued(event, organizer, "registrations.import", {"batch_id": 1, "mapping": {}}, dedupe_key="import:1")
    again = jobs.start(event, "registrations.import", {"batch_id": 1, "mapping": {}}, actor=organizer,
                       dedupe_key="import:1")
    assert again.id == first


def test_the_scheduler_is_cut_off_at_its_time_limit_whatever_the_solver_does(tmp_path, monkeypatch):
    """A solver that never returns (as HiGHS once ran 30 s over): the child is killed at the
    deadline and the quick plan made beside it is the result."""
    pid_file = tmp_path / "child.pid"
    monkeypatch.setattr(bounded, "CHILD", [sys.executable, "-c",
                                           f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
                                           "time.sleep(3600)"])
    instance = {"slots": [{"id": "s1", "start": "2030-05-24T09:00:00+08:00", "end": "2030-05-24T09:20:00+08:00"}],
                "tables": [{"id": "t1"}], "participants": [{"id": "p1"}, {"id": "p2"}], "brokers": [],
                "requests": [{"id": "r1", "from": "p1", "to": "p2", "weight": 1}], "fixed": []}
    seen = []
    schedule = bounded.solve_within(instance, 1.0, progress=lambda done, total: seen.append((done, total)), grace=0.5)
    assert schedule["overran"] is True and [m["request"] for m in schedule["meetings"]] == ["r1"]
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the child is gone
    assert seen and seen[-1][1] == 1


def test_the_schedule_button_runs_the_real_solver_in_a_child(app, client, organizer, zone_event):
    event, p = zone_event["event"], zone_event["people"]
    login(client, organizer)
    client.post(f"/manage/{event.slug}/meetings/requests", data={"from": p[0].id, "to": p[2].id})
    response = client.post(f"/manage/{event.slug}/meetings/schedule", data={"seconds": "2"})
    job = db.session.scalar(select(Job))
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.state == "done" and job.result["placed"] == 1 and not job.result["overran"], job.error
    assert "1" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_who_may_see_a_job(app, client, organizer, event):
    confirmed_people(event, 1)
    job_id = _queued(event, organizer)
    staff = door_staff(event, "door@example.cn")
    login(client, staff)
    assert client.get(f"/manage/{event.slug}/jobs/{job_id}").status_code == 403
    assert f"/jobs/{job_id}" not in client.get(f"/manage/{event.slug}/jobs/").get_data(as_text=True)
    other = make_event(organizer)
    login(client, organizer)
    assert client.get(f"/manage/{other.slug}/jobs/{job_id}").status_code == 404
    assert client.get(f"/manage/{event.slug}/jobs/{job_id}/file").status_code == 404  # not done yet
    status = client.get(f"/manage/{event.slug}/jobs/{job_id}/status").get_json()
    assert status["state"] == "queued" and status["finished"] is False


def test_a_message_to_nobody_is_refused_and_a_print_asked_twice_is_one_job(app, client, organizer, event):
    login(client, organizer)
    response = client.post(f"/manage/{event.slug}/registrations/message",
                           data={"categories": ["vip"], "subject": "s", "body": "b", "send": "1"})
    assert response.status_code == 400 and "没有符合条件的人" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    confirmed_people(event, 1)
    app.config["CELERY_EAGER"] = False  # the task is on its way: the job is still queued
    app.extensions["celery"].conf.task_always_eager = False
    app.extensions["celery"].conf.broker_url = "memory://"
    first = client.post(f"/manage/{event.slug}/badges/print", data={"sheet": "label"})
    second = client.post(f"/manage/{event.slug}/badges/print", data={"sheet": "label"})
    other = client.post(f"/manage/{event.slug}/badges/print", data={"sheet": "a4"})
    assert first.headers["Location"] == second.headers["Location"] != other.headers["Location"]
