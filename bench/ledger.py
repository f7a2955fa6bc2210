"""Benchmark of the signing ledger: recording throughput, the live-total query, and the big screen's
update delay under 50 open screens. On SQLite and/or PostgreSQL, traffic to 127.0.0.1 only.

    .venv/bin/python bench/ledger.py --db sqlite|postgres|both
    .venv/bin/python bench/ledger.py --quick          # smoke run: small sizes, writes nothing

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

Items 2 and 3 are in ``ledger_live.py``. Writes bench/results/ledger.md (``ledger_report.py``) and
prints a table. Scratch files (SQLite
database, gunicorn logs, profiles, the last result per database) go to $BENCH_TMP/eventops-ledger-bench.
"""
import argparse
import json
import random
import secrets
import sys
import time

import fixtures
import harness
from harness import drive, log, percentile

from sqlalchemy import create_engine, func, select, text  # noqa: E402  (harness puts the project on the path)

from eventops import create_app  # noqa: E402
from eventops.accounts import services as accounts  # noqa: E402
from eventops.accounts.models import ROLE_LEDGER_CLERK, EventRole, User  # noqa: E402
from eventops.events.models import Event  # noqa: E402
from eventops.extensions import db  # noqa: E402
from eventops.ledger import services as ledger  # noqa: E402
from eventops.ledger.models import CONTRACT_CATEGORIES, LedgerEntry, LedgerHead  # noqa: E402
from eventops.registration import services as registrations  # noqa: E402
from eventops.registration.validation import RegistrationData  # noqa: E402

WORK = harness.work_dir("eventops-ledger-bench")
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


def database(kind) -> harness.Database:
    return harness.Database(kind, "ledger_bench", WORK / "ledger.sqlite3")


def db_name(app):
    return "postgres" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"


# --- the event ---------------------------------------------------------------------------------

