"""The opening rush (issue 13): 2,000 different people register for 500 places, with a waitlist.

Not a test: it measures, checks what a person would check, prints and writes ``bench/results/rush.md``.

Per database: an event with ``--places`` (500) places overall and the waitlist on, served by
``gunicorn -w 2`` (sync workers) as in the other benchmarks. ``--people`` (2,000) different people
arrive over ``--window`` seconds (180: within the 5 minutes of the issue), front-loaded like an
opening rush (person k of N arrives at window × (k/N)^1.5: a third in the first fifth of the
window, the busiest 10 s at about 2.5 times the mean rate). Each person is a browser of their own:
at their arrival they load the registration form (session cookie and CSRF token), take 1-4 s to
fill it, and submit it; a pool of ``--clients`` threads carries them. Every answer must be the 302
to the person's page.

Afterwards the script checks the database: exactly ``--places`` confirmed (no overshoot), everyone
else waitlisted, nobody lost or twice; and order: in the order the server registered them (the
event's lock), the first ``--places`` are confirmed and the others waitlisted, and each person's
waitlist position (the one the personal page shows) is their place in that order. It reports the
submissions the server took in a different order than they were sent (expected only among people who
pressed the button within about one request's time of each other). Figures: p50 / p95 / p99 of the
form page and of the submission, and the busiest 10 s.

Usage::

    .venv/bin/python bench/rush.py                 # both databases (about 8 minutes)
    .venv/bin/python bench/rush.py --db postgres --window 300
    .venv/bin/python bench/rush.py --quick         # 200 people, 50 places, 15 s; writes nothing
"""
import sys

sys.dont_write_bytecode = True

import random  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import fixtures  # noqa: E402
import harness  # noqa: E402
from harness import ROOT, Browser, Server, fmt, log, percentile  # noqa: E402

WORK = harness.work_dir("eventops-rush-bench")
RESULTS = harness.BENCH / "results" / "rush.md"
SLUG = "rush"
ORGANIZER = ("organizer@rush-bench.example.cn", "rush-bench-organizer-password")


def prepare(kind, places) -> harness.Database:
    from eventops import create_app
    from eventops.accounts import services as accounts
    from eventops.extensions import db
    store = harness.Database(kind, "rush_bench", WORK / "rush.sqlite3")
    app = create_app(harness.bench_config(store.fresh()))
    harness.fresh_schema(app)
    with app.test_request_context(base_url="http://127.0.0.1"):
        organizer = accounts.create_user(ORGANIZER[0], ORGANIZER[1], name="主办方")
        db.session.flush()
        fixtures.create_event(organizer, SLUG, "生物产业大会开放报名", "Bio-industry conference: registration opens",
                              capacity=places)
        db.session.commit()
    harness.release(app)
    return store


def arrivals(people, window, seed=5):
    return [window * (k / people) ** 1.5 + random.Random(seed + k).random() * 0.05 for k in range(people)]


def person(n, csrf, rng, org_names) -> bytes:
    return urlencode({
        "csrf_token": csrf, "name": f"抢票{n:04d}号", "organisation": rng.choice(org_names),
        "org_type": rng.choice(["hospital", "enterprise", "government", "university"]), "position": "研究员",
        "mobile": f"17{n:09d}", "email": f"rush{n}@bench.example.cn", "category": "attendee",
        "tags": "创新药"}).encode()


