"""Benchmark of the job queue (issue 10): long work on a real Celery worker, beside the web server.

Not a test: it measures, prints and writes ``bench/results/jobs.md``; nothing asserts.

Per database (PostgreSQL, and SQLite): an event of 30,000 registrations with badges (imported in
this process through ``csvio``), then, with one ``celery -A wsgi:celery_app worker --concurrency=1``
started by this script on its own Redis database (``BENCH_BROKER``, default db 14, flushed first):

1. **Bulk badge print job**: ``jobs.start(event, "badges.print")`` + commit, exactly what the print
   button's view does (the task is sent after the commit); the script polls the job row until it is
   done. Figures: seconds from the start to *done* (queue wait included), the job's own
   ``started_at → finished_at``, the output's size, and the worker's memory (RSS of its process
   group, sampled every 0.25 s: before, peak, and at each quarter of the progress: flat means the
   last quarter is no higher than the first).
2. **CSV import job**: a 30,000-row CSV (other people) uploaded with ``csvio.upload`` into a second,
   empty event, then ``jobs.start(event, "registrations.import", {batch, mapping})``, as the
   confirm button does. Figure: start to done.
3. **Registration latency while the print runs**: ``gunicorn -w 2`` on the same database serves the
   second event's registration form; 8 browser-like clients (form page once, then new people with
   its CSRF token), paced at ``--rate`` submissions/s in all. First ``--duration`` s with the worker
   idle, then the same load while a 30,000-badge print job runs on the same machine (until it ends).
   Figures: p50 / p95 / p99 of the submissions, both rounds.

Usage::

    .venv/bin/python bench/jobs.py                 # both databases (about 10 minutes)
    .venv/bin/python bench/jobs.py --db postgres
    .venv/bin/python bench/jobs.py --quick         # smoke run: 2,000 rows, short rounds, writes nothing

Scratch files and logs: $BENCH_TMP/eventops-jobs-bench. PostgreSQL: database ``eventops_jobs_bench``.
"""
import sys

sys.dont_write_bytecode = True

import os  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import checkin  # noqa: E402  (the 30,000-badge event of the check-in benchmark)
import fixtures  # noqa: E402
import harness  # noqa: E402
import registrations as reg  # noqa: E402
from harness import ROOT, Server, Tally, drive, fmt, log, merged, percentile  # noqa: E402

WORK = harness.work_dir("eventops-jobs-bench")
RESULTS = harness.BENCH / "results" / "jobs.md"
BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/14")
CELERY = ROOT / ".venv" / "bin" / "celery"
TARGETS = {"print_s": 45.0, "import_s": 10.0}


class Worker:
    """One Celery worker (``--concurrency=1``) in a process group of its own, and its memory."""

    def __init__(self, env, name):
        self.env, self.log_path, self.proc = env, WORK / f"worker-{name}.log", None
        self.cmd = [str(CELERY), "-A", "wsgi:celery_app", "worker", "--concurrency=1", "--loglevel=INFO",
                    "--without-gossip", "--without-mingle", "--without-heartbeat", "--logfile", str(self.log_path)]

    def __enter__(self):
        self.log_path.unlink(missing_ok=True)
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited: see {self.log_path}")
            if self.log_path.exists() and " ready." in self.log_path.read_text(errors="replace"):
                return self
            time.sleep(0.2)
        raise RuntimeError(f"the worker did not start within 60 s: see {self.log_path}")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None

    def rss_mb(self) -> float:
        """Resident memory of the worker's processes (master + pool child), in MB."""
        return harness.group_rss_mb(self.proc.pid)


def bench_app(url):
    from eventops import create_app
    return create_app(harness.bench_config(url, CELERY_BROKER_URL=BROKER, CELERY_RESULT_BACKEND=BROKER))


