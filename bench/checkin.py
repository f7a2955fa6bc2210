"""Benchmark of the door: the check-in API under load (issue 14).

Not a test: it measures, prints a table and writes ``bench/results/checkin.md``; nothing asserts.
(Printing badges is measured by ``badges.py``, in-process against a reference renderer, and by
``jobs.py``, as the print job on a real worker.)

**Check-in API** (PostgreSQL, and SQLite for information; ``checkin_api.py``): an event with 30,000
registrations with badges, 4 gates and 16 devices; ``gunicorn -w 2 wsgi:app`` against
``bench/minimal.py`` (the least a check-in must do, in one transaction: look the code up, one
conditional ``UPDATE`` of its check-in, one ``INSERT`` of the scan row; its own 200,000 codes),
same gunicorn settings, same 16 client threads, alternating rounds. Each client thread has its own
device token and its own badge codes: first scans (``ok``), ~5 % repeats of a code it scanned before
(``already_checked_in``), ~2 % well-formed unknown codes (``invalid``). Every answer is checked (HTTP
status and JSON ``status``). Then a paced round (each device one scan per second, like people walking
up to a gate), and with ``--profile`` an in-process pass counting the SQL statements per scan.

Usage::

    .venv/bin/python bench/checkin.py                      # both databases (about 6 minutes)
    .venv/bin/python bench/checkin.py --duration 15 --rounds 3 --threads 16
    .venv/bin/python bench/checkin.py --profile            # + the statements and a cProfile pass (not timed)
    .venv/bin/python bench/checkin.py --report-only        # rebuild the table and checkin.md from the last run
    .venv/bin/python bench/checkin.py --quick              # smoke run: small sizes, writes nothing

Scratch files (SQLite databases, gunicorn logs, profiles, the last run) go to
$BENCH_TMP/eventops-checkin-bench. PostgreSQL: database ``eventops_checkin_bench`` on 127.0.0.1:5432
(user postgres), dropped and re-created each run.
"""
import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import fixtures  # noqa: E402
import harness  # noqa: E402
from harness import ROOT, log  # noqa: E402

WORK = harness.work_dir("eventops-checkin-bench")
RESULTS = harness.BENCH / "results" / "checkin.md"
SCRIPT = Path(__file__).resolve()
ORGANIZER = ("organizer@checkin-bench.example.cn", "checkin-bench-organizer-password")
CHECKIN_ROWS = 30000
GATES = ("东门", "南门", "西门", "北门")
ORG_WEIGHTS = {"hospital": 30, "enterprise": 40, "government": 4, "association": 3, "service_agency": 10,
               "university": 6, "media": 7}
# every category, in proportions a hospital-industry day might have
CATEGORY_WEIGHTS = {"参会者": 52, "展商": 16, "专业经纪人": 7, "演讲嘉宾": 4, "媒体": 6, "贵宾": 7, "工作人员": 8}
SOURCES = ("eventops/checkin/services.py", "eventops/checkin/statements.py", "eventops/checkin/api.py",
           "eventops/core/db.py")


# --- app and data -----------------------------------------------------------------------------

def people(rows, seed, tag):
    """``rows`` registrants as CSV rows: Chinese names, ~1,000 organisations (the demo's, topped up
    with generated company names), positions by organisation type, every category."""
    from eventops.demo import data as demo
    rng = random.Random(seed)
    by_type = {}
    for name, org_type in fixtures.organisations(rng, 1000):
        by_type.setdefault(org_type, []).append(name)
    types, type_weights = list(ORG_WEIGHTS), list(ORG_WEIGHTS.values())
    categories, category_weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    mobiles = rng.sample(range(10 ** 9), rows)
    out = []
    for index in range(rows):
        org_type = rng.choices(types, weights=type_weights)[0]
        category = rng.choices(categories, weights=category_weights)[0]
        if org_type == "media" and rng.random() < 0.7:
            category = "媒体"
        if org_type == "service_agency" and rng.random() < 0.6:
            category = "专业经纪人"
        out.append([demo.person_name(rng), rng.choice(by_type[org_type]), fixtures.ORG_TYPE_WORD[org_type],
                    rng.choice(demo.POSITIONS.get(org_type, ["代表"])), f"1{rng.choice('3456789')}{mobiles[index]:09d}",
                    f"{tag}{index + 1:05d}@{rng.choice(['example.cn', 'hosp.example.cn', 'example.com'])}", category])
    return out


def fresh_app(url):
    """The app on a fresh schema, with the organizer's account."""
    from eventops import create_app
    from eventops.accounts import services as accounts
    from eventops.extensions import db
    app = create_app(harness.bench_config(url))
    harness.fresh_schema(app)
    with app.app_context():
        accounts.create_user(ORGANIZER[0], ORGANIZER[1], name="主办方")
        db.session.commit()
        db.session.remove()
    return app