def rush(port, args, org_names) -> dict:
    """Every person through the form, at their time; returns what each one saw."""
    times = arrivals(args.people, args.window)
    nxt, lock, seen = [0], threading.Lock(), [None] * args.people
    start = time.perf_counter() + 1.0

    def client():
        while True:
            with lock:
                k = nxt[0]
                nxt[0] += 1
            if k >= args.people:
                return
            rng = random.Random(1000 + k)
            pause = start + times[k] - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            record = {"k": k, "arrived": time.perf_counter() - start}
            browser = Browser()
            try:
                t0 = time.perf_counter()
                status, _loc, data = browser.request(port, "GET", f"/e/{SLUG}/register")
                record["form_s"] = time.perf_counter() - t0
                if status != 200:
                    raise RuntimeError(f"form page HTTP {status}")
                csrf = fixtures.csrf_token(data.decode("utf-8", "replace"))
                time.sleep(rng.uniform(1.0, 4.0))  # filling the form in
                record["sent"] = time.perf_counter() - start
                t0 = time.perf_counter()
                status, location, data = browser.request(port, "POST", f"/e/{SLUG}/register", person(k, csrf, rng, org_names))
                record["submit_s"] = time.perf_counter() - t0
                record["answered"] = time.perf_counter() - start
                record["ok"] = status == 302 and "/r/" in location
                if not record["ok"]:
                    record["error"] = f"HTTP {status} {location} {data[:200].decode('utf-8', 'replace')}"
            except (OSError, RuntimeError) as exc:
                record["ok"], record["error"] = False, f"{type(exc).__name__}: {exc}"
            seen[k] = record

    pool = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {"records": seen, "elapsed_s": time.perf_counter() - start}


def check(store, args, records) -> dict:
    """What the database says: statuses, order, waitlist positions, against what was sent."""
    from sqlalchemy import select

    from eventops import create_app
    from eventops.events.models import Event
    from eventops.extensions import db
    from eventops.registration import services
    from eventops.registration.models import Registration
    app = create_app(harness.bench_config(store.url))
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        rows = db.session.scalars(select(Registration).where(Registration.event_id == event.id)
                                  .order_by(Registration.created_at, Registration.id)).all()
        statuses = {}
        for r in rows:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        emails = [r.email for r in rows]
        order_ok = all(r.status == ("approved" if i < args.places else "waitlisted") for i, r in enumerate(rows))
        positions_ok = all(services.waitlist_position(r) == i - args.places + 1
                           for i, r in enumerate(rows) if i >= args.places and (i - args.places) % 25 == 0)
        places_held = event.places_held
    harness.release(app)
    sent_order = {f"rush{rec['k']}@bench.example.cn": rec["sent"] for rec in records if rec and rec.get("sent")}
    taken = [sent_order[e] for e in emails if e in sent_order]
    # pairs taken in the other order than sent: adjacent inversions, and the largest gap among them
    inversions = [(a - b) for a, b in zip(taken, taken[1:]) if a > b]
    return {"registrations": len(rows), "distinct": len(set(emails)), "statuses": statuses, "order_ok": order_ok,
            "positions_ok": positions_ok, "places_held": places_held, "inversions": len(inversions),
            "largest_inversion_ms": max(inversions, default=0.0) * 1000}


