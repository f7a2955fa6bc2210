"""EventOps benchmark: back-office list/search, 30k-row CSV import, registration throughput.

    .venv/bin/python bench/run.py                      # both databases, 30,000 rows (make bench)
    .venv/bin/python bench/run.py --db sqlite --rows 5000 --duration 5
    .venv/bin/python bench/run.py --quick              # smoke run: small sizes, writes nothing
    .venv/bin/python bench/run.py --db postgres --profile   # cProfile pass, see bench/out/

Per database: a fresh database (SQLite file under $BENCH_TMP/eventops-bench, PostgreSQL database
``eventops_bench``), the schema from ``db.create_all()``, one event, then
  1. CSV import of ``--rows`` people (UTF-8 with BOM) through csvio.upload + csvio.run + commit;
  2. back-office list/search pages through the Flask test client, logged in as the organizer;
  3. registration POSTs through gunicorn -w 2 against the minimal one-INSERT app, side by side.
It prints a table and rewrites the results section of bench/README.md (bench/results.json keeps
the last figures of each database, so a run on one database leaves the other's column).
This is a benchmark, not a test: nothing asserts, a missed target is reported.
"""
import argparse
import json
import sys
import time
import traceback

import fixtures
import harness
import minimal
import registrations as regs
from harness import BENCH, DB_LABEL, ROOT

README = BENCH / "README.md"
RESULTS = BENCH / "results.json"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
TARGET_P95_MS = 100.0  # issue 13 (was 150 in issue 2)
TARGET_IMPORT_S = 15.0
TARGET_RATIO = 0.5
PAGE_KEYS = ("list_p1", "list_later", "search_name", "search_org", "search_mobile", "filter", "sort_name")


def database(kind) -> harness.Database:
    return harness.Database(kind, "bench", harness.work_dir("eventops-bench") / "bench.sqlite3")


def registration_count(app):
    from eventops.extensions import db
    with app.app_context():
        return db.session.execute(db.text("select count(*) from registrations")).scalar()


# --- one database -----------------------------------------------------------------------------

def bench_database(kind, args, log) -> dict:
    from eventops import create_app
    store = database(kind)
    url = store.fresh()
    app = create_app(harness.bench_config(url))
    harness.fresh_schema(app)
    minimal.create_tables(url)
    user_id, event_id = regs.create_event(app)
    out = {"db": kind, "rows": args.rows, "version": harness.db_version(url)}

    log(f"[{kind}] generating {args.rows} people")
    people, orgs = regs.people(args.rows, seed=args.seed, org_count=args.orgs)
    content = fixtures.csv_bytes(people)
    out["csv_mb"] = len(content) / 1e6

    log(f"[{kind}] CSV import ({out['csv_mb']:.1f} MB)")
    imp = out["import"] = regs.import_csv(app, user_id, event_id, content)
    log(f"    upload {imp['upload_s']:.2f} s + run {imp['run_s']:.2f} s = {imp['total_s']:.2f} s "
        f"(preview {imp['preview_s']:.2f} s); imported {imp['imported']}, waitlisted {imp['waitlisted']}, "
        f"rejected {imp['rejected']}")
    out["analyzed"] = kind == "postgres" and not args.no_analyze
    if out["analyzed"]:
        # this server runs with autovacuum off; a production server's autovacuum analyses the table
        # within about a minute of a bulk import. Without statistics the planner guesses rows=1.
        t0 = time.perf_counter()
        harness.analyze(app)
        log(f"    ANALYZE (as autovacuum would after the import): {time.perf_counter() - t0:.2f} s")
    harness.release(app)

    log(f"[{kind}] back-office pages, {args.requests} requests each")
    out["pages"] = regs.time_pages(app, args.rows, requests=args.requests)
    for page in out["pages"].values():
        log(f"    {page['label']:<45} median {page['median_ms']:6.1f} ms  p95 {page['p95_ms']:6.1f} ms")
    harness.release(app)

    if args.duration > 0:
        log(f"[{kind}] registration load: {args.threads} threads, {args.rounds} x {args.duration:g} s per app")
        org_names = sorted({name for name, _type in orgs})
        ld = out["load"] = regs.side_by_side(url, regs.SLUG, org_names, threads=args.threads,
                                             duration=args.duration, rounds=args.rounds, log=log)
        log(f"    eventops {ld['app_rps']:.1f} req/s, minimal {ld['minimal_rps']:.1f} req/s, "
            f"ratio {ld['ratio'] or 0:.2f}")
        out["registrations_after"] = registration_count(app)
    harness.release(app)
    if not args.keep:
        store.drop()
    return out


