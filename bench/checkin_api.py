"""Part 2 of ``checkin.py``: the check-in API under ``gunicorn -w 2`` against the minimal check-in
endpoint (``minimal.py``: look-up, conditional UPDATE, scan INSERT, one transaction), closed-loop
rounds and a paced round, and an in-process profile."""
import cProfile
import json
import random
import time
import uuid

import checkin
import harness
from checkin import GATES, WORK
from harness import Server, Tally, drive, log, merged, percentile

PATH = "/api/v1/events/checkin-30k/checkins"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
EXPECTED_HTTP = {"ok": 200, "already_checked_in": 409, "invalid": 404}
#: badges of the minimal endpoint's own table (codes M1…): enough that no device runs out of first scans
MINIMAL_CODES = 200_000


class Scanner:
    """One door device: its token, its gate, its own badge codes (first scans), the codes it has
    already admitted (for repeats) and a seeded random stream. Kept across rounds."""

    def __init__(self, index, token, gate_id, codes, seed):
        self.index, self.token, self.gate_id, self.codes = index, token, gate_id, codes
        self.position, self.admitted = 0, []
        self.rng = random.Random(seed)

    def next_scan(self):
        """(payload, expected status), or None when this device has no fresh code left."""
        r = self.rng.random()
        if r < 0.02:
            return "EO1:" + "".join(self.rng.choice(ALPHABET) for _ in range(26)), "invalid"
        if r < 0.07 and self.admitted:
            return "EO1:" + self.rng.choice(self.admitted), "already_checked_in"
        if self.position >= len(self.codes):
            return None
        code = self.codes[self.position]
        self.position += 1
        return "EO1:" + code, "ok"

    def body(self, payload):
        return {"code": payload, "gate": self.gate_id, "nonce": uuid.uuid4().hex}


def post_scan(port, scanner, payload):
    status, _response, data = harness.fetch(port, "POST", PATH, json.dumps(scanner.body(payload)).encode(), {
        "Content-Type": "application/json", "Authorization": f"Bearer {scanner.token}",
        "User-Agent": "eventops-checkin-bench", "Accept": "application/json"}, timeout=30)
    return status, data


def run_round(port, scanners, duration, minimal, interval=None) -> dict:
    """len(scanners) threads scan for ``duration`` seconds (bounded; the request in flight finishes).

    Closed loop by default (each thread sends its next scan as soon as the answer is in); with
    ``interval``, each thread sends one scan every ``interval`` seconds (phases spread), like people
    walking up to a door."""
    tallies = [Tally() for _ in scanners]

    def step(i, _state):
        scanner, tally = scanners[i], tallies[i]
        scan = scanner.next_scan()
        if scan is None:
            return False
        payload, expected = scan
        expected_http, expected_status = EXPECTED_HTTP[expected], expected  # both answer the same way
        t0 = time.perf_counter()
        try:
            status, data = post_scan(port, scanner, payload)
        except OSError as exc:
            tally.bad(f"{type(exc).__name__}: {exc}", error=True)
            return
        tally.latencies.append(time.perf_counter() - t0)
        try:
            answer = json.loads(data).get("status")
        except ValueError:
            answer = None
        if status == expected_http and answer == expected_status:
            tally.good(expected)
            if expected == "ok":
                scanner.admitted.append(payload[4:])
        else:
            tally.bad(f"expected {expected_http} {expected_status}, got {status}: {data[:200]!r}")

    run = drive(len(scanners), duration, step, interval=interval)
    m, elapsed = merged(tallies), run["elapsed_s"]
    return {**m, "answered": len(m["latencies"]), "exhausted": run["early"], "elapsed_s": elapsed,
            "rps": m["good"] / elapsed if elapsed else 0.0, "server_cpu": run["server_cpu"],
            "postgres_cpu": run["postgres_cpu"], "client_cpu": run["client_cpu"], "machine_busy": run["machine_busy"]}


