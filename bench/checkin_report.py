"""The report of ``checkin.py``: the console table and ``bench/results/checkin.md`` from the figures
of a run (``last-run.json``); the hand-written Findings section of the file is kept."""
import statistics

import harness
from harness import fmt, md_table

TARGETS = {"print_small_s": 2.0, "print_large_s": 60.0, "ratio": 0.6, "p99_ms": 50.0}
FINDINGS_START, FINDINGS_END = "<!-- findings:start -->", "<!-- findings:end -->"
NAN = float("nan")


def verdict(ok):
    return "**met**" if ok else "**MISSED**"


def header(data) -> list[str]:
    md = ["# Check-in benchmark: bulk badge print and the check-in API\n",
          "Written by `bench/checkin.py` (the Findings section at the end is kept across runs).\n"]
    extra = [f"Command: `{data['command']}`"]
    start, end = data.get("sources_start"), data.get("sources_end", {})
    if start:
        extra.append("Code measured (sha256 prefix, mtime): " + "; ".join(
            f"`{n}` {v['sha256']} ({v['mtime']})" for n, v in start.items()))
        changed = [n for n in start if end.get(n) != start[n]]
        if changed:
            extra.append(f"**Warning: changed during the run:** {', '.join(changed)} — figures may mix versions.")
    return md + harness.machine_lines(data["machine"], *extra)


