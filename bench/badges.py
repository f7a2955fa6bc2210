"""Bulk badge rendering against a reference, in the same run: seconds and memory for 800 and 30,000
badges (issue 13 item 4: 800 in at most 1.5 s, 30,000 in at most 45 s, memory flat).

Not a test: it measures, prints a table and (except with --quick) writes ``bench/results/badges.md``;
nothing asserts, a missed target is written down.

    .venv/bin/python bench/badges.py                    # 800 (3 rounds) and 30,000 (1 round), a few minutes
    .venv/bin/python bench/badges.py --rounds 2 --big-rounds 2
    .venv/bin/python bench/badges.py --sizes 800 3000   # other sizes (each size > CHUNK is a ZIP of PDFs)
    .venv/bin/python bench/badges.py --quick            # smoke run: 200 and 2,000 badges, 1 round, writes nothing
    .venv/bin/python bench/badges.py --quick --without-rl-accel   # reportlab's pure-Python paths

Two renderers, each (renderer, size, round) in a fresh subprocess of its own, so that each peak
memory is its own; the order alternates between rounds:

- **ours**: ``eventops.badges.render``, the way the bulk print job calls it: one ``render()`` up to
  ``render.CHUNK`` badges, above that ``render.zip_stream`` (PDFs of ``CHUNK`` badges in a ZIP,
  handed on piece by piece): per-glyph font fallback, QR codes from ``badges/qr.py`` drawn as one
  path each.
- **reference**: the same layout (``badges/layouts/standard.json``), on A4 sheets of 4, drawn the
  plain way: every text in the main CJK font with reportlab's ``drawCentredString``, each QR code
  made by the ``qrcode`` package (fixed mask) and drawn as one small image (``drawInlineImage``),
  chunked and zipped like ours.

Badges: 1,000 people made once per process from the demo data (names, with one in fifty carrying
a CJK Extension B character such as 𠮷, organisations, positions, categories), cycled, each badge
with a payload of its own (``EO1:`` + 26 characters of the code alphabet, from a seeded generator):
a few microseconds a badge, the same for both. The output is written to a scratch file (never held
in memory) and checked after the timing: the number of PDFs and pages. Memory: the process's peak
RSS (``ru_maxrss``) after start-up and a warm-up render, at the end, and its RSS sampled after each
chunk; "flat" means the RSS after the last chunk is within ``FLAT_MB`` of the RSS after the first.
reportlab's C accelerator (``rl-accel``, installed with ``reportlab[accel]``) is used when
importable, as reportlab does by itself; the report says whether it was, and ``--without-rl-accel``
runs every child with it hidden (what a machine without it gets).
"""
import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import harness  # noqa: E402
from harness import log  # noqa: E402

SCRIPT = Path(__file__).resolve()
WORK = harness.work_dir("eventops-badges-bench")
RESULTS = harness.BENCH / "results" / "badges.md"
TARGETS_S = {800: 1.5, 30000: 45.0}
FLAT_MB = 25.0
RENDERERS = ("ours", "reference")
JI = "\U00020BB7"  # 𠮷


# --- the badges ---------------------------------------------------------------------------------

def people(count=1000, seed=1):
    """(name, organisation, position, category, org_type) for ``count`` people from the demo data."""
    from eventops.demo import data as demo
    rng = random.Random(seed)
    orgs = demo.organisations(rng)
    out = []
    for index in range(count):
        org, org_type = rng.choice(orgs)
        name = demo.person_name(rng)
        if index % 50 == 7:
            name = name[:-1] + JI  # 欧阳𠮷 and the like: the fallback font's glyph
        out.append((name, org, rng.choice(demo.POSITIONS.get(org_type, ["代表"])),
                    rng.choice(["attendee", "attendee", "attendee", "vip", "media", "exhibitor", "speaker"]), org_type))
    return out


def badges(n, seed=1):
    """``n`` badges, lazily: the people cycled, a payload of its own for each badge."""
    from eventops.badges import render
    from eventops.badges.codes import ALPHABET, payload
    rng = random.Random(seed)
    base = people()
    for index in range(n):
        name, org, position, category, org_type = base[index % len(base)]
        yield render.BadgeData(name, org, position, category, org_type, "嘉宾", "广州研究型医院联盟第二届院企合作活动",
                               payload("".join(rng.choices(ALPHABET, k=26))))


# --- the reference renderer -----------------------------------------------------------------------

