"""Benchmark of the door: bulk badge printing and the check-in API under load.

Not a test: it measures, prints a table and writes ``bench/results/checkin.md``; nothing asserts.

1. **Bulk badge print** (SQLite): events of 800, 3,000, 10,000 and 30,000 registrations (Chinese names and
   organisations from ``eventops/demo/data.py``, categories mixed), imported with ``csvio.upload`` +
   ``csvio.run``, badges issued. Each size is printed in a *fresh subprocess* through the real view
   ``GET /manage/<slug>/badges/print`` with the Flask test client, logged in as the organizer (real login,
   CSRF on), and the response is consumed chunk by chunk (written to a scratch file, never held in memory;
   checked afterwards: PDF page count, or ZIP members and their pages). Figures: seconds until the last
   byte, and the process's peak RSS (``ru_maxrss``) after app start-up + a warm-up render (font loaded)
   and at the end.
2. **Check-in API** (PostgreSQL, and SQLite for information): an event with 30,000 registrations with
   badges, 4 gates and 16 devices; ``gunicorn -w 2 wsgi:app`` against ``bench/checkin_minimal.py`` (one
   committed ``UPDATE`` of one random row of a 30,000-row table per request), same gunicorn settings, same
   16 client threads, alternating rounds. Each client thread has its own device token and its own badge
   codes: first scans (``ok``), ~5 % repeats of a code it scanned before (``already_checked_in``), ~2 %
   well-formed unknown codes (``invalid``). Every answer is checked (HTTP status and JSON ``status``).

Usage::

    .venv/bin/python bench/checkin.py                      # everything (about 8 minutes; 12 with --profile)
    .venv/bin/python bench/checkin.py --part print         # badge printing only
    .venv/bin/python bench/checkin.py --part checkin --duration 15 --rounds 3 --threads 16
    .venv/bin/python bench/checkin.py --profile            # + cProfile passes and a per-badge breakdown (not timed)
    .venv/bin/python bench/checkin.py --profile --rl-accel-dir DIR   # + what-if with reportlab's C accelerator
    .venv/bin/python bench/checkin.py --report-only        # rebuild the table and checkin.md from the last run

Scratch files (SQLite databases, gunicorn logs, profiles) go to /tmp/eventops-checkin-bench. PostgreSQL:
database ``eventops_checkin_bench`` on 127.0.0.1:5432 (user postgres), dropped and re-created each run.
"""
import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import cProfile  # noqa: E402
import csv  # noqa: E402
import http.client  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import secrets  # noqa: E402
import shlex  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
import zipfile  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

WORK = Path("/tmp/eventops-checkin-bench")
RESULTS = BENCH / "results" / "checkin.md"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "eventops_checkin_bench"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
PG_URL_ENV = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"   # what EVENTOPS_DATABASE_URL gets
ORGANIZER = ("organizer@checkin-bench.example.cn", "checkin-bench-organizer-password")
PRINT_SIZES = (800, 3000, 10000, 30000)
CHECKIN_ROWS = 30000
GATES = ("东门", "南门", "西门", "北门")
TARGETS = {"print_small_s": 2.0, "print_large_s": 60.0, "ratio": 0.6, "p99_ms": 50.0}
FINDINGS_START, FINDINGS_END = "<!-- findings:start -->", "<!-- findings:end -->"


def log(*parts):
    print(*parts, flush=True)


# --- app and data -----------------------------------------------------------------------------

def bench_config(url):
    """Production settings (CSRF on, TESTING off), rate limiting off, plain http on 127.0.0.1."""
    from eventops.config import Config
    return type("CheckinBenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "checkin-bench-" + secrets.token_hex(8),
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
        "SMTP_HOST": None, "BASE_URL": "http://127.0.0.1"})


HEADER = ["姓名", "单位", "单位类型", "职务", "手机", "邮箱", "类别"]
ORG_TYPE_WORD = {"hospital": "医院", "enterprise": "企业", "government": "政府部门", "association": "行业协会",
                 "service_agency": "第三方服务机构", "university": "高校/科研院所", "media": "媒体"}
ORG_WEIGHTS = {"hospital": 30, "enterprise": 40, "government": 4, "association": 3, "service_agency": 10,
               "university": 6, "media": 7}
# every category, in proportions a hospital-industry day might have
CATEGORY_WEIGHTS = {"参会者": 52, "展商": 16, "专业经纪人": 7, "演讲嘉宾": 4, "媒体": 6, "贵宾": 7, "工作人员": 8}


def people(rows, seed, tag):
    """``rows`` registrants as CSV rows: Chinese names, ~1,000 organisations (the demo's, topped up
    with generated company names), positions by organisation type, every category."""
    from eventops.demo import data as demo
    rng = random.Random(seed)
    orgs = demo.organisations(rng)
    seen = {name for name, _ in orgs}
    for _attempt in range(100_000):
        if len(orgs) >= 1000:
            break
        name = (f"{rng.choice(demo.CITY)}{rng.choice('康瑞华信泰诺安达源科博润')}{rng.choice('恒明联博健生和新云中益')}"
                f"{rng.choice(demo.FIELDS)}{rng.choice(['有限公司', '股份有限公司', '（广州）有限公司'])}")
        if name not in seen:
            seen.add(name)
            orgs.append((name, "enterprise"))
    by_type = {}
    for name, org_type in orgs:
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
        out.append([demo.person_name(rng), rng.choice(by_type[org_type]), ORG_TYPE_WORD[org_type],
                    rng.choice(demo.POSITIONS.get(org_type, ["代表"])), f"1{rng.choice('3456789')}{mobiles[index]:09d}",
                    f"{tag}{index + 1:05d}@{rng.choice(['example.cn', 'hosp.example.cn', 'example.com'])}", category])
    return out


def csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def fresh_schema(app):
    from eventops.extensions import db
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
        db.engine.dispose()


def make_organizer(app):
    from eventops.accounts import services as accounts
    from eventops.extensions import db
    with app.app_context():
        accounts.create_user(ORGANIZER[0], ORGANIZER[1], name="主办方")
        db.session.commit()
        db.session.remove()


def make_event(app, slug, rows, seed, *, gates=0, devices=0) -> dict:
    """An event with ``rows`` imported registrations (all confirmed: no capacity), badges issued,
    ``gates`` gates and ``devices`` device tokens. Returns ids, codes, tokens and timings."""
    from sqlalchemy import select, text

    from eventops.accounts.models import User
    from eventops.badges import services as badges
    from eventops.badges.models import Badge
    from eventops.checkin import services as checkin
    from eventops.core.timeutil import now_utc
    from eventops.events import services as events
    from eventops.extensions import db
    from eventops.registration import csvio
    from eventops.registration.models import Registration

    content = csv_bytes(people(rows, seed, slug.replace("-", "")))
    with app.test_request_context(base_url="http://127.0.0.1"):
        organizer = db.session.scalar(select(User).where(User.email == ORGANIZER[0]))
        now = now_utc()
        event = events.create_event(events.EventData(
            slug=slug, name_zh="广州研究型医院联盟院企合作活动", name_en="Hospital–industry day",
            venue_zh="广州", venue_en="Guangzhou", starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=30, hours=8), timezone="Asia/Shanghai", capacity=None,
            registration_opens_at=now - timedelta(days=1), registration_closes_at=now + timedelta(days=29),
            interest_tags=events.default_tags()), actor=organizer)
        db.session.commit()
        t0 = time.perf_counter()
        batch = csvio.upload(event, f"{slug}.csv", content, actor=organizer)
        db.session.commit()
        result = csvio.run(event, batch, {k: int(v) for k, v in batch.mapping.items()}, actor=organizer)
        db.session.commit()
        t1 = time.perf_counter()
        issued = badges.issue_missing(event)
        db.session.commit()
        t2 = time.perf_counter()
        gate_ids = [checkin.add_gate(event, name, actor=organizer).id for name in GATES[:gates]]
        tokens = [checkin.issue_device(event, f"扫码枪 {i + 1:02d}", actor=organizer)[1] for i in range(devices)]
        db.session.commit()
        codes = list(db.session.scalars(select(Badge.code).where(Badge.event_id == event.id,
                                                                 Badge.revoked_at.is_(None)).order_by(Badge.id)))
        categories = dict(db.session.execute(select(Registration.category, db.func.count()).where(
            Registration.event_id == event.id).group_by(Registration.category)).all())
        if db.engine.dialect.name == "postgresql":
            db.session.commit()
            for table in ("registrations", "organisations", "badges", "events", "gates", "devices", "users"):
                db.session.execute(text(f"ANALYZE {table}"))
            db.session.commit()
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        out = {"slug": slug, "event_id": event.id, "rows": rows, "imported": result["imported"],
               "confirmed": result["confirmed"], "rejected": result["rejected"], "badges": issued,
               "import_s": t1 - t0, "issue_s": t2 - t1, "gate_ids": gate_ids, "tokens": tokens, "codes": codes,
               "categories": categories}
    with app.app_context():
        db.session.remove()
    return out


