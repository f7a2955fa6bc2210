"""The HTTP half of the benchmark: gunicorn servers that this script starts and stops itself, and
a bounded, fixed-duration load of registration submissions from client threads to 127.0.0.1."""
import atexit
import http.client
import itertools
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
HOST = "127.0.0.1"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

_running: list["Server"] = []
_stop = threading.Event()  # set on SIGTERM/SIGHUP/Ctrl-C: client threads stop at once


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn master (and its workers) in a process group of its own, so that stopping it
    stops exactly what this script started."""

    def __init__(self, name, target, env, cwd, workers=2):
        self.name, self.port = name, free_port()
        OUT.mkdir(exist_ok=True)
        self.log_path = OUT / f"gunicorn-{name}.log"
        self.cmd = [str(GUNICORN), "-w", str(workers), "-b", f"{HOST}:{self.port}", "--timeout", "60",
                    "--graceful-timeout", "5", target]
        self.env, self.cwd, self.proc = env, cwd, None

    def start(self, timeout=40):
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        _running.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited: see {self.log_path}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} did not answer within {timeout}s: see {self.log_path}")

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # the group this script created
                self.proc.wait(timeout=8)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        # workers left behind by a killed master (same process group)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self in _running:
            _running.remove(self)
        self.proc = None


def stop_all():
    for server in list(_running):
        try:
            server.stop()
        except Exception as exc:  # keep stopping the others
            print(f"could not stop {server.name}: {exc}")


atexit.register(stop_all)


def _on_signal(signum, _frame):
    _stop.set()
    stop_all()
    raise SystemExit(128 + signum)


for _sig in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


def server_env(url, secret):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("EVENTOPS_") and k not in ("FLASK_APP", "FLASK_DEBUG")}
    env.update({"EVENTOPS_DATABASE_URL": url, "EVENTOPS_SECRET_KEY": secret, "EVENTOPS_RATELIMIT": "0",
                # plain http on 127.0.0.1: cookies may not be marked Secure or no client sends them back
                "EVENTOPS_SECURE_COOKIES": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT)})
    return env


# --- client -----------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class ClientSession:
    """What a browser keeps: its cookies, and the csrf_token of the form page it loaded."""

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def absorb(self, response):
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                expired = morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"])
                if morsel.value == "" or expired:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value


def request(port, method, path, session=None, body=None, timeout=60):
    headers = {"Accept-Language": "zh-CN,zh;q=0.9", "User-Agent": "eventops-bench",
               "Accept": "text/html"}
    if session is not None and session.cookies:
        headers["Cookie"] = session.header()
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if session is not None:
            session.absorb(response)
        return response.status, response.getheader("Location") or "", data
    finally:
        conn.close()


def open_form(port, slug) -> tuple[ClientSession, float]:
    """A browser loading the registration form: session cookie + csrf_token."""
    session = ClientSession()
    t0 = time.perf_counter()
    status, _location, data = request(port, "GET", f"/e/{slug}/register", session)
    elapsed = time.perf_counter() - t0
    if status != 200:
        raise RuntimeError(f"form page: HTTP {status}")
    match = _CSRF.search(data.decode("utf-8", "replace"))
    if not match:
        raise RuntimeError("form page without csrf_token")
    session.csrf = match.group(1)
    return session, elapsed


_numbers = itertools.count(1)  # next() on itertools.count is atomic under the GIL


def submission(session, org_names, rng) -> str:
    """One new person: unique mobile (19xxxxxxxxx) and e-mail; mostly known organisations."""
    n = next(_numbers)
    org = rng.choice(org_names) if rng.random() < 0.95 else f"压测新单位{n}有限公司"
    return urlencode({
        "csrf_token": session.csrf if session else "", "name": f"压测{n % 1000:03d}号",
        "organisation": org, "org_type": rng.choice(["hospital", "enterprise", "government", "university"]),
        "position": "经理", "mobile": f"19{n:09d}", "email": f"load{n}@bench.example.cn",
        "category": "attendee", "tags": "临床试验"})


def run_load(port, path, sessions, org_names, duration, ok) -> dict:
    """len(sessions) threads post for ``duration`` seconds (each thread stops at the deadline and
    finishes the request in flight). ``ok(status, location)`` tells a successful submission."""
    threads = len(sessions)
    barrier = threading.Barrier(threads + 1)
    results = [None] * threads
    max_requests = 1_000_000  # bound per thread, far above what fits in the duration

    def worker(index):
        rng = random.Random(index)
        session = sessions[index]
        latencies, failures, first_error = [], 0, None
        barrier.wait()
        deadline = start[0] + duration
        for _ in range(max_requests):
            if time.perf_counter() >= deadline or _stop.is_set():
                break
            t0 = time.perf_counter()
            try:
                status, location, data = request(port, "POST", path, session,
                                                 submission(session, org_names, rng).encode())
            except OSError as exc:
                status, location, data = 0, "", str(exc).encode()
            t1 = time.perf_counter()
            if ok(status, location):
                latencies.append(t1 - t0)
            else:
                failures += 1
                if first_error is None:
                    first_error = f"HTTP {status}: {data[:200].decode('utf-8', 'replace')}"
        results[index] = (latencies, failures, first_error, time.perf_counter())

    start = [0.0]
    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    start[0] = time.perf_counter()
    barrier.wait()
    limit = time.monotonic() + duration + 120
    try:
        for thread in pool:
            while thread.is_alive() and time.monotonic() < limit:
                thread.join(timeout=0.2)  # short waits: a signal handler runs promptly
    except BaseException:
        _stop.set()  # Ctrl-C or a signal: let the client threads go, then the caller stops the servers
        raise
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    done = [r for r in results if r is not None]
    elapsed = max(r[3] for r in done) - start[0]
    latencies = [x for r in done for x in r[0]]
    failures = sum(r[1] for r in done)
    errors = [r[2] for r in done if r[2]]
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    return {"ok": len(latencies), "failures": failures, "first_error": errors[0] if errors else None,
            "elapsed_s": elapsed, "rps": len(latencies) / elapsed if elapsed else 0.0,
            "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
            "p95_ms": sorted(latencies)[max(0, int(0.95 * len(latencies)) - 1)] * 1000 if latencies else None,
            "client_cpu": cpu / elapsed if elapsed else 0.0}


def app_ok(status, location):
    return status == 302 and "/r/" in location


def minimal_ok(status, _location):
    return 200 <= status < 400


def side_by_side(url, slug, org_names, *, threads=8, duration=12.0, rounds=2, warmup=2.0, log=print,
                 app_target="wsgi:app", app_cwd=str(ROOT)) -> dict:
    """EventOps' registration POST and the one-INSERT endpoint, same gunicorn settings, same load,
    alternating (app, minimal) ``rounds`` times so that a noisy neighbour hits both alike."""
    secret = os.urandom(24).hex()
    env = server_env(url, secret)
    app_server = Server("eventops", app_target, env, app_cwd)
    minimal_server = Server("minimal", "minimal_app:app", env, str(BENCH))
    try:
        app_server.start()
        minimal_server.start()
        sessions, form_times = [], []
        for _ in range(threads):
            session, elapsed = open_form(app_server.port, slug)
            sessions.append(session)
            form_times.append(elapsed)
        plain = [ClientSession() for _ in range(threads)]
        register_path = f"/e/{slug}/register"
        # warm both (workers' first requests: imports, pools, templates); not counted
        run_load(app_server.port, register_path, sessions, org_names, warmup, app_ok)
        run_load(minimal_server.port, "/submit", plain, org_names, warmup, minimal_ok)
        rounds_out = []
        for number in range(rounds):
            a = run_load(app_server.port, register_path, sessions, org_names, duration, app_ok)
            log(f"    round {number + 1}: eventops {a['rps']:.1f} req/s ({a['ok']} ok, {a['failures']} failed, "
                f"p50 {a['p50_ms'] or 0:.0f} ms, client CPU {a['client_cpu']:.0%})")
            m = run_load(minimal_server.port, "/submit", plain, org_names, duration, minimal_ok)
            log(f"    round {number + 1}: minimal  {m['rps']:.1f} req/s ({m['ok']} ok, {m['failures']} failed, "
                f"p50 {m['p50_ms'] or 0:.0f} ms, client CPU {m['client_cpu']:.0%})")
            rounds_out.append({"eventops": a, "minimal": m})
    finally:
        app_server.stop()
        minimal_server.stop()

    def total(kind):
        ok = sum(r[kind]["ok"] for r in rounds_out)
        seconds = sum(r[kind]["elapsed_s"] for r in rounds_out)
        return ok / seconds if seconds else 0.0

    app_rps, minimal_rps = total("eventops"), total("minimal")
    failures = {k: sum(r[k]["failures"] for r in rounds_out) for k in ("eventops", "minimal")}
    first_errors = {k: next((r[k]["first_error"] for r in rounds_out if r[k]["first_error"]), None)
                    for k in ("eventops", "minimal")}
    return {"app_rps": app_rps, "minimal_rps": minimal_rps,
            "ratio": app_rps / minimal_rps if minimal_rps else None,
            "threads": threads, "duration_s": duration, "rounds": rounds, "failures": failures,
            "first_errors": first_errors, "form_get_ms": statistics.median(form_times) * 1000,
            "per_round": rounds_out}
