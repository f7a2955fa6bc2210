"""The report of ``ledger.py``: the results table, the verdicts and ``bench/results/ledger.md``
(hand-written notes below ``<!-- notes -->`` are kept), and the block of a ``--remeasure`` run."""
import harness
from harness import DB_LABEL, md_table

RESULTS = harness.BENCH / "results" / "ledger.md"
TARGET_SUMMARY_P95_MS = 20.0
TARGET_DELAY_S = 2.0
NOTES = "<!-- notes -->"
REMEASURE_START, REMEASURE_END = "<!-- remeasure:start -->", "<!-- remeasure:end -->"


def plain_table(header, rows, first_width=60) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    widths[0] = min(widths[0], first_width)
    return "\n".join("  ".join(str(c)[:widths[i]].ljust(widths[i]) if i == 0 else str(c).ljust(widths[i])
                               for i, c in enumerate(r)) for r in [header, *rows])


def met(ok):
    return "met" if ok else "**MISSED**"


def table(results, args):
    rows = []
    secs = f"{args.contention_seconds:.0f} s"

    def row(label, target, fn):
        rows.append([label, target] + [fn(r) for r in results])

    def rec_cell(r):
        rec = r["record"]
        cell = f"{rec['entries_per_s']:.0f} ({rec['measured_entries']:,} entries, {rec['measured_s']:.0f} s)"
        if rec["filled_entries"]:
            cell += f"; +{rec['filled_entries']:,} filled in {rec['fill_s']:.0f} s (commit / 500)"
        return cell

    def cont(n, errors=True):
        def cell(r):
            c = next(c for c in r["contention"] if c["threads"] == n)
            text = f"{c['entries_per_s']:.0f} ({c['p50_ms']:.1f} / {c['p95_ms']:.1f})"
            return text + (f", {c['errors']} errors" if errors else "")
        return cell

    def three(d, fmt=".1f", last_fmt=".1f"):
        return f"{d['p50']:{fmt}} / {d['p95']:{fmt}} / {d['max']:{last_fmt}}"

    def screens(r):
        return r["screens"]

    row("Recording, 1 thread, 1 commit/entry, building the event: entries/s", "—", rec_cell)
    row(f"Recording at ~100k, 1 thread, {secs}: entries/s (p50 / p95 ms per entry)", "—", cont(1, errors=False))
    row(f"Recording at ~100k, 8 threads, {secs}: entries/s (p50 / p95 ms per entry)", "—", cont(8))
    row(f"Recording at ~100k, 8 processes (no shared GIL), {secs}: entries/s (p50 / p95 ms per entry)", "—",
        cont("8p"))
    row("Entries in the event when the live total is timed", f"{args.entries:,}",
        lambda r: f"{r['entries_at_summary'][0]:,}")
    row("services.summary(event), 300 calls: p50 / p95 / max ms", "p95 ≤ 20 ms",
        lambda r: f"{three(r['summary']['inproc'])} ({met(r['summary']['inproc']['p95'] <= TARGET_SUMMARY_P95_MS)})")
    row("GET summary (test client, no ETag, 200 JSON), 200 calls: p50 / p95 / max ms", "p95 ≤ 20 ms",
        lambda r: f"{three(r['summary']['http'])} ({met(r['summary']['http']['p95'] <= TARGET_SUMMARY_P95_MS)})")
    row("GET summary with matching ETag (304), 100 calls: p50 / p95 ms", "—",
        lambda r: f"{r['summary']['http304']['p50']:.1f} / {r['summary']['http304']['p95']:.1f}")
    row(f"Big screen delay, {args.screens} screens, commit → screen shows new seq: p50 / p95 / max s", "≤ 2 s",
        lambda r: f"{screens(r)['p50_s']:.2f} / {screens(r)['p95_s']:.2f} / {screens(r)['max_s']:.2f} "
                  f"({met(screens(r)['max_s'] <= TARGET_DELAY_S and screens(r)['unseen'] == 0)})")
    row("… recordings × screens measured (never seen)", "—",
        lambda r: f"{screens(r)['recordings']} × {screens(r)['screens']} = {screens(r)['delays']} "
                  f"({screens(r)['unseen']})")
    row(f"Requests the {args.screens} screens generate: req/s", "—", lambda r: f"{screens(r)['req_per_s']:.1f}")
    row("Share of 304 answers", "—", lambda r: f"{screens(r)['share_304']:.1%}")
    row("Poll response time under gunicorn -w 2: p50 / p95 / max ms", "—",
        lambda r: f"{screens(r)['latency_p50_ms']:.1f} / {screens(r)['latency_p95_ms']:.1f} / "
                  f"{screens(r)['latency_max_ms']:.0f}")
    row("Failed polls (connection errors / non-200/304)", "0",
        lambda r: f"{screens(r)['status']['errors']} / {screens(r)['status']['other']}")
    row("verify(): chain + totals after everything", "0 problems",
        lambda r: f"{r['verify']['n_problems']} problems ({r['entries_at_end'][0]:,} entries, {r['verify']['s']:.1f} s)")
    return ["Measure", "Target"] + [r["version"] for r in results], rows