def start_job(app, slug, kind, params=None, *, dedupe=None) -> int:
    """What the button's view does: the job row, committed; the task goes to the broker after the commit."""
    from sqlalchemy import select

    from eventops.accounts.models import User
    from eventops.events.models import Event
    from eventops.extensions import db
    from eventops.jobs import services as jobs
    with app.test_request_context(base_url="http://127.0.0.1"):
        organizer = db.session.scalar(select(User).where(User.email == checkin.ORGANIZER[0]))
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        job = jobs.start(event, kind, params or {}, actor=organizer, dedupe_key=dedupe)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def wait_job(app, job_id, worker=None, timeout=900) -> dict:
    """Poll the job row until it is done or failed; sample the worker's memory meanwhile."""
    from eventops.extensions import db
    from eventops.jobs.models import Job
    t0, samples = time.perf_counter(), []
    with app.app_context():
        while time.perf_counter() - t0 < timeout:
            job = db.session.get(Job, job_id)
            if worker:
                samples.append((job.progress_done / job.progress_total if job.progress_total else 0.0, worker.rss_mb()))
            if job.state in ("done", "failed"):
                out = {"state": job.state, "seconds": time.perf_counter() - t0, "error": job.error,
                       "run_s": (job.finished_at - job.started_at).total_seconds() if job.finished_at and job.started_at else None,
                       "result": dict(job.result or {}), "samples": samples}
                db.session.remove()
                return out
            db.session.remove()
            time.sleep(0.25)
    raise RuntimeError(f"job {job_id} did not finish within {timeout} s")


def memory(samples, before) -> dict:
    """Peak RSS, and the highest RSS in each quarter of the progress."""
    quarters = [max((mb for p, mb in samples if q / 4 <= p < (q + 1) / 4 or (q == 3 and p >= 1)), default=None)
                for q in range(4)]
    return {"before_mb": before, "peak_mb": max((mb for _p, mb in samples), default=before), "quarters_mb": quarters}


def paced_load(port, slug, org_names, *, clients, rate, duration, until=None) -> dict:
    """``clients`` browser-like clients submit new people, ``rate`` submissions/s in all, for
    ``duration`` s (or until ``until()`` is true)."""
    browsers = [reg.open_form(port, slug)[0] for _ in range(clients)]
    rngs = [random.Random(1000 + i) for i in range(clients)]
    tallies = [Tally() for _ in range(clients)]
    path = f"/e/{slug}/register"

    def step(i, _state):
        if until and until():
            return False
        t0 = time.perf_counter()
        try:
            status, location, data = browsers[i].request(port, "POST", path,
                                                         reg.submission(browsers[i], org_names, rngs[i]).encode())
        except OSError as exc:
            status, location, data = 0, "", str(exc).encode()
        if status == 302 and "/r/" in location:
            tallies[i].latencies.append(time.perf_counter() - t0)
            tallies[i].good()
        else:
            tallies[i].bad(f"HTTP {status}: {data[:200].decode('utf-8', 'replace')}")

    run = drive(clients, duration, step, interval=clients / rate)
    m = merged(tallies)
    lat = m["latencies"]
    return {"ok": m["good"], "failures": m["wrong"] + m["errors"], "first_error": m["first_wrong"],
            "elapsed_s": run["elapsed_s"], "machine_busy": run["machine_busy"],
            **{f"p{int(q * 100)}_ms": percentile(lat, q) * 1000 if lat else None for q in (0.5, 0.95, 0.99)}}


