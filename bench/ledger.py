"""Benchmark of the signing ledger: recording throughput, the live-total query, and the big screen's
update delay under 50 open screens. On SQLite and/or PostgreSQL, traffic to 127.0.0.1 only.

    .venv/bin/python bench/ledger.py --db sqlite|postgres|both

1. Recording: ``services.record`` + one commit per entry (like one request), single thread, until
   the event holds ``--entries`` entries (100,000). If the projection after the first 20,000 says
   the loop would take longer than ``--record-budget`` seconds, the throughput figure is the first
   20,000 and the rest is filled with the same service call, committing every 500 entries, for at
   most ``--fill-budget`` seconds. Then 1 thread and 8 threads (each its own app context) record
   for ``--contention-seconds`` each on the same, full event: the head row lock's contention.
2. Live total with the event full: ``services.summary(event)`` in-process (300 calls) and
   GET /api/v1/events/<slug>/signings/summary through the Flask test client without ETag (200).
3. The big screen: gunicorn -w 2 serves the app; 50 screen threads poll the summary once a second
   with If-None-Match as static/js/live.js does; every ~3 s the bench records a contract (services
   + commit) and each screen's delay from that commit to its first response showing the new seq
   is measured (~20 recordings).

Writes bench/results/ledger.md and prints a table. Profiles (cProfile) go to /tmp.
"""
import argparse
import cProfile
import http.client
import io
import json
import math
import os
import platform
import pstats
import random
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy import event as sa_event  # noqa: E402

from eventops import create_app  # noqa: E402
from eventops.accounts import services as accounts  # noqa: E402
from eventops.accounts.models import ROLE_LEDGER_CLERK, EventRole, User  # noqa: E402
from eventops.config import Config  # noqa: E402
from eventops.core.timeutil import now_utc  # noqa: E402
from eventops.events import services as events  # noqa: E402
from eventops.events.models import Event  # noqa: E402
from eventops.extensions import db  # noqa: E402
from eventops.ledger import services as ledger  # noqa: E402
from eventops.ledger.models import CONTRACT_CATEGORIES, LedgerEntry, LedgerHead  # noqa: E402
from eventops.registration import services as registrations  # noqa: E402
from eventops.registration.validation import RegistrationData  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ledger.md"
TMP = Path("/tmp")
SQLITE_PATH = TMP / "eventops_ledger_bench.sqlite3"
PG_DB = "eventops_ledger_bench"
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
SLUG = "bench-signing"
SUMMARY_PATH = f"/api/v1/events/{SLUG}/signings/summary"
TARGET_SUMMARY_P95_MS = 20.0
TARGET_DELAY_S = 2.0

HOSPITALS = ["广东省中医院", "暨南大学附属第一医院", "广州医科大学附属妇女儿童医疗中心", "中山大学附属第一医院",
             "南方医科大学南方医院"]
COMPANIES = ["广州医药集团有限公司", "百济神州（广州）生物科技有限公司", "广州金域医学检验集团股份有限公司",
             "香雪制药股份有限公司", "达安基因股份有限公司"]
TITLES = ["院内制剂转化合作协议", "创新药临床试验合作协议", "战略合作框架协议", "专利许可协议", "联合实验室共建协议"]
CATEGORIES = list(CONTRACT_CATEGORIES)


def bench_config(url):
    """Production settings on the bench database (rate limits off, as in the brief)."""
    return type("LedgerBenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-" + secrets.token_hex(16),
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
        "SMTP_HOST": None, "BASE_URL": "http://127.0.0.1",
    })


def percentile(values, fraction):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- database and event ------------------------------------------------------------------------

def fresh_database(kind):
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(SQLITE_PATH) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    admin = create_engine("postgresql://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DB})
        if not exists:
            conn.execute(text(f"CREATE DATABASE {PG_DB}"))
    admin.dispose()
    return PG_URL


def make_schema(app):
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()


def make_signing_event(app):
    """As tests/ledger/conftest.py: an event, organisations taking part, two sessions, a clerk."""
    with app.test_request_context(base_url="http://127.0.0.1"):
        organizer = accounts.create_user("organizer@bench.example.cn", "bench-organizer-password", name="主办方")
        clerk = accounts.create_user("clerk@bench.example.cn", "bench-clerk-password", name="签约登记")
        db.session.commit()
        now = now_utc()
        event = events.create_event(events.EventData(
            slug=SLUG, name_zh="广州研究型医院联盟院企合作活动（签约压测）", name_en="Ledger benchmark",
            venue_zh="广州", venue_en="Guangzhou", starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=30, hours=8), timezone="Asia/Shanghai",
            registration_opens_at=now - timedelta(days=1), registration_closes_at=now + timedelta(days=29),
            interest_tags=["临床试验", "成果转化"]), actor=organizer)
        db.session.commit()
        for n, name in enumerate(HOSPITALS + COMPANIES, 1):
            registrations.register(event, RegistrationData(
                name=f"张{n}媛", organisation=name, org_type="hospital" if name in HOSPITALS else "enterprise",
                position="主任", mobile=f"139{n:08d}", email=f"p{n}@bench.example.cn", category="attendee",
                tags=["临床试验"]))
        sessions = [ledger.add_session(event, name_zh=f"第{i}场签约仪式", actor=organizer) for i in (1, 2)]
        db.session.add(EventRole(user_id=clerk.id, event_id=event.id, role=ROLE_LEDGER_CLERK))
        db.session.commit()
        ids = {"event": event.id, "clerk": clerk.id, "sessions": [s.id for s in sessions]}
        db.session.remove()
    return ids


def contract(rng, session_ids):
    undisclosed = rng.random() < 0.05
    return ledger.ContractData(
        title=rng.choice(TITLES), category=rng.choice(CATEGORIES),
        amount=None if undisclosed else f"{rng.randrange(10_000, 500_000_000)}.{rng.randrange(100):02d}",
        undisclosed=undisclosed, session_id=rng.choice(session_ids),
        parties=[rng.choice(HOSPITALS), rng.choice(COMPANIES)], signatories=["张忠德", "刘宏"])