def profile_database(kind, args, log) -> list[str]:
    """cProfile of the import, every page case and 100 in-process registration POSTs."""
    from eventops import create_app
    store = database(kind)
    app = create_app(harness.bench_config(store.fresh()))
    harness.fresh_schema(app)
    user_id, event_id = regs.create_event(app)
    people, orgs = regs.people(args.rows, seed=args.seed, org_count=args.orgs)
    log(f"[{kind}] profiling the import of {args.rows} rows")
    written = [regs.profile_import(app, user_id, event_id, fixtures.csv_bytes(people), f"{kind}-import")]
    if kind == "postgres" and not args.no_analyze:
        harness.analyze(app)
    log(f"[{kind}] profiling the pages")
    written += regs.profile_pages(app, args.rows, f"{kind}-page")
    log(f"[{kind}] profiling registration POSTs")
    written.append(regs.profile_submissions(app, f"{kind}-register", sorted({n for n, _t in orgs})))
    harness.release(app)
    if not args.keep:
        store.drop()
    return written


# --- report -----------------------------------------------------------------------------------

def verdict(value, target, higher_is_better=False):
    if value is None:
        return "—"
    return "met" if (value >= target if higher_is_better else value <= target) else "MISSED"


def table(results: dict) -> tuple[str, list[str]]:
    kinds = [k for k in ("sqlite", "postgres") if k in results]
    rows, missed = [], []

    def row(label, target, cell):
        rows.append([label, target] + [cell(results[k], k) for k in kinds])

    def checked(value, target, text, miss, higher_is_better=False):
        v = verdict(value, target, higher_is_better)
        if v == "MISSED":
            missed.append(miss)
        return f"{text} ({v})"

    def page_cell(key):
        def cell(r, k):
            page = r.get("pages", {}).get(key)
            if not page:
                return "—"
            return checked(page["p95_ms"], TARGET_P95_MS, f"{page['median_ms']:.0f} / {page['p95_ms']:.0f}",
                           f"{DB_LABEL[k]}: {page['label']} p95 {page['p95_ms']:.0f} ms > {TARGET_P95_MS:.0f} ms")
        return cell

    def part(key, fmt):
        return lambda r, _k: fmt(r[key]) if r.get(key) else "—"

    for key in PAGE_KEYS:
        label = next((results[k]["pages"][key]["label"] for k in kinds if key in results[k].get("pages", {})), key)
        row(f"{label}: median / p95 ms", f"p95 ≤ {TARGET_P95_MS:.0f} ms", page_cell(key))
    row("Public registration form GET (info): median / p95 ms", "—",
        part("pages", lambda p: f"{p['form_get']['median_ms']:.0f} / {p['form_get']['p95_ms']:.0f}"
             if "form_get" in p else "—"))
    n_rows = next((results[k]["rows"] for k in kinds), 0)
    row(f"CSV import of {n_rows:,} rows, upload + run + commit: s", f"≤ {TARGET_IMPORT_S:.0f} s",
        lambda r, k: checked(r["import"]["total_s"], TARGET_IMPORT_S, f"{r['import']['total_s']:.1f}",
                             f"{DB_LABEL[k]}: CSV import {r['import']['total_s']:.1f} s > {TARGET_IMPORT_S:.0f} s")
        if r.get("import") else "—")
    row("… of which upload / run: s", "—", part("import", lambda i: f"{i['upload_s']:.1f} + {i['run_s']:.1f}"))
    row("Import preview (csvio.analyse, info): s", "—", part("import", lambda i: f"{i['preview_s']:.1f}"))
    row("Registration POSTs through gunicorn -w 2: req/s", "—", part("load", lambda ld: f"{ld['app_rps']:.1f}"))
    row("Minimal one-INSERT Flask endpoint, same setup: req/s", "—",
        part("load", lambda ld: f"{ld['minimal_rps']:.1f}"))
    row("Ratio registration / minimal", f"≥ {TARGET_RATIO}",
        lambda r, k: checked(r["load"]["ratio"], TARGET_RATIO, f"{r['load']['ratio']:.2f}",
                             f"{DB_LABEL[k]}: registration/minimal ratio {r['load']['ratio']:.2f} < {TARGET_RATIO}",
                             higher_is_better=True)
        if r.get("load") and r["load"]["ratio"] is not None else "—")
    row("Failed requests during load (eventops / minimal)", "0",
        part("load", lambda ld: f"{ld['failures']['eventops']} / {ld['failures']['minimal']}"))
    text = "\n".join(harness.md_table(["Measure", "Target", *(DB_LABEL[k] for k in kinds)], rows))
    return text, missed