def make_signing_event(app):
    """As tests/ledger/conftest.py: an event, organisations taking part, two sessions, a clerk."""
    with app.test_request_context(base_url="http://127.0.0.1"):
        organizer = accounts.create_user("organizer@bench.example.cn", "bench-organizer-password", name="主办方")
        clerk = accounts.create_user("clerk@bench.example.cn", "bench-clerk-password", name="签约登记")
        db.session.commit()
        event = fixtures.create_event(organizer, SLUG, "广州研究型医院联盟院企合作活动（签约压测）", "Ledger benchmark",
                                     interest_tags=["临床试验", "成果转化"])
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

    def timed(self, latencies, errors):
        """One record + commit, its time or its error counted."""
        t0 = time.perf_counter()
        try:
            self.record()
            latencies.append(time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            db.session.rollback()
            errors.append(repr(exc)[:200])


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


def _contention_figures(label, elapsed, latencies, errors) -> dict:
    return {"threads": label, "seconds": elapsed, "entries": len(latencies),
            "entries_per_s": len(latencies) / elapsed, "p50_ms": percentile(latencies, .5) * 1000,
            "p95_ms": percentile(latencies, .95) * 1000, "max_ms": max(latencies) * 1000 if latencies else 0,
            "errors": len(errors), "error_samples": errors[:3]}


def contention(app, ids, threads, seconds):
    """``threads`` threads record on the same event for ``seconds``; each its own app context."""
    latencies, errors = [], []  # list.append is atomic under the GIL
    run = drive(threads, seconds, lambda i, rec: rec.timed(latencies, errors),
                setup=lambda i: Recorder(app, ids, f"t{threads}-{i}", 100 + i))
    return _contention_figures(threads, run["elapsed_s"], latencies, errors)


def _process_worker(url, ids, index, ready, go, seconds, queue):
    app = create_app(harness.bench_config(url))
    latencies, errors = [], []
    with Recorder(app, ids, f"p-{index}", 200 + index) as rec:
        rec.event.slug, rec.clerk.email  # loaded before the start
        ready.release()
        go.wait(120)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            rec.timed(latencies, errors)
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
    return _contention_figures(f"{processes}p", elapsed, [x for r in results for x in r[0]],
                               [x for r in results for x in r[1]])


# --- one backend -------------------------------------------------------------------------------

def run_backend(kind, args):
    import ledger_live as live
    log(f"=== {kind} ===")
    url = database(kind).fresh()
    app = create_app(harness.bench_config(url))
    harness.fresh_schema(app)
    ids = make_signing_event(app)
    result = {"kind": kind, "version": harness.db_version(url), "url": url, "load": {"start": harness.loadavg()},
              "date": harness.machine()["date"], "argv": args.argv}

    log(f"1. recording {args.entries:,} entries, one commit each")
    rec = result["record"] = record_loop(app, ids, args)
    log(f"   {rec['entries_per_s']:.0f} entries/s over {rec['measured_entries']:,} entries "
        f"({rec['measured_s']:.0f} s); filled {rec['filled_entries']:,} in {rec['fill_s']:.0f} s")
    if kind == "postgres":
        maintenance(url)
    result["entries_at_summary"] = entry_count(app, ids["event"])
    result["load"]["after recording"] = harness.loadavg()

    log("2. live total")
    s = result["summary"] = live.time_summary(app, ids)
    log(f"   summary(): p50 {s['inproc']['p50']:.1f} / p95 {s['inproc']['p95']:.1f} ms; "
        f"HTTP: p50 {s['http']['p50']:.1f} / p95 {s['http']['p95']:.1f} ms")
    result["plans"] = live.explain_summary(app, ids)
    if max(s["inproc"]["p95"], s["http"]["p95"]) > TARGET_SUMMARY_P95_MS or args.profile:
        result["summary_profile"] = live.profile_summary(app)

    log(f"3. {args.screens} screens under gunicorn -w 2")
    sc = result["screens"] = live.screens(app, ids, url, screens_n=args.screens, recordings=args.recordings)
    log(f"   delay p50 {sc['p50_s']:.2f} / p95 {sc['p95_s']:.2f} / max {sc['max_s']:.2f} s; "
        f"{sc['req_per_s']:.1f} req/s, {sc['share_304']:.1%} 304")

    log(f"1b. contention: 1 thread, 8 threads, 8 processes, {args.contention_seconds:.0f} s each")
    result["contention"] = [contention(app, ids, n, args.contention_seconds) for n in (1, 8)]
    result["contention"].append(contention_processes(url, ids, 8, args.contention_seconds))
    for c in result["contention"]:
        log(f"   {c['threads']} (p = processes): {c['entries_per_s']:.0f} entries/s, p50 {c['p50_ms']:.1f} / "
            f"p95 {c['p95_ms']:.1f} ms per record+commit, {c['errors']} errors")
    result["record_profile"] = live.profile_record(app, ids)

    log("verify: the chain and the running totals")
    with app.app_context():
        t0 = time.perf_counter()
        problems = ledger.verify(db.session.get(Event, ids["event"]))
        result["verify"] = {"problems": problems[:5], "n_problems": len(problems), "s": time.perf_counter() - t0}
        db.session.remove()
    result["entries_at_end"] = entry_count(app, ids["event"])
    result["load"]["end"] = harness.loadavg()
    log(f"   {len(problems)} problems, {result['entries_at_end'][0]:,} entries, verify took {result['verify']['s']:.1f} s")
    harness.release(app)
    result["finished"] = harness.machine()["date"]
    if not args.no_write:
        saved(kind).write_text(json.dumps(result, default=str, ensure_ascii=False, indent=1))
    return result


def saved(kind):
    """The last complete result per database, so that one backend can be re-run alone (--keep-other)."""
    return WORK / f"last-{kind}.json"


def remeasure(kind, args):
    """Reuse the database of the last full run: top the event up to --entries with the fill path
    (services.record, commit every 500), then measure the live total again (item 2 only)."""
    import ledger_live as live
    url = database(kind).url
    app = create_app(harness.bench_config(url))
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        if event is None:
            raise SystemExit(f"{kind}: no benchmark event in {url}; run a full benchmark first")
        clerk = db.session.scalar(select(User).where(User.email == "clerk@bench.example.cn"))
        ids = {"event": event.id, "clerk": clerk.id, "sessions": [s.id for s in ledger.sessions_of(event)]}
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
              "date": harness.machine()["date"], "load_start": harness.loadavg(), "summary": live.time_summary(app, ids)}
    if max(result["summary"]["inproc"]["p95"], result["summary"]["http"]["p95"]) > TARGET_SUMMARY_P95_MS:
        result["summary_profile"] = live.profile_summary(app)
    harness.release(app)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--projection-after", type=int, default=20_000)
    parser.add_argument("--record-budget", type=float, default=600.0, help="s for the one-commit-each loop")
    parser.add_argument("--fill-budget", type=float, default=900.0, help="s for filling the rest, if needed")
    parser.add_argument("--contention-seconds", type=float, default=20.0)
    parser.add_argument("--recordings", type=int, default=20)
    parser.add_argument("--screens", type=int, default=50, help="big screens polling the summary (default 50)")
    parser.add_argument("--profile", action="store_true", help="profile the summary even when the target is met")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results/ledger.md alone")
    parser.add_argument("--remeasure", action="store_true",
                        help="reuse the last full run's database: top up to --entries, re-time the live total only")
    parser.add_argument("--keep-other", action="store_true",
                        help="with --db sqlite|postgres: report the other database's last saved result too")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 entries, 2 s of contention, "
                        "3 recordings, 10 screens; implies --no-write")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    args.argv = " ".join(argv)
    if args.quick:
        args.entries, args.projection_after, args.contention_seconds, args.recordings, args.screens = \
            2000, 500, 2.0, 3, 10
        args.no_write = True
    import ledger_report as report
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if args.remeasure:
        found = [remeasure(kind, args) for kind in kinds]
        report.print_remeasure(found)
        if not args.no_write:
            report.write_remeasure(found, argv)
            print(f"\nwritten: {report.RESULTS}")
        return
    info = harness.machine()
    results = [run_backend(kind, args) for kind in kinds]
    if args.keep_other:
        results += [json.loads(saved(k).read_text()) for k in ("sqlite", "postgres")
                    if k not in kinds and saved(k).exists()]
        results.sort(key=lambda r: r["kind"] != "sqlite")
    info["end"] = harness.machine()["date"]
    header, rows = report.table(results, args)
    print(f"\n{report.plain_table(header, rows)}\n\n{report.verdicts(results)}")
    for r in results:
        for key in ("summary_profile", "record_profile"):
            if key in r:
                print(f"\n{r['kind']} {key} ({r[key]['path']}):")
                print("\n".join("  " + line for line in r[key]["top"]))
    if not args.no_write:
        report.write_report(results, info, argv, args)
        print(f"\nwritten: {report.RESULTS}")


if __name__ == "__main__":
    main()