def print_section(pr, lines, missed) -> list[str]:
    results = {int(k): v for k, v in pr["results"].items()}
    sizes = sorted(results)
    md = ["\n## 1. Bulk badge print (SQLite)\n",
          f"SQLite file database (`{pr.get('db_path', 'badges.sqlite3')}`); the print path reads only (one count, one "
          "`issue_missing` query that finds nothing, one `yield_per=500` select), so the database engine matters "
          "little here. Each size is a separate event in the same file, printed by the print job "
          "(`badges.print`: sheet A4, 2 × 2 with cut marks, sorted by organisation), started as the print button "
          "starts it and run to its end by `jobs.execute` (the worker's task body) in a fresh subprocess per size; "
          "the job's file is then read from job storage part by part and written to a scratch file (never held), "
          "and checked (pages; ZIP members). Badges were "
          "issued beforehand (`issue_missing` at setup). Seconds = from the job's start to the last byte read. Peak memory = "
          "`ru_maxrss` of the subprocess at the end; 'after warm-up' = `ru_maxrss` after app start, login, the "
          "badges page and one warm-up render (CJK font loaded), before the print. Cross-check: `VmHWM` from "
          "`/proc/self/status` (the same high-water mark, but of the child's own address space only: Linux carries "
          "the parent's resident size at fork into the child's `ru_maxrss`, so the parent stays small and prepares "
          "the database in a subprocess of its own; parent VmHWM "
          f"{max(r.get('parent_hwm_mb', NAN) for r in results.values()):.0f} MB).\n"]
    rows = []
    lines.append("Bulk badge print (SQLite, test client, fresh process per size)")
    lines.append(f"{'badges':>8} {'output':<16} {'seconds':>8} {'MB':>6} {'RSS warm':>9} {'RSS peak':>9} "
                 f"{'growth':>7} {'VmHWM':>6}  target")
    for size in sizes:
        r = results[size]
        secs = [x["seconds"] for x in r["runs"]]
        sec, check = statistics.median(secs), r["check"]
        out = "1 PDF" if check["kind"] == "pdf" else f"ZIP of {check['files']} PDFs"
        target = ""
        for applies, key, digits in ((size <= 1000, "print_small_s", 2), (size >= 30000, "print_large_s", 1)):
            if applies:
                ok = sec <= TARGETS[key]
                target = f"≤ {TARGETS[key]:.0f} s: {verdict(ok)}"
                if not ok:
                    missed.append(f"Print of {size:,} badges took {sec:.{digits}f} s > {TARGETS[key]:.0f} s")
        if not check["ok"]:
            missed.append(f"Print of {size:,} badges: output check failed ({check})")
        growth, mb = r["peak_mb"] - r["base_peak_mb"], r["runs"][0]["bytes"] / 2 ** 20
        rows.append([f"{size:,}", out, f"{sec:.2f} ({', '.join(f'{s:.2f}' for s in secs)})",
                     f"{statistics.median(x['first_byte_s'] for x in r['runs']):.2f}", f"{mb:.1f}",
                     f"{check['pages']:,} ({'ok' if check['ok'] else 'WRONG'})", f"{r['base_peak_mb']:.0f}",
                     f"{r['peak_mb']:.0f}", f"{growth:+.0f}", f"{r.get('hwm_mb', NAN):.0f}", target])
        lines.append(f"{size:>8,} {out:<16} {sec:>8.2f} {mb:>6.1f} {r['base_peak_mb']:>9.0f} {r['peak_mb']:>9.0f} "
                     f"{growth:>+7.0f} {r.get('hwm_mb', NAN):>6.0f}  {target.replace('**', '')}")
    md += md_table(["Badges", "Output", "Seconds (median; runs)", "First byte s", "Size MB", "Pages (check)",
                    "ru_maxrss after warm-up MB", "ru_maxrss at end MB", "Growth MB", "VmHWM at end MB", "Target"],
                   rows, ["---:", "---", "---", "---:", "---:", "---", "---:", "---:", "---:", "---:", "---"])
    peaks = {s: results[s]["peak_mb"] for s in sizes}
    growths = {s: results[s]["peak_mb"] - results[s]["base_peak_mb"] for s in sizes}
    if len(sizes) >= 2:
        # flat: the largest print peaks within 30 MB (or 15 %) of the smallest ZIP-sized one
        ref, large = ([s for s in sizes if s > 1000] or sizes)[0], sizes[-1]
        flat = peaks[large] <= peaks[ref] + max(30.0, 0.15 * peaks[ref])
        slope = (peaks[large] - peaks[ref]) / (large - ref) * 1000 if large != ref else 0.0
        text = (f"peak RSS {', '.join(f'{peaks[s]:.0f} MB at {s:,}' for s in sizes)}; over the warm-up baseline "
                f"{', '.join(f'{growths[s]:+.0f} MB' for s in sizes)}; ≈ {slope:+.1f} MB per 1,000 badges between "
                f"{ref:,} and {large:,}")
        md.append(f"\nMemory does not grow with the count (target): {verdict(flat)} — {text}.")
        lines.append(f"memory flat with the count: {'met' if flat else 'MISSED'} ({text})")
        if not flat:
            missed.append(f"Print memory grows with the count: {text}")
    warm = [results[s]["warm"] for s in sizes]
    md.append(f"\nFor information: app start + login + badges page {statistics.median(w['startup_s'] for w in warm):.2f} s; "
              f"first render of a process (loads the CJK font and reportlab) "
              f"{statistics.median(w['first_render_s'] for w in warm):.2f} s (not included above: a running server "
              "has done it once).")
    md.append("\nData: " + "; ".join(
        f"{int(k):,}: {v['imported']:,} imported ({v['import_s']:.1f} s), categories "
        + ", ".join(f"{c} {n:,}" for c, n in sorted(v["categories"].items(), key=lambda kv: -kv[1]))
        for k, v in sorted(pr["setup"].items(), key=lambda kv: int(kv[0]))) + ".")
    md.append(f"\nChild command per size (run by the script): `{results[sizes[-1]]['command']}`")
    if pr.get("profile"):
        md.append(f"\nProfile (cProfile, {pr['profile']['size']:,} badges): `{pr['profile'].get('profile')}`.")
    if pr.get("breakdown"):
        md.append("\nPer-badge breakdown, ms per badge (200 badges, A4; the what-ifs are measured here only, "
                  "nothing in eventops/ was changed):\n")
        md += md_table(["Step", "ms per badge"], [[k, f"{v:.1f}"] for k, v in pr["breakdown"].items()], ["---", "---:"])
        lines.append("per badge (ms): " + "; ".join(f"{k.strip()} {v:.1f}" for k, v in pr["breakdown"].items()))
    ra = pr.get("rl_accel")
    if ra:
        rp, badge = ra["print"], ra["breakdown"].get("badge, as rendered now", NAN)
        md.append(f"\nWhat-if, reportlab's optional C accelerator `rl-accel` (installed with `pip install --target "
                  f"{ra['dir']} rl-accel` and put on PYTHONPATH for these subprocesses only; the project's virtualenv "
                  f"is unchanged): badge {badge:.1f} ms "
                  f"(QR {next((v for k, v in ra['breakdown'].items() if k.startswith('its QR')), NAN):.1f} ms); "
                  f"the {rp['size']:,}-badge print job took {rp['runs'][0]['seconds']:.1f} s, "
                  f"ru_maxrss {rp['peak_mb']:.0f} MB, output {'ok' if rp['check']['ok'] else 'WRONG'}.")
        lines.append(f"what-if rl-accel: {rp['size']:,} badges in {rp['runs'][0]['seconds']:.1f} s ({badge:.1f} ms per badge)")
    for size, t in (pr.get("tracemalloc") or {}).items():
        tm = t.get("tracemalloc")
        if tm:
            md.append(f"\ntracemalloc, {int(size):,} badges: Python heap peak {tm.get('peak_mb', 0):.0f} MB, still held "
                      f"at the end {tm.get('current_mb', 0):.0f} MB; largest holders:\n")
            md.extend(f"- {line}" for line in tm.get("top", []))
    return md


