"""EventOps benchmark: back-office list/search, 30k-row CSV import, registration throughput.

    .venv/bin/python bench/run.py                      # both databases, 30,000 rows (make bench)
    .venv/bin/python bench/run.py --db sqlite --rows 5000 --duration 5
    .venv/bin/python bench/run.py --db postgres --profile   # cProfile pass, see bench/out/

Per database: a fresh database (SQLite file under /tmp, PostgreSQL database ``eventops_bench``),
the schema from ``db.create_all()``, one event, then
  1. CSV import of ``--rows`` people (UTF-8 with BOM) through csvio.upload + csvio.run + commit;
  2. back-office list/search pages through the Flask test client, logged in as the organizer;
  3. registration POSTs through gunicorn -w 2 against the minimal one-INSERT app, side by side.
It prints a table and rewrites the results section of bench/README.md (bench/results.json keeps
the last figures of each database, so a run on one database leaves the other's column).
This is a benchmark, not a test: nothing asserts, a missed target is reported.
"""
import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import load  # noqa: E402
import minimal_app  # noqa: E402
import registrations as regs  # noqa: E402
from eventops import create_app  # noqa: E402
from eventops.extensions import db  # noqa: E402

README = BENCH / "README.md"
RESULTS = BENCH / "results.json"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
SQLITE_DIR = Path("/tmp/eventops-bench")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_NAME = "eventops_bench"
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_NAME}"

TARGET_P95_MS = 150.0
TARGET_IMPORT_S = 15.0
TARGET_RATIO = 0.5
DB_LABEL = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


# --- machine ----------------------------------------------------------------------------------