class Recorder:
    """One app context (one session), recording contracts like a request would: service + commit."""

    def __init__(self, app, ids, name, seed):
        self.app, self.ids, self.name = app, ids, name
        self.rng = random.Random(seed)
        self.n = 0

    def __enter__(self):
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.event = db.session.get(Event, self.ids["event"])
        self.clerk = db.session.get(User, self.ids["clerk"])
        return self

    def __exit__(self, *exc):
        db.session.rollback()
        db.session.remove()
        self.ctx.pop()

    def record(self, commit=True):
        self.n += 1
        entry, created = ledger.record(self.event, contract(self.rng, self.ids["sessions"]), actor=self.clerk,
                                       key=f"{self.name}-{self.n:08d}-{secrets.token_hex(4)}")
        seq = entry.seq
        if commit:
            db.session.commit()
        if not created:
            raise RuntimeError("idempotency key collision")
        return seq


def entry_count(app, event_id):
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.event_id == event_id))
        head = db.session.get(LedgerHead, event_id)
        out = (n, head.last_seq if head else 0)
        db.session.remove()
    return out


# --- 1. recording --------------------------------------------------------------------------------

def autovacuum_is_on(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        on = conn.scalar(text("SHOW autovacuum")) == "on"
    engine.dispose()
    return on


def maintenance(url):
    """What autovacuum would do on a server where it runs: fresh statistics (and so fresh plans: an
    ANALYZE invalidates the prepared statements' cached plans) and dead head/total row versions
    removed. Only used on PostgreSQL when the server has autovacuum off, as this bench server does."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM (ANALYZE) ledger_heads, ledger_totals"))
        conn.execute(text("ANALYZE ledger_entries, audit_entries"))
    engine.dispose()


def record_loop(app, ids, args):
    """Single thread, one commit per entry, up to args.entries; see the module docstring."""
    out = {"mode": "", "measured_entries": 0, "measured_s": 0.0, "filled_entries": 0, "fill_s": 0.0,
           "fill_commit_every": 500, "checkpoints": []}
    target = args.entries
    check_at = min(args.projection_after, target)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    manual = url.startswith("postgresql") and not autovacuum_is_on(url)
    out["maintenance"] = "manual VACUUM/ANALYZE at 1,000 and every 5,000 entries (autovacuum is off)" if manual \
        else ""
    out["maintenance_s"] = 0.0
    with Recorder(app, ids, "single", 1) as rec:
        t0 = time.perf_counter()
        last = t0
        i = 0
        while i < target:
            rec.record()
            i += 1
            if manual and (i == 1000 or i % 5000 == 0):
                m0 = time.perf_counter()
                maintenance(url)
                spent = time.perf_counter() - m0
                out["maintenance_s"] += spent
                t0 += spent   # not part of the recording figure: autovacuum runs in the background
                last += spent
            if i % 5000 == 0 or i == check_at:
                now = time.perf_counter()
                out["checkpoints"].append((i, now - t0, 5000 / (now - last) if i % 5000 == 0 else None))
                last = now
                log(f"  recorded {i:,} ({i / (now - t0):.0f}/s overall)")
            if i == check_at and i < target:
                projected = (time.perf_counter() - t0) / i * target
                if projected > args.record_budget:
                    log(f"  projection {projected:.0f} s > budget {args.record_budget} s: stop measuring at {i:,}")
                    break
        out["measured_entries"] = i
        out["measured_s"] = time.perf_counter() - t0
        out["mode"] = "all one commit each" if i >= target else "first part one commit each, rest filled"
        if i < target:
            t1 = time.perf_counter()
            deadline = t1 + args.fill_budget
            while i < target and time.perf_counter() < deadline:
                for _ in range(min(out["fill_commit_every"], target - i)):
                    rec.record(commit=False)
                    i += 1
                db.session.commit()
                if manual and i % 5000 == 0:
                    maintenance(url)
                if i % 10000 == 0:
                    log(f"  filled to {i:,}")
            out["filled_entries"] = i - out["measured_entries"]
            out["fill_s"] = time.perf_counter() - t1
    out["entries_per_s"] = out["measured_entries"] / out["measured_s"]
    return out


def contention(app, ids, threads, seconds):
    """``threads`` threads record on the same event for ``seconds``; each its own app context."""
    stop = threading.Event()
    start = threading.Barrier(threads + 1)
    results = [None] * threads

    def worker(index):
        latencies, errors = [], []
        with Recorder(app, ids, f"t{threads}-{index}", 100 + index) as rec:
            start.wait(120)
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    rec.record()
                    latencies.append(time.perf_counter() - t0)
                except Exception as exc:  # counted and reported
                    db.session.rollback()
                    errors.append(repr(exc)[:200])
        results[index] = (latencies, errors)

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    start.wait(120)
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join(120)
    elapsed = time.perf_counter() - t0
    latencies = [x for r in results if r for x in r[0]]
    errors = [x for r in results if r for x in r[1]]
    return {"threads": threads, "seconds": elapsed, "entries": len(latencies),
            "entries_per_s": len(latencies) / elapsed, "p50_ms": percentile(latencies, .5) * 1000,
            "p95_ms": percentile(latencies, .95) * 1000, "max_ms": max(latencies) * 1000 if latencies else 0,
            "errors": len(errors), "error_samples": errors[:3]}


def _process_worker(url, ids, index, ready, go, seconds, queue):
    app = create_app(bench_config(url))
    latencies, errors = [], []
    with Recorder(app, ids, f"p-{index}", 200 + index) as rec:
        rec.event.slug, rec.clerk.email  # loaded before the start
        ready.release()
        go.wait(120)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            try:
                rec.record()
                latencies.append(time.perf_counter() - t0)
            except Exception as exc:  # counted and reported
                db.session.rollback()
                errors.append(repr(exc)[:200])
    queue.put((latencies, errors))


def contention_processes(url, ids, processes, seconds):
    """Like ``contention`` but with separate processes (as gunicorn workers are): no shared GIL."""
    import multiprocessing
    ctx = multiprocessing.get_context("spawn")
    ready, go, queue = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(url, ids, i, ready, go, seconds, queue), daemon=True)
             for i in range(processes)]
    try:
        for p in procs:
            p.start()
        for _ in procs:
            if not ready.acquire(timeout=120):
                raise RuntimeError("a recording process did not start")
        t0 = time.perf_counter()
        go.set()
        results = [queue.get(timeout=seconds + 120) for _ in procs]
        elapsed = time.perf_counter() - t0
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
    latencies = [x for r in results for x in r[0]]
    errors = [x for r in results for x in r[1]]
    return {"threads": f"{processes}p", "seconds": elapsed, "entries": len(latencies),
            "entries_per_s": len(latencies) / elapsed, "p50_ms": percentile(latencies, .5) * 1000,
            "p95_ms": percentile(latencies, .95) * 1000, "max_ms": max(latencies) * 1000 if latencies else 0,
            "errors": len(errors), "error_samples": errors[:3]}


# --- 2. live total -----------------------------------------------------------------------------

class StatementTimer:
    """Time spent inside cursor.execute (round trip + server work), and how many statements."""

    def __init__(self, engine):
        self.engine, self.total, self.count, self.on = engine, 0.0, 0, False
        sa_event.listen(engine, "before_cursor_execute", self.before)
        sa_event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, params, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    def after(self, conn, cursor, statement, params, context, executemany):
        if self.on:
            self.total += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
            self.count += 1

    def close(self):
        sa_event.remove(self.engine, "before_cursor_execute", self.before)
        sa_event.remove(self.engine, "after_cursor_execute", self.after)


def time_summary(app, ids, calls=300, http_calls=200, warmup=10):
    with app.app_context():
        event = db.session.get(Event, ids["event"])
        for _ in range(warmup):
            ledger.summary(event)
            db.session.rollback()
        samples = []
        timer = StatementTimer(db.engine)
        timer.on = True
        for _ in range(calls):
            t0 = time.perf_counter()
            result = ledger.summary(event)
            samples.append((time.perf_counter() - t0) * 1000)
            db.session.rollback()  # a new transaction per call, as per request
        timer.on = False
        timer.close()
        seq = result["seq"]
        db.session.remove()
    client = app.test_client()
    http = []
    for i in range(warmup + http_calls):
        t0 = time.perf_counter()
        response = client.get(SUMMARY_PATH)
        body = response.get_data()
        if i >= warmup:
            http.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"summary endpoint: HTTP {response.status_code}")
    data = json.loads(body)
    # and what a 304 costs, for information
    etag = response.headers["ETag"]
    not_modified = []
    for _ in range(100):
        t0 = time.perf_counter()
        r = client.get(SUMMARY_PATH, headers={"If-None-Match": etag})
        r.get_data()
        not_modified.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 304:
            raise RuntimeError(f"summary endpoint with ETag: HTTP {r.status_code}")
    return {"seq": seq, "json_seq": data["seq"], "json_bytes": len(body), "load": loadavg(),
            "statements_per_call": timer.count / calls, "statement_ms_per_call": timer.total * 1000 / calls,
            "inproc": {"n": len(samples), "p50": percentile(samples, .5), "p95": percentile(samples, .95),
                       "max": max(samples)},
            "http": {"n": len(http), "p50": percentile(http, .5), "p95": percentile(http, .95), "max": max(http)},
            "http304": {"n": len(not_modified), "p50": percentile(not_modified, .5),
                        "p95": percentile(not_modified, .95), "max": max(not_modified)}}


def explain_summary(app, ids):
    """The query plans of summary()'s two entry queries (for the report)."""
    with app.app_context():
        event = db.session.get(Event, ids["event"])
        recent_ids = [r.id for r in db.session.scalars(select(LedgerEntry).where(
            LedgerEntry.event_id == event.id, LedgerEntry.kind == "record")
            .order_by(LedgerEntry.seq.desc()).limit(32))]
        pg = db.engine.dialect.name == "postgresql"
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if pg else "EXPLAIN QUERY PLAN "
        plans = {}
        q1 = ("SELECT * FROM ledger_entries WHERE event_id = :e AND kind = 'record' ORDER BY seq DESC LIMIT 32")
        q2 = (f"SELECT * FROM ledger_entries WHERE target_id IN ({','.join(map(str, recent_ids))}) "
              "AND kind != 'record'")
        for name, q in (("recent", q1), ("follow-ups", q2)):
            rows = db.session.execute(text(prefix + q), {"e": event.id}).all()
            plans[name] = "\n".join(" | ".join(str(c) for c in row) for row in rows)
        db.session.remove()
    return plans


def profile_summary(app, ids, calls=100):
    profile = cProfile.Profile()
    client = app.test_client()
    client.get(SUMMARY_PATH)
    profile.enable()
    for _ in range(calls):
        client.get(SUMMARY_PATH).get_data()
    profile.disable()
    return _write_profile(profile, f"ledger-summary-{db_name(app)}")


def profile_record(app, ids, calls=300):
    profile = cProfile.Profile()
    with Recorder(app, ids, "profile", 9) as rec:
        profile.enable()
        for _ in range(calls):
            rec.record()
        profile.disable()
    return _write_profile(profile, f"ledger-record-{db_name(app)}")


def db_name(app):
    return "postgres" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"


def _write_profile(profile, name, lines=30):
    buffer = io.StringIO()
    stats = pstats.Stats(profile, stream=buffer)
    stats.sort_stats("cumulative").print_stats(lines)
    buffer.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(lines)
    path = TMP / f"profile-{name}.txt"
    path.write_text(buffer.getvalue())
    stats.dump_stats(TMP / f"profile-{name}.prof")
    return path, _top_own(stats)


def _top_own(stats, n=8):
    """The functions with the most own time, as (share, calls, name) lines."""
    rows = []
    total = stats.total_tt or 1
    for (file, line, fn), (cc, nc, tt, ct, callers) in stats.stats.items():
        rows.append((tt, nc, f"{Path(file).name}:{line}({fn})"))
    rows.sort(reverse=True)
    lines = [f"{tt / total:5.1%} own  {nc:>7} calls  {name}" for tt, nc, name in rows[:n]]
    # and the project's own functions by cumulative time: which step of the service costs what
    ours = []
    for (file, line, fn), (cc, nc, tt, ct, callers) in stats.stats.items():
        if "/eventops/" in file or fn in ("commit",) and "session" in file:
            ours.append((ct, nc, f"{file.split('/eventops/')[-1] if '/eventops/' in file else Path(file).name}:{line}({fn})"))
    ours.sort(reverse=True)
    lines.append("-- cumulative, project functions and Session.commit --")
    lines += [f"{ct / total:5.1%} cum  {nc:>7} calls  {name}" for ct, nc, name in ours[:14]]
    return lines


# --- 3. the big screen -------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url, port, logfile):
    env = {**os.environ, "EVENTOPS_DATABASE_URL": url, "EVENTOPS_SECRET_KEY": "x", "EVENTOPS_RATELIMIT": "0"}
    out = open(logfile, "w")
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                             "wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {logfile}")
        try:
            status, _h, _b = get(port, SUMMARY_PATH, None, timeout=2)
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {logfile}")


