"""Part 1 of ``checkin.py``: bulk badge printing, each size in a fresh subprocess (so that its peak
memory is its own), and the per-badge breakdown of where a badge's time goes.

The subprocesses are ``bench/checkin.py _prepare-print|_print-child|_qr-breakdown ...``; this process
stays small, because Linux carries the parent's resident size at fork into a child's ``ru_maxrss``.
"""
import argparse
import cProfile
import io
import json
import math
import os
import random
import re
import resource
import shlex
import statistics
import time
import zipfile
from pathlib import Path

import checkin
import fixtures
import harness
from checkin import ORGANIZER, SCRIPT, WORK
from harness import ROOT, log, maxrss_mb


def prepare_print_db(sizes, path: Path) -> dict:
    """One SQLite file, one event per size (badges issued)."""
    store = harness.Database("sqlite", "print", path)
    app = checkin.fresh_app(store.fresh())
    events = {}
    for size in sizes:
        info = checkin.make_event(app, f"badges-{size}", size, seed=size)
        info.pop("codes"), info.pop("tokens")
        events[size] = info
        log(f"  event badges-{size}: {info['imported']} imported in {info['import_s']:.1f} s, "
            f"{info['badges']} badges issued in {info['issue_s']:.1f} s; categories {info['categories']}")
    harness.release(app)
    return {"url": store.url, "events": events}


def vm_hwm_mb() -> float:
    """This process's own resident high-water mark (VmHWM: per address space, reset by exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 20


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", data))


def check_output(path: Path, size: int, chunk: int) -> dict:
    """What the browser got: one PDF of ceil(n/4) A4 pages, or a ZIP of ceil(n/CHUNK) such PDFs."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"%PDF":
        pages = _pdf_pages(path.read_bytes())
        expected = math.ceil(size / 4)
        return {"kind": "pdf", "files": 1, "pages": pages, "expected_pages": expected, "ok": pages == expected}
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pages, all_pdf = 0, True
        for name in names:
            data = archive.read(name)
            all_pdf &= data.startswith(b"%PDF")
            pages += _pdf_pages(data)
            del data
    expected_files = math.ceil(size / chunk)
    expected = sum(math.ceil(min(chunk, size - i * chunk) / 4) for i in range(expected_files))
    return {"kind": "zip", "files": len(names), "expected_files": expected_files, "pages": pages,
            "expected_pages": expected, "ok": all_pdf and len(names) == expected_files and pages == expected}


def _start_print(slug) -> int:
    """What the print button's view does: the job row (all badges, A4), committed."""
    from sqlalchemy import select

    from eventops.accounts.models import User
    from eventops.events.models import Event
    from eventops.extensions import db
    from eventops.jobs import services as jobs
    organizer = db.session.scalar(select(User).where(User.email == ORGANIZER[0]))
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    job = jobs.start(event, "badges.print", {"sheet": "a4"}, actor=organizer, dedupe_key=f"bench-{time.time()}")
    db.session.commit()
    return job.id