def bench_database(kind, args) -> dict:
    rows = args.rows
    store = harness.Database(kind, "jobs_bench", WORK / "jobs.sqlite3")
    log(f"{kind}: preparing {rows:,} registrations with badges, and an empty second event")
    app = checkin.fresh_app(store.fresh())
    info = checkin.make_event(app, "jobs-print", rows, seed=41)
    with app.test_request_context(base_url="http://127.0.0.1"):
        from sqlalchemy import select

        from eventops.accounts.models import User
        from eventops.extensions import db
        organizer = db.session.scalar(select(User).where(User.email == checkin.ORGANIZER[0]))
        fixtures.create_event(organizer, "jobs-import", "导入与报名压测活动", "Import and sign-up day")
        db.session.commit()
    harness.release(app)
    subprocess.run(["redis-cli", "-u", BROKER, "flushdb"], check=True, capture_output=True)
    env = harness.server_env(store.url, EVENTOPS_CELERY_BROKER_URL=BROKER, EVENTOPS_CELERY_RESULT_BACKEND=BROKER)
    app = bench_app(store.url)
    out = {"kind": kind, "version": harness.db_version(store.url), "rows": rows, "badges": info["badges"]}
    with Worker(env, kind) as worker:
        # 1. the print job, the worker otherwise idle
        before = worker.rss_mb()
        job_id = start_job(app, "jobs-print", "badges.print", {"sheet": "a4"}, dedupe=f"bench-print-{time.time()}")
        done = wait_job(app, job_id, worker)
        out["print"] = {**{k: v for k, v in done.items() if k != "samples"}, **memory(done["samples"], before)}
        log(f"  print job: {done['state']} in {done['seconds']:.1f} s (run {fmt(done['run_s'])} s), "
            f"worker RSS {before:.0f} → peak {out['print']['peak_mb']:.0f} MB, quarters {out['print']['quarters_mb']}")
        # 2. the import job
        from eventops.extensions import db
        from eventops.registration import csvio
        content = fixtures.csv_bytes(checkin.people(rows, 43, "jobsimport"))
        with app.test_request_context(base_url="http://127.0.0.1"):
            from sqlalchemy import select

            from eventops.accounts.models import User
            from eventops.events.models import Event
            organizer = db.session.scalar(select(User).where(User.email == checkin.ORGANIZER[0]))
            event = db.session.scalar(select(Event).where(Event.slug == "jobs-import"))
            batch = csvio.upload(event, "people.csv", content, actor=organizer)
            db.session.commit()
            params = {"batch_id": batch.id, "mapping": {k: int(v) for k, v in batch.mapping.items()}}
            db.session.remove()
        job_id = start_job(app, "jobs-import", "registrations.import", params, dedupe=f"import:{params['batch_id']}")
        done = wait_job(app, job_id)
        out["import"] = {k: v for k, v in done.items() if k != "samples"}
        log(f"  import job: {done['state']} in {done['seconds']:.1f} s (run {fmt(done['run_s'])} s): {done['result']}")
        if kind == "postgres":
            harness.analyze(app, ("registrations", "organisations"))
        # 3. sign-ups with the worker idle, then while a print runs
        org_names = [name for name, _t in fixtures.organisations(random.Random(7), 300)]
        with Server(f"jobs-{kind}", "wsgi:app", env, log_dir=WORK) as server:
            paced_load(server.port, "jobs-import", org_names, clients=args.clients, rate=args.rate, duration=3)  # warm-up
            idle = paced_load(server.port, "jobs-import", org_names, clients=args.clients, rate=args.rate,
                              duration=args.duration)
            log(f"  sign-ups, worker idle: {idle['ok']} ok, {idle['failures']} failed, p50/p95/p99 "
                f"{fmt(idle['p50_ms'], 0)} / {fmt(idle['p95_ms'], 0)} / {fmt(idle['p99_ms'], 0)} ms")
            job_id = start_job(app, "jobs-print", "badges.print", {"sheet": "a4"}, dedupe=f"bench-print-{time.time()}")
            finished = threading.Event()
            result = {}

            def watch():
                result.update(wait_job(app, job_id, worker))
                finished.set()
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            busy = paced_load(server.port, "jobs-import", org_names, clients=args.clients, rate=args.rate,
                              duration=600, until=finished.is_set)
            watcher.join()
            log(f"  sign-ups during the print ({result['seconds']:.1f} s): {busy['ok']} ok, {busy['failures']} failed, "
                f"p50/p95/p99 {fmt(busy['p50_ms'], 0)} / {fmt(busy['p95_ms'], 0)} / {fmt(busy['p99_ms'], 0)} ms")
            out["load"] = {"idle": idle, "busy": busy, "print_s": result["seconds"], "print_state": result["state"],
                           "clients": args.clients, "rate": args.rate, "command": server.command()}
        out["worker_command"] = " ".join(worker.cmd).replace(str(ROOT) + "/", "")
    harness.release(app)
    if kind == "postgres" and not args.keep:
        store.drop()
    return out


