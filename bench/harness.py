"""What every benchmark needs once: servers in process groups of their own, free ports, fresh
databases, production settings for ``create_app``, percentiles, the machine and date header,
markdown tables and marked sections, client load over HTTP, profiles and child processes. (The
event, people and logins the app benchmarks set up are in ``fixtures.py``.)

Nothing here measures by itself or asserts. Only the standard library is imported at module level
(the badge benchmarks measure their own peak memory); eventops, SQLAlchemy and psycopg are imported
where they are used. Benchmarks use domain services, models, the demo data, HTTP and ``create_app``
only, never view modules. For running beside other people's benchmarks:

- ``BENCH_TMP``: where scratch files go (SQLite files, logs, profiles, last runs); default ``/tmp``.
- ``BENCH_PG_PREFIX``: prefix of the PostgreSQL databases the scripts create and drop on
  127.0.0.1:5432 (user ``postgres``); default ``eventops`` (``eventops_bench``, ...).
"""
import atexit
import functools
import io
import json
import math
import os
import platform
import resource
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
OUT = BENCH / "out"                      # git-ignored: logs and profiles of run.py
BIN = ROOT / ".venv" / "bin"
PYTHON, GUNICORN = BIN / "python", BIN / "gunicorn"
HOST = "127.0.0.1"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_ADMIN = f"{PG_SERVER}/test"
PG_PREFIX = os.environ.get("BENCH_PG_PREFIX", "eventops")
TMP = Path(os.environ.get("BENCH_TMP", "/tmp"))
DB_LABEL = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
stop = threading.Event()  # set on SIGTERM/SIGHUP/Ctrl-C: client threads stop at once


log = functools.partial(print, flush=True)


def work_dir(name: str) -> Path:
    path = TMP / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def command_line(script: str, argv=None) -> str:
    args = sys.argv[1:] if argv is None else argv
    return " ".join([".venv/bin/python", f"bench/{script}", *map(shlex.quote, args)])


# --- databases --------------------------------------------------------------------------------

def _pg_admin(statement: str):
    import psycopg
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(statement)


class Database:
    """A database of the benchmark's own: a SQLite file, or database ``<prefix>_<name>`` on the local
    PostgreSQL server. ``fresh()`` drops and re-creates it empty, ``drop()`` removes it."""

    def __init__(self, kind: str, name: str, sqlite_path: Path):
        self.kind, self.label = kind, DB_LABEL[kind]
        if kind == "sqlite":
            self.path = Path(sqlite_path)
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"{PG_PREFIX}_{name}"
            self.url = f"{PG_SERVER}/{self.name}"

    def fresh(self) -> str:
        self.drop()
        if self.kind == "sqlite":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        else:
            _pg_admin(f"CREATE DATABASE {self.name}")
        return self.url

    def drop(self):
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            _pg_admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def db_version(url: str) -> str:
    """'SQLite 3.40.1' or 'PostgreSQL 15.20 (Debian ...)'."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar()
            return "SQLite " + conn.execute(text("select sqlite_version()")).scalar()
    finally:
        engine.dispose()


def bench_config(url: str, **overrides):
    """Production settings (CSRF on, TESTING off) on a bench database, over plain http on
    127.0.0.1: cookies not Secure, rate limiting off, no mail server."""
    import secrets

    from eventops.config import Config
    return type("BenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + secrets.token_hex(16),
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
        "SMTP_HOST": None, "BASE_URL": "http://127.0.0.1", **overrides})


def fresh_schema(app):
    from eventops.extensions import db
    with app.app_context():
        db.drop_all()
        db.create_all()
    release(app)


def release(app):
    """End the session and close the pool (before a server or another process uses the database)."""
    from eventops.extensions import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def analyze(app, tables=()):
    """What a production server's autovacuum does within a minute of a bulk load (this bench server
    runs with autovacuum off): planner statistics. All tables unless some are named."""
    from eventops.extensions import db
    with app.app_context(), db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for statement in [f"ANALYZE {t}" for t in tables] or ["ANALYZE"]:
            conn.exec_driver_sql(statement)


# --- figures ----------------------------------------------------------------------------------

def percentile(values, fraction):
    """Nearest-rank percentile; nan for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summary_ms(samples, label, median="median_ms", **extra) -> dict:
    """n, median, nearest-rank p95 and max of samples in ms."""
    return {"label": label, "n": len(samples), median: statistics.median(samples),
            "p95_ms": percentile(samples, 0.95), "max_ms": max(samples), **extra}


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def fmt(x, digits=1):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


