"""The report of ``checkin.py``: the console table and ``bench/results/checkin.md`` from the figures
of a run (``last-run.json``); the hand-written Findings section of the file is kept."""
import harness
from harness import fmt, md_table

TARGETS = {"ratio": 0.6, "p99_ms": 50.0}
FINDINGS_START, FINDINGS_END = "<!-- findings:start -->", "<!-- findings:end -->"


def verdict(ok):
    return "**met**" if ok else "**MISSED**"


def header(data) -> list[str]:
    md = ["# Check-in benchmark: the check-in API\n",
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