def make_event(app, slug, rows, seed, *, gates=0, devices=0) -> dict:
    """An event with ``rows`` imported registrations (all confirmed: no capacity), badges issued,
    ``gates`` gates and ``devices`` device tokens. Returns ids, codes, tokens and timings."""
    from sqlalchemy import select

    from eventops.accounts.models import User
    from eventops.badges import services as badges
    from eventops.badges.models import Badge
    from eventops.checkin import services as checkin
    from eventops.extensions import db
    from eventops.registration.models import Registration

    content = fixtures.csv_bytes(people(rows, seed, slug.replace("-", "")))
    with app.test_request_context(base_url="http://127.0.0.1"):
        organizer = db.session.scalar(select(User).where(User.email == ORGANIZER[0]))
        event = fixtures.create_event(organizer, slug, "广州研究型医院联盟院企合作活动", "Hospital–industry day")
        db.session.commit()
        t0 = time.perf_counter()
        result = fixtures.import_csv(event, f"{slug}.csv", content, actor=organizer)
        t1 = time.perf_counter()
        issued = badges.issue_missing(event)
        db.session.commit()
        t2 = time.perf_counter()
        # the door is open now (the event is a month away; by default check-in opens on its first day)
        now = datetime.now(timezone.utc)
        checkin.set_window(event, now - timedelta(hours=1), now + timedelta(days=40), actor=organizer)
        gate_ids = [checkin.add_gate(event, name, actor=organizer).id for name in GATES[:gates]]
        tokens = [checkin.issue_device(event, f"扫码枪 {i + 1:02d}", actor=organizer)[1] for i in range(devices)]
        db.session.commit()
        codes = list(db.session.scalars(select(Badge.code).where(Badge.event_id == event.id,
                                                                 Badge.revoked_at.is_(None)).order_by(Badge.id)))
        categories = dict(db.session.execute(select(Registration.category, db.func.count()).where(
            Registration.event_id == event.id).group_by(Registration.category)).all())
        out = {"slug": slug, "event_id": event.id, "rows": rows, "imported": result["imported"],
               "confirmed": result["confirmed"], "rejected": result["rejected"], "badges": issued,
               "import_s": t1 - t0, "issue_s": t2 - t1, "gate_ids": gate_ids, "tokens": tokens, "codes": codes,
               "categories": categories}
        db.session.commit()
    pg = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    harness.analyze(app, ("registrations", "organisations", "badges", "events", "gates", "devices", "users")
                    if pg else ())
    harness.release(app)
    return out


def sources() -> dict:
    """sha256 (12 hex) and mtime of the code under test: other people edit the tree while this runs."""
    out = {}
    for name in SOURCES:
        path = ROOT / name
        try:
            out[name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:12],
                         "mtime": datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}
        except OSError:
            out[name] = {"sha256": "missing", "mtime": ""}
    return out


# --- main -------------------------------------------------------------------------------------

def report(data, args, last):
    import checkin_report
    console, md, missed = checkin_report.build(data)
    log("")
    log(console)
    if missed:
        log("\nTargets missed:")
        for x in missed:
            log(f"  - {x}")
    if not args.no_write:
        checkin_report.write(RESULTS, md)
        log(f"\nwrote {RESULTS.relative_to(ROOT)} (raw figures: {last})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkin-rows", type=int, default=CHECKIN_ROWS,
                        help="registrations (badges) of the check-in event and rows of bench_counter (30000)")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per round per server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--interval", type=float, default=1.0,
                        help="then one paced round per server: each device scans every INTERVAL s (0: skip)")
    parser.add_argument("--no-sqlite-checkin", action="store_true", help="skip the informational SQLite check-in run")
    parser.add_argument("--profile", action="store_true", help="also run the profiling passes (not timed)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database at the end")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/checkin.md")
    parser.add_argument("--report-only", action="store_true",
                        help=f"measure nothing: rebuild the table and checkin.md from {WORK / 'last-run.json'}")
    parser.add_argument("--quick", action="store_true", help="smoke run: a 2,000-registration "
                        "check-in event, 4 threads, 1 x 3 s; implies --no-write")
    args = parser.parse_args(argv)
    last = WORK / ("last-run-no-write.json" if args.no_write or args.quick else "last-run.json")
    if args.report_only:
        report(json.loads((WORK / "last-run.json").read_text()), args, WORK / "last-run.json")
        return
    if args.quick:
        args.checkin_rows, args.threads, args.duration, args.rounds, args.warmup = 2000, 4, 3.0, 1, 1.0
        args.no_write = True
    if args.duration > 120 or args.rounds > 10:
        parser.error("bounded: --duration ≤ 120 and --rounds ≤ 10")
    import checkin_api
    data = {"machine": harness.machine(), "command": harness.command_line("checkin.py", argv),
            "sources_start": sources()}
    try:
        data["checkin_postgres"] = checkin_api.part_checkin(args, "postgres")
        if not args.no_sqlite_checkin:
            data["checkin_sqlite"] = checkin_api.part_checkin(args, "sqlite")
    finally:
        harness.stop_all()
    data["sources_end"] = sources()
    for ck in (data.get("checkin_postgres"), data.get("checkin_sqlite")):
        if ck:
            for w in ck["summary"].values():
                w.pop("latencies", None)
    last.write_text(json.dumps(data, default=str, indent=1))
    report(data, args, last)


if __name__ == "__main__":
    main()