def results_section(results: dict) -> str:
    text, missed = table(results)
    parts = [START, "## Results", ""]
    kinds = [k for k in ("sqlite", "postgres") if k in results]
    for k in kinds:
        r, m = results[k], results[k]["machine"]
        ld = r.get("load", {})
        parts.append(f"- **{DB_LABEL[k]}** ({r.get('version', '')}), run {m['date']}: {m['nproc']} CPUs "
                     f"({m['cpu']}), {m['mem_total']} memory, Python {m['python']}; load average "
                     f"{m.get('loadavg', '?')} at the start, {m.get('loadavg_end', '?')} after this database; "
                     f"{r['rows']:,} registrations in one event; {ld.get('threads', '—')} client threads, "
                     f"{ld.get('rounds', '—')} × {ld.get('duration_s', '—')} s per app"
                     + ("; ANALYZE run after the import." if r.get("analyzed") else "."))
    parts += ["", text, ""]
    for k in kinds:
        pages = results[k].get("pages", {})
        matched = "; ".join(f"{p['label']}: " + ", ".join(f"{q} → {n}" for q, n in p["matches"].items())
                            for key, p in pages.items() if key in ("search_name", "search_org", "search_mobile",
                                                                   "filter"))
        if matched:
            parts += [f"Rows matched ({DB_LABEL[k]}): {matched}.", ""]
    for k in kinds:
        ld = results[k].get("load")
        if ld and ld.get("per_round"):
            rounds = ", ".join(f"{r['eventops']['rps']:.1f} / {r['minimal']['rps']:.1f}" for r in ld["per_round"])
            parts += [f"Load rounds ({DB_LABEL[k]}), EventOps / minimal req/s: {rounds}; EventOps p50 latency "
                      f"{ld['per_round'][0]['eventops']['p50_ms'] or 0:.0f} ms with {ld['threads']} clients.", ""]
    parts += ["**Targets missed:**", *(f"- {m}" for m in missed)] if missed else ["**All targets met.**"]
    return "\n".join(parts + ["", END])


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
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2,000 rows, 10 requests per case, 4 threads, 1 x 3 s; implies --no-readme")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.requests, args.threads, args.duration, args.rounds = 2000, 10, 4, 3.0, 1
        args.no_readme = True
    if not 1 <= args.rows <= 50_000:
        parser.error("--rows must be between 1 and 50000 (the import's limit)")
    if not 0 <= args.duration <= 120 or not 1 <= args.rounds <= 10 or not 1 <= args.threads <= 64:
        parser.error("--duration 0..120, --rounds 1..10, --threads 1..64")
    if not 5 <= args.requests <= 1000:
        parser.error("--requests 5..1000")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    log = harness.log

    if args.profile:
        try:
            for kind in kinds:
                for path in profile_database(kind, args, log):
                    log(f"    wrote {path}")
        finally:
            harness.stop_all()
        return 0

    info = harness.machine()
    log(f"machine: {harness.machine_text(info)}; {info['date']}")
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    fresh, status = {}, 0
    try:
        for kind in kinds:
            started = time.monotonic()
            try:
                fresh[kind] = bench_database(kind, args, log)
                fresh[kind]["machine"] = dict(info, loadavg_end=harness.loadavg())
                fresh[kind]["seconds"] = time.monotonic() - started
            except Exception:
                traceback.print_exc()
                log(f"[{kind}] FAILED: no figures for this database")
                status = 1
    finally:
        harness.stop_all()
    if not fresh:
        return status or 1
    merged = {**{k: v for k, v in previous.items() if k in ("sqlite", "postgres")}, **fresh}
    text, missed = table(fresh)
    print(f"\n{text}\n")
    print("Targets missed:\n  " + "\n  ".join(missed) if missed else "All targets met.")
    if not args.no_readme:
        RESULTS.write_text(json.dumps(merged, indent=1, ensure_ascii=False, default=str) + "\n")
        harness.replace_section(README, START, END, results_section(merged), head="# EventOps benchmark\n\n")
        log(f"\nwrote {README.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