def print_child(args):
    """One size, in a process of its own: log in, warm up, print, consume the stream, report."""
    from eventops import create_app
    from eventops.badges import render
    from eventops.extensions import db
    from eventops.jobs import services as jobs
    from eventops.jobs.models import Job
    url, slug, size = args.db, args.slug, args.size
    if args.tracemalloc and size > 3000:  # tracing every allocation slows the print ~20 times
        return {"size": size, "skipped": "tracemalloc is run for 3,000 badges at most"}
    t_start = time.perf_counter()
    app = create_app(harness.bench_config(url))
    client = app.test_client()
    fixtures.login(client, *ORGANIZER)
    page = client.get(f"/manage/{slug}/badges")
    if page.status_code != 200:
        raise RuntimeError(f"badges page: HTTP {page.status_code}")
    t_font = time.perf_counter()
    with app.app_context():  # the first render of a process loads the CJK font and reportlab
        render.render([render.BadgeData("欧阳钇媛", "广州医科大学附属妇女儿童医疗中心", "院长", "vip", "hospital",
                                        "贵宾", "广州研究型医院联盟院企合作活动", "EO1:" + "A" * 26)])
    warm = {"startup_s": t_font - t_start, "first_render_s": time.perf_counter() - t_font}
    base_peak, base_rss, base_hwm = maxrss_mb(), rss_mb(), vm_hwm_mb()
    scratch = WORK / f"print-{size}-{os.getpid()}.out"
    profile = cProfile.Profile() if args.profile else None
    if args.tracemalloc:
        import tracemalloc
        tracemalloc.start(4)
    runs = []
    try:
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            if profile:
                profile.enable()
            # the print job, run to its end in this process as a worker runs it (jobs.execute is
            # the task's body; no broker here: the task the commit would send is left unsent)
            with app.test_request_context(base_url="http://127.0.0.1"):
                job_id = _start_print(slug)
            with app.app_context():
                state = jobs.execute(job_id, worker="bench")
            head = time.perf_counter() - t0
            received, parts, largest, rss_seen = 0, 0, 0, rss_mb()
            with app.app_context(), open(scratch, "wb") as out:
                job = db.session.get(Job, job_id)
                stored = jobs.file_of(job) if state == "done" else None
                if stored is None:
                    raise RuntimeError(f"print job {job_id}: {state} {job.error}")
                content_type = stored.content_type
                for part in jobs.read_file(stored):   # what the download hands to the socket
                    out.write(part)
                    received += len(part)
                    parts += 1
                    largest = max(largest, len(part))
                    rss_seen = max(rss_seen, rss_mb())
                db.session.remove()
            if profile:
                profile.disable()
            # first_byte_s: until the job is done and its file can be downloaded
            runs.append({"seconds": time.perf_counter() - t0, "first_byte_s": head, "bytes": received, "parts": parts,
                         "largest_part": largest, "status": state, "type": content_type,
                         "rss_max_during_mb": rss_seen})
        peak, hwm = maxrss_mb(), vm_hwm_mb()
        extra = {}
        if args.tracemalloc:
            current, traced_peak = tracemalloc.get_traced_memory()
            snapshot = tracemalloc.take_snapshot()
            tracemalloc.stop()
            extra["tracemalloc"] = {"current_mb": current / 2 ** 20, "peak_mb": traced_peak / 2 ** 20, "top": [
                f"{stat.size / 2 ** 20:.1f} MB in {stat.count} blocks: {stat.traceback.format()[-1].strip()}"
                for stat in snapshot.statistics("traceback")[:8]]}
        if profile:
            path = WORK / f"profile-print-{size}.txt"
            harness.write_profile(profile, path, (("tottime", 22), ("cumulative", 30)))
            extra["profile"] = str(path)
        check = check_output(scratch, size, render.CHUNK)
    finally:
        scratch.unlink(missing_ok=True)
    return {"size": size, "runs": runs, "warm": warm, "base_peak_mb": base_peak, "base_rss_mb": base_rss,
            "peak_mb": peak, "base_hwm_mb": base_hwm, "hwm_mb": hwm, "check": check, **extra}