def report(results, machine) -> tuple[str, list[str]]:
    missed, rows = [], []
    for r in results:
        name = "PostgreSQL" if r["kind"] == "postgres" else "SQLite"
        p, i, ld = r["print"], r["import"], r["load"]
        flat = p["quarters_mb"][3] is not None and p["quarters_mb"][0] is not None and p["quarters_mb"][3] <= p["quarters_mb"][0] * 1.1
        ok_print, ok_import = p["seconds"] <= TARGETS["print_s"], i["seconds"] <= TARGETS["import_s"]
        for ok, text in ((ok_print, f"{name}: 30,000-badge print job {p['seconds']:.1f} s > 45 s"),
                         (ok_import, f"{name}: 30,000-row import job {i['seconds']:.1f} s > 10 s"),
                         (flat, f"{name}: worker memory grew during the print ({p['quarters_mb']})")):
            if not ok:
                missed.append(text)
        rows.append([name, f"{p['seconds']:.1f} ({fmt(p['run_s'])} running) {'met' if ok_print else 'MISSED'}",
                     f"{p['before_mb']:.0f} → {p['peak_mb']:.0f}; by quarter " + " / ".join(fmt(q, 0) for q in p["quarters_mb"])
                     + (" (flat)" if flat else " (grows)"),
                     f"{i['seconds']:.1f} ({fmt(i['run_s'])} running) {'met' if ok_import else 'MISSED'}",
                     f"{fmt(ld['idle']['p50_ms'], 0)} / {fmt(ld['idle']['p95_ms'], 0)} / {fmt(ld['idle']['p99_ms'], 0)}",
                     f"{fmt(ld['busy']['p50_ms'], 0)} / {fmt(ld['busy']['p95_ms'], 0)} / {fmt(ld['busy']['p99_ms'], 0)}",
                     f"{ld['idle']['failures']} / {ld['busy']['failures']}"])
    lines = harness.machine_lines(machine) + [""] + harness.md_table(
        ["Database", "30,000-badge print job: s (≤ 45)", "Worker RSS MB: before → peak", "30,000-row import job: s (≤ 10)",
         "Sign-ups, worker idle: p50 / p95 / p99 ms", "… while the print runs", "Failed sign-ups"], rows)
    for r in results:
        ld = r["load"]
        lines += ["", f"- {r['kind']} ({r['version']}): {r['badges']:,} badges; print result {r['print']['result']}; "
                  f"import result {r['import']['result']}; sign-ups at {ld['rate']:g}/s from {ld['clients']} clients: "
                  f"{ld['idle']['ok']} with the worker idle, {ld['busy']['ok']} during the {ld['print_s']:.1f} s print "
                  f"(machine busy {ld['idle']['machine_busy']:.2f} → {ld['busy']['machine_busy']:.2f} cores)",
                  f"- Worker: `{r['worker_command']}`; web: `{ld['command']}`"]
    if missed:
        lines += ["", "**Targets missed:**"] + [f"- {m}" for m in missed]
    return "\n".join(lines), missed


def main(argv=None):
    parser = harness.arguments(__doc__, "2,000 rows, short rounds, writes nothing")
    parser.add_argument("--rows", type=int, default=30000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=float, default=10.0, help="sign-ups per second in all")
    parser.add_argument("--duration", type=float, default=20.0)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.duration = 2000, 4.0
    harness.run_databases(args, bench_database, lambda results, machine: report(results, machine)[0], WORK,
                          (RESULTS, "Job queue benchmark (issue 10)", __doc__, "jobs",
                           "Job queue (bench/jobs.py, results/jobs.md)"))


if __name__ == "__main__":
    main()