def checkin_section(kind, ck, lines, missed) -> list[str]:
    s, ratio = ck["summary"], ck["ratio"]
    e, mn = s["eventops"], s["minimal"]
    md = [f"\n## 2. Check-in API under gunicorn ({'PostgreSQL' if kind == 'postgres' else 'SQLite, for information'})\n",
          f"{ck['version']}; event with {ck['imported']:,} registrations (all confirmed), {ck['badges']:,} badges, "
          f"{ck.get('gates', 4)} gates, {ck['threads']} devices. {ck['threads']} client threads (`http.client`, one connection per "
          f"request: gunicorn's sync workers close it), each with its own device token and gate and its own badge "
          f"codes; {ck['warmup_s']:.0f} s untimed warm-up per server, then {ck['rounds']} alternating rounds of "
          f"{ck['duration_s']:.0f} s per server (order flipped every other round). Scans/s = answers with the "
          "expected HTTP status and JSON status (ok 200, already_checked_in 409, invalid 404) per second, summed "
          "over the rounds; latency over every answered request.\n",
          "Servers (started and stopped by the script, own process groups):\n",
          f"- EventOps: `{ck['commands']['eventops']}`",
          f"- Minimal: `{ck['commands']['minimal']}` (one transaction: `SELECT id FROM bench_counter WHERE code = :code`, "
          f"`UPDATE bench_counter SET checked_in_at = :at … WHERE id = :id AND checked_in_at IS NULL`, "
          f"`INSERT INTO bench_scans …`; 200,000 codes)\n"]
    ratio_ok = ratio is not None and ratio >= TARGETS["ratio"]
    p99_ok = e["p99_ms"] <= TARGETS["p99_ms"]
    clean = e["wrong"] == 0 and e["errors"] == 0 and mn["wrong"] == 0 and mn["errors"] == 0

    def target(ok):
        return verdict(ok) if kind == "postgres" else ("met" if ok else "missed") + " (info)"

    md += md_table(["Measure", "EventOps check-in", "Minimal check-in", "Target"], [
        ["Throughput, scans (requests)/s", f"{e['rps']:.1f}", f"{mn['rps']:.1f}", ""],
        ["Ratio EventOps / minimal", fmt(ratio, 2), "", f"≥ {TARGETS['ratio']}: {target(ratio_ok)}"],
        ["p50 latency, ms", f"{e['p50_ms']:.1f}", f"{mn['p50_ms']:.1f}", ""],
        ["p99 latency, ms", f"{e['p99_ms']:.1f}", f"{mn['p99_ms']:.1f}", f"≤ {TARGETS['p99_ms']:.0f} ms: {target(p99_ok)}"],
        ["max latency, ms", f"{e['max_ms']:.0f}", f"{mn['max_ms']:.0f}", ""],
        ["Answers by kind", ", ".join(f"{k} {v:,}" for k, v in sorted(e["kinds"].items())),
         f"ok {mn['kinds'].get('ok', 0):,} (all)", ""],
        ["Wrong answers / connection errors", f"{e['wrong']} / {e['errors']}", f"{mn['wrong']} / {mn['errors']}", "0"],
    ], ["---", "---:", "---:", "---"])
    md.append("\nPer round (scans/s, p99 ms; CPU in cores during the round: gunicorn master+workers / all "
              "postgres processes on the machine / this client / whole machine):\n")

    def cpu(c):
        return f"{c['gunicorn']:.2f} / {c['postgres']:.2f} / {c['client']:.2f} / {c['machine']:.2f}"

    md += md_table(["Round", "EventOps /s", "p99", "CPU", "Minimal /s", "p99", "CPU", "Ratio"], [
        [i, f"{r['eventops']:.1f}", f"{r['eventops_p99_ms']:.1f}", cpu(r["cpu"]["eventops"]), f"{r['minimal']:.1f}",
         f"{r['minimal_p99_ms']:.1f}", cpu(r["cpu"]["minimal"]), fmt(r["ratio"], 2)]
        for i, r in enumerate(ck["per_round"], 1)], ["---:", "---:", "---:", "---", "---:", "---:", "---", "---:"])
    if e["first_wrong"] or mn["first_wrong"]:
        md.append(f"\nFirst wrong answer: EventOps {e['first_wrong']}; minimal {mn['first_wrong']}")
    if e["exhausted"]:
        md.append(f"\nNote: {e['exhausted']} client thread(s) ran out of fresh badge codes before the end of a round.")
    lines += ["", f"Check-in API, gunicorn -w 2, {ck['threads']} scanners, {ck['version']}",
              f"{'':<22} {'scans/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'wrong':>6}"]
    for name, w in (("EventOps check-in", e), ("minimal check-in", mn)):
        lines.append(f"{name:<22} {w['rps']:>8.1f} {w['p50_ms']:>7.1f} {w['p99_ms']:>7.1f} {w['wrong'] + w['errors']:>6}")
    lines.append(f"ratio {fmt(ratio, 2)} (target ≥ {TARGETS['ratio']}: {'met' if ratio_ok else 'MISSED'}), "
                 f"p99 {e['p99_ms']:.1f} ms (target ≤ {TARGETS['p99_ms']:.0f}: {'met' if p99_ok else 'MISSED'})"
                 + ("" if kind == "postgres" else "  [information only]"))
    pc = ck.get("paced") or {}
    if pc.get("eventops") and pc.get("minimal"):
        pe, pm = pc["eventops"], pc["minimal"]
        md.append(f"\nFor information, paced load (not the target's measure): each of the {ck['threads']} devices sends "
                  f"one scan every {ck['interval']:g} s ({pe['offered_rps']:.0f} scans/s offered, one "
                  f"{ck['duration_s']:.0f} s round per server): EventOps p50 {pe['p50_ms']:.1f} ms, p99 "
                  f"{pe['p99_ms']:.1f} ms ({pe['good']} answers, {pe['wrong']} wrong); "
                  f"minimal p50 {pm['p50_ms']:.1f} ms, p99 {pm['p99_ms']:.1f} ms.")
        lines.append(f"paced, one scan per device every {ck['interval']:g} s: EventOps p50 {pe['p50_ms']:.1f} / "
                     f"p99 {pe['p99_ms']:.1f} ms; minimal p50 {pm['p50_ms']:.1f} / p99 {pm['p99_ms']:.1f} ms")
    if kind == "postgres":
        if not ratio_ok:
            missed.append(f"Check-in/minimal ratio on PostgreSQL {fmt(ratio, 2)} < {TARGETS['ratio']}")
        if not p99_ok:
            missed.append(f"Check-in p99 on PostgreSQL {e['p99_ms']:.1f} ms > {TARGETS['p99_ms']:.0f} ms")
        if not clean:
            missed.append(f"Check-in run on PostgreSQL had wrong answers or errors ({e['wrong']}/{e['errors']} "
                          f"eventops, {mn['wrong']}/{mn['errors']} minimal)")
    prof = ck.get("profile")
    if prof:
        md.append(f"\nIn-process profile ({prof['scans']} scans through the test client, one device, same mix; "
                  f"cProfile on, so slower than served): {prof['wall_ms_per_scan']:.1f} ms per scan, "
                  f"{prof['statements_per_scan']:.1f} SQL statements per scan taking {prof['sql_ms_per_scan']:.1f} ms "
                  f"(driver round trips). By kind: " + "; ".join(
                      f"{k}: {v['statements']:.1f} statements, {v['sql_ms']:.1f} ms SQL of {v['wall_ms']:.1f} ms"
                      for k, v in prof["per_kind"].items()) + f". Full profile: `{prof['profile']}`.")
        if prof.get("steps_ms"):
            md.append("")
            md += md_table(["Step of one scan (cProfile cumulative)", "ms per scan"],
                           [[label, f"{ms:.2f}"] for label, ms in prof["steps_ms"].items()], ["---", "---:"])
            md.append("\nSQL statements seen during the profile (count over all scans, first 110 characters):\n")
            md.extend(f"- {count} × `{stmt}`" for stmt, count in prof["statements"][:16])
    return md


def build(data) -> tuple[str, str, list]:
    """(console table, markdown body, missed targets)."""
    lines, missed = [], []
    md = header(data)
    if data.get("print"):
        md += print_section(data["print"], lines, missed)
    for kind in ("postgres", "sqlite"):
        if data.get(f"checkin_{kind}"):
            md += checkin_section(kind, data[f"checkin_{kind}"], lines, missed)
    md.append("\n## Targets\n")
    md += ["Missed:\n", *(f"- {x}" for x in missed)] if missed else ["All targets measured in this run were met."]
    return "\n".join(lines), "\n".join(md) + "\n", missed


def write(path, body):
    """The new body, then the Findings section of the file as it was (hand-written, kept)."""
    old = path.read_text("utf-8") if path.exists() else ""
    findings = harness.section(old, "\n## Findings", FINDINGS_END) if FINDINGS_START in old else None
    path.parent.mkdir(exist_ok=True)
    path.write_text(body + (findings + "\n" if findings else
                            f"\n## Findings\n\n{FINDINGS_START}\n(no notes yet)\n{FINDINGS_END}\n"), "utf-8")