# --- part 1: bulk badge print -----------------------------------------------------------------

def prepare_print_db(sizes, path: Path) -> dict:
    from eventops import create_app
    from eventops.extensions import db
    if path.exists():
        path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    app = create_app(bench_config(url))
    fresh_schema(app)
    make_organizer(app)
    events = {}
    for size in sizes:
        info = make_event(app, f"badges-{size}", size, seed=size)
        info.pop("codes"), info.pop("tokens")
        events[size] = info
        log(f"  event badges-{size}: {info['imported']} imported in {info['import_s']:.1f} s, "
            f"{info['badges']} badges issued in {info['issue_s']:.1f} s; categories {info['categories']}")
    with app.app_context():
        db.engine.dispose()
    return {"url": url, "events": events}


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


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


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def login(client):
    page = client.get("/login").get_data(as_text=True)
    match = _CSRF.search(page)
    if not match:
        raise RuntimeError("no csrf_token on the login page")
    response = client.post("/login", data={"email": ORGANIZER[0], "password": ORGANIZER[1],
                                           "csrf_token": match.group(1)})
    if response.status_code != 302:
        raise RuntimeError(f"login failed: HTTP {response.status_code}")


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


def print_child(args):
    """One size, in a process of its own: log in, warm up, print, consume the stream, report."""
    from eventops import create_app
    from eventops.badges import render
    url, slug, size = args.db, args.slug, args.size
    if args.tracemalloc and size > 3000:  # tracing every allocation slows the print ~20 times
        print("RESULT " + json.dumps({"size": size, "skipped": "tracemalloc is run for 3,000 badges at most"}))
        return
    t_start = time.perf_counter()
    app = create_app(bench_config(url))
    client = app.test_client()
    login(client)
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
            response = client.get(f"/manage/{slug}/badges/print", buffered=False)
            head = time.perf_counter() - t0
            received, parts, largest, rss_seen = 0, 0, 0, 0.0
            with open(scratch, "wb") as out:
                for part in response.response:       # what the server hands to the socket, one part at a time
                    out.write(part)
                    received += len(part)
                    parts += 1
                    largest = max(largest, len(part))
                    rss_seen = max(rss_seen, rss_mb())
            response.close()
            if profile:
                profile.disable()
            elapsed = time.perf_counter() - t0
            runs.append({"seconds": elapsed, "first_byte_s": head, "bytes": received, "parts": parts,
                         "largest_part": largest, "status": response.status_code,
                         "type": response.headers.get("Content-Type"), "rss_max_during_mb": rss_seen})
        peak, hwm = maxrss_mb(), vm_hwm_mb()
        extra = {}
        if args.tracemalloc:
            import tracemalloc
            current, traced_peak = tracemalloc.get_traced_memory()
            snapshot = tracemalloc.take_snapshot()
            tracemalloc.stop()
            extra["tracemalloc"] = {"current_mb": current / 2 ** 20, "peak_mb": traced_peak / 2 ** 20, "top": [
                f"{stat.size / 2 ** 20:.1f} MB in {stat.count} blocks: {stat.traceback.format()[-1].strip()}"
                for stat in snapshot.statistics("traceback")[:8]]}
        if profile:
            text = io.StringIO()
            stats = pstats.Stats(profile, stream=text)
            stats.sort_stats("tottime").print_stats(22)
            text.write("\n--- cumulative ---\n")
            stats.sort_stats("cumulative").print_stats(30)
            prof_path = WORK / f"profile-print-{size}.txt"
            prof_path.write_text(text.getvalue())
            extra["profile"] = str(prof_path)
        check = check_output(scratch, size, render.CHUNK)
    finally:
        scratch.unlink(missing_ok=True)
    print("RESULT " + json.dumps({"size": size, "runs": runs, "warm": warm, "base_peak_mb": base_peak,
                                  "base_rss_mb": base_rss, "peak_mb": peak, "base_hwm_mb": base_hwm, "hwm_mb": hwm,
                                  "check": check, **extra}))


def qr_breakdown(n=200) -> dict:
    """Where a badge's time goes (ms per badge, ``n`` badges, A4): the whole badge as render.py draws it;
    its QR part alone (QrCodeWidget, getBounds, renderPDF.draw, as in _draw_badge); the badge with the QR
    left out; and, as what-ifs, the same QR from the ``qrcode`` package's matrix (already a dependency)
    drawn as one path of run-length rectangles, with the best-mask search and with a fixed mask.
    Runs in a subprocess of its own (it stubs render.py's QR classes for one measurement)."""
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

    def bounds_only():
        for b in badges:
            QrCodeWidget(b.payload, barLevel="M", barBorder=2).getBounds()

    def matrix_path(mask):
        def run():
            c = canvas.Canvas(io.BytesIO())
            for b in badges:
                q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=1, mask_pattern=mask)
                q.add_data(b.payload)
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
        return run

    def reportlab_widget():
        c = canvas.Canvas(io.BytesIO())
        for b in badges:
            widget = QrCodeWidget(b.payload, barLevel="M", barBorder=2)
            x1, y1, x2, y2 = widget.getBounds()
            drawing = Drawing(side, side, transform=[side / (x2 - x1), 0, 0, side / (y2 - y1), 0, 0])
            drawing.add(widget)
            renderPDF.draw(drawing, c, 0, 0)

    timed("badge, as rendered now", lambda: render.render(badges))
    if hasattr(render, "_draw_qr"):   # render.py draws the QR itself (qrcode matrix, one path)
        def qr_now():
            c = canvas.Canvas(io.BytesIO())
            for b in badges:
                render._draw_qr(c, b.payload, 0, 0, side)
        timed("its QR code, as drawn now (render._draw_qr)", qr_now)
        real = render._draw_qr
        render._draw_qr = lambda *a, **k: None
        try:
            timed("badge without its QR code", lambda: render.render(badges))
        finally:
            render._draw_qr = real
        timed("for comparison: reportlab QrCodeWidget + getBounds + renderPDF.draw (the earlier way)", reportlab_widget)
    else:                             # render.py uses reportlab's QrCodeWidget
        timed("its QR code, as drawn now (QrCodeWidget + getBounds + renderPDF.draw)", reportlab_widget)
        timed("  of which QrCodeWidget.getBounds (one full encode)", bounds_only)

        class _NoQr:
            def __init__(self, *a, **k):
                pass

            def getBounds(self):
                return (0, 0, 1, 1)

            def add(self, *_a):
                pass

        real = render.QrCodeWidget, render.Drawing, render.renderPDF
        render.QrCodeWidget, render.Drawing = _NoQr, _NoQr
        render.renderPDF = type("_NoRender", (), {"draw": staticmethod(lambda *a, **k: None)})
        try:
            timed("badge without its QR code", lambda: render.render(badges))
        finally:
            render.QrCodeWidget, render.Drawing, render.renderPDF = real
    timed("what-if: QR from qrcode's matrix, best mask, one run-length path", matrix_path(None))
    timed("what-if: same with a fixed mask (no mask search)", matrix_path(0))
    return out