def verdicts(results):
    lines = []
    for r in results:
        s, sc = r["summary"], r["screens"]
        lines.append(f"- {DB_LABEL[r['kind']]}: live total p95 ≤ 20 ms — in-process {s['inproc']['p95']:.1f} ms "
                     f"{met(s['inproc']['p95'] <= TARGET_SUMMARY_P95_MS)}, HTTP {s['http']['p95']:.1f} ms "
                     f"{met(s['http']['p95'] <= TARGET_SUMMARY_P95_MS)}; big-screen delay ≤ 2 s — max "
                     f"{sc['max_s']:.2f} s, p95 {sc['p95_s']:.2f} s "
                     f"{met(sc['max_s'] <= TARGET_DELAY_S and sc['unseen'] == 0)}.")
    return "\n".join(lines)


def details(r) -> list[str]:
    rec, sm, sc = r["record"], r["summary"], r["screens"]
    parts = [f"## {DB_LABEL[r['kind']]}: details", ""]
    cps = ", ".join(f"{n // 1000}k: {rate:.0f}/s" for n, _t, rate in rec["checkpoints"] if rate)
    if "statements_per_call" in sm:
        parts.append(f"- services.summary(): {sm['statements_per_call']:.1f} SQL statements per call, "
                     f"{sm['statement_ms_per_call']:.1f} ms per call inside cursor.execute (round trip + server; on SQLite "
                     f"without the row fetch), p50 call {sm['inproc']['p50']:.1f} ms; load average then: {sm['load']}.")
    parts += [f"- Recording mode: {rec['mode']}; throughput per 5,000-entry slice while building: {cps}.",
              f"- Load average (1/5/15 min) at start / after recording / end: "
              f"{r['load'].get('start')} / {r['load'].get('after recording')} / {r['load'].get('end')}.",
              f"- Summary JSON body: {sm['json_bytes']:,} bytes; seq {sm['json_seq']:,}.",
              f"- Screens: {sc['requests']:,} requests in all, status counts {sc['status']}; "
              f"first recording at {sc['first_commit_utc']}; gunicorn log `{sc['log']}`."]
    if rec.get("maintenance"):
        parts.append(f"- Maintenance: {rec['maintenance']}; {rec['maintenance_s']:.1f} s spent in it while "
                     "measuring, excluded from the recording time.")
    parts += [f"- {c['threads']} threads: errors, e.g. {c['error_samples']}" for c in r["contention"] if c["errors"]]
    if r["verify"]["problems"]:
        parts.append(f"- verify() problems: {r['verify']['problems']}")
    parts += ["", "Query plans of `summary()`'s entry queries on the full event:", ""]
    for qname, plan in r["plans"].items():
        parts += [f"*{qname}*:", "", "```", plan, "```", ""]
    for key, title in (("summary_profile", "Profile of 100 GET summary calls (test client)"),
                       ("record_profile", "Profile of 300 record + commit calls (single thread, full event)")):
        if key in r:
            parts += [f"{title} — `{r[key]['path']}`; most own time:", "", "```", *r[key]["top"], "```", ""]
    return parts