def stop_process(proc):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: gunicorn's master and its workers
        proc.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)


def get(port, path, etag, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"If-None-Match": etag} if etag else {})
        response = conn.getresponse()
        body = response.read()
        return response.status, response.getheader("ETag"), body
    finally:
        conn.close()


def screens(app, ids, url, screens_n=50, recordings=20, every=3.0, settle=3.0):
    port = free_port()
    logfile = TMP / f"eventops-ledger-bench-gunicorn-{db_name(app)}.log"
    proc = None
    stop = threading.Event()
    observations = [[] for _ in range(screens_n)]   # per screen: (monotonic time, seq) per response
    counts = [{"200": 0, "304": 0, "other": 0, "errors": 0, "latency": []} for _ in range(screens_n)]
    commits = []  # (seq, monotonic, wall)
    try:
        proc = start_gunicorn(url, port, logfile)

        def screen(index):
            rng = random.Random(index)
            time.sleep(rng.random())  # screens were opened at different moments
            etag, seq = None, None
            c = counts[index]
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    status, new_etag, body = get(port, SUMMARY_PATH, etag)
                    t1 = time.monotonic()
                    c["latency"].append(t1 - t0)
                    if status == 304:
                        c["304"] += 1
                    elif status == 200:
                        c["200"] += 1
                        etag = new_etag
                        seq = json.loads(body)["seq"]
                    else:
                        c["other"] += 1
                    if seq is not None:
                        observations[index].append((t1, seq))
                except OSError:
                    c["errors"] += 1
                stop.wait(1.0)  # live.js: setTimeout(poll, 1000) after each answer

        threads = [threading.Thread(target=screen, args=(i,), daemon=True) for i in range(screens_n)]
        for t in threads:
            t.start()
        time.sleep(settle)
        window_start = time.monotonic()
        baseline = [sum(c[k] for k in ("200", "304", "other", "errors")) for c in counts]
        with Recorder(app, ids, "screen", 7) as rec:
            rng = random.Random(3)
            for _ in range(recordings):
                time.sleep(every * (0.8 + 0.4 * rng.random()))  # ~every 3 s, not in step with the polls
                seq = rec.record(commit=False)
                db.session.commit()
                commits.append((seq, time.monotonic(), time.time()))
        time.sleep(settle)
        window_end = time.monotonic()
        after = [sum(c[k] for k in ("200", "304", "other", "errors")) for c in counts]
        stop.set()
        for t in threads:
            t.join(10)
    finally:
        stop.set()
        stop_process(proc)

    delays, unseen = [], 0
    for seq, t_commit, _wall in commits:
        for obs in observations:
            seen = next((t for t, s in obs if s >= seq and t >= t_commit), None)
            if seen is None:
                unseen += 1
            else:
                delays.append(seen - t_commit)
    total = {k: sum(c[k] for c in counts) for k in ("200", "304", "other", "errors")}
    requests = sum(total.values())
    window_requests = sum(after) - sum(baseline)
    latencies = [x for c in counts for x in c["latency"]]
    return {"screens": screens_n, "recordings": len(commits), "delays": len(delays), "unseen": unseen,
            "p50_s": percentile(delays, .5), "p95_s": percentile(delays, .95), "max_s": max(delays) if delays else 0,
            "req_per_s": window_requests / (window_end - window_start), "requests": requests,
            "share_304": total["304"] / max(1, requests), "status": total,
            "latency_p50_ms": percentile(latencies, .5) * 1000, "latency_p95_ms": percentile(latencies, .95) * 1000,
            "latency_max_ms": max(latencies) * 1000 if latencies else 0, "log": str(logfile),
            "first_commit_utc": datetime.fromtimestamp(commits[0][2], timezone.utc).isoformat() if commits else ""}