def run_qr_breakdown(extra_path=None) -> dict:
    cmd = [str(PYTHON), str(Path(__file__).resolve()), "_qr-breakdown"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if extra_path:
        env["PYTHONPATH"] = str(extra_path)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"qr breakdown failed:\n{proc.stderr[-2000:]}")
    return json.loads(line[7:])


def run_print_child(url, slug, size, repeat, *, profile=False, trace=False, extra_path=None) -> dict:
    cmd = [str(PYTHON), str(Path(__file__).resolve()), "_print-child", "--db", url, "--slug", slug,
           "--size", str(size), "--repeat", str(repeat)]
    if profile:
        cmd.append("--profile")
    if trace:
        cmd.append("--tracemalloc")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if extra_path:
        env["PYTHONPATH"] = str(extra_path)
    parent_hwm = vm_hwm_mb()  # Linux carries the parent's RSS at fork into the child's ru_maxrss: keep it small
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=2700)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"print child for {size} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(line[7:])
    result["parent_hwm_mb"] = parent_hwm
    result["command"] = " ".join(shlex.quote(str(c)) for c in cmd).replace(str(ROOT) + "/", "")
    return result


def part_print(args) -> dict:
    WORK.mkdir(exist_ok=True)
    path = WORK / "badges.sqlite3"
    meta_path = WORK / "badges-setup.json"
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.reuse_print_db and path.exists() and meta_path.exists() and \
            set(json.loads(meta_path.read_text())["events"]) >= {str(s) for s in sizes}:
        setup = json.loads(meta_path.read_text())
        log(f"reusing {path}")
    else:
        log(f"part 1: preparing {path} ({', '.join(f'{s:,}' for s in sizes)} registrations), in a subprocess "
            "(this process stays small: its RSS would show in the children's ru_maxrss)")
        cmd = [str(PYTHON), str(Path(__file__).resolve()), "_prepare-print", "--sizes", args.sizes, "--path", str(path)]
        proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, capture_output=True,
                              text=True, timeout=1800)
        sys.stdout.write("".join(l + "\n" for l in proc.stdout.splitlines() if not l.startswith("RESULT ")))
        line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            raise RuntimeError(f"preparing the print database failed:\n{proc.stderr[-3000:]}")
        setup = json.loads(line[7:])
        meta_path.write_text(json.dumps(setup))
    results = {}
    for size in sizes:
        repeat = args.print_repeat if size <= 1000 else 1
        result = run_print_child(setup["url"], f"badges-{size}", size, repeat)
        secs = [r["seconds"] for r in result["runs"]]
        log(f"  {size:>6,} badges: {statistics.median(secs):6.2f} s (runs {', '.join(f'{s:.2f}' for s in secs)}), "
            f"{result['runs'][0]['bytes'] / 2 ** 20:.1f} MB {result['check']['kind']} "
            f"({result['check']['files']} file(s), {result['check']['pages']} pages, ok={result['check']['ok']}), "
            f"ru_maxrss {result['peak_mb']:.0f} MB (after warm-up {result['base_peak_mb']:.0f} MB), "
            f"VmHWM {result['hwm_mb']:.0f} MB (after warm-up {result['base_hwm_mb']:.0f} MB)")
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
        out["breakdown"] = run_qr_breakdown()
        for name, ms in out["breakdown"].items():
            log(f"    {name}: {ms:.1f} ms per badge")
        if args.rl_accel_dir:
            # what-if: reportlab's optional C accelerator (pip package rl-accel), from a scratch directory
            # on PYTHONPATH only; the project's virtualenv is not changed
            log(f"  what-if with rl-accel from {args.rl_accel_dir}: breakdown and the {sizes[-1]:,}-badge print …")
            out["rl_accel"] = {"dir": args.rl_accel_dir, "breakdown": run_qr_breakdown(args.rl_accel_dir),
                               "print": run_print_child(setup["url"], f"badges-{sizes[-1]}", sizes[-1], 1,
                                                        extra_path=args.rl_accel_dir)}
            r = out["rl_accel"]["print"]
            log(f"    {sizes[-1]:,} badges with rl-accel: {r['runs'][0]['seconds']:.1f} s, ru_maxrss {r['peak_mb']:.0f} MB, "
                f"ok={r['check']['ok']}")
    return out


# --- part 2: check-in API under gunicorn ------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


_servers = []
_stop = threading.Event()