def qr_breakdown(n=200) -> dict:
    """Where a badge's time goes (ms per badge, ``n`` badges, A4): the whole badge as render.py draws it;
    its QR part alone; the badge with the QR left out; for comparison the earlier way (reportlab's
    QrCodeWidget + getBounds + renderPDF.draw); and, as what-ifs, the QR from the ``qrcode`` package's
    matrix drawn as one path of run-length rectangles, with the best-mask search and with a fixed mask.
    Runs in a subprocess of its own: to time the badge without its QR code it stubs render.py's QR
    drawing for one measurement. That needs the module's own function ``render._draw_qr``: render.py
    has no public hook for it, and the breakdown is about render.py's insides."""
    import qrcode
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from eventops.badges import render
    from eventops.badges.codes import new_code, payload
    from eventops.demo import data as demo
    rng = random.Random(5)
    orgs = demo.organisations(rng)
    badges = []
    for _ in range(n):
        org, org_type = rng.choice(orgs)
        badges.append(render.BadgeData(demo.person_name(rng), org, rng.choice(demo.POSITIONS.get(org_type, ["代表"])),
                                       rng.choice(["attendee", "vip", "exhibitor", "media"]), org_type, "嘉宾",
                                       "广州研究型医院联盟院企合作活动", payload(new_code())))
    render.render(badges[:2])  # font, caches
    side = render.layout()["fields"]["qr"]["size_mm"] * mm
    out = {}

    def timed(name, fn):
        t0 = time.perf_counter()
        fn()
        out[name] = (time.perf_counter() - t0) / n * 1000

    def on_canvas(draw):
        def run():
            c = canvas.Canvas(io.BytesIO())
            for b in badges:
                draw(c, b.payload)
        return run

    def matrix_path(mask):
        def draw(c, data):
            q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=1, mask_pattern=mask)
            q.add_data(data)
            q.make(fit=True)
            m = q.get_matrix()
            cell, path = side / len(m), c.beginPath()
            for r, row in enumerate(m):
                col = 0
                while col < len(row):
                    if row[col]:
                        start = col
                        while col < len(row) and row[col]:
                            col += 1
                        path.rect(start * cell, (len(m) - 1 - r) * cell, (col - start) * cell, cell)
                    else:
                        col += 1
            c.drawPath(path, stroke=0, fill=1)
        return on_canvas(draw)

    def reportlab_widget(c, data):
        widget = QrCodeWidget(data, barLevel="M", barBorder=2)
        x1, y1, x2, y2 = widget.getBounds()
        drawing = Drawing(side, side, transform=[side / (x2 - x1), 0, 0, side / (y2 - y1), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, c, 0, 0)

    draw_qr = render._draw_qr  # the one private name the benchmarks touch (see the docstring)
    timed("badge, as rendered now", lambda: render.render(badges))
    timed("its QR code, as drawn now (render._draw_qr)", on_canvas(lambda c, data: draw_qr(c, data, 0, 0, side)))
    render._draw_qr = lambda *a, **k: None
    try:
        timed("badge without its QR code", lambda: render.render(badges))
    finally:
        render._draw_qr = draw_qr
    timed("for comparison: reportlab QrCodeWidget + getBounds + renderPDF.draw (the earlier way)",
          on_canvas(reportlab_widget))
    timed("what-if: QR from qrcode's matrix, best mask, one run-length path", matrix_path(None))
    timed("what-if: same with a fixed mask (no mask search)", matrix_path(0))
    return out


def run_print_child(url, slug, size, repeat, *, profile=False, trace=False, extra_path=None) -> dict:
    args = [SCRIPT, "_print-child", "--db", url, "--slug", slug, "--size", size, "--repeat", repeat]
    args += ["--profile"] * profile + ["--tracemalloc"] * trace
    parent_hwm = vm_hwm_mb()  # Linux carries the parent's RSS at fork into the child's ru_maxrss: keep it small
    result = harness.run_child(args, timeout=2700, extra_path=extra_path)
    result["parent_hwm_mb"] = parent_hwm
    result["command"] = " ".join(shlex.quote(str(c)) for c in [harness.PYTHON, *args]).replace(str(ROOT) + "/", "")
    return result


def part_print(args) -> dict:
    path, meta_path = WORK / "badges.sqlite3", WORK / "badges-setup.json"
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.reuse_print_db and path.exists() and meta_path.exists() and \
            set(json.loads(meta_path.read_text())["events"]) >= {str(s) for s in sizes}:
        setup = json.loads(meta_path.read_text())
        log(f"reusing {path}")
    else:
        log(f"part 1: preparing {path} ({', '.join(f'{s:,}' for s in sizes)} registrations), in a subprocess "
            "(this process stays small: its RSS would show in the children's ru_maxrss)")
        setup = harness.run_child([SCRIPT, "_prepare-print", "--sizes", args.sizes, "--path", path],
                                  timeout=1800, echo=True)
        meta_path.write_text(json.dumps(setup))
    results = {}
    for size in sizes:
        result = run_print_child(setup["url"], f"badges-{size}", size, args.print_repeat if size <= 1000 else 1)
        secs = [r["seconds"] for r in result["runs"]]
        check = result["check"]
        log(f"  {size:>6,} badges: {statistics.median(secs):6.2f} s (runs {', '.join(f'{s:.2f}' for s in secs)}), "
            f"{result['runs'][0]['bytes'] / 2 ** 20:.1f} MB {check['kind']} ({check['files']} file(s), "
            f"{check['pages']} pages, ok={check['ok']}), ru_maxrss {result['peak_mb']:.0f} MB (after warm-up "
            f"{result['base_peak_mb']:.0f} MB), VmHWM {result['hwm_mb']:.0f} MB (after warm-up {result['base_hwm_mb']:.0f} MB)")
        results[size] = result
    out = {"setup": {k: {kk: vv for kk, vv in v.items() if kk != "gate_ids"} for k, v in setup["events"].items()},
           "results": results, "db_path": str(path)}
    if args.profile:
        size = min(s for s in sizes if s > 1000) if any(s > 1000 for s in sizes) else sizes[0]
        log(f"  profiling the print of {size:,} badges (cProfile) …")
        out["profile"] = run_print_child(setup["url"], f"badges-{size}", size, 1, profile=True)
        if args.tracemalloc:
            log("  tracemalloc of the print of 3,000 badges (slow) …")
            out["tracemalloc"] = {s: run_print_child(setup["url"], f"badges-{s}", s, 1, trace=True)
                                  for s in sizes if s == 3000}
        log("  per-badge breakdown (QR code) …")
        out["breakdown"] = harness.run_child([SCRIPT, "_qr-breakdown"], timeout=600)
        for name, ms in out["breakdown"].items():
            log(f"    {name}: {ms:.1f} ms per badge")
        if args.rl_accel_dir:
            # what-if: reportlab's optional C accelerator (pip package rl-accel), from a scratch directory
            # on PYTHONPATH only; the project's virtualenv is not changed
            log(f"  what-if with rl-accel from {args.rl_accel_dir}: breakdown and the {sizes[-1]:,}-badge print …")
            out["rl_accel"] = {"dir": args.rl_accel_dir,
                               "breakdown": harness.run_child([SCRIPT, "_qr-breakdown"], timeout=600,
                                                              extra_path=args.rl_accel_dir),
                               "print": run_print_child(setup["url"], f"badges-{sizes[-1]}", sizes[-1], 1,
                                                        extra_path=args.rl_accel_dir)}
            r = out["rl_accel"]["print"]
            log(f"    {sizes[-1]:,} badges with rl-accel: {r['runs'][0]['seconds']:.1f} s, ru_maxrss {r['peak_mb']:.0f} MB, "
                f"ok={r['check']['ok']}")
    return out


def child(argv):
    """``checkin.py _prepare-print|_print-child|_qr-breakdown ...``: one job, its figures on a RESULT line."""
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=("_prepare-print", "_print-child", "_qr-breakdown"))
    p.add_argument("--sizes")
    p.add_argument("--path")
    p.add_argument("--db")
    p.add_argument("--slug")
    p.add_argument("--size", type=int)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--tracemalloc", action="store_true")
    a = p.parse_args(argv)
    if a.cmd == "_prepare-print":
        harness.result(prepare_print_db([int(x) for x in a.sizes.split(",")], Path(a.path)))
    elif a.cmd == "_qr-breakdown":
        harness.result(qr_breakdown())
    else:
        harness.result(print_child(a))