# --- the machine ------------------------------------------------------------------------------

def _sh(*args) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def postgres_version():
    try:
        import psycopg
        with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # noqa: BLE001 - informative only: no server, no version
        return None


def machine() -> dict:
    """Cores, CPU model, memory, load average, Python, SQLite and PostgreSQL versions, date (UTC)."""
    import sqlite3
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "") or platform.processor()
    mem = next((line.split()[1] for line in _sh("free", "-h").splitlines() if line.startswith("Mem:")), "?")
    return {"nproc": _sh("nproc") or str(os.cpu_count()), "cpu": cpu, "mem_total": mem, "loadavg": loadavg(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgres": postgres_version(),
            "date": _sh("date", "-u") or time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime())}


def _load_of(info):
    load = info.get("loadavg") or info.get("load") or "?"
    return " ".join(f"{x:.2f}" for x in load) if isinstance(load, (list, tuple)) else load


def machine_text(info: dict) -> str:
    """One line: cores, CPU, memory, Python, load average at the start."""
    return (f"{info['nproc']} cores ({info['cpu']}), {info.get('mem_total') or info.get('memory')} memory "
            f"(`free -h`), Python {info['python']}; load average {_load_of(info)} at the start")


def machine_lines(info: dict, *extra: str) -> list[str]:
    """The header of a results file, as markdown bullets (extra bullets appended)."""
    versions = [f"Python {info['python']}", f"SQLite {info.get('sqlite', '?')}"]
    if info.get("postgres"):
        versions.append(f"PostgreSQL {info['postgres']}")
    return [f"- Machine: {info['nproc']} cores ({info['cpu']}), {info.get('mem_total') or info.get('memory')} "
            f"memory (`free -h`), shared and noisy (load average {_load_of(info)} at the start)",
            f"- Date: {info['date']} (`date -u`)", "- " + ", ".join(versions), *(f"- {x}" for x in extra)]


# --- markdown ---------------------------------------------------------------------------------