def reference_pdf(batch) -> bytes:
    """The same badges, on A4 sheets of 4, drawn the plain way (see the docstring)."""
    import qrcode
    from PIL import Image
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    from eventops.badges import render
    from eventops.core.fonts import cjk_font
    font, lay, paper = cjk_font(), render.layout(), render.sheets()["a4"]
    w, h = lay["width_mm"] * mm, lay["height_mm"] * mm
    page_w, page_h = paper["page_mm"][0] * mm, paper["page_mm"][1] * mm
    cols, rows, gap = paper["columns"], paper["rows"], paper["gap_mm"] * mm
    left, top = (page_w - cols * w - (cols - 1) * gap) / 2, (page_h + rows * h + (rows - 1) * gap) / 2
    f = lay["fields"]

    def fit(text, size, min_size, width):
        while size > min_size and stringWidth(text, font, size) > width:
            size -= 0.5
        return size

    def centred(c, text, x, y, size):
        c.setFont(font, size)
        c.drawCentredString(x, y, text)

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(page_w, page_h), pageCompression=1, invariant=1)
    for slot, badge in enumerate(batch):
        if slot and slot % (cols * rows) == 0:
            c.showPage()
        col, row = slot % (cols * rows) % cols, slot % (cols * rows) // cols
        x0, y0 = left + col * (w + gap), top - (row + 1) * h - row * gap
        _w, _h, band, _colour = render.draw_frame(c, badge, lay, x0, y0)  # the same outline and band
        c.setFillColor(HexColor("#ffffff"))
        centred(c, badge.band_label, x0 + w / 2, y0 + h - band + 4 * mm, lay["band"]["text_size"])
        ev = f["event"]
        centred(c, badge.event_name, x0 + w / 2, y0 + h - ev["from_top_mm"] * mm,
                fit(badge.event_name, ev["size"], 5, ev["max_width_mm"] * mm))
        c.setFillColor(HexColor("#111111"))
        nf, of, pf = f["name"], f["organisation"], f["position"]
        centred(c, badge.name, x0 + w / 2, y0 + nf["y_mm"] * mm,
                fit(badge.name, nf["size"], nf["min_size"], nf["max_width_mm"] * mm))
        centred(c, badge.organisation, x0 + w / 2, y0 + of["y_mm"] * mm,
                fit(badge.organisation, of["size"], of["min_size"], of["max_width_mm"] * mm))
        c.setFillColor(HexColor(pf.get("colour", "#555555")))
        centred(c, badge.position, x0 + w / 2, y0 + pf["y_mm"] * mm, fit(badge.position, pf["size"], 6, pf["max_width_mm"] * mm))
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=4)
        code.add_data(badge.payload)
        code.make(fit=True)
        matrix = code.get_matrix()
        image = Image.new("1", (len(matrix), len(matrix)), 1)
        image.putdata([0 if dark else 1 for row_ in matrix for dark in row_])
        qf = f["qr"]
        c.drawInlineImage(image, x0 + qf["x_mm"] * mm, y0 + qf["y_mm"] * mm, qf["size_mm"] * mm, qf["size_mm"] * mm)
    c.showPage()
    c.save()
    return out.getvalue()


def reference_zip(badges_, chunk):
    """Like ``render.zip_stream``, with the reference renderer: pieces of a ZIP of PDFs of ``chunk``."""
    from eventops.badges import render
    pipe = render.Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for number, batch in enumerate(render.chunks(badges_, chunk), 1):
            archive.writestr(f"badges-{number:03d}.pdf", reference_pdf(batch))
            yield pipe.take()
    yield pipe.take()


# --- one renderer, one size, in a process of its own ---------------------------------------------

def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 20


def _pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", data))