def bench_database(kind, args) -> dict:
    log(f"{kind}: an event of {args.places} places, {args.people:,} people over {args.window:g} s")
    store = prepare(kind, args.places)
    org_names = [name for name, _t in fixtures.organisations(random.Random(3), 300)]
    env = harness.server_env(store.url)
    with Server(f"rush-{kind}", "wsgi:app", env, log_dir=WORK) as server:
        for _ in range(3):  # the workers' first requests (imports, pools, templates)
            harness.fetch(server.port, "GET", f"/e/{SLUG}/register")
        run = rush(server.port, args, org_names)
        command = server.command()
    records = [r for r in run["records"] if r]
    failed = [r for r in records if not r["ok"]]
    submit = [r["submit_s"] for r in records if r.get("submit_s") is not None and r["ok"]]
    form = [r["form_s"] for r in records if r.get("form_s") is not None]
    buckets = {}
    for r in records:
        if r.get("sent") is not None:
            buckets[int(r["sent"] // 10)] = buckets.get(int(r["sent"] // 10), 0) + 1
    out = {"kind": kind, "version": harness.db_version(store.url), "people": args.people, "places": args.places,
           "window_s": args.window, "clients": args.clients, "elapsed_s": run["elapsed_s"], "answered": len(records),
           "failed": len(failed), "first_failure": failed[0].get("error") if failed else None,
           "submit_ms": {f"p{q}": percentile(submit, q / 100) * 1000 for q in (50, 95, 99)},
           "form_ms": {f"p{q}": percentile(form, q / 100) * 1000 for q in (50, 95, 99)},
           "busiest_10s": max(buckets.values(), default=0), "command": command, **check(store, args, records)}
    s = out["submit_ms"]
    log(f"  {len(records) - len(failed)} of {args.people} registered, {len(failed)} failed; statuses {out['statuses']}; "
        f"order {'ok' if out['order_ok'] else 'WRONG'}, positions {'ok' if out['positions_ok'] else 'WRONG'}; "
        f"submit p50/p95/p99 {s['p50']:.0f} / {s['p95']:.0f} / {s['p99']:.0f} ms; busiest 10 s {out['busiest_10s']} sent")
    if kind == "postgres" and not args.keep:
        store.drop()
    return out


def report(results, machine) -> str:
    rows, problems = [], []
    for r in results:
        name = "PostgreSQL" if r["kind"] == "postgres" else "SQLite"
        confirmed = r["statuses"].get("approved", 0)
        waitlisted = r["statuses"].get("waitlisted", 0)
        fine = (r["failed"] == 0 and confirmed == r["places"] and confirmed + waitlisted == r["people"]
                == r["registrations"] == r["distinct"] and r["order_ok"] and r["positions_ok"])
        if not fine:
            problems.append(f"{name}: {r['failed']} failed (first: {r['first_failure']}), {confirmed} confirmed, "
                            f"{waitlisted} waitlisted of {r['registrations']} rows, order ok {r['order_ok']}, "
                            f"positions ok {r['positions_ok']}")
        rows.append([name, f"{r['people'] - r['failed']:,} / {r['people']:,}", f"{confirmed} / {r['places']}",
                     f"{waitlisted:,}", "yes" if r["order_ok"] and r["positions_ok"] else "NO",
                     " / ".join(fmt(r["form_ms"][p], 0) for p in ("p50", "p95", "p99")),
                     " / ".join(fmt(r["submit_ms"][p], 0) for p in ("p50", "p95", "p99")),
                     f"{r['busiest_10s']} ({r['busiest_10s'] / 10:.1f}/s)",
                     f"{r['inversions']} (largest {r['largest_inversion_ms']:.0f} ms)"])
    lines = harness.machine_lines(machine) + [""] + harness.md_table(
        ["Database", "Registered", "Confirmed / places", "Waitlisted", "In order, positions right",
         "Form page p50 / p95 / p99 ms", "Submission p50 / p95 / p99 ms", "Busiest 10 s: submissions",
         "Taken out of sending order"], rows)
    for r in results:
        lines.append(f"\n- {r['kind']} ({r['version']}): {r['people']:,} people over {r['window_s']:g} s by "
                     f"{r['clients']} client threads, all answered after {r['elapsed_s']:.0f} s; `{r['command']}`")
    lines.append("\n" + ("**Problems:**\n" + "\n".join(f"- {p}" for p in problems) if problems else
                         "No error, no overshoot, nobody lost; confirmed and waitlisted in the order the server took "
                         "the submissions. 'Taken out of sending order': neighbours in the server's order whose "
                         "submissions left the clients the other way round, by at most the figure shown (two people "
                         "pressing the button within one request's time of each other)."))
    return "\n".join(lines)


def main(argv=None):
    parser = harness.arguments(__doc__, "200 people, 50 places, 15 s; writes nothing")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--places", type=int, default=500)
    parser.add_argument("--window", type=float, default=180.0, help="seconds over which people arrive")
    parser.add_argument("--clients", type=int, default=96, help="client threads carrying the people")
    args = parser.parse_args(argv)
    if args.quick:
        args.people, args.places, args.window, args.clients = 200, 50, 15.0, 32
    harness.run_databases(args, bench_database, report, WORK, (RESULTS, "The opening rush (issue 13)", __doc__, "rush",
                                                               "The opening rush (bench/rush.py, results/rush.md)"))


if __name__ == "__main__":
    main()