def md_table(header, rows, align=None) -> list[str]:
    """A markdown table; ``align``: one of '---', '---:' per column (default left)."""
    return (["| " + " | ".join(header) + " |", "|" + "".join(f"{a}|" for a in (align or ["---"] * len(header)))]
            + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def section(text: str, start: str, end: str | None = None) -> str | None:
    """The part of ``text`` from ``start`` to ``end`` (both included; to the end without one)."""
    i = text.find(start)
    if i < 0 or (end is not None and text.find(end, i) < 0):
        return None
    return text[i:] if end is None else text[i:text.index(end, i) + len(end)]


def publish(results: Path, title: str, doc: str, body: str, marker: str, heading: str):
    """Write a results file (``title``, the script docstring's description up to "Usage::", then
    ``body``) and put ``body`` under ``heading`` into bench/README.md between the ``marker`` comments."""
    description = doc.split("\n\n", 1)[1].split("Usage::")[0]
    results.write_text(f"# {title}\n\n{description}## Results\n\n{body}\n", encoding="utf-8")
    start, end = f"<!-- bench:{marker}:start -->", f"<!-- bench:{marker}:end -->"
    replace_section(BENCH / "README.md", start, end, f"{start}\n## {heading}\n\n{body}\n{end}")
    log(f"wrote {results.relative_to(ROOT)} and the {marker} section of bench/README.md")


def run_databases(args, bench_database, report, work: Path, publish_as: tuple | None):
    """Run ``bench_database(kind, args)`` for the databases of ``--db``, print ``report(results,
    machine)``, keep the figures in ``work``/last-run.json and, unless ``--quick``, publish them
    (``publish_as``: the arguments of :func:`publish` but ``body``)."""
    import json
    info = machine()
    results = [bench_database(kind, args) for kind in (("postgres", "sqlite") if args.db == "both" else (args.db,))]
    body = report(results, info)
    print(body)
    (work / "last-run.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    if not args.quick and publish_as:
        publish(*publish_as[:3], body, *publish_as[3:])
    return results


def arguments(doc: str, quick: str):
    """The parser every two-database benchmark starts from: --db, --keep, --quick."""
    import argparse
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--db", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database at the end")
    parser.add_argument("--quick", action="store_true", help=quick)
    return parser


def replace_section(path: Path, start: str, end: str, block: str, *, head: str = "", before: str | None = None):
    """Put ``block`` (from ``start`` to ``end``) in place of that section of the file; without one,
    insert it before the line ``before`` if there is one, else append it (a new file begins with ``head``)."""
    text = path.read_text("utf-8") if path.exists() else head
    if start in text and end in text:
        text = text.split(start, 1)[0] + block + text.split(start, 1)[1].split(end, 1)[1]
    elif before and before in text:
        text = text.replace(before, block + "\n\n" + before, 1)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


# --- servers ----------------------------------------------------------------------------------

_running: list["Server"] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_env(url: str, **extra) -> dict:
    """This process's environment without EventOps/Flask settings, plus the bench database, a random
    secret, no rate limit and non-Secure cookies (plain http on 127.0.0.1)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("EVENTOPS_") and k not in ("FLASK_APP", "FLASK_DEBUG")}
    env.update({"EVENTOPS_DATABASE_URL": url, "EVENTOPS_SECRET_KEY": os.urandom(24).hex(), "EVENTOPS_RATELIMIT": "0",
                "EVENTOPS_SECURE_COOKIES": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT), **extra})
    return env


class Server:
    """``gunicorn -w 2`` serving ``target`` (or any command given as ``argv``, with ``{port}``) in a
    process group of its own, so that stopping it stops exactly what this script started."""

    def __init__(self, name, target, env, *, cwd=ROOT, log_dir=OUT, workers=2, argv=None, ready_path="/"):
        self.name, self.port, self.env, self.cwd, self.ready_path = name, free_port(), env, Path(cwd), ready_path
        self.cmd = [a.format(port=self.port) for a in argv] if argv else [
            str(GUNICORN), "-w", str(workers), "-b", f"{HOST}:{self.port}", "--timeout", "60",
            "--graceful-timeout", "5", target]
        self.log_path = Path(log_dir) / f"gunicorn-{name}.log"
        self.proc = None

    def command(self) -> str:
        """The command as a report shows it: relative paths, no secret, PORT for the port."""
        env = " ".join(f"{k}={'<random>' if k == 'EVENTOPS_SECRET_KEY' else v}" for k, v in self.env.items()
                       if k.startswith("EVENTOPS_") or k == "BENCH_COUNTER_ROWS")
        where = "" if self.cwd == ROOT else f"cd {self.cwd.relative_to(ROOT)} && "
        return f"{where}{env} {' '.join(self.cmd)}".replace(str(ROOT) + "/", "").replace(f":{self.port}", ":PORT")

    def start(self, timeout=60):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as logfile:
            self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=logfile,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        _running.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server {self.name} exited: see {self.log_path}")
            try:
                fetch(self.port, "GET", self.ready_path, timeout=5)
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server {self.name} did not answer within {timeout} s: see {self.log_path}")

    def stop(self):
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the master leads its own group
        try:
            if self.proc.poll() is None:
                os.killpg(pgid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(pgid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
            os.killpg(pgid, signal.SIGKILL)  # workers left behind by the master (same group)
        except (ProcessLookupError, PermissionError):
            pass
        if self in _running:
            _running.remove(self)
        self.proc = None

    def cpu_seconds(self) -> float:
        pgid = self.proc.pid if self.proc else None
        return proc_cpu(lambda pgrp, _comm: pgrp == pgid)

    __enter__ = start

    def __exit__(self, *exc):
        self.stop()


def stop_all():
    for server in list(_running):
        try:
            server.stop()
        except Exception as exc:  # noqa: BLE001 - keep stopping the others
            log(f"could not stop {server.name}: {exc}")


def _on_signal(signum, _frame):
    stop.set()
    stop_all()
    raise SystemExit(128 + signum)


atexit.register(stop_all)
for _sig in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


TICK = os.sysconf("SC_CLK_TCK")


def _processes(select):
    """(pid, /proc/<pid>/stat fields after the command) of the processes selected by (process
    group, command name)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        if select(int(fields[2]), raw[raw.index("(") + 1:raw.rindex(")")]):
            yield entry, fields


def proc_cpu(select) -> float:
    """CPU seconds (user + system) of the processes selected by (process group, command name)."""
    return sum(int(fields[11]) + int(fields[12]) for _pid, fields in _processes(select)) / TICK


def group_rss_mb(pgid) -> float:
    """Resident memory of the processes of one process group (a server or worker and its children), MB."""
    total = 0
    for pid, _fields in _processes(lambda pgrp, _comm: pgrp == pgid):
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def _cpu_now() -> dict:
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    me = resource.getrusage(resource.RUSAGE_SELF)
    return {"servers": {s.name: s.cpu_seconds() for s in _running},
            "postgres": proc_cpu(lambda _pgrp, comm: comm.startswith("postgres")),
            "client": me.ru_utime + me.ru_stime, "busy": sum(values) - values[3] - values[4], "all": sum(values)}


# --- HTTP load --------------------------------------------------------------------------------

def fetch(port, method, path, body=None, headers=None, timeout=60):
    """One request on a new connection (gunicorn's sync workers close it): (status, response, body)."""
    import http.client
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response, response.read()
    finally:
        conn.close()


class Browser:
    """What a browser keeps between requests: its cookies, and the csrf_token of the last form."""

    HEADERS = {"Accept-Language": "zh-CN,zh;q=0.9", "User-Agent": "eventops-bench", "Accept": "text/html"}

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, port, method, path, body=None, timeout=60):
        from http.cookies import SimpleCookie
        headers = dict(self.HEADERS)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response, data = fetch(port, method, path, body, headers, timeout)
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0" or "1970" in (morsel["expires"] or ""):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        return status, response.getheader("Location") or "", data