# --- one backend -------------------------------------------------------------------------------

def run_backend(kind, args):
    log(f"=== {kind} ===")
    url = fresh_database(kind)
    app = create_app(bench_config(url))
    make_schema(app)
    ids = make_signing_event(app)
    with app.app_context():
        version = db.session.scalar(text("SHOW server_version")) if kind == "postgres" else sqlite3.sqlite_version
        db.session.remove()
    result = {"kind": kind, "version": version, "url": url, "load": {"start": loadavg()},
              "date": subprocess.run(["date", "-u"], capture_output=True, text=True).stdout.strip(),
              "argv": " ".join(sys.argv[1:])}

    log(f"1. recording {args.entries:,} entries, one commit each")
    result["record"] = record_loop(app, ids, args)
    rec = result["record"]
    log(f"   {rec['entries_per_s']:.0f} entries/s over {rec['measured_entries']:,} entries "
        f"({rec['measured_s']:.0f} s); filled {rec['filled_entries']:,} in {rec['fill_s']:.0f} s")
    if kind == "postgres":
        maintenance(url)
    result["entries_at_summary"] = entry_count(app, ids["event"])
    result["load"]["after recording"] = loadavg()

    log("2. live total")
    result["summary"] = time_summary(app, ids)
    s = result["summary"]
    log(f"   summary(): p50 {s['inproc']['p50']:.1f} / p95 {s['inproc']['p95']:.1f} ms; "
        f"HTTP: p50 {s['http']['p50']:.1f} / p95 {s['http']['p95']:.1f} ms")
    result["plans"] = explain_summary(app, ids)
    if max(s["inproc"]["p95"], s["http"]["p95"]) > TARGET_SUMMARY_P95_MS or args.profile:
        path, top = profile_summary(app, ids)
        result["summary_profile"] = {"path": str(path), "top": top}

    log("3. 50 screens under gunicorn -w 2")
    result["screens"] = screens(app, ids, url, recordings=args.recordings)
    sc = result["screens"]
    log(f"   delay p50 {sc['p50_s']:.2f} / p95 {sc['p95_s']:.2f} / max {sc['max_s']:.2f} s; "
        f"{sc['req_per_s']:.1f} req/s, {sc['share_304']:.1%} 304")

    log(f"1b. contention: 1 thread, 8 threads, 8 processes, {args.contention_seconds:.0f} s each")
    result["contention"] = [contention(app, ids, n, args.contention_seconds) for n in (1, 8)]
    result["contention"].append(contention_processes(url, ids, 8, args.contention_seconds))
    for c in result["contention"]:
        log(f"   {c['threads']} (p = processes): {c['entries_per_s']:.0f} entries/s, p50 {c['p50_ms']:.1f} / "
            f"p95 {c['p95_ms']:.1f} ms per record+commit, {c['errors']} errors")

    path, top = profile_record(app, ids)
    result["record_profile"] = {"path": str(path), "top": top}

    log("verify: the chain and the running totals")
    with app.app_context():
        t0 = time.perf_counter()
        event = db.session.get(Event, ids["event"])
        problems = ledger.verify(event)
        result["verify"] = {"problems": problems[:5], "n_problems": len(problems), "s": time.perf_counter() - t0}
        db.session.remove()
    result["entries_at_end"] = entry_count(app, ids["event"])
    result["load"]["end"] = loadavg()
    log(f"   {len(problems)} problems, {result['entries_at_end'][0]:,} entries, verify took {result['verify']['s']:.1f} s")
    with app.app_context():
        db.engine.dispose()
    result["finished"] = subprocess.run(["date", "-u"], capture_output=True, text=True).stdout.strip()
    if not args.no_write:
        saved(kind).write_text(json.dumps(result, default=str, ensure_ascii=False, indent=1))
    return result