def summarise(rounds):
    latencies = [x for r in rounds for x in r["latencies"]]
    good, seconds = sum(r["good"] for r in rounds), sum(r["elapsed_s"] for r in rounds)
    kinds = {}
    for r in rounds:
        for k, v in r["kinds"].items():
            kinds[k] = kinds.get(k, 0) + v
    return {"rps": good / seconds if seconds else 0.0, "good": good, "seconds": seconds, "kinds": kinds,
            "p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
            "max_ms": max(latencies) * 1000 if latencies else float("nan"),
            "wrong": sum(r["wrong"] for r in rounds), "errors": sum(r["errors"] for r in rounds),
            "first_wrong": next((r["first_wrong"] for r in rounds if r["first_wrong"]), None),
            "exhausted": max(r["exhausted"] for r in rounds)}


def prepare_checkin_db(kind, rows, seed=30):
    """A fresh database with the check-in event (badges, gates, 16 devices) and bench_counter."""
    import minimal
    store = harness.Database(kind, "checkin_bench", WORK / "checkin.sqlite3")
    app = checkin.fresh_app(store.fresh())
    info = checkin.make_event(app, "checkin-30k", rows, seed=seed, gates=len(GATES), devices=16)
    minimal.create_tables(store.url, MINIMAL_CODES)
    info.update(url=store.url, version=harness.db_version(store.url), store=store)
    return info


def split_codes(codes, threads, seed, reserve):
    """Shuffle; keep ``reserve`` codes aside (for the profile pass); the rest dealt out to the threads."""
    codes = list(codes)
    random.Random(seed).shuffle(codes)
    reserved, codes = codes[:reserve], codes[reserve:]
    return [codes[i::threads] for i in range(threads)], reserved


def _log_round(label, r):
    log(f"  {label} {r['rps']:6.1f} scans/s, p50 {percentile(r['latencies'], .5) * 1000:5.1f} ms, "
        f"p99 {percentile(r['latencies'], .99) * 1000:6.1f} ms, {r['good']} good ({r['kinds']}), "
        f"{r['wrong']} wrong, {r['errors']} errors; CPU cores: gunicorn {sum(r['server_cpu'].values()):.2f}, "
        f"postgres {r['postgres_cpu']:.2f}, client {r['client_cpu']:.2f}, machine {r['machine_busy']:.2f}")
    if r["first_wrong"]:
        log(f"    first wrong answer: {r['first_wrong']}")