def write_report(results, info, argv, args):
    header, rows = table(results, args)
    screen_cmd = next((r["screens"].get("command") for r in results if r["screens"].get("command")), "")
    parts = [
        "# Signing ledger benchmark", "",
        "Written by `bench/ledger.py` (re-running it overwrites this file).", "",
        "## Machine and run", "",
        *harness.machine_lines(info, f"Finished: {info['end']}", f"Command: `{harness.command_line('ledger.py', argv)}`"),
        *[f"- {DB_LABEL[r['kind']]} ({r['version']}): run {r.get('date', '?')} → {r.get('finished', '?')}, command "
          f"`.venv/bin/python bench/ledger.py {r.get('argv', '')}`" for r in results],
        f"- Big screen server: `{screen_cmd}` (sync workers), started and stopped by the bench",
        "- Databases: " + "; ".join(f"{DB_LABEL[r['kind']]} `{r['url']}`" for r in results) + " (SQLite in WAL, "
        "synchronous=NORMAL as the app sets it; PostgreSQL local, trust, driver psycopg 3 — SQLAlchemy 2.1's default "
        "for `postgresql://` — which prepares a statement server-side after 5 executions; this server runs with "
        "`autovacuum = off`, so the bench runs VACUUM/ANALYZE itself, see the details).", "",
        "## Results", "", *md_table(header, rows), "",
        "### Targets", "", verdicts(results), "",
        "## How each figure was measured", "",
        "1. **Recording throughput.** One event set up like `tests/ledger/conftest.py` (10 organisations "
        "registered, 2 signing sessions, a ledger clerk). `services.record(event, ContractData, actor=clerk, "
        "key=…)` followed by `db.session.commit()` per entry, in one app context, single thread, random "
        "title/category/session/amount (5 % undisclosed) and two registered parties. "
        f"If the projection after the first {args.projection_after:,} entries exceeded "
        f"{args.record_budget:.0f} s, only that part is the throughput figure and the rest is filled with "
        "the same `services.record` call, committing every 500 entries (stated in the table if it happened). "
        "Then, on the full event, 1 thread and 8 threads (each its own app context and session, started "
        f"together) record for {args.contention_seconds:.0f} s each; the per-entry time includes waiting for "
        "the `ledger_heads` row lock (PostgreSQL) or SQLite's single write lock (busy_timeout). The 8 threads "
        "share one Python process (GIL) on 2 cores, so part of the slowdown is the interpreter, not the lock; "
        "the same with 8 separate processes (spawned, each its own app, like gunicorn workers) is shown too.",
        "2. **Live total.** With the event full: 300 × `services.summary(event)` in one app context (a rollback "
        "between calls so each is a fresh transaction), 200 × `GET " + "/api/v1/events/<slug>/signings/summary"
        "` through `app.test_client()` without `If-None-Match` (full JSON each time), 10 warm-up calls not counted. "
        "Nearest-rank percentiles.",
        f"3. **Big screen.** {args.screens} threads in the bench process each poll the endpoint through gunicorn over "
        "HTTP/1.1 (new connection per poll, sync workers close it), sending `If-None-Match` with the last "
        "ETag, waiting 1 s after each answer (live.js's `setTimeout(poll, 1000)`), screens started at random "
        f"moments within the first second. After a 3 s settle, {args.recordings} contracts are recorded "
        "about every 3 s (2.4–3.6 s, random) by `services.record` + commit in the bench process; the delay for a "
        "screen is from the moment `commit()` returned to the moment that screen's first response carrying a "
        "`seq` ≥ the new one was read. Request rate and 304 share are over the recording window.", "",
    ]
    for r in results:
        parts += details(r)
    previous = RESULTS.read_text() if RESULTS.exists() else ""
    notes = harness.section(previous, NOTES) or f"{NOTES}\n\n(see the profiles above)"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(parts + ["## Hot spots", "", notes.strip(), ""]) + "\n")


def print_remeasure(found):
    for r in found:
        s = r["summary"]
        print(f"{DB_LABEL[r['kind']]}: {r['entries']:,} entries; summary() p50/p95 {s['inproc']['p50']:.1f}/"
              f"{s['inproc']['p95']:.1f} ms; GET {s['http']['p50']:.1f}/{s['http']['p95']:.1f} ms; "
              f"{s['statements_per_call']:.1f} statements, {s['statement_ms_per_call']:.1f} ms in execute")
        if "summary_profile" in r:
            print("\n".join("  " + line for line in r["summary_profile"]["top"]))


def write_remeasure(results, argv):
    rows = []
    for r in results:
        s = r["summary"]
        rows.append([DB_LABEL[r["kind"]], r["date"], f"{r['entries']:,} (was {r['before']:,})", r["load_start"],
                     f"{s['inproc']['p50']:.1f} / {s['inproc']['p95']:.1f} / {s['inproc']['max']:.1f} "
                     f"({met(s['inproc']['p95'] <= TARGET_SUMMARY_P95_MS)})",
                     f"{s['http']['p50']:.1f} / {s['http']['p95']:.1f} / {s['http']['max']:.1f} "
                     f"({met(s['http']['p95'] <= TARGET_SUMMARY_P95_MS)})",
                     f"{s['http304']['p50']:.1f} / {s['http304']['p95']:.1f}",
                     f"{s['statements_per_call']:.1f}, {s['statement_ms_per_call']:.1f} ms"])
    lines = [REMEASURE_START, "## Live total re-measured on the existing database", "",
             f"Command: `{harness.command_line('ledger.py', argv)}` (reuses the full run's database, tops the event "
             "up to the entry count with `services.record`, commit every 500, then repeats item 2 only).", "",
             *md_table(["Database", "When", "Entries", "Load avg at start", "summary() p50 / p95 / max ms",
                        "GET summary p50 / p95 / max ms", "304 p50 / p95 ms",
                        "SQL statements per summary() call, ms inside execute"], rows)]
    for r in results:
        if "summary_profile" in r:
            lines += ["", f"{DB_LABEL[r['kind']]} profile of 100 GET summary calls — `{r['summary_profile']['path']}`:",
                      "", "```", *r["summary_profile"]["top"], "```"]
    harness.replace_section(RESULTS, REMEASURE_START, REMEASURE_END, "\n".join(lines + ["", REMEASURE_END]),
                            before="## Hot spots")