def saved(kind):
    """The last complete result per database, so that one backend can be re-run alone (--keep-other)."""
    return TMP / f"eventops-ledger-bench-{kind}.json"


# --- report ------------------------------------------------------------------------------------

def loadavg():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
        except Exception:
            return "?"
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": sh("nproc"), "mem": sh("free -h | awk '/^Mem:/ {print $2}'"), "free": sh("free -h"),
            "cpu": model, "date": sh("date -u"), "python": platform.python_version(),
            "load": sh("cat /proc/loadavg")}


def met(ok):
    return "met" if ok else "**MISSED**"


def table(results):
    kinds = [r["kind"] for r in results]
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    rows = []

    def row(label, target, fn):
        rows.append([label, target] + [fn(r) for r in results])

    def rec_cell(r):
        rec = r["record"]
        cell = f"{rec['entries_per_s']:.0f} ({rec['measured_entries']:,} entries, {rec['measured_s']:.0f} s)"
        if rec["filled_entries"]:
            cell += f"; +{rec['filled_entries']:,} filled in {rec['fill_s']:.0f} s (commit / 500)"
        return cell

    def cont(r, n, key):
        c = next(c for c in r["contention"] if c["threads"] == n)
        return c[key]

    row("Recording, 1 thread, 1 commit/entry, building the event: entries/s", "—", rec_cell)
    row(f"Recording at ~100k, 1 thread, {args_global.contention_seconds:.0f} s: entries/s (p50 / p95 ms per entry)", "—",
        lambda r: f"{cont(r, 1, 'entries_per_s'):.0f} ({cont(r, 1, 'p50_ms'):.1f} / {cont(r, 1, 'p95_ms'):.1f})")
    row(f"Recording at ~100k, 8 threads, {args_global.contention_seconds:.0f} s: entries/s (p50 / p95 ms per entry)", "—",
        lambda r: f"{cont(r, 8, 'entries_per_s'):.0f} ({cont(r, 8, 'p50_ms'):.1f} / {cont(r, 8, 'p95_ms'):.1f}), "
                  f"{cont(r, 8, 'errors')} errors")
    row(f"Recording at ~100k, 8 processes (no shared GIL), {args_global.contention_seconds:.0f} s: entries/s (p50 / p95 ms per entry)", "—",
        lambda r: f"{cont(r, '8p', 'entries_per_s'):.0f} ({cont(r, '8p', 'p50_ms'):.1f} / "
                  f"{cont(r, '8p', 'p95_ms'):.1f}), {cont(r, '8p', 'errors')} errors")
    row("Entries in the event when the live total is timed", "100,000",
        lambda r: f"{r['entries_at_summary'][0]:,}")
    row("services.summary(event), 300 calls: p50 / p95 / max ms", "p95 ≤ 20 ms",
        lambda r: f"{r['summary']['inproc']['p50']:.1f} / {r['summary']['inproc']['p95']:.1f} / "
                  f"{r['summary']['inproc']['max']:.1f} ({met(r['summary']['inproc']['p95'] <= TARGET_SUMMARY_P95_MS)})")
    row("GET summary (test client, no ETag, 200 JSON), 200 calls: p50 / p95 / max ms", "p95 ≤ 20 ms",
        lambda r: f"{r['summary']['http']['p50']:.1f} / {r['summary']['http']['p95']:.1f} / "
                  f"{r['summary']['http']['max']:.1f} ({met(r['summary']['http']['p95'] <= TARGET_SUMMARY_P95_MS)})")
    row("GET summary with matching ETag (304), 100 calls: p50 / p95 ms", "—",
        lambda r: f"{r['summary']['http304']['p50']:.1f} / {r['summary']['http304']['p95']:.1f}")
    row("Big screen delay, 50 screens, commit → screen shows new seq: p50 / p95 / max s", "≤ 2 s",
        lambda r: f"{r['screens']['p50_s']:.2f} / {r['screens']['p95_s']:.2f} / {r['screens']['max_s']:.2f} "
                  f"({met(r['screens']['max_s'] <= TARGET_DELAY_S and r['screens']['unseen'] == 0)})")
    row("… recordings × screens measured (never seen)", "—",
        lambda r: f"{r['screens']['recordings']} × {r['screens']['screens']} = {r['screens']['delays']} "
                  f"({r['screens']['unseen']})")
    row("Requests the 50 screens generate: req/s", "—", lambda r: f"{r['screens']['req_per_s']:.1f}")
    row("Share of 304 answers", "—", lambda r: f"{r['screens']['share_304']:.1%}")
    row("Poll response time under gunicorn -w 2: p50 / p95 / max ms", "—",
        lambda r: f"{r['screens']['latency_p50_ms']:.1f} / {r['screens']['latency_p95_ms']:.1f} / "
                  f"{r['screens']['latency_max_ms']:.0f}")
    row("Failed polls (connection errors / non-200/304)", "0",
        lambda r: f"{r['screens']['status']['errors']} / {r['screens']['status']['other']}")
    row("verify(): chain + totals after everything", "0 problems",
        lambda r: f"{r['verify']['n_problems']} problems ({r['entries_at_end'][0]:,} entries, {r['verify']['s']:.1f} s)")
    header = ["Measure", "Target"] + [f"{names[k]} {r['version']}" for k, r in zip(kinds, results)]
    return header, rows


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def plain_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    widths[0] = min(widths[0], 60)
    out = []
    for r in [header] + rows:
        out.append("  ".join(str(c)[:widths[i]].ljust(widths[i]) if i == 0 else str(c).ljust(widths[i])
                             for i, c in enumerate(r)))
    return "\n".join(out)


