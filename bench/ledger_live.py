"""Items 2 and 3 of ``ledger.py``: the live total (``services.summary`` in-process and through the
test client, its query plans and profiles) and the big screens polling it under gunicorn."""
import cProfile
import json
import random
import threading
import time
from datetime import datetime, timezone

import harness
from harness import Server, percentile
from ledger import SUMMARY_PATH, WORK, Recorder, db_name

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy import event as sa_event  # noqa: E402

from eventops.events.models import Event  # noqa: E402
from eventops.extensions import db  # noqa: E402
from eventops.ledger import services as ledger_services  # noqa: E402
from eventops.ledger.models import LedgerEntry  # noqa: E402


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


def quantiles(samples) -> dict:
    return {"n": len(samples), "p50": percentile(samples, .5), "p95": percentile(samples, .95), "max": max(samples)}


def time_summary(app, ids, calls=300, http_calls=200, warmup=10):
    with app.app_context():
        event = db.session.get(Event, ids["event"])
        for _ in range(warmup):
            ledger_services.summary(event)
            db.session.rollback()
        samples = []
        timer = StatementTimer(db.engine)
        timer.on = True
        for _ in range(calls):
            t0 = time.perf_counter()
            result = ledger_services.summary(event)
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
    return {"seq": seq, "json_seq": json.loads(body)["seq"], "json_bytes": len(body), "load": harness.loadavg(),
            "statements_per_call": timer.count / calls, "statement_ms_per_call": timer.total * 1000 / calls,
            "inproc": quantiles(samples), "http": quantiles(http),
            "http304": quantiles(not_modified)}


def explain_summary(app, ids):
    """The query plans of summary()'s two entry queries (for the report)."""
    with app.app_context():
        event = db.session.get(Event, ids["event"])
        recent_ids = [r.id for r in db.session.scalars(select(LedgerEntry).where(
            LedgerEntry.event_id == event.id, LedgerEntry.kind == "record")
            .order_by(LedgerEntry.seq.desc()).limit(32))]
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        plans = {}
        q1 = "SELECT * FROM ledger_entries WHERE event_id = :e AND kind = 'record' ORDER BY seq DESC LIMIT 32"
        q2 = (f"SELECT * FROM ledger_entries WHERE target_id IN ({','.join(map(str, recent_ids))}) "
              "AND kind != 'record'")
        for name, q in (("recent", q1), ("follow-ups", q2)):
            rows = db.session.execute(text(prefix + q), {"e": event.id}).all()
            plans[name] = "\n".join(" | ".join(str(c) for c in row) for row in rows)
        db.session.remove()
    return plans


def _profiled(name, fn):
    profile = cProfile.Profile()
    profile.enable()
    fn()
    profile.disable()
    path = WORK / f"profile-{name}.txt"
    return {"path": str(path), "top": top_own(harness.write_profile(profile, path, (("cumulative", 30), ("tottime", 30))))}


def profile_summary(app, calls=100):
    client = app.test_client()
    client.get(SUMMARY_PATH)
    return _profiled(f"ledger-summary-{db_name(app)}",
                     lambda: [client.get(SUMMARY_PATH).get_data() for _ in range(calls)])


def profile_record(app, ids, calls=300):
    with Recorder(app, ids, "profile", 9) as rec:
        return _profiled(f"ledger-record-{db_name(app)}", lambda: [rec.record() for _ in range(calls)])


def top_own(stats):
    """The 8 functions with the most own time, then the project's functions (and Session.commit)
    by cumulative time, as (share of the profile, calls, function) lines."""
    spots = harness.hot_spots(stats, top=14, also=lambda file, fn: fn == "commit" and "session" in file)
    return ([f"{r['tottime'] / spots['total']:5.1%} own  {r['ncalls']:>7} calls  {r['func']}" for r in spots["own"][:8]]
            + ["-- cumulative, project functions and Session.commit --"]
            + [f"{r['cumtime'] / spots['total']:5.1%} cum  {r['ncalls']:>7} calls  {r['func']}" for r in spots["project"]])


# --- 3. the big screen -------------------------------------------------------------------------

def get(port, etag):
    status, response, body = harness.fetch(port, "GET", SUMMARY_PATH, headers={"If-None-Match": etag} if etag else {},
                                           timeout=5)
    return status, response.getheader("ETag"), body


def screens(app, ids, url, screens_n=50, recordings=20, every=3.0, settle=3.0):
    server = Server(f"ledger-{db_name(app)}", "wsgi:app", harness.server_env(url), log_dir=WORK,
                    ready_path=SUMMARY_PATH)
    stop = threading.Event()
    observations = [[] for _ in range(screens_n)]   # per screen: (monotonic time, seq) per response
    counts = [{"200": 0, "304": 0, "other": 0, "errors": 0, "latency": []} for _ in range(screens_n)]
    commits = []  # (seq, monotonic, wall)

    def screen(index):
        time.sleep(random.Random(index).random())  # screens were opened at different moments
        etag, seq, c = None, None, counts[index]
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                status, new_etag, body = get(server.port, etag)
                t1 = time.monotonic()
                c["latency"].append(t1 - t0)
                if status == 304:
                    c["304"] += 1
                elif status == 200:
                    c["200"] += 1
                    etag, seq = new_etag, json.loads(body)["seq"]
                else:
                    c["other"] += 1
                if seq is not None:
                    observations[index].append((t1, seq))
            except OSError:
                c["errors"] += 1
            stop.wait(1.0)  # live.js: setTimeout(poll, 1000) after each answer

    def requests():
        return sum(c[k] for c in counts for k in ("200", "304", "other", "errors"))

    threads = [threading.Thread(target=screen, args=(i,), daemon=True) for i in range(screens_n)]
    with server:
        try:
            for t in threads:
                t.start()
            time.sleep(settle)
            window_start, baseline = time.monotonic(), requests()
            with Recorder(app, ids, "screen", 7) as rec:
                rng = random.Random(3)
                for _ in range(recordings):
                    time.sleep(every * (0.8 + 0.4 * rng.random()))  # ~every 3 s, not in step with the polls
                    seq = rec.record(commit=False)
                    db.session.commit()
                    commits.append((seq, time.monotonic(), time.time()))
            time.sleep(settle)
            window_end, window_requests = time.monotonic(), requests() - baseline
        finally:
            stop.set()
            for t in threads:
                if t.ident:
                    t.join(10)

    delays, unseen = [], 0
    for seq, t_commit, _wall in commits:
        for obs in observations:
            seen = next((t for t, s in obs if s >= seq and t >= t_commit), None)
            if seen is None:
                unseen += 1
            else:
                delays.append(seen - t_commit)
    total = {k: sum(c[k] for c in counts) for k in ("200", "304", "other", "errors")}
    latencies = [x for c in counts for x in c["latency"]]
    return {"screens": screens_n, "recordings": len(commits), "delays": len(delays), "unseen": unseen,
            "p50_s": percentile(delays, .5), "p95_s": percentile(delays, .95), "max_s": max(delays) if delays else 0,
            "req_per_s": window_requests / (window_end - window_start), "requests": sum(total.values()),
            "share_304": total["304"] / max(1, sum(total.values())), "status": total,
            "latency_p50_ms": percentile(latencies, .5) * 1000, "latency_p95_ms": percentile(latencies, .95) * 1000,
            "latency_max_ms": max(latencies) * 1000 if latencies else 0, "log": str(server.log_path),
            "command": server.command(),
            "first_commit_utc": datetime.fromtimestamp(commits[0][2], timezone.utc).isoformat() if commits else ""}
