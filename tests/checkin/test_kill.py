"""A worker killed in the middle of scanning loses no completed check-in: a separate process scans
badges, printing each answer only after its commit, and is killed with SIGKILL mid-run."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import func, select

from eventops.badges import services as badges
from eventops.checkin.models import CheckIn, Scan
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import person

ROOT = Path(__file__).resolve().parents[2]
WORKER = textwrap.dedent("""
    import json, sys
    from eventops import create_app
    from eventops.config import TestConfig
    from eventops.checkin import services as checkin
    from eventops.events.services import by_slug
    from eventops.extensions import db
    job = json.load(open(sys.argv[1]))
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": job["url"]}))
    with app.app_context():
        event = by_slug(job["slug"])
        gate = checkin.gate_of(event, job["gate"])
        for n, code in enumerate(job["codes"]):
            result = checkin.scan(event, gate=gate, nonce=f"kill-{n:06d}", code=code)
            db.session.commit()
            print(f"{result.status} kill-{n:06d}", flush=True)
""")


def test_killed_worker_keeps_every_completed_check_in(app, database_url, door, organizer, tmp_path):
    event = door["event"]
    with app.test_request_context():
        for n in range(100, 400):
            registrations.register(event, person(n))
        event.capacity = None
        db.session.commit()
        badges.issue_missing(event)
        db.session.commit()
    from eventops.badges.models import Badge
    codes = db.session.scalars(select(Badge.code).where(Badge.event_id == event.id).order_by(Badge.id)).all()
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"url": database_url, "slug": event.slug, "gate": door["gates"][0].id, "codes": codes}))
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(job)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    answered = []
    deadline = time.monotonic() + 60
    while len(answered) < 40 and time.monotonic() < deadline:
        line = worker.stdout.readline()
        if not line:
            break
        answered.append(line.split())
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert len(answered) >= 40, "the worker should have been scanning when it was killed"
    db.session.expire_all()
    stored = dict(db.session.execute(select(Scan.nonce, Scan.status)).all())
    for status, nonce in answered:  # every answer a door saw is in the database
        assert stored.get(nonce) == status
    # and nothing half-done: each check-in has the scan that made it
    check_ins = db.session.scalar(select(func.count()).select_from(CheckIn))
    ok_scans = db.session.scalar(select(func.count()).select_from(Scan).where(Scan.status == "ok"))
    assert check_ins == ok_scans >= sum(1 for status, _ in answered if status == "ok")