def verdicts(results):
    lines = []
    for r in results:
        name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[r["kind"]]
        s, sc = r["summary"], r["screens"]
        lines.append(f"- {name}: live total p95 ≤ 20 ms — in-process {s['inproc']['p95']:.1f} ms "
                     f"{met(s['inproc']['p95'] <= TARGET_SUMMARY_P95_MS)}, HTTP {s['http']['p95']:.1f} ms "
                     f"{met(s['http']['p95'] <= TARGET_SUMMARY_P95_MS)}; big-screen delay ≤ 2 s — max "
                     f"{sc['max_s']:.2f} s, p95 {sc['p95_s']:.2f} s "
                     f"{met(sc['max_s'] <= TARGET_DELAY_S and sc['unseen'] == 0)}.")
    return "\n".join(lines)


def write_report(results, info, argv):
    header, rows = table(results)
    parts = [
        "# Signing ledger benchmark",
        "",
        "Written by `bench/ledger.py` (re-running it overwrites this file).",
        "",
        "## Machine and run",
        "",
        f"- Date: `{info['date']}` (finished `{info['end']}`)",
        f"- CPUs (`nproc`): {info['nproc']}; CPU model: {info['cpu']}; memory (`free -h`): {info['mem']} total; "
        f"load average at start: `{info['load']}` (shared, noisy machine)",
        f"- Python {info['python']}; "
        + "; ".join(f"{ {'sqlite': 'SQLite', 'postgres': 'PostgreSQL'}[r['kind']]} {r['version']}" for r in results),
        f"- Command: `cd /work/main && .venv/bin/python bench/ledger.py {' '.join(argv)}`",
        *[f"- {NAMES[r['kind']]}: run {r.get('date', '?')} → {r.get('finished', '?')}, command "
          f"`.venv/bin/python bench/ledger.py {r.get('argv', '')}`" for r in results],
        "- Big screen server: `EVENTOPS_DATABASE_URL=<url> EVENTOPS_SECRET_KEY=x EVENTOPS_RATELIMIT=0 "
        ".venv/bin/gunicorn -w 2 -b 127.0.0.1:<free port> wsgi:app` (sync workers), started and stopped by the "
        "bench",
        "- Databases: SQLite `sqlite:///" + str(SQLITE_PATH) + "` (WAL, synchronous=NORMAL as the app sets it); "
        f"PostgreSQL `{PG_URL}` (local, trust, driver psycopg 3 — SQLAlchemy 2.1's default for `postgresql://` — "
        "which prepares a statement server-side after 5 executions; this server runs with `autovacuum = off`, so "
        "the bench runs VACUUM/ANALYZE itself, see the details).",
        "",
        "## Results",
        "",
        markdown_table(header, rows),
        "",
        "### Targets",
        "",
        verdicts(results),
        "",
        "## How each figure was measured",
        "",
        "1. **Recording throughput.** One event set up like `tests/ledger/conftest.py` (10 organisations "
        "registered, 2 signing sessions, a ledger clerk). `services.record(event, ContractData, actor=clerk, "
        "key=…)` followed by `db.session.commit()` per entry, in one app context, single thread, random "
        "title/category/session/amount (5 % undisclosed) and two registered parties. "
        f"If the projection after the first {args_global.projection_after:,} entries exceeded "
        f"{args_global.record_budget:.0f} s, only that part is the throughput figure and the rest is filled with "
        "the same `services.record` call, committing every 500 entries (stated in the table if it happened). "
        "Then, on the full event, 1 thread and 8 threads (each its own app context and session, started "
        f"together) record for {args_global.contention_seconds:.0f} s each; the per-entry time includes waiting for "
        "the `ledger_heads` row lock (PostgreSQL) or SQLite's single write lock (busy_timeout). The 8 threads "
        "share one Python process (GIL) on 2 cores, so part of the slowdown is the interpreter, not the lock; "
        "the same with 8 separate processes (spawned, each its own app, like gunicorn workers) is shown too.",
        "2. **Live total.** With the event full: 300 × `services.summary(event)` in one app context (a rollback "
        "between calls so each is a fresh transaction), 200 × `GET " + SUMMARY_PATH + "` through "
        "`app.test_client()` without `If-None-Match` (full JSON each time), 10 warm-up calls not counted. "
        "Nearest-rank percentiles.",
        f"3. **Big screen.** 50 threads in the bench process each poll the endpoint through gunicorn over "
        "HTTP/1.1 (new connection per poll, sync workers close it), sending `If-None-Match` with the last "
        "ETag, waiting 1 s after each answer (live.js's `setTimeout(poll, 1000)`), screens started at random "
        f"moments within the first second. After a 3 s settle, {args_global.recordings} contracts are recorded "
        "about every 3 s (2.4–3.6 s, random) by `services.record` + commit in the bench process; the delay for a "
        "screen is from the moment `commit()` returned to the moment that screen's first response carrying a "
        "`seq` ≥ the new one was read. Request rate and 304 share are over the recording window.",
        "",
    ]
    for r in results:
        name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[r["kind"]]
        rec = r["record"]
        parts += [f"## {name}: details", ""]
        cps = ", ".join(f"{n // 1000}k: {rate:.0f}/s" for n, _t, rate in rec["checkpoints"] if rate)
        sm = r["summary"]
        if "statements_per_call" in sm:
            parts.append(f"- services.summary(): {sm['statements_per_call']:.1f} SQL statements per call, "
                         f"{sm['statement_ms_per_call']:.1f} ms per call inside cursor.execute (round trip + server; on SQLite "
                         f"without the row fetch), p50 call {sm['inproc']['p50']:.1f} ms; load average then: {sm['load']}.")
        parts += [f"- Recording mode: {rec['mode']}; throughput per 5,000-entry slice while building: {cps}.",
                  f"- Load average (1/5/15 min) at start / after recording / end: "
                  f"{r['load'].get('start')} / {r['load'].get('after recording')} / {r['load'].get('end')}.",
                  f"- Summary JSON body: {r['summary']['json_bytes']:,} bytes; seq {r['summary']['json_seq']:,}.",
                  f"- Screens: {r['screens']['requests']:,} requests in all, status counts {r['screens']['status']}; "
                  f"first recording at {r['screens']['first_commit_utc']}; gunicorn log `{r['screens']['log']}`."]
        if rec.get("maintenance"):
            parts.append(f"- Maintenance: {rec['maintenance']}; {rec['maintenance_s']:.1f} s spent in it while "
                         "measuring, excluded from the recording time.")
        for c in r["contention"]:
            if c["errors"]:
                parts.append(f"- {c['threads']} threads: errors, e.g. {c['error_samples']}")
        if r["verify"]["problems"]:
            parts.append(f"- verify() problems: {r['verify']['problems']}")
        parts += ["", "Query plans of `summary()`'s entry queries on the full event:", ""]
        for qname, plan in r["plans"].items():
            parts += [f"*{qname}*:", "", "```", plan, "```", ""]
        for key, title in (("summary_profile", "Profile of 100 GET summary calls (test client)"),
                           ("record_profile", "Profile of 300 record + commit calls (single thread, full event)")):
            if key in r:
                parts += [f"{title} — `{r[key]['path']}`; most own time:", "", "```", *r[key]["top"], "```", ""]
    parts += ["## Hot spots", "", HOTSPOTS_PLACEHOLDER, ""]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    text_out = "\n".join(parts)
    previous = RESULTS.read_text() if RESULTS.exists() else ""
    marker = "<!-- notes -->"
    if marker in previous:  # keep hand-written analysis below the marker
        text_out = text_out.replace(HOTSPOTS_PLACEHOLDER, previous.split(marker, 1)[1].strip())
        text_out = text_out.replace("## Hot spots\n\n", "## Hot spots\n\n" + marker + "\n\n", 1)
    else:
        text_out = text_out.replace(HOTSPOTS_PLACEHOLDER, marker + "\n\n(see the profiles above)")
    RESULTS.write_text(text_out + "\n")
    return header, rows


