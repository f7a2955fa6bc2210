"""Real servers for tests: gunicorn processes on free loopback ports, stopped when the test ends."""
import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {process.returncode}):\n{log.read_text()[-4000:]}")
        try:
            requests.get(url, timeout=15)  # the first answer waits for the worker to import the app
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout} s:\n{log.read_text()[-4000:]}")


@contextmanager
def gunicorn(gunicorn_bin, app_spec: str, *, env: dict, cwd: Path, log: Path, workers: int = 1, options=()):
    """``gunicorn [options] app_spec`` on a free port of 127.0.0.1; yields its base URL."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(gunicorn_bin), *map(str, options), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
             "--graceful-timeout", "5", app_spec],
            cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base + "/healthz", process, log)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