class Tally:
    """One client thread's account: latencies, good answers by kind, wrong answers and connection
    errors, the first of those."""

    def __init__(self):
        self.latencies, self.kinds, self.wrong, self.errors, self.first_wrong = [], {}, 0, 0, None

    def good(self, kind="ok"):
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def bad(self, message, error=False):
        if error:
            self.errors += 1
        else:
            self.wrong += 1
        self.first_wrong = self.first_wrong or message


def merged(tallies) -> dict:
    kinds = {}
    for t in tallies:
        for k, v in t.kinds.items():
            kinds[k] = kinds.get(k, 0) + v
    return {"latencies": [x for t in tallies for x in t.latencies], "kinds": kinds, "good": sum(kinds.values()),
            "wrong": sum(t.wrong for t in tallies), "errors": sum(t.errors for t in tallies),
            "first_wrong": next((t.first_wrong for t in tallies if t.first_wrong), None)}


def drive(threads, duration, step, *, interval=None, setup=None) -> dict:
    """``threads`` client threads call ``step(i, state)`` for ``duration`` seconds (bounded to a
    million calls each; the call in flight finishes). Closed loop (the next call as soon as the last
    returned), or paced with ``interval``: thread i calls at start + interval * (k + i / threads).
    ``step`` returns False to stop its thread (no work left). ``setup(i)``, a context manager entered
    in the thread before the start, gives ``state``. Returns elapsed seconds and, in cores over the
    round: the running servers' CPU, all postgres processes', this client's and the whole machine's."""
    barrier = threading.Barrier(threads + 1, timeout=300)
    finished, early, start = [None] * threads, [False] * threads, [0.0]

    def worker(i):
        try:
            with (setup(i) if setup else nullcontext()) as state:
                barrier.wait()
                deadline = start[0] + duration
                for k in range(1_000_000):
                    if interval:
                        due = start[0] + interval * (k + i / threads)
                        pause = due - time.perf_counter()
                        if pause > 0:
                            if due >= deadline:
                                break
                            time.sleep(pause)
                    if time.perf_counter() >= deadline or stop.is_set():
                        break
                    if step(i, state) is False:
                        early[i] = True
                        break
                finished[i] = time.perf_counter()
        finally:
            finished[i] = finished[i] or time.perf_counter()

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    before = _cpu_now()
    start[0] = time.perf_counter()
    barrier.wait()
    limit = time.monotonic() + duration + 120
    try:
        for thread in pool:
            while thread.is_alive() and time.monotonic() < limit:
                thread.join(timeout=0.2)  # short waits: a signal handler runs promptly
    except BaseException:
        stop.set()  # Ctrl-C or a signal: let the client threads go; the caller stops the servers
        raise
    if any(thread.is_alive() for thread in pool):
        stop.set()
        raise RuntimeError("client threads did not finish")
    elapsed = max(f for f in finished if f is not None) - start[0]
    after = _cpu_now()
    per = elapsed or 1.0
    return {"elapsed_s": elapsed, "early": sum(early),
            "server_cpu": {k: (v - before["servers"].get(k, 0.0)) / per for k, v in after["servers"].items()},
            "postgres_cpu": (after["postgres"] - before["postgres"]) / per,
            "client_cpu": (after["client"] - before["client"]) / per,
            "machine_busy": (after["busy"] - before["busy"]) / max(1, after["all"] - before["all"]) * (os.cpu_count() or 1)}