HOTSPOTS_PLACEHOLDER = "@@HOTSPOTS@@"
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
args_global = None


REMEASURE_START, REMEASURE_END = "<!-- remeasure:start -->", "<!-- remeasure:end -->"


def remeasure(kind, args):
    """Reuse the database of the last full run: top the event up to --entries with the fill path
    (services.record, commit every 500), then measure the live total again (item 2 only)."""
    url = f"sqlite:///{SQLITE_PATH}" if kind == "sqlite" else PG_URL
    app = create_app(bench_config(url))
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        if event is None:
            raise SystemExit(f"{kind}: no benchmark event in {url}; run a full benchmark first")
        clerk = db.session.scalar(select(User).where(User.email == "clerk@bench.example.cn"))
        sessions = [s.id for s in ledger.sessions_of(event)]
        ids = {"event": event.id, "clerk": clerk.id, "sessions": sessions}
        db.session.remove()
    before, _seq = entry_count(app, ids["event"])
    t0 = time.perf_counter()
    with Recorder(app, ids, f"top-{secrets.token_hex(2)}", 11) as rec:
        n = before
        while n < args.entries:
            for _ in range(min(500, args.entries - n)):
                rec.record(commit=False)
                n += 1
            db.session.commit()
    topped = time.perf_counter() - t0
    if kind == "postgres":
        maintenance(url)
    count = entry_count(app, ids["event"])
    log(f"{kind}: {before:,} → {count[0]:,} entries ({topped:.0f} s); measuring the live total")
    result = {"kind": kind, "before": before, "entries": count[0], "top_up_s": topped,
              "date": subprocess.run(["date", "-u"], capture_output=True, text=True).stdout.strip(),
              "load_start": loadavg(), "summary": time_summary(app, ids)}
    if max(result["summary"]["inproc"]["p95"], result["summary"]["http"]["p95"]) > TARGET_SUMMARY_P95_MS:
        path, top = profile_summary(app, ids)
        result["summary_profile"] = {"path": str(path), "top": top}
    with app.app_context():
        db.engine.dispose()
    return result