def check(path: Path, size: int, chunk: int) -> dict:
    """One PDF of ceil(n/4) A4 pages, or a ZIP of ceil(n/chunk) such PDFs."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"%PDF":
        pages, files, expected_files = _pages(path.read_bytes()), 1, 1
    else:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            pages, files = sum(_pages(archive.read(name)) for name in names), len(names)
        expected_files = math.ceil(size / chunk)
    expected = sum(math.ceil(min(chunk, size - i * chunk) / 4) for i in range(math.ceil(size / chunk)))
    return {"files": files, "pages": pages, "ok": files == expected_files and pages == expected}


def child(args) -> dict:
    if os.environ.get("BENCH_WITHOUT_RL_ACCEL"):
        sys.modules["_rl_accel"] = None  # reportlab then takes its pure-Python paths
    from eventops.badges import render
    try:
        import _rl_accel  # noqa: F401
        accel = True
    except ImportError:
        accel = False
    warm = list(badges(8, seed=99))
    t0 = time.perf_counter()
    (render.render if args.renderer == "ours" else reference_pdf)(warm)  # fonts, caches, imports
    warm_s = time.perf_counter() - t0
    base_peak, base_rss = harness.maxrss_mb(), rss_mb()
    scratch = WORK / f"{args.renderer}-{args.size}-{os.getpid()}.out"
    rss_after, size_bytes = [], 0
    try:
        t0 = time.perf_counter()
        with open(scratch, "wb") as out:
            if args.size <= render.CHUNK:
                data = (render.render if args.renderer == "ours" else reference_pdf)(badges(args.size))
                out.write(data)
                size_bytes = len(data)
                del data
                rss_after.append(rss_mb())
            else:
                pieces = (render.zip_stream(badges(args.size), name="badges") if args.renderer == "ours"
                          else reference_zip(badges(args.size), render.CHUNK))
                for piece in pieces:
                    out.write(piece)
                    size_bytes += len(piece)
                    if piece:
                        rss_after.append(rss_mb())
        seconds = time.perf_counter() - t0
        verified = check(scratch, args.size, render.CHUNK)
    finally:
        scratch.unlink(missing_ok=True)
    return {"renderer": args.renderer, "size": args.size, "seconds": seconds, "per_badge_ms": seconds / args.size * 1000,
            "mb": size_bytes / 1e6, "warm_s": warm_s, "base_peak_mb": base_peak, "base_rss_mb": base_rss,
            "peak_mb": harness.maxrss_mb(), "rss_first_mb": rss_after[0] if rss_after else None,
            "rss_last_mb": rss_after[-1] if rss_after else None, "chunks": len(rss_after), "rl_accel": accel,
            **verified}


# --- the run --------------------------------------------------------------------------------------

def run(sizes, rounds_for, timeout):
    runs = []
    for size in sizes:
        for round_ in range(rounds_for(size)):
            order = RENDERERS if round_ % 2 == 0 else RENDERERS[::-1]
            for renderer in order:
                r = harness.run_child([SCRIPT, "_child", "--renderer", renderer, "--size", size], timeout=timeout)
                r["round"] = round_ + 1
                log(f"  {size:>6,} badges, {renderer:<9} round {r['round']}: {r['seconds']:6.2f} s "
                    f"({r['per_badge_ms']:.2f} ms a badge), {r['mb']:.1f} MB, peak RSS {r['peak_mb']:.0f} MB "
                    f"(RSS {harness.fmt(r['rss_first_mb'], 0)} → {harness.fmt(r['rss_last_mb'], 0)} MB over "
                    f"{r['chunks']} chunk(s)), {r['pages']} pages {'ok' if r['ok'] else 'WRONG'}")
                runs.append(r)
    return runs


def summarise(runs, sizes) -> list[dict]:
    rows = []
    for size in sizes:
        mine = [r for r in runs if r["size"] == size]
        by = {name: [r for r in mine if r["renderer"] == name] for name in RENDERERS}
        ours, ref = by["ours"], by["reference"]
        median = {name: statistics.median(r["seconds"] for r in rs) for name, rs in by.items() if rs}
        growth = max((r["rss_last_mb"] - r["rss_first_mb"]) for r in ours if r["rss_first_mb"] is not None)
        target = TARGETS_S.get(size)
        rows.append({"size": size, "rounds": len(ours), "ours_s": median.get("ours"), "ours_best_s": min(r["seconds"] for r in ours),
                     "reference_s": median.get("reference"), "ratio": median["ours"] / median["reference"] if ref else None,
                     "peak_mb": max(r["peak_mb"] for r in ours), "reference_peak_mb": max((r["peak_mb"] for r in ref), default=None),
                     "growth_mb": growth, "flat": growth <= FLAT_MB, "ok": all(r["ok"] for r in mine),
                     "target_s": target, "met": None if target is None else median["ours"] <= target,
                     "rl_accel": all(r["rl_accel"] for r in mine)})
    return rows


def table(rows) -> list[str]:
    def verdict(row):
        if row["met"] is None:
            return "(no target)"
        return f"≤ {row['target_s']:g} s: {'met' if row['met'] else '**missed**'}"
    return harness.md_table(
        ["badges", "rounds", "ours, median (best) s", "reference s", "ours / reference", "target",
         "peak RSS ours / reference MB", "RSS growth over the chunks MB", "output checked"],
        [[f"{r['size']:,}", r["rounds"], f"{harness.fmt(r['ours_s'], 2)} ({harness.fmt(r['ours_best_s'], 2)})",
          harness.fmt(r["reference_s"], 2), harness.fmt(r["ratio"], 2), verdict(r),
          f"{r['peak_mb']:.0f} / {harness.fmt(r['reference_peak_mb'], 0)}",
          f"{r['growth_mb']:+.1f} ({'flat' if r['flat'] else '**not flat**'})", "ok" if r["ok"] else "**wrong**"]
         for r in rows], ["---:", "---:", "---:", "---:", "---:", "---", "---:", "---:", "---"])


def write_results(rows, runs, info, argv):
    accel = "used" if all(r["rl_accel"] for r in rows) else "not used (reportlab's pure-Python paths)"
    lines = ["# Badge rendering benchmark: ours against a reference", "",
             "Written by `bench/badges.py` (a benchmark, not a test: it measures and reports, nothing asserts); "
             "what is measured is in the script's docstring.", "",
             *harness.machine_lines(info, f"Command: `{harness.command_line('badges.py', argv)}`",
                                    f"reportlab's C accelerator (rl-accel): {accel}"), "",
             *table(rows), "",
             f"Targets (issue 13 item 4): 800 badges in at most {TARGETS_S[800]:g} s and 30,000 in at most "
             f"{TARGETS_S[30000]:g} s, memory flat (RSS after the last chunk within {FLAT_MB:g} MB of the first).", "",
             "Every run:", "",
             *harness.md_table(["badges", "renderer", "round", "s", "ms a badge", "MB of output", "peak RSS MB",
                                "RSS first → last chunk MB", "pages"],
                               [[f"{r['size']:,}", r["renderer"], r["round"], f"{r['seconds']:.2f}",
                                 f"{r['per_badge_ms']:.2f}", f"{r['mb']:.1f}", f"{r['peak_mb']:.0f}",
                                 f"{harness.fmt(r['rss_first_mb'], 0)} → {harness.fmt(r['rss_last_mb'], 0)}",
                                 f"{r['pages']} ({'ok' if r['ok'] else 'wrong'})"] for r in runs])]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", "utf-8")
    log(f"written: {RESULTS.relative_to(harness.ROOT)}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_child"]:
        parser = argparse.ArgumentParser()
        parser.add_argument("--renderer", choices=RENDERERS, required=True)
        parser.add_argument("--size", type=int, required=True)
        harness.result(child(parser.parse_args(argv[1:])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[800, 30000])
    parser.add_argument("--rounds", type=int, default=3, help="rounds for sizes up to 3,000 (default 3)")
    parser.add_argument("--big-rounds", type=int, default=1, help="rounds for larger sizes (default 1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 and 2,000 badges, 1 round, writes nothing")
    parser.add_argument("--without-rl-accel", action="store_true",
                        help="hide reportlab's C accelerator from the renderers (its pure-Python paths)")
    args = parser.parse_args(argv)
    if args.without_rl_accel:
        os.environ["BENCH_WITHOUT_RL_ACCEL"] = "1"
    if args.quick:
        args.sizes, args.rounds, args.big_rounds = [200, 2000], 1, 1
    info = harness.machine()
    log(f"badge rendering, ours against the reference: {', '.join(f'{s:,}' for s in args.sizes)} badges; "
        f"{harness.machine_text(info)}")
    runs = run(args.sizes, lambda size: args.rounds if size <= 3000 else args.big_rounds,
               timeout=max(600, max(args.sizes) // 10))
    rows = summarise(runs, args.sizes)
    print("\n".join(table(rows)))
    print(f"reportlab's C accelerator (rl-accel): {'used' if all(r['rl_accel'] for r in rows) else 'not used'}")
    if not args.quick:
        write_results(rows, runs, info, argv)
    print(json.dumps({r["size"]: {"ours_s": round(r["ours_s"], 3), "reference_s": round(r["reference_s"], 3)}
                      for r in rows}))


if __name__ == "__main__":
    main()