# --- profiles and child processes -------------------------------------------------------------

def write_profile(profile, path: Path, orders=(("cumulative", 35), ("tottime", 35)), strip=False):
    """The listing for each (sort order, lines) at ``path`` (.txt; directories stripped from the
    file names if ``strip``), the raw stats beside it (.prof). Returns the stats, with full names."""
    import pstats
    path.parent.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    listing = pstats.Stats(profile, stream=text)
    if strip:
        listing.strip_dirs()
    for n, (order, lines) in enumerate(orders):
        text.write(f"\n--- sorted by {order} ---\n" if n else "")
        listing.sort_stats(order).print_stats(lines)
    path.write_text(text.getvalue())
    stats = pstats.Stats(profile)
    stats.dump_stats(path.with_suffix(".prof"))  # for snakeviz / pstats
    return stats


def cumulative(stats, file_end: str, funcs, pick=sum):
    """Cumulative seconds (and calls) of the functions ``funcs`` in files ending ``file_end``:
    summed over the matches (or the one that ``pick=max`` picks)."""
    funcs = (funcs,) if isinstance(funcs, str) else funcs
    found = [(v[3], v[1]) for (fname, _line, fn), v in stats.stats.items() if fname.endswith(file_end) and fn in funcs]
    if not found:
        return 0.0, 0
    if pick is max:
        return max(found)
    return sum(ct for ct, _ in found), sum(nc for _, nc in found)


def short_name(filename: str) -> str:
    for marker in ("/site-packages/", "/eventops/", "/lib/python"):
        if marker in filename:
            rest = filename.split(marker, 1)[1]
            return "eventops/" + rest if marker == "/eventops/" else rest
    return filename


def hot_spots(stats, top=12, also=None) -> dict:
    """The functions with the most own time, and the project's (eventops/, and whatever
    ``also(file, function)`` adds) by cumulative time: seconds and calls over the whole profile."""
    rows = [{"func": f"{short_name(file)}:{line}({fn})", "ncalls": nc, "tottime": tt, "cumtime": ct,
             "project": ("/eventops/" in file and "/bench/" not in file) or bool(also and also(file, fn))}
            for (file, line, fn), (_cc, nc, tt, ct, _callers) in stats.stats.items()]
    return {"own": sorted(rows, key=lambda r: -r["tottime"])[:top], "total": stats.total_tt or 1,
            "project": sorted((r for r in rows if r["project"]), key=lambda r: -r["cumtime"])[:top]}


def run_child(args, *, timeout, extra_path=None, echo=False) -> dict:
    """Run ``python args...`` in a process of its own and return the JSON of its ``RESULT `` line."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if extra_path:
        env["PYTHONPATH"] = str(extra_path)
    proc = subprocess.run([str(PYTHON), *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    lines = proc.stdout.splitlines()
    if echo:
        sys.stdout.write("".join(line + "\n" for line in lines if not line.startswith("RESULT ")))
    line = next((line for line in lines if line.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"{' '.join(map(str, args[:2]))} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(line[7:])


def result(data):
    """What a child process hands back to ``run_child``."""
    print("RESULT " + json.dumps(data, default=str), flush=True)