def write_remeasure(results, argv):
    lines = [REMEASURE_START, "## Live total re-measured on the existing database", "",
             f"Command: `cd /work/main && .venv/bin/python bench/ledger.py {' '.join(argv)}` (reuses the full run's "
             "database, tops the event up to the entry count with `services.record`, commit every 500, then "
             "repeats item 2 only).", "",
             "| Database | When | Entries | Load avg at start | summary() p50 / p95 / max ms | GET summary p50 / p95 / "
             "max ms | 304 p50 / p95 ms | SQL statements per summary() call, ms inside execute |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        s = r["summary"]
        lines.append(
            f"| {NAMES[r['kind']]} | {r['date']} | {r['entries']:,} (was {r['before']:,}) | {r['load_start']} | "
            f"{s['inproc']['p50']:.1f} / {s['inproc']['p95']:.1f} / {s['inproc']['max']:.1f} "
            f"({met(s['inproc']['p95'] <= TARGET_SUMMARY_P95_MS)}) | {s['http']['p50']:.1f} / {s['http']['p95']:.1f} / "
            f"{s['http']['max']:.1f} ({met(s['http']['p95'] <= TARGET_SUMMARY_P95_MS)}) | {s['http304']['p50']:.1f} / "
            f"{s['http304']['p95']:.1f} | {s['statements_per_call']:.1f}, {s['statement_ms_per_call']:.1f} ms |")
    for r in results:
        if "summary_profile" in r:
            lines += ["", f"{NAMES[r['kind']]} profile of 100 GET summary calls — `{r['summary_profile']['path']}`:",
                      "", "```", *r["summary_profile"]["top"], "```"]
    lines += ["", REMEASURE_END]
    block = "\n".join(lines)
    current = RESULTS.read_text() if RESULTS.exists() else ""
    if REMEASURE_START in current:
        head, rest = current.split(REMEASURE_START, 1)
        current = head + block + rest.split(REMEASURE_END, 1)[1]
    elif "## Hot spots" in current:
        current = current.replace("## Hot spots", block + "\n\n## Hot spots", 1)
    else:
        current += "\n" + block + "\n"
    RESULTS.write_text(current)
    return block


def main(argv=None):
    global args_global
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--projection-after", type=int, default=20_000)
    parser.add_argument("--record-budget", type=float, default=600.0, help="s for the one-commit-each loop")
    parser.add_argument("--fill-budget", type=float, default=900.0, help="s for filling the rest, if needed")
    parser.add_argument("--contention-seconds", type=float, default=20.0)
    parser.add_argument("--recordings", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="profile the summary even when the target is met")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results/ledger.md alone")
    parser.add_argument("--remeasure", action="store_true",
                        help="reuse the last full run's database: top up to --entries, re-time the live total only")
    parser.add_argument("--keep-other", action="store_true",
                        help="with --db sqlite|postgres: report the other database's last saved result too")
    argv = sys.argv[1:] if argv is None else argv
    args = args_global = parser.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if args.remeasure:
        found = [remeasure(kind, args) for kind in kinds]
        block = write_remeasure(found, argv) if not args.no_write else ""
        for r in found:
            s = r["summary"]
            print(f"{NAMES[r['kind']]}: {r['entries']:,} entries; summary() p50/p95 {s['inproc']['p50']:.1f}/"
                  f"{s['inproc']['p95']:.1f} ms; GET {s['http']['p50']:.1f}/{s['http']['p95']:.1f} ms; "
                  f"{s['statements_per_call']:.1f} statements, {s['statement_ms_per_call']:.1f} ms in execute")
            if "summary_profile" in r:
                print("\n".join("  " + line for line in r["summary_profile"]["top"]))
        if block:
            print(f"\nwritten: {RESULTS}")
        return
    info = machine()
    results = [run_backend(kind, args) for kind in kinds]
    if args.keep_other:
        for kind in ("sqlite", "postgres"):
            if kind not in kinds and saved(kind).exists():
                results.append(json.loads(saved(kind).read_text()))
        results.sort(key=lambda r: r["kind"] != "sqlite")
    info["end"] = subprocess.run(["date", "-u"], capture_output=True, text=True).stdout.strip()
    if args.no_write:
        header, rows = table(results)
    else:
        header, rows = write_report(results, info, argv)
    print()
    print(plain_table(header, rows))
    print()
    print(verdicts(results))
    for r in results:
        for key in ("summary_profile", "record_profile"):
            if key in r:
                print(f"\n{r['kind']} {key} ({r[key]['path']}):")
                print("\n".join("  " + line for line in r[key]["top"]))
    if not args.no_write:
        print(f"\nwritten: {RESULTS}")


if __name__ == "__main__":
    main()