class Server:
    """A gunicorn master and its workers in a process group of their own (stopped by group id)."""

    def __init__(self, name, target, cwd, env):
        self.name, self.port, self.cwd, self.env = name, free_port(), cwd, env
        self.cmd = [str(GUNICORN), "-w", "2", "-b", f"{HOST}:{self.port}", target]
        self.log_path = WORK / f"gunicorn-{name}.log"
        self.proc = None

    def command(self):
        env = " ".join(f"{k}={v}" for k, v in self.env.items() if k.startswith("EVENTOPS_"))
        where = "" if self.cwd == str(ROOT) else f"cd {Path(self.cwd).relative_to(ROOT)} && "
        return f"{where}{env} {' '.join(self.cmd).replace(str(ROOT) + '/', '')}".replace(
            f":{self.port}", ":PORT")

    def start(self, timeout=60):
        with open(self.log_path, "wb") as logfile:
            self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=logfile,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        _servers.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} did not answer within {timeout} s; see {self.log_path}")

    def stop(self):
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the master leads its own group
        try:
            if self.proc.poll() is None:
                os.killpg(pgid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(pgid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
            os.killpg(pgid, signal.SIGKILL)  # any worker left behind
        except (ProcessLookupError, PermissionError):
            pass
        if self in _servers:
            _servers.remove(self)
        self.proc = None

    def cpu_seconds(self) -> float:
        return proc_cpu(lambda pgrp, comm: self.proc is not None and pgrp == self.proc.pid)


def stop_servers():
    for server in list(_servers):
        try:
            server.stop()
        except Exception as exc:  # keep stopping the others
            log(f"could not stop {server.name}: {exc}")


def _on_signal(signum, _frame):
    _stop.set()
    stop_servers()
    raise SystemExit(128 + signum)


TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(select_fn) -> float:
    """CPU seconds (user + system) of the processes selected by (process group, command name)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        if select_fn(int(fields[2]), comm):
            total += int(fields[11]) + int(fields[12])
    return total / TICK


def machine_busy():
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class Scanner:
    """One door device: its token, its gate, its own badge codes (first scans), the codes it has
    already admitted (for repeats) and a seeded random stream. Kept across rounds."""

    def __init__(self, index, token, gate_id, codes, seed, cycle=False):
        self.index, self.token, self.gate_id, self.codes, self.cycle = index, token, gate_id, codes, cycle
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
            if not self.cycle or not self.codes:
                return None
            self.position = 0  # the minimal endpoint ignores the code: it may come round again
        code = self.codes[self.position]
        self.position += 1
        return "EO1:" + code, "ok"


EXPECTED_HTTP = {"ok": 200, "already_checked_in": 409, "invalid": 404}


def post_scan(port, path, scanner, payload):
    body = json.dumps({"code": payload, "gate": scanner.gate_id, "nonce": uuid.uuid4().hex}).encode()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {scanner.token}",
            "User-Agent": "eventops-checkin-bench", "Accept": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def run_round(port, path, scanners, duration, minimal, interval=None) -> dict:
    """len(scanners) threads scan for ``duration`` seconds (bounded; the request in flight finishes).

    Closed loop by default (each thread sends its next scan as soon as the answer is in); with
    ``interval``, each thread sends one scan every ``interval`` seconds (phases spread), like people
    walking up to a door."""
    threads = len(scanners)
    barrier = threading.Barrier(threads + 1)
    results = [None] * threads
    start = [0.0]

    def worker(i):
        scanner = scanners[i]
        latencies, kinds, wrong, errors, first_wrong, exhausted = [], {}, 0, 0, None, False
        barrier.wait()
        deadline = start[0] + duration
        for k in range(1_000_000):
            if interval:
                due = start[0] + interval * (k + i / threads)
                pause = due - time.perf_counter()
                if pause > 0:
                    if due >= deadline:
                        break
                    time.sleep(pause)
            if time.perf_counter() >= deadline or _stop.is_set():
                break
            scan = scanner.next_scan()
            if scan is None:
                exhausted = True
                break
            payload, expected = scan
            if minimal:
                expected_http, expected_status = 200, "ok"
            else:
                expected_http, expected_status = EXPECTED_HTTP[expected], expected
            t0 = time.perf_counter()
            try:
                status, data = post_scan(port, path, scanner, payload)
            except OSError as exc:
                errors += 1
                first_wrong = first_wrong or f"{type(exc).__name__}: {exc}"
                continue
            latencies.append(time.perf_counter() - t0)
            try:
                answer = json.loads(data).get("status")
            except ValueError:
                answer = None
            if status == expected_http and answer == expected_status:
                kind = "ok" if minimal else expected
                kinds[kind] = kinds.get(kind, 0) + 1
                if expected == "ok":
                    scanner.admitted.append(payload[4:])
            else:
                wrong += 1
                first_wrong = first_wrong or f"expected {expected_http} {expected_status}, got {status}: {data[:200]!r}"
        results[i] = (latencies, kinds, wrong, errors, first_wrong, exhausted, time.perf_counter())

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    servers_cpu0 = {s.name: s.cpu_seconds() for s in _servers}
    pg0 = proc_cpu(lambda pgrp, comm: comm.startswith("postgres"))
    me0 = resource.getrusage(resource.RUSAGE_SELF)
    busy0 = machine_busy()
    start[0] = time.perf_counter()
    barrier.wait()
    limit = time.monotonic() + duration + 120
    for t in pool:
        while t.is_alive() and time.monotonic() < limit:
            t.join(timeout=0.2)
    if any(t.is_alive() for t in pool):
        _stop.set()
        raise RuntimeError("client threads did not finish")
    done = [r for r in results if r is not None]
    elapsed = max(r[6] for r in done) - start[0]
    me1 = resource.getrusage(resource.RUSAGE_SELF)
    busy1 = machine_busy()
    servers_cpu = {s.name: (s.cpu_seconds() - servers_cpu0.get(s.name, 0.0)) / elapsed for s in _servers}
    pg_cpu = (proc_cpu(lambda pgrp, comm: comm.startswith("postgres")) - pg0) / elapsed
    client_cpu = ((me1.ru_utime - me0.ru_utime) + (me1.ru_stime - me0.ru_stime)) / elapsed
    ncpu = os.cpu_count() or 1
    latencies = [x for r in done for x in r[0]]
    kinds = {}
    for r in done:
        for k, v in r[1].items():
            kinds[k] = kinds.get(k, 0) + v
    good = sum(kinds.values())
    return {"answered": len(latencies), "good": good, "kinds": kinds, "wrong": sum(r[2] for r in done),
            "errors": sum(r[3] for r in done), "first_wrong": next((r[4] for r in done if r[4]), None),
            "exhausted": sum(1 for r in done if r[5]), "elapsed_s": elapsed, "rps": good / elapsed if elapsed else 0.0,
            "latencies": latencies, "server_cpu": servers_cpu, "postgres_cpu": pg_cpu, "client_cpu": client_cpu,
            "machine_busy": (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * ncpu}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else float("nan")


def summarise(rounds):
    latencies = [x for r in rounds for x in r["latencies"]]
    good = sum(r["good"] for r in rounds)
    seconds = sum(r["elapsed_s"] for r in rounds)
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


def drop_pg_database():
    import psycopg
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def create_pg_database():
    import psycopg
    drop_pg_database()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {PG_DB}")


def db_version(url) -> str:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar().split()[0]
            return "SQLite " + conn.execute(text("select sqlite_version()")).scalar()
    finally:
        engine.dispose()


def prepare_checkin_db(kind, seed=30):
    """A fresh database with the 30,000-registration event, badges, gates, devices, and bench_counter."""
    from eventops import create_app
    from eventops.extensions import db
    import checkin_minimal
    if kind == "postgres":
        create_pg_database()
        url, env_url = PG_URL, PG_URL_ENV
    else:
        path = WORK / "checkin.sqlite3"
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        url = env_url = f"sqlite:///{path}"
    app = create_app(bench_config(url))
    fresh_schema(app)
    make_organizer(app)
    info = make_event(app, "checkin-30k", CHECKIN_ROWS, seed=seed, gates=len(GATES), devices=16)
    with app.app_context():
        db.engine.dispose()
    checkin_minimal.create_table(url, CHECKIN_ROWS)
    info.update(url=url, env_url=env_url, version=db_version(url))
    return info


def split_codes(codes, threads, seed, reserve):
    """Shuffle; keep ``reserve`` codes aside (for the profile pass); the rest dealt out to the threads."""
    codes = list(codes)
    random.Random(seed).shuffle(codes)
    reserved, codes = codes[:reserve], codes[reserve:]
    return [codes[i::threads] for i in range(threads)], reserved


def part_checkin(args, kind) -> dict:
    WORK.mkdir(exist_ok=True)
    log(f"part 2 ({kind}): preparing the event ({CHECKIN_ROWS:,} registrations, badges, {len(GATES)} gates, "
        f"{args.threads} devices) and bench_counter")
    t0 = time.perf_counter()
    info = prepare_checkin_db(kind)
    log(f"  ready in {time.perf_counter() - t0:.0f} s ({info['version']}; import {info['import_s']:.1f} s, "
        f"badges {info['issue_s']:.1f} s; categories {info['categories']})")
    threads = args.threads
    if threads > len(info["tokens"]):
        raise SystemExit(f"at most {len(info['tokens'])} threads (one device each)")
    per_thread, reserved = split_codes(info["codes"], threads, seed=7, reserve=1000)
    app_scanners = [Scanner(i, info["tokens"][i], info["gate_ids"][i % len(info["gate_ids"])], per_thread[i], seed=100 + i)
                    for i in range(threads)]
    # the minimal endpoint gets the same bodies (same generator, same codes); it ignores them
    min_scanners = [Scanner(i, info["tokens"][i], info["gate_ids"][i % len(info["gate_ids"])], per_thread[i], seed=100 + i,
                            cycle=True) for i in range(threads)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTOPS_") and k not in ("FLASK_APP", "FLASK_DEBUG")}
    env.update({"EVENTOPS_DATABASE_URL": info["env_url"], "EVENTOPS_SECRET_KEY": "x", "EVENTOPS_RATELIMIT": "0",
                "PYTHONDONTWRITEBYTECODE": "1"})
    app_server = Server(f"eventops-{kind}", "wsgi:app", str(ROOT), env)
    min_server = Server(f"minimal-{kind}", "checkin_minimal:app", str(BENCH), env)
    path = "/api/v1/events/checkin-30k/checkins"
    rounds = {"eventops": [], "minimal": []}
    warmup, paced = {}, {}
    try:
        app_server.start()
        min_server.start()
        warmup["eventops"] = run_round(app_server.port, path, app_scanners, args.warmup, False)
        warmup["minimal"] = run_round(min_server.port, path, min_scanners, args.warmup, True)
        for w in ("eventops", "minimal"):
            if warmup[w]["wrong"] or warmup[w]["errors"]:
                log(f"  warm-up {w}: {warmup[w]['wrong']} wrong answers, {warmup[w]['errors']} errors; "
                    f"first: {warmup[w]['first_wrong']}")
        for number in range(args.rounds):
            order = ("eventops", "minimal") if number % 2 == 0 else ("minimal", "eventops")
            for which in order:
                if which == "eventops":
                    r = run_round(app_server.port, path, app_scanners, args.duration, False)
                else:
                    r = run_round(min_server.port, path, min_scanners, args.duration, True)
                rounds[which].append(r)
                server_cpu = sum(r["server_cpu"].values())
                log(f"  round {number + 1} {which:<8} {r['rps']:6.1f} scans/s, p50 {percentile(r['latencies'], .5) * 1000:5.1f} ms, "
                    f"p99 {percentile(r['latencies'], .99) * 1000:6.1f} ms, {r['good']} good ({r['kinds']}), "
                    f"{r['wrong']} wrong, {r['errors']} errors; CPU cores: gunicorn {server_cpu:.2f}, "
                    f"postgres {r['postgres_cpu']:.2f}, client {r['client_cpu']:.2f}, machine {r['machine_busy']:.2f}")
                if r["first_wrong"]:
                    log(f"    first wrong answer: {r['first_wrong']}")
        if args.interval:
            for which, server, scanners in (("eventops", app_server, app_scanners), ("minimal", min_server, min_scanners)):
                r = run_round(server.port, path, scanners, args.duration, which == "minimal", interval=args.interval)
                paced[which] = summarise([r])
                paced[which]["offered_rps"] = len(scanners) / args.interval
                log(f"  paced {which:<8} one scan per device every {args.interval:g} s: {r['rps']:.1f} scans/s, "
                    f"p50 {paced[which]['p50_ms']:.1f} ms, p99 {paced[which]['p99_ms']:.1f} ms, {r['wrong']} wrong, {r['errors']} errors")
    finally:
        app_server.stop()
        min_server.stop()
    summary = {w: summarise(rs) for w, rs in rounds.items()}
    ratio = summary["eventops"]["rps"] / summary["minimal"]["rps"] if summary["minimal"]["rps"] else None
    per_round = [{"eventops": a["rps"], "minimal": m["rps"], "ratio": a["rps"] / m["rps"] if m["rps"] else None,
                  "eventops_p99_ms": percentile(a["latencies"], .99) * 1000,
                  "minimal_p99_ms": percentile(m["latencies"], .99) * 1000,
                  "cpu": {w: {"gunicorn": sum(x["server_cpu"].values()), "postgres": x["postgres_cpu"],
                              "client": x["client_cpu"], "machine": x["machine_busy"]} for w, x in (("eventops", a), ("minimal", m))}}
                 for a, m in zip(rounds["eventops"], rounds["minimal"])]
    log(f"  {kind}: eventops {summary['eventops']['rps']:.1f} scans/s (p50 {summary['eventops']['p50_ms']:.1f} ms, "
        f"p99 {summary['eventops']['p99_ms']:.1f} ms), minimal {summary['minimal']['rps']:.1f} req/s "
        f"(p50 {summary['minimal']['p50_ms']:.1f} ms, p99 {summary['minimal']['p99_ms']:.1f} ms), ratio "
        f"{ratio:.2f}" if ratio else "  no ratio")
    out = {"kind": kind, "version": info["version"], "rows": CHECKIN_ROWS, "imported": info["imported"],
           "badges": info["badges"], "categories": info["categories"], "import_s": info["import_s"],
           "threads": threads, "duration_s": args.duration, "rounds": args.rounds, "warmup_s": args.warmup,
           "summary": summary, "ratio": ratio, "per_round": per_round, "paced": paced, "interval": args.interval,
           "commands": {"eventops": app_server.command(), "minimal": min_server.command()}}
    if args.profile:
        log("  profiling 400 scans in-process (cProfile + SQL statement count/time) …")
        out["profile"] = profile_checkin(info, reserved, kind)
    if kind == "postgres" and not args.keep:
        drop_pg_database()
    return out


def profile_checkin(info, reserved, kind, scans=400) -> dict:
    """The same API call in-process through the test client (one device, fresh codes + repeats +
    invalid codes in the same mix), under cProfile, with every SQL statement counted and timed."""
    from sqlalchemy import event as sa_event

    from eventops import create_app
    from eventops.extensions import db
    app = create_app(bench_config(info["url"]))
    client = app.test_client()
    scanner = Scanner(0, info["tokens"][0], info["gate_ids"][0], reserved, seed=999)
    path = "/api/v1/events/checkin-30k/checkins"
    stats = {"statements": 0, "sql_s": 0.0}
    per_kind = {}
    statements_seen = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("t0", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        stats["statements"] += 1
        stats["sql_s"] += time.perf_counter() - conn.info["t0"].pop()
        key = " ".join(statement.split())[:110]
        statements_seen[key] = statements_seen.get(key, 0) + 1

    def post(payload):
        return client.post(path, json={"code": payload, "gate": scanner.gate_id, "nonce": uuid.uuid4().hex},
                           headers={"Authorization": f"Bearer {scanner.token}"})

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
    with app.app_context():
        db.engine.dispose()
    text = io.StringIO()
    pst = pstats.Stats(profile, stream=text)
    pst.sort_stats("tottime").print_stats(25)
    text.write("\n--- cumulative ---\n")
    pst.sort_stats("cumulative").print_stats(45)
    prof_path = WORK / f"profile-checkin-{kind}.txt"
    prof_path.write_text(text.getvalue())
    pst.dump_stats(WORK / f"profile-checkin-{kind}.prof")
    n = sum(k["n"] for k in per_kind.values())
    # cumulative ms per scan of the steps of one request (cProfile on: inflated, compare shares)
    steps = [("whole WSGI request (Flask)", "flask/app.py", "wsgi_app"),
             ("view api.checkin", "eventops/checkin/api.py", "checkin"),
             ("  events.by_slug (event by slug)", "eventops/events/services.py", "by_slug"),
             ("  _authenticate → device_for_token", "eventops/checkin/services.py", "device_for_token"),
             ("  gate_of", "eventops/checkin/services.py", "gate_of"),
             ("  services.scan", "eventops/checkin/services.py", "scan"),
             ("    _replay (nonce lookup)", "eventops/checkin/services.py", "_replay"),
             ("  result_json", "eventops/checkin/api.py", "result_json"),
             ("  session.commit (flush device.last_seen_at + COMMIT)", "sqlalchemy/orm/scoping.py", "commit"),
             ("across the steps: ORM SELECTs (Session.scalar + Session.get)", "sqlalchemy/orm/session.py", ("scalar", "get")),
             ("across the steps: ORM flushes (INSERT check-in, INSERT scan, UPDATE device)", "sqlalchemy/orm/session.py", "_flush"),
             ("across the steps: psycopg waiting for the server", "psycopg/connection.py", "wait")]
    step_ms = {}
    for label, file_end, func in steps:
        funcs = func if isinstance(func, tuple) else (func,)
        total = sum(v[3] for (fname, _line, fn), v in pst.stats.items() if fname.endswith(file_end) and fn in funcs)
        step_ms[label] = total / n * 1000 if n else 0.0
    return {"scans": n, "wall_ms_per_scan": wall / n * 1000, "statements_per_scan": stats["statements"] / n,
            "sql_ms_per_scan": stats["sql_s"] / n * 1000,
            "per_kind": {k: {"n": v["n"], "statements": v["statements"] / v["n"], "sql_ms": v["sql_s"] / v["n"] * 1000,
                             "wall_ms": v["wall_s"] / v["n"] * 1000} for k, v in per_kind.items()},
            "statements": sorted(statements_seen.items(), key=lambda kv: -kv[1])[:40], "profile": str(prof_path),
            "steps_ms": step_ms}


# --- report -----------------------------------------------------------------------------------

def machine_info() -> dict:
    def run(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return ""
    cpu = ""
    for line in run(["lscpu"]).splitlines():
        if line.lower().startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
    mem = next((l.split()[1] for l in run(["free", "-h"]).splitlines() if l.startswith("Mem:")), "?")
    return {"nproc": run(["nproc"]), "memory": mem, "cpu": cpu or platform.processor(), "date": run(["date", "-u"]),
            "python": platform.python_version(), "load": os.getloadavg()}


SOURCES = ("eventops/badges/render.py", "eventops/badges/views.py", "eventops/badges/services.py",
           "eventops/checkin/services.py", "eventops/checkin/api.py", "eventops/core/db.py")


def sources() -> dict:
    """sha256 (12 hex) and mtime of the code under test: other people edit the tree while this runs."""
    import hashlib
    from datetime import datetime, timezone
    out = {}
    for name in SOURCES:
        path = ROOT / name
        try:
            out[name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()[:12],
                         "mtime": datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}
        except OSError:
            out[name] = {"sha256": "missing", "mtime": ""}
    return out


def verdict(ok):
    return "**met**" if ok else "**MISSED**"


def fmt(x, digits=1):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def build_report(data) -> tuple[str, str, list]:
    """(console table, markdown body, missed targets)."""
    lines, md, missed = [], [], []
    m = data["machine"]
    md.append("# Check-in benchmark: bulk badge print and the check-in API\n")
    md.append("Written by `bench/checkin.py` (the Findings section at the end is kept across runs).\n")
    md.append(f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} memory (`free -h`), shared and noisy "
              f"(load average at start {m['load'][0]:.2f} / {m['load'][1]:.2f} / {m['load'][2]:.2f})")
    md.append(f"- Date: {m['date']} (`date -u`)")
    md.append(f"- Python {m['python']}")
    md.append(f"- Command: `{data['command']}`")
    if data.get("sources_start"):
        changed = [n for n in data["sources_start"] if data.get("sources_end", {}).get(n) != data["sources_start"][n]]
        md.append("- Code measured (sha256 prefix, mtime): " + "; ".join(
            f"`{n}` {v['sha256']} ({v['mtime']})" for n, v in data["sources_start"].items()))
        if changed:
            md.append(f"- **Warning: changed during the run:** {', '.join(changed)} — figures may mix versions.")
    pr = data.get("print")
    if pr:
        results = pr["results"]
        md.append("\n## 1. Bulk badge print (SQLite)\n")
        md.append("SQLite file database (`/tmp/eventops-checkin-bench/badges.sqlite3`); the print path reads only "
                  "(one count, one `issue_missing` query that finds nothing, one `yield_per=500` select), so the "
                  "database engine matters little here. Each size is a separate event in the same file, printed "
                  "by the real view `GET /manage/<slug>/badges/print?` (sheet A4, 2 × 2 with cut marks, sorted by "
                  "organisation) through the Flask test client logged in as the organizer, in a fresh subprocess "
                  "per size; the response is consumed part by part and written to a scratch file (never held), "
                  "then checked (pages; ZIP members). Badges were issued beforehand (`issue_missing` at setup). "
                  "Seconds = from the request to the last byte. Peak memory = `ru_maxrss` of the subprocess at "
                  "the end; 'after warm-up' = `ru_maxrss` after app start, login, the badges page and one "
                  "warm-up render (CJK font loaded), before the print. Cross-check: `VmHWM` from "
                  "`/proc/self/status` (the same high-water mark, but of the child's own address space only: "
                  "Linux carries the parent's resident size at fork into the child's `ru_maxrss`, so the "
                  "parent stays small and prepares the database in a subprocess of its own; parent VmHWM "
                  f"{max((results.get(str(s)) or results.get(s)).get('parent_hwm_mb', float('nan')) for s in results):.0f} MB).\n")
        md.append("| Badges | Output | Seconds (median; runs) | First byte s | Size MB | Pages (check) | "
                  "ru_maxrss after warm-up MB | ru_maxrss at end MB | Growth MB | VmHWM at end MB | Target |")
        md.append("|---:|---|---|---:|---:|---|---:|---:|---:|---:|---|")
        lines.append("Bulk badge print (SQLite, test client, fresh process per size)")
        lines.append(f"{'badges':>8} {'output':<16} {'seconds':>8} {'MB':>6} {'RSS warm':>9} {'RSS peak':>9} {'growth':>7} {'VmHWM':>6}  target")
        sizes = sorted(int(s) for s in results)
        for size in sizes:
            r = results[str(size)] if str(size) in results else results[size]
            secs = [x["seconds"] for x in r["runs"]]
            sec = statistics.median(secs)
            check = r["check"]
            out = "1 PDF" if check["kind"] == "pdf" else f"ZIP of {check['files']} PDFs"
            target = ""
            if size <= 1000:
                ok = sec <= TARGETS["print_small_s"]
                target = f"≤ {TARGETS['print_small_s']:.0f} s: {verdict(ok)}"
                if not ok:
                    missed.append(f"Print of {size:,} badges took {sec:.2f} s > {TARGETS['print_small_s']:.0f} s")
            elif size >= 30000:
                ok = sec <= TARGETS["print_large_s"]
                target = f"≤ {TARGETS['print_large_s']:.0f} s: {verdict(ok)}"
                if not ok:
                    missed.append(f"Print of {size:,} badges took {sec:.1f} s > {TARGETS['print_large_s']:.0f} s")
            if not check["ok"]:
                missed.append(f"Print of {size:,} badges: output check failed ({check})")
            growth = r["peak_mb"] - r["base_peak_mb"]
            md.append(f"| {size:,} | {out} | {sec:.2f} ({', '.join(f'{s:.2f}' for s in secs)}) | "
                      f"{statistics.median(x['first_byte_s'] for x in r['runs']):.2f} | {r['runs'][0]['bytes'] / 2 ** 20:.1f} | "
                      f"{check['pages']:,} ({'ok' if check['ok'] else 'WRONG'}) | {r['base_peak_mb']:.0f} | {r['peak_mb']:.0f} | "
                      f"{growth:+.0f} | {r.get('hwm_mb', float('nan')):.0f} | {target} |")
            lines.append(f"{size:>8,} {out:<16} {sec:>8.2f} {r['runs'][0]['bytes'] / 2 ** 20:>6.1f} {r['base_peak_mb']:>9.0f} "
                         f"{r['peak_mb']:>9.0f} {growth:>+7.0f} {r.get('hwm_mb', float('nan')):>6.0f}  {target.replace('**', '')}")
        peaks = {size: (results.get(str(size)) or results.get(size))["peak_mb"] for size in sizes}
        growths = {size: (results.get(str(size)) or results.get(size))["peak_mb"] - (results.get(str(size)) or results.get(size))["base_peak_mb"]
                   for size in sizes}
        if len(sizes) >= 2:
            # flat: the largest print peaks within 30 MB (or 15 %) of the smallest ZIP-sized one
            mid = [s for s in sizes if s > 1000] or sizes
            ref, large = mid[0], sizes[-1]
            flat = peaks[large] <= peaks[ref] + max(30.0, 0.15 * peaks[ref])
            slope = (peaks[large] - peaks[ref]) / (large - ref) * 1000 if large != ref else 0.0
            text = (f"peak RSS {', '.join(f'{peaks[s]:.0f} MB at {s:,}' for s in sizes)}; over the warm-up "
                    f"baseline {', '.join(f'{growths[s]:+.0f} MB' for s in sizes)}; ≈ {slope:+.1f} MB per 1,000 "
                    f"badges between {ref:,} and {large:,}")
            md.append(f"\nMemory does not grow with the count (target): {verdict(flat)} — {text}.")
            lines.append(f"memory flat with the count: {'met' if flat else 'MISSED'} ({text})")
            if not flat:
                missed.append(f"Print memory grows with the count: {text}")
        warm = [(results.get(str(s)) or results.get(s))["warm"] for s in sizes]
        md.append(f"\nFor information: app start + login + badges page {statistics.median(w['startup_s'] for w in warm):.2f} s; "
                  f"first render of a process (loads the CJK font and reportlab) {statistics.median(w['first_render_s'] for w in warm):.2f} s "
                  "(not included above: a running server has done it once).")
        setup = pr["setup"]
        md.append("\nData: " + "; ".join(
            f"{int(k):,}: {v['imported']:,} imported ({v['import_s']:.1f} s), categories "
            + ", ".join(f"{c} {n:,}" for c, n in sorted(v["categories"].items(), key=lambda kv: -kv[1]))
            for k, v in sorted(setup.items(), key=lambda kv: int(kv[0]))) + ".")
        md.append("\nChild command per size (run by the script): `" +
                  (results.get(str(sizes[-1])) or results.get(sizes[-1]))["command"] + "`")
        if pr.get("profile"):
            md.append(f"\nProfile (cProfile, {pr['profile']['size']:,} badges): `{pr['profile'].get('profile')}`.")
        if pr.get("breakdown"):
            md.append("\nPer-badge breakdown, ms per badge (200 badges, A4; the what-ifs are measured here only, "
                      "nothing in eventops/ was changed):\n")
            md.append("| Step | ms per badge |")
            md.append("|---|---:|")
            md.extend(f"| {name} | {ms:.1f} |" for name, ms in pr["breakdown"].items())
            lines.append("per badge (ms): " + "; ".join(f"{k.strip()} {v:.1f}" for k, v in pr["breakdown"].items()))
        ra = pr.get("rl_accel")
        if ra:
            rp = ra["print"]
            md.append(f"\nWhat-if, reportlab's optional C accelerator `rl-accel` (installed with `pip install --target "
                      f"{ra['dir']} rl-accel` and put on PYTHONPATH for these subprocesses only; the project's virtualenv "
                      f"is unchanged): badge {ra['breakdown'].get('badge, as rendered now', float('nan')):.1f} ms "
                      f"(QR {next((v for k, v in ra['breakdown'].items() if k.startswith('its QR')), float('nan')):.1f} ms); "
                      f"the {rp['size']:,}-badge print through the view took {rp['runs'][0]['seconds']:.1f} s, "
                      f"ru_maxrss {rp['peak_mb']:.0f} MB, output {'ok' if rp['check']['ok'] else 'WRONG'}.")
            lines.append(f"what-if rl-accel: {rp['size']:,} badges in {rp['runs'][0]['seconds']:.1f} s "
                         f"({ra['breakdown'].get('badge, as rendered now', float('nan')):.1f} ms per badge)")
        for size, t in (pr.get("tracemalloc") or {}).items():
            tm = t.get("tracemalloc")
            if not tm:
                continue
            md.append(f"\ntracemalloc, {int(size):,} badges: Python heap peak {tm.get('peak_mb', 0):.0f} MB, still held at the end "
                      f"{tm.get('current_mb', 0):.0f} MB; largest holders:\n")
            md.extend(f"- {line}" for line in tm.get("top", []))
    for kind in ("postgres", "sqlite"):
        ck = data.get(f"checkin_{kind}")
        if not ck:
            continue
        s, ratio = ck["summary"], ck["ratio"]
        title = "PostgreSQL" if kind == "postgres" else "SQLite, for information"
        md.append(f"\n## 2. Check-in API under gunicorn ({title})\n")
        md.append(f"{ck['version']}; event with {ck['imported']:,} registrations (all confirmed), {ck['badges']:,} badges, "
                  f"{len(GATES)} gates, {ck['threads']} devices. {ck['threads']} client threads (`http.client`, one "
                  f"connection per request: gunicorn's sync workers close it), each with its own device token and gate "
                  f"and its own badge codes; {ck['warmup_s']:.0f} s untimed warm-up per server, then {ck['rounds']} "
                  f"alternating rounds of {ck['duration_s']:.0f} s per server (order flipped every other round). "
                  "Scans/s = answers with the expected HTTP status and JSON status (ok 200, already_checked_in 409, "
                  "invalid 404) per second, summed over the rounds; latency over every answered request.\n")
        md.append("Servers (started and stopped by the script, own process groups):\n")
        md.append(f"- EventOps: `{ck['commands']['eventops']}`")
        md.append(f"- Minimal: `{ck['commands']['minimal']}` (one committed "
                  "`UPDATE bench_counter SET n = n + 1 WHERE id = :random_id` over 30,000 rows)\n")
        e, mn = s["eventops"], s["minimal"]
        ratio_ok = ratio is not None and ratio >= TARGETS["ratio"]
        p99_ok = e["p99_ms"] <= TARGETS["p99_ms"]
        clean = e["wrong"] == 0 and e["errors"] == 0 and mn["wrong"] == 0 and mn["errors"] == 0
        md.append("| Measure | EventOps check-in | Minimal UPDATE | Target |")
        md.append("|---|---:|---:|---|")
        md.append(f"| Throughput, scans (requests)/s | {e['rps']:.1f} | {mn['rps']:.1f} | |")
        md.append(f"| Ratio EventOps / minimal | {fmt(ratio, 2)} | | ≥ {TARGETS['ratio']}: "
                  f"{verdict(ratio_ok) if kind == 'postgres' else ('met' if ratio_ok else 'missed') + ' (info)'} |")
        md.append(f"| p50 latency, ms | {e['p50_ms']:.1f} | {mn['p50_ms']:.1f} | |")
        md.append(f"| p99 latency, ms | {e['p99_ms']:.1f} | {mn['p99_ms']:.1f} | ≤ {TARGETS['p99_ms']:.0f} ms: "
                  f"{verdict(p99_ok) if kind == 'postgres' else ('met' if p99_ok else 'missed') + ' (info)'} |")
        md.append(f"| max latency, ms | {e['max_ms']:.0f} | {mn['max_ms']:.0f} | |")
        md.append(f"| Answers by kind | " + ", ".join(f"{k} {v:,}" for k, v in sorted(e["kinds"].items())) +
                  f" | ok {mn['kinds'].get('ok', 0):,} (all) | |")
        md.append(f"| Wrong answers / connection errors | {e['wrong']} / {e['errors']} | {mn['wrong']} / {mn['errors']} | 0 |")
        md.append("\nPer round (scans/s, p99 ms; CPU in cores during the round: gunicorn master+workers / all "
                  "postgres processes on the machine / this client / whole machine):\n")
        md.append("| Round | EventOps /s | p99 | CPU | Minimal /s | p99 | CPU | Ratio |")
        md.append("|---:|---:|---:|---|---:|---:|---|---:|")
        for i, r in enumerate(ck["per_round"], 1):
            c = r["cpu"]
            md.append(f"| {i} | {r['eventops']:.1f} | {r['eventops_p99_ms']:.1f} | "
                      f"{c['eventops']['gunicorn']:.2f} / {c['eventops']['postgres']:.2f} / {c['eventops']['client']:.2f} / {c['eventops']['machine']:.2f} | "
                      f"{r['minimal']:.1f} | {r['minimal_p99_ms']:.1f} | "
                      f"{c['minimal']['gunicorn']:.2f} / {c['minimal']['postgres']:.2f} / {c['minimal']['client']:.2f} / {c['minimal']['machine']:.2f} | "
                      f"{fmt(r['ratio'], 2)} |")
        if e["first_wrong"] or mn["first_wrong"]:
            md.append(f"\nFirst wrong answer: EventOps {e['first_wrong']}; minimal {mn['first_wrong']}")
        if e["exhausted"]:
            md.append(f"\nNote: {e['exhausted']} client thread(s) ran out of fresh badge codes before the end of a round.")
        lines.append("")
        lines.append(f"Check-in API, gunicorn -w 2, {ck['threads']} scanners, {ck['version']}")
        lines.append(f"{'':<22} {'scans/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'wrong':>6}")
        lines.append(f"{'EventOps check-in':<22} {e['rps']:>8.1f} {e['p50_ms']:>7.1f} {e['p99_ms']:>7.1f} {e['wrong'] + e['errors']:>6}")
        lines.append(f"{'minimal UPDATE':<22} {mn['rps']:>8.1f} {mn['p50_ms']:>7.1f} {mn['p99_ms']:>7.1f} {mn['wrong'] + mn['errors']:>6}")
        lines.append(f"ratio {fmt(ratio, 2)} (target ≥ {TARGETS['ratio']}: {'met' if ratio_ok else 'MISSED'}), "
                     f"p99 {e['p99_ms']:.1f} ms (target ≤ {TARGETS['p99_ms']:.0f}: {'met' if p99_ok else 'MISSED'})"
                     + ("" if kind == "postgres" else "  [information only]"))
        pc = ck.get("paced") or {}
        if pc.get("eventops") and pc.get("minimal"):
            md.append(f"\nFor information, paced load (not the target's measure): each of the {ck['threads']} devices sends "
                      f"one scan every {ck['interval']:g} s ({pc['eventops']['offered_rps']:.0f} scans/s offered, one "
                      f"{ck['duration_s']:.0f} s round per server): EventOps p50 {pc['eventops']['p50_ms']:.1f} ms, p99 "
                      f"{pc['eventops']['p99_ms']:.1f} ms ({pc['eventops']['good']} answers, {pc['eventops']['wrong']} wrong); "
                      f"minimal p50 {pc['minimal']['p50_ms']:.1f} ms, p99 {pc['minimal']['p99_ms']:.1f} ms.")
            lines.append(f"paced, one scan per device every {ck['interval']:g} s: EventOps p50 {pc['eventops']['p50_ms']:.1f} / "
                         f"p99 {pc['eventops']['p99_ms']:.1f} ms; minimal p50 {pc['minimal']['p50_ms']:.1f} / p99 {pc['minimal']['p99_ms']:.1f} ms")
        if kind == "postgres":
            if not ratio_ok:
                missed.append(f"Check-in/minimal ratio on PostgreSQL {fmt(ratio, 2)} < {TARGETS['ratio']}")
            if not p99_ok:
                missed.append(f"Check-in p99 on PostgreSQL {e['p99_ms']:.1f} ms > {TARGETS['p99_ms']:.0f} ms")
            if not clean:
                missed.append(f"Check-in run on PostgreSQL had wrong answers or errors ({e['wrong']}/{e['errors']} eventops, "
                              f"{mn['wrong']}/{mn['errors']} minimal)")
        prof = ck.get("profile")
        if prof:
            md.append(f"\nIn-process profile ({prof['scans']} scans through the test client, one device, same mix; "
                      f"cProfile on, so slower than served): {prof['wall_ms_per_scan']:.1f} ms per scan, "
                      f"{prof['statements_per_scan']:.1f} SQL statements per scan taking {prof['sql_ms_per_scan']:.1f} ms "
                      f"(driver round trips). By kind: " + "; ".join(
                          f"{k}: {v['statements']:.1f} statements, {v['sql_ms']:.1f} ms SQL of {v['wall_ms']:.1f} ms"
                          for k, v in prof["per_kind"].items()) + f". Full profile: `{prof['profile']}`.")
            if prof.get("steps_ms"):
                md.append("\n| Step of one scan (cProfile cumulative) | ms per scan |")
                md.append("|---|---:|")
                md.extend(f"| {label} | {ms:.2f} |" for label, ms in prof["steps_ms"].items())
                md.append("\nSQL statements seen during the profile (count over all scans, first 110 characters):\n")
                md.extend(f"- {count} × `{stmt}`" for stmt, count in prof["statements"][:16])
    md.append("\n## Targets\n")
    if missed:
        md.append("Missed:\n")
        md.extend(f"- {x}" for x in missed)
    else:
        md.append("All targets measured in this run were met.")
    return "\n".join(lines), "\n".join(md) + "\n", missed


def write_results(body):
    RESULTS.parent.mkdir(exist_ok=True)
    findings = f"\n## Findings\n\n{FINDINGS_START}\n(no notes yet)\n{FINDINGS_END}\n"
    if RESULTS.exists():
        old = RESULTS.read_text("utf-8")
        if FINDINGS_START in old and FINDINGS_END in old:
            start = old.rindex("\n## Findings", 0, old.index(FINDINGS_START)) if "\n## Findings" in old else old.index(FINDINGS_START)
            findings = old[start:old.index(FINDINGS_END) + len(FINDINGS_END)] + "\n"
    RESULTS.write_text(body + findings, "utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("all", "print", "checkin"), default="all")
    parser.add_argument("--sizes", default=",".join(str(s) for s in PRINT_SIZES), help="badge counts to print")
    parser.add_argument("--print-repeat", type=int, default=3, help="prints per process for sizes ≤ 1,000 (median)")
    parser.add_argument("--reuse-print-db", action="store_true", help="reuse the SQLite print database if present")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per round per server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--interval", type=float, default=1.0,
                        help="then one paced round per server: each device scans every INTERVAL s (0: skip)")
    parser.add_argument("--no-sqlite-checkin", action="store_true", help="skip the informational SQLite check-in run")
    parser.add_argument("--profile", action="store_true", help="also run the profiling passes (not timed)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="with --profile: also trace allocations of the 3,000-badge print (slow, minutes)")
    parser.add_argument("--rl-accel-dir", help="with --profile: a directory holding the rl-accel package "
                        "(pip install --target DIR rl-accel): what-if print with reportlab's C accelerator")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database at the end")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/checkin.md")
    parser.add_argument("--report-only", action="store_true",
                        help=f"measure nothing: rebuild the table and checkin.md from {WORK / 'last-run.json'}")
    args = parser.parse_args(argv)
    if args.report_only:
        data = json.loads((WORK / "last-run.json").read_text())
        console, md, missed = build_report(data)
        log(console)
        for x in missed:
            log(f"  - missed: {x}")
        if not args.no_write:
            write_results(md)
            log(f"\nwrote {RESULTS.relative_to(ROOT)}")
        return
    if args.duration > 120 or args.rounds > 10:
        parser.error("bounded: --duration ≤ 120 and --rounds ≤ 10")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    WORK.mkdir(exist_ok=True)
    data = {"machine": machine_info(), "command": ".venv/bin/python bench/checkin.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))}
    data["command"] = data["command"].strip()
    data["sources_start"] = sources()
    try:
        if args.part in ("all", "print"):
            data["print"] = part_print(args)
        if args.part in ("all", "checkin"):
            data["checkin_postgres"] = part_checkin(args, "postgres")
            if not args.no_sqlite_checkin:
                data["checkin_sqlite"] = part_checkin(args, "sqlite")
    finally:
        stop_servers()
    data["sources_end"] = sources()
    for ck in (data.get("checkin_postgres"), data.get("checkin_sqlite")):
        if ck:
            for w in ck["summary"].values():
                w.pop("latencies", None)
    (WORK / "last-run.json").write_text(json.dumps(data, default=str, indent=1))
    console, md, missed = build_report(data)
    log("")
    log(console)
    if missed:
        log("\nTargets missed:")
        for x in missed:
            log(f"  - {x}")
    if not args.no_write:
        write_results(md)
        log(f"\nwrote {RESULTS.relative_to(ROOT)} (raw figures: {WORK / 'last-run.json'})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_prepare-print":
        p = argparse.ArgumentParser()
        p.add_argument("_cmd")
        p.add_argument("--sizes", required=True)
        p.add_argument("--path", required=True)
        a = p.parse_args()
        print("RESULT " + json.dumps(prepare_print_db([int(x) for x in a.sizes.split(",")], Path(a.path))))
    elif len(sys.argv) > 1 and sys.argv[1] == "_qr-breakdown":
        print("RESULT " + json.dumps(qr_breakdown()))
    elif len(sys.argv) > 1 and sys.argv[1] == "_print-child":
        p = argparse.ArgumentParser()
        p.add_argument("_cmd")
        p.add_argument("--db", required=True)
        p.add_argument("--slug", required=True)
        p.add_argument("--size", type=int, required=True)
        p.add_argument("--repeat", type=int, default=1)
        p.add_argument("--profile", action="store_true")
        p.add_argument("--tracemalloc", action="store_true")
        print_child(p.parse_args())
    else:
        main()