def _cmd(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    for line in _cmd("free", "-h").splitlines():
        if line.startswith("Mem:"):
            mem = line.split()[1]
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = ""
    return {"nproc": _cmd("nproc") or str(os.cpu_count()), "mem_total": mem, "cpu": cpu or platform.processor(),
            "loadavg": load,
            "date": _cmd("date", "-u") or datetime.now(timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y"),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}


# --- databases --------------------------------------------------------------------------------

def prepare_database(kind) -> str:
    if kind == "sqlite":
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        path = SQLITE_DIR / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        conn.execute(f"CREATE DATABASE {PG_NAME}")
    return PG_URL


def drop_database(kind):
    if kind == "sqlite":
        shutil.rmtree(SQLITE_DIR, ignore_errors=True)
        return
    import psycopg
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")


def server_version(app) -> str:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            return db.session.execute(db.text("SHOW server_version")).scalar()
        return "SQLite " + db.session.execute(db.text("select sqlite_version()")).scalar()


def registration_count(app):
    with app.app_context():
        return db.session.execute(db.text("select count(*) from registrations")).scalar()


# --- one database -----------------------------------------------------------------------------

def bench_database(kind, args, log) -> dict:
    url = prepare_database(kind)
    app = create_app(regs.bench_config(url))
    regs.fresh_schema(app)
    minimal_app.create_table(url)
    user_id, event_id = regs.create_event(app)
    out = {"db": kind, "rows": args.rows, "version": server_version(app)}

    log(f"[{kind}] generating {args.rows} people")
    people, orgs = regs.people(args.rows, seed=args.seed, org_count=args.orgs)
    content = regs.csv_bytes(people)
    out["csv_mb"] = len(content) / 1e6

    log(f"[{kind}] CSV import ({out['csv_mb']:.1f} MB)")
    out["import"] = regs.import_csv(app, user_id, event_id, content)
    imp = out["import"]
    log(f"    upload {imp['upload_s']:.2f} s + run {imp['run_s']:.2f} s = {imp['total_s']:.2f} s "
        f"(preview {imp['preview_s']:.2f} s); imported {imp['imported']}, waitlisted {imp['waitlisted']}, "
        f"rejected {imp['rejected']}")
    out["analyzed"] = False
    if kind == "postgres" and not args.no_analyze:
        # this server runs with autovacuum off; a production server's autovacuum analyses the table
        # within about a minute of a bulk import. Without statistics the planner guesses rows=1.
        with app.app_context():
            t0 = time.perf_counter()
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
            log(f"    ANALYZE (as autovacuum would after the import): {time.perf_counter() - t0:.2f} s")
            out["analyzed"] = True
    with app.app_context():
        db.engine.dispose()

    log(f"[{kind}] back-office pages, {args.requests} requests each")
    out["pages"] = regs.time_pages(app, args.rows, requests=args.requests)
    for key, page in out["pages"].items():
        log(f"    {page['label']:<45} median {page['median_ms']:6.1f} ms  p95 {page['p95_ms']:6.1f} ms")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    if args.duration > 0:
        log(f"[{kind}] registration load: {args.threads} threads, {args.rounds} x {args.duration:g} s per app")
        org_names = sorted({name for name, _type in orgs})
        out["load"] = load.side_by_side(url, regs.SLUG, org_names, threads=args.threads, duration=args.duration,
                                        rounds=args.rounds, log=log)
        ld = out["load"]
        log(f"    eventops {ld['app_rps']:.1f} req/s, minimal {ld['minimal_rps']:.1f} req/s, "
            f"ratio {ld['ratio'] or 0:.2f}")
        out["registrations_after"] = registration_count(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if not args.keep:
        drop_database(kind)
    return out


def profile_database(kind, args, log) -> list[str]:
    """cProfile of the import, every page case and 100 in-process registration POSTs."""
    url = prepare_database(kind)
    app = create_app(regs.bench_config(url))
    regs.fresh_schema(app)
    user_id, event_id = regs.create_event(app)
    people, orgs = regs.people(args.rows, seed=args.seed, org_count=args.orgs)
    log(f"[{kind}] profiling the import of {args.rows} rows")
    written = [regs.profile_import(app, user_id, event_id, regs.csv_bytes(people), f"{kind}-import")]
    if kind == "postgres" and not args.no_analyze:
        with app.app_context(), db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    log(f"[{kind}] profiling the pages")
    written += regs.profile_pages(app, args.rows, f"{kind}-page")
    log(f"[{kind}] profiling registration POSTs")
    written.append(regs.profile_submissions(app, f"{kind}-register", sorted({n for n, _t in orgs})))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if not args.keep:
        drop_database(kind)
    return written


# --- report -----------------------------------------------------------------------------------

def verdict(value, target, higher_is_better=False):
    if value is None:
        return "—"
    met = value >= target if higher_is_better else value <= target
    return "met" if met else "MISSED"


def table(results: dict) -> tuple[str, list[str]]:
    kinds = [k for k in ("sqlite", "postgres") if k in results]
    head = "| Measure | Target | " + " | ".join(DB_LABEL[k] for k in kinds) + " |"
    rule = "|---|---|" + "---|" * len(kinds)
    lines = [head, rule]
    missed = []

    def row(label, target, cells):
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")

    page_keys = [("list_p1", None), ("list_later", None), ("search_name", None), ("search_org", None),
                 ("search_mobile", None), ("filter", None), ("sort_name", None)]
    for key, _ in page_keys:
        label = next((results[k]["pages"][key]["label"] for k in kinds if key in results[k].get("pages", {})), key)
        cells = []
        for k in kinds:
            page = results[k].get("pages", {}).get(key)
            if not page:
                cells.append("—")
                continue
            v = verdict(page["p95_ms"], TARGET_P95_MS)
            if v == "MISSED":
                missed.append(f"{DB_LABEL[k]}: {label} p95 {page['p95_ms']:.0f} ms > {TARGET_P95_MS:.0f} ms")
            cells.append(f"{page['median_ms']:.0f} / {page['p95_ms']:.0f} ({v})")
        row(f"{label}: median / p95 ms", f"p95 ≤ {TARGET_P95_MS:.0f} ms", cells)
    cells = []
    for k in kinds:
        page = results[k].get("pages", {}).get("form_get")
        cells.append(f"{page['median_ms']:.0f} / {page['p95_ms']:.0f}" if page else "—")
    row("Public registration form GET (info): median / p95 ms", "—", cells)

    cells = []
    for k in kinds:
        imp = results[k].get("import")
        if not imp:
            cells.append("—")
            continue
        v = verdict(imp["total_s"], TARGET_IMPORT_S)
        if v == "MISSED":
            missed.append(f"{DB_LABEL[k]}: CSV import {imp['total_s']:.1f} s > {TARGET_IMPORT_S:.0f} s")
        cells.append(f"{imp['total_s']:.1f} ({v})")
    rows = next((results[k]["rows"] for k in kinds), 0)
    row(f"CSV import of {rows:,} rows, upload + run + commit: s", f"≤ {TARGET_IMPORT_S:.0f} s", cells)
    cells = [f"{results[k]['import']['upload_s']:.1f} + {results[k]['import']['run_s']:.1f}"
             if results[k].get("import") else "—" for k in kinds]
    row("… of which upload / run: s", "—", cells)
    cells = [f"{results[k]['import']['preview_s']:.1f}" if results[k].get("import") else "—" for k in kinds]
    row("Import preview (csvio.analyse, info): s", "—", cells)

    def load_cell(k, fmt):
        ld = results[k].get("load")
        return fmt(ld) if ld else "—"

    row("Registration POSTs through gunicorn -w 2: req/s", "—",
        [load_cell(k, lambda ld: f"{ld['app_rps']:.1f}") for k in kinds])
    row("Minimal one-INSERT Flask endpoint, same setup: req/s", "—",
        [load_cell(k, lambda ld: f"{ld['minimal_rps']:.1f}") for k in kinds])
    cells = []
    for k in kinds:
        ld = results[k].get("load")
        if not ld or ld["ratio"] is None:
            cells.append("—")
            continue
        v = verdict(ld["ratio"], TARGET_RATIO, higher_is_better=True)
        if v == "MISSED":
            missed.append(f"{DB_LABEL[k]}: registration/minimal ratio {ld['ratio']:.2f} < {TARGET_RATIO}")
        cells.append(f"{ld['ratio']:.2f} ({v})")
    row("Ratio registration / minimal", f"≥ {TARGET_RATIO}", cells)
    row("Failed requests during load (eventops / minimal)", "0",
        [load_cell(k, lambda ld: f"{ld['failures']['eventops']} / {ld['failures']['minimal']}") for k in kinds])
    return "\n".join(lines), missed


def results_section(results: dict) -> str:
    text, missed = table(results)
    parts = [START, "## Results", ""]
    for k in ("sqlite", "postgres"):
        if k not in results:
            continue
        r = results[k]
        m = r["machine"]
        parts.append(f"- **{DB_LABEL[k]}** ({r.get('version', '')}), run {m['date']}: {m['nproc']} CPUs "
                     f"({m['cpu']}), {m['mem_total']} memory, Python {m['python']}; load average {m.get('loadavg', '?')} at the "
                     f"start, {m.get('loadavg_end', '?')} after this database; {r['rows']:,} registrations "
                     f"in one event; {r.get('load', {}).get('threads', '—')} client threads, "
                     f"{r.get('load', {}).get('rounds', '—')} × {r.get('load', {}).get('duration_s', '—')} s per app"
                     + ("; ANALYZE run after the import." if r.get("analyzed") else "."))
    parts += ["", text, ""]
    for k in ("sqlite", "postgres"):
        if k in results:
            pages = results[k].get("pages", {})
            matched = "; ".join(f"{p['label']}: " + ", ".join(f"{q} → {n}" for q, n in p["matches"].items())
                                for key, p in pages.items() if key in ("search_name", "search_org",
                                                                       "search_mobile", "filter"))
            if matched:
                parts.append(f"Rows matched ({DB_LABEL[k]}): {matched}.")
                parts.append("")
    for k in ("sqlite", "postgres"):
        ld = results.get(k, {}).get("load")
        if ld and ld.get("per_round"):
            rounds = ", ".join(f"{r['eventops']['rps']:.1f} / {r['minimal']['rps']:.1f}" for r in ld["per_round"])
            parts.append(f"Load rounds ({DB_LABEL[k]}), EventOps / minimal req/s: {rounds}; EventOps p50 latency "
                         f"{ld['per_round'][0]['eventops']['p50_ms'] or 0:.0f} ms with {ld['threads']} clients.")
            parts.append("")
    if missed:
        parts.append("**Targets missed:**")
        parts += [f"- {m}" for m in missed]
    else:
        parts.append("**All targets met.**")
    parts += ["", END]
    return "\n".join(parts)


def write_readme(results):
    section = results_section(results)
    text = README.read_text() if README.exists() else "# EventOps benchmark\n\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    README.write_text(text)


# --- main -------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=30_000, help="registrations imported (default 30000)")
    parser.add_argument("--orgs", type=int, default=1000, help="organisations they come from (default 1000)")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page case (default 60)")
    parser.add_argument("--threads", type=int, default=8, help="client threads for the load (default 8)")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds per load round and app (0: skip)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds eventops/minimal (default 2)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--profile", action="store_true",
                        help="instead of measuring: cProfile the import, the pages and registration POSTs "
                             "(bench/out/profile-*.txt)")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: measure without ANALYZE after the import (planner without statistics)")
    parser.add_argument("--no-readme", action="store_true", help="do not touch bench/README.md / results.json")
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= 50_000:
        parser.error("--rows must be between 1 and 50000 (the import's limit)")
    if not 0 <= args.duration <= 120 or not 1 <= args.rounds <= 10 or not 1 <= args.threads <= 64:
        parser.error("--duration 0..120, --rounds 1..10, --threads 1..64")
    if not 5 <= args.requests <= 1000:
        parser.error("--requests 5..1000")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]

    def log(message):
        print(message, flush=True)

    if args.profile:
        try:
            for kind in kinds:
                for path in profile_database(kind, args, log):
                    log(f"    wrote {path}")
        finally:
            load.stop_all()
        return 0

    info = machine()
    log(f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['mem_total']} memory, Python {info['python']}, "
        f"{info['date']}")
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    fresh = {}
    status = 0
    try:
        for kind in kinds:
            started = time.monotonic()
            try:
                fresh[kind] = bench_database(kind, args, log)
                fresh[kind]["machine"] = dict(info, loadavg_end=" ".join(Path("/proc/loadavg").read_text().split()[:3]))
                fresh[kind]["seconds"] = time.monotonic() - started
            except Exception:
                traceback.print_exc()
                log(f"[{kind}] FAILED: no figures for this database")
                status = 1
    finally:
        load.stop_all()
    if not fresh:
        return status or 1
    merged = {**{k: v for k, v in previous.items() if k in ("sqlite", "postgres")}, **fresh}
    text, missed = table(fresh)
    print()
    print(text)
    print()
    print("Targets missed:\n  " + "\n  ".join(missed) if missed else "All targets met.")
    if not args.no_readme:
        RESULTS.write_text(json.dumps(merged, indent=1, ensure_ascii=False, default=str) + "\n")
        write_readme(merged)
        log(f"\nwrote {README.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