def part_checkin(args, kind) -> dict:
    rows = args.checkin_rows
    log(f"part 2 ({kind}): preparing the event ({rows:,} registrations, badges, {len(GATES)} gates, "
        f"{args.threads} devices) and bench_counter")
    t0 = time.perf_counter()
    info = prepare_checkin_db(kind, rows)
    log(f"  ready in {time.perf_counter() - t0:.0f} s ({info['version']}; import {info['import_s']:.1f} s, "
        f"badges {info['issue_s']:.1f} s; categories {info['categories']})")
    threads = args.threads
    if threads > len(info["tokens"]):
        raise SystemExit(f"at most {len(info['tokens'])} threads (one device each)")
    per_thread, reserved = split_codes(info["codes"], threads, seed=7, reserve=min(1000, len(info["codes"]) // 10))

    minimal_codes, _ = split_codes([f"M{i}" for i in range(1, MINIMAL_CODES + 1)], threads, seed=7, reserve=0)

    def scanners(minimal):  # the same generator, seeds and mix; each endpoint's own badge codes
        codes = minimal_codes if minimal else per_thread
        return [Scanner(i, info["tokens"][i], info["gate_ids"][i % len(info["gate_ids"])], codes[i],
                        seed=100 + i) for i in range(threads)]

    env = harness.server_env(info["url"], BENCH_COUNTER_ROWS=str(rows))
    servers = {"eventops": (Server(f"eventops-{kind}", "wsgi:app", env, log_dir=WORK), scanners(False)),
               "minimal": (Server(f"minimal-{kind}", "minimal:app", env, cwd=harness.BENCH, log_dir=WORK),
                           scanners(True))}

    def one(which, seconds, interval=None):
        server, group = servers[which]
        return run_round(server.port, group, seconds, which == "minimal", interval=interval)

    rounds, paced = {"eventops": [], "minimal": []}, {}
    with servers["eventops"][0], servers["minimal"][0]:
        for which in ("eventops", "minimal"):
            w = one(which, args.warmup)
            if w["wrong"] or w["errors"]:
                log(f"  warm-up {which}: {w['wrong']} wrong answers, {w['errors']} errors; first: {w['first_wrong']}")
        for number in range(args.rounds):
            for which in ("eventops", "minimal") if number % 2 == 0 else ("minimal", "eventops"):
                r = one(which, args.duration)
                rounds[which].append(r)
                _log_round(f"round {number + 1} {which:<8}", r)
        if args.interval:
            for which in ("eventops", "minimal"):
                r = one(which, args.duration, interval=args.interval)
                paced[which] = {**summarise([r]), "offered_rps": threads / args.interval}
                log(f"  paced {which:<8} one scan per device every {args.interval:g} s: {r['rps']:.1f} scans/s, "
                    f"p50 {paced[which]['p50_ms']:.1f} ms, p99 {paced[which]['p99_ms']:.1f} ms, {r['wrong']} wrong, "
                    f"{r['errors']} errors")
    summary = {w: summarise(rs) for w, rs in rounds.items()}
    e, mn = summary["eventops"], summary["minimal"]
    ratio = e["rps"] / mn["rps"] if mn["rps"] else None
    per_round = [{"eventops": a["rps"], "minimal": m["rps"], "ratio": a["rps"] / m["rps"] if m["rps"] else None,
                  "eventops_p99_ms": percentile(a["latencies"], .99) * 1000,
                  "minimal_p99_ms": percentile(m["latencies"], .99) * 1000,
                  "cpu": {w: {"gunicorn": sum(x["server_cpu"].values()), "postgres": x["postgres_cpu"],
                              "client": x["client_cpu"], "machine": x["machine_busy"]}
                          for w, x in (("eventops", a), ("minimal", m))}}
                 for a, m in zip(rounds["eventops"], rounds["minimal"])]
    log(f"  {kind}: eventops {e['rps']:.1f} scans/s (p50 {e['p50_ms']:.1f} ms, p99 {e['p99_ms']:.1f} ms), minimal "
        f"{mn['rps']:.1f} req/s (p50 {mn['p50_ms']:.1f} ms, p99 {mn['p99_ms']:.1f} ms), ratio {harness.fmt(ratio, 2)}")
    out = {"kind": kind, "version": info["version"], "rows": rows, "imported": info["imported"],
           "badges": info["badges"], "categories": info["categories"], "import_s": info["import_s"],
           "gates": len(GATES), "threads": threads, "duration_s": args.duration, "rounds": args.rounds, "warmup_s": args.warmup,
           "summary": summary, "ratio": ratio, "per_round": per_round, "paced": paced, "interval": args.interval,
           "commands": {w: s.command() for w, (s, _g) in servers.items()}}
    if args.profile:
        log("  profiling 400 scans in-process (cProfile + SQL statement count/time) …")
        out["profile"] = profile_checkin(info, reserved, kind)
    if kind == "postgres" and not args.keep:
        info["store"].drop()
    return out


# cumulative ms per scan of the steps of one request (cProfile on: inflated, compare shares)
STEPS = [("whole WSGI request (Flask)", "flask/app.py", "wsgi_app"),
         ("  before_request hooks (request id, control characters, locale)", "flask/app.py", "preprocess_request"),
         ("  view api.checkin", "eventops/checkin/api.py", "checkin"),
         ("    services.resolve (the look-up: one statement)", "eventops/checkin/services.py", "resolve"),
         ("      of which: the pool checkout (its pre-ping)", "sqlalchemy/orm/scoping.py", "connection"),
         ("    services.scan (the verdict and the INSERT)", "eventops/checkin/services.py", "scan"),
         ("    result_json (the answer, translated)", "eventops/checkin/api.py", "result_json"),
         ("    session.commit (COMMIT)", "sqlalchemy/orm/scoping.py", "commit"),
         ("  after_request hooks (headers, cookies)", "flask/app.py", "process_response"),
         ("across the steps: psycopg waiting for the server", "psycopg/connection.py", "wait")]


def profile_checkin(info, reserved, kind, scans=400) -> dict:
    """The same API call in-process through the test client (one device, fresh codes + repeats +
    invalid codes in the same mix), under cProfile, with every SQL statement counted and timed."""
    from sqlalchemy import event as sa_event

    from eventops import create_app
    from eventops.extensions import db
    app = create_app(harness.bench_config(info["url"]))
    client = app.test_client()
    scanner = Scanner(0, info["tokens"][0], info["gate_ids"][0], reserved, seed=999)
    stats = {"statements": 0, "sql_s": 0.0}
    per_kind, statements_seen = {}, {}

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("t0", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        stats["statements"] += 1
        stats["sql_s"] += time.perf_counter() - conn.info["t0"].pop()
        key = " ".join(statement.split())[:110]
        statements_seen[key] = statements_seen.get(key, 0) + 1

    def post(payload):
        return client.post(PATH, json=scanner.body(payload), headers={"Authorization": f"Bearer {scanner.token}"})

    with app.app_context():
        engine = db.engine
    for _ in range(20):  # warm-up: not profiled
        payload, expected = scanner.next_scan()
        if post(payload).status_code == 200 and expected == "ok":
            scanner.admitted.append(payload[4:])
    sa_event.listen(engine, "before_cursor_execute", before)
    sa_event.listen(engine, "after_cursor_execute", after)
    profile = cProfile.Profile()
    wall = 0.0
    for _ in range(scans):
        scan = scanner.next_scan()
        if scan is None:
            break
        payload, expected = scan
        s0, q0 = stats["statements"], stats["sql_s"]
        t0 = time.perf_counter()
        profile.enable()
        response = post(payload)
        profile.disable()
        elapsed = time.perf_counter() - t0
        wall += elapsed
        if response.status_code == 200 and expected == "ok":
            scanner.admitted.append(payload[4:])
        k = per_kind.setdefault(expected, {"n": 0, "statements": 0, "sql_s": 0.0, "wall_s": 0.0})
        k["n"] += 1
        k["statements"] += stats["statements"] - s0
        k["sql_s"] += stats["sql_s"] - q0
        k["wall_s"] += elapsed
    sa_event.remove(engine, "before_cursor_execute", before)
    sa_event.remove(engine, "after_cursor_execute", after)
    harness.release(app)
    path = WORK / f"profile-checkin-{kind}.txt"
    pst = harness.write_profile(profile, path, (("tottime", 25), ("cumulative", 45)))
    n = sum(k["n"] for k in per_kind.values())
    return {"scans": n, "wall_ms_per_scan": wall / n * 1000, "statements_per_scan": stats["statements"] / n,
            "sql_ms_per_scan": stats["sql_s"] / n * 1000,
            "per_kind": {k: {"n": v["n"], "statements": v["statements"] / v["n"], "sql_ms": v["sql_s"] / v["n"] * 1000,
                             "wall_ms": v["wall_s"] / v["n"] * 1000} for k, v in per_kind.items()},
            "statements": sorted(statements_seen.items(), key=lambda kv: -kv[1])[:40], "profile": str(path),
            "steps_ms": {label: harness.cumulative(pst, end, func)[0] / n * 1000 if n else 0.0
                         for label, end, func in STEPS}}
