"""Fixtures for the job queue: a real Celery worker process (the README's command) on the tests'
Redis database, and SMTP servers that fail, accept, or never answer."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEASE = 3


def queue_config(redis_url, **extra):
    """The test app's settings for sending to a real queue (no eager tasks)."""
    return {"CELERY_EAGER": False, "CELERY_BROKER_URL": redis_url, "CELERY_RESULT_BACKEND": redis_url,
            "REDIS_URL": redis_url, "JOB_LEASE_SECONDS": LEASE, **extra}


class Worker:
    """``celery -A wsgi:celery_app worker`` in a process of its own, on the test's database."""

    def __init__(self, database_url, redis_url, tmp_path, *, pool="prefork", env=None, name="w1"):
        self.log = tmp_path / f"worker-{name}.log"
        environment = {**os.environ, "EVENTOPS_DATABASE_URL": database_url, "EVENTOPS_REDIS_URL": redis_url,
                       "EVENTOPS_SECRET_KEY": "test-secret-key", "EVENTOPS_JOB_LEASE_SECONDS": str(LEASE),
                       "EVENTOPS_SMTP_STARTTLS": "0", "PYTHONUNBUFFERED": "1", **(env or {})}
        environment.pop("EVENTOPS_TEST_DATABASE_URL", None)
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "wsgi:celery_app", "worker", "--loglevel=INFO",
                 f"--pool={pool}", "--concurrency=1", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "-n", f"{name}-{os.getpid()}@%h"],
                cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_for("ready.")

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, needle, seconds=120):
        deadline = time.monotonic() + seconds
        while needle not in self.text():
            if self.process.poll() is not None:
                raise AssertionError(f"the worker stopped:\n{self.text()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the worker never said {needle!r}:\n{self.text()[-3000:]}")
            time.sleep(0.1)

    def kill(self):
        """kill -9 of the whole worker (its process group: the main process and its pool)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(app, database_url, clean_redis, tmp_path):
    workers = []

    def start(**kwargs):
        worker = Worker(database_url, clean_redis, tmp_path, name=f"w{len(workers) + 1}", **kwargs)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_until(condition, seconds=120, every=0.05, what="the condition"):
    """Wait for something to become true (a bound so that a broken run ends; never a measurement)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SilentSMTP:
    """Accepts connections and never says a word (not even the 220 greeting) until released."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.answered = False
        self.accepted = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.accepted.set()

    def release(self):
        """Say 421 to everyone and close: the held attempts fail now."""
        self.answered = True
        for conn in self.connections:
            try:
                conn.sendall(b"421 closing\r\n")
                conn.close()
            except OSError:
                pass
        self.sock.close()


@pytest.fixture
def silent_smtp():
    server = SilentSMTP()
    yield server
    server.release()


class FlakySMTP:
    """aiosmtpd: answers 451 to the first ``failures`` mails, then accepts; keeps what it accepted."""

    def __init__(self, failures):
        from aiosmtpd.controller import Controller
        self.failures, self.tries, self.accepted = failures, 0, []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        if self.tries <= self.failures:
            return "451 4.3.0 try again later"
        self.accepted.append(envelope)
        return "250 OK"

    def stop(self):
        self.controller.stop()


from ..meetings.conftest import zone_event  # noqa: E402,F401  (the zone, for the schedule job)
