"""Benchmark of the showcase: exhibitor directory, find a PI, demand recommendations.

    .venv/bin/python bench/showcase.py --db sqlite|postgres|both [--searches 100] [--demands 60]
                                       [--profile-all] [--keep] [--no-write] [--scale 1] [--quick]

Per database: a fresh database (SQLite file $BENCH_TMP/eventops-showcase/showcase.sqlite3, PostgreSQL
database ``eventops_showcase_bench``, dropped at the end unless --keep), ``db.create_all()``, one
event (``showcase_data.py``) with

- 2,000 organisations (700 hospitals, 1,300 companies; Chinese names) registered at the event
  through the CSV import (``csvio.upload`` + ``csvio.run``, one exhibitor contact each), a manager
  account for each (direct inserts, one precomputed password hash);
- 2,000 published exhibitor profiles (direct inserts; ``search_text`` built as the service builds
  it, with its public ``fold``), 160 booths assigned to profiles;
- 600 PIs at 200 of the hospitals (``services.add_pi``);
- 1,000 published demands (direct inserts, no stored recommendations).

Then, timed (nearest-rank p95, median p50):

1. the exhibitor directory: several kinds of search, ``--searches`` each after 3 warm-ups, rotating
   through five variants, at the service level (``services.search_profiles`` in a fresh session) and
   through the Flask test client (``GET /e/<slug>/exhibitors?...``, routing + queries + rendering);
2. find a PI: the same for ``services.search_pis`` and ``GET /e/<slug>/pis?...``;
3. ``demands.recommend(demand)`` for ``--demands`` different demands, and the whole
   ``demands.review(demand, publish=True)`` (recommend + notify + audit, then a flush) for as many
   others, interleaved, inside ``app.test_request_context()``; each in a fresh session, rolled back
   afterwards. The time inside them is split (candidates(), score(), notify()) by wrapping those
   module functions for the timed calls (the bench only; restored afterwards).

A missed target is profiled (cProfile; full text in $BENCH_TMP/eventops-showcase/) and the hot spots
are written under the table. Writes bench/results/showcase.md between its markers (the figures of a
database not run this time are kept; ``showcase_report.py``) and prints the table. A benchmark:
nothing asserts.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import random
import statistics
import time
from urllib.parse import urlencode

import harness
import showcase_data as data
from harness import summary_ms
from showcase_data import SLUG

from sqlalchemy import select  # noqa: E402  (harness puts the project on the path)

from eventops import create_app  # noqa: E402
from eventops.accounts.models import User  # noqa: E402
from eventops.events.models import Event  # noqa: E402
from eventops.exhibitors import demands, services  # noqa: E402
from eventops.exhibitors.models import Demand  # noqa: E402
from eventops.extensions import db  # noqa: E402

TMP = harness.work_dir("eventops-showcase")
TARGET_SEARCH_MS = 100.0
TARGET_RECOMMEND_MS = 200.0
WARMUP = 3


# --- timing -----------------------------------------------------------------------------------

def directory_cases():
    return [
        ("name", "Chinese name fragment (q)", [{"q": q} for q in ["人民医院", "中山大学", "生物科技", "黄埔", "和睦家"]]),
        ("specialty", "Specialty filter", [{"specialty": s} for s in ["肿瘤科", "核医学科", "眼科", "抗体药物", "手术机器人"]]),
        ("tag", "Tag filter", [{"tag": t} for t in ["临床试验", "成果转化", "核医药", "罕见病", "数字医疗"]]),
        ("org_type", "Organisation type filter", [{"org_type": "hospital"}, {"org_type": "enterprise"},
                                                 {"org_type": "hospital", "q": "广州"}, {"org_type": "enterprise", "q": "深圳"},
                                                 {"org_type": "university"}]),
        ("multi", "Multi-word query (q, 2–3 words)", [{"q": q} for q in ["肿瘤科 临床试验", "核医药 放射性药物", "广州 医疗器械 成果转化",
                                                                   "抗体药物 ii 期", "儿科 罕见病 基因"]]),
        ("none", "Term matching nothing", [{"q": q} for q in ["量子计算", "区块链", "火星基地", "xyz123", "无人机 农业"]]),
        ("page5", "Page 5 of a broad query", [{"q": q, "page": 5} for q in ["医院", "有限公司", "临床试验", "科技", "gcp"]]),
    ]


def pi_cases(hospital_ids):
    return [
        ("name", "PI name fragment", [{"q": q} for q in ["王", "张伟", "陈", "欧阳", "林静"]]),
        ("hospital", "Hospital name fragment", [{"q": q} for q in ["人民医院", "中山大学", "中医院", "妇幼", "深圳市"]]),
        ("specialty", "Department / specialty", [{"q": q} for q in ["肿瘤科", "心血管", "核医学", "儿科", "眼科"]]),
        ("multi", "Multi-word query", [{"q": q} for q in ["核医药 肿瘤科", "创新药 儿科", "细胞治疗 血液科", "广州 罕见病",
                                                        "ai 影像 神经内科"]]),
        ("filter", "Hospital filter (+ specialty)", [{"hospital": h} for h in hospital_ids[:3]] +
         [{"hospital": hospital_ids[3], "specialty": "肿瘤科"}, {"hospital": hospital_ids[4], "q": "临床"}]),
        ("none", "Term matching nothing", [{"q": q} for q in ["量子计算", "区块链", "火星基地", "xyz123", "兽医"]]),
        ("page3", "Page 3 of a broad query", [{"q": q, "page": 3} for q in ["医院", "临床试验", "科", "项", "广"]]),
    ]


def _service_call(kind, event, params):
    if kind == "directory":
        return services.search_profiles(event, q=params.get("q", ""), specialty=params.get("specialty", ""),
                                        tag=params.get("tag", ""), org_type=params.get("org_type", ""),
                                        page=params.get("page", 1))
    return services.search_pis(event, q=params.get("q", ""), specialty=params.get("specialty", ""),
                               hospital_id=params.get("hospital"), page=params.get("page", 1))


def time_service(app, event_id, kind, cases, searches) -> dict:
    """Each call in a fresh session, as a request would have it."""
    out = {}
    with app.app_context():
        for key, label, variants in cases:
            samples, matches = [], {}
            for i in range(WARMUP + searches):
                params = variants[i % len(variants)]
                event = db.session.get(Event, event_id)
                t0 = time.perf_counter()
                items, total = _service_call(kind, event, params)
                elapsed = (time.perf_counter() - t0) * 1000
                if i >= WARMUP:
                    samples.append(elapsed)
                matches[urlencode(params)] = total
                db.session.remove()
            out[key] = summary_ms(samples, label, median="p50_ms", matches=matches)
    return out


def time_pages(app, path, cases, searches) -> dict:
    out = {}
    client = app.test_client()  # no outer app context: each request gets its own (and its own db session)
    for key, label, variants in cases:
        samples = []
        for i in range(WARMUP + searches):
            params = variants[i % len(variants)]
            t0 = time.perf_counter()
            response = client.get(path, query_string=params)
            response.get_data()
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{path} {params}: {response.status_code}")
            if i >= WARMUP:
                samples.append(elapsed)
        out[key] = summary_ms(samples, label, median="p50_ms")
    return out


def pick_demands(app, event_id, count, seed) -> list[int]:
    with app.app_context():
        ids = db.session.scalars(select(Demand.id).where(Demand.event_id == event_id).order_by(Demand.id)).all()
        db.session.remove()
    return random.Random(seed).sample(ids, min(count, len(ids)))


DEMAND_LABELS = {
    "recommend": "demands.recommend(demand)",
    "recommend.candidates": "… inside it: candidates(), SELECT + ORM load of the {others:,} other profiles",
    "recommend.score": "… inside it: score() × {others:,} (one call per candidate)",
    "recommend.rest": "… inside it: the rest (DELETE old, sort, 10 INSERTs + flush)",
    "recommend.gc": "… overlapping the rows above: Python's cyclic GC pauses",
    "review": "demands.review(publish=True) incl. notify + flush",
    "review.candidates": "… inside it: candidates()",
    "review.score": "… inside it: score() × {others:,}",
    "review.notify": "… inside it: notify() (10 notices, managers' addresses, mails)",
    "review.rest": "… inside it: the rest (status UPDATE, DELETE, sort, INSERTs, audit, flushes)",
    "review.gc": "… overlapping the rows above: Python's cyclic GC pauses",
}


class Split:
    """Times candidates(), score() and notify() inside recommend()/review() by wrapping the module
    attributes they are called through (bench only, restored afterwards; ~0.5 ms of overhead)."""

    NAMES = ("candidates", "score", "notify")

    def __init__(self):
        self.acc = dict.fromkeys(self.NAMES + ("gc", "gc_full"), 0.0)
        self.saved = {}
        self._gc_started = None

    def _gc(self, phase, info):
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._gc_started is not None:
            self.acc["gc"] += time.perf_counter() - self._gc_started
            self.acc["gc_full"] += info.get("generation") == 2
            self._gc_started = None

    def _wrap(self, name, func):
        acc, clock = self.acc, time.perf_counter

        def timed(*args, **kwargs):
            t0 = clock()
            try:
                return func(*args, **kwargs)
            finally:
                acc[name] += clock() - t0
        return timed

    def __enter__(self):
        for name in self.NAMES:
            self.saved[name] = getattr(demands, name)
            setattr(demands, name, self._wrap(name, self.saved[name]))
        gc.callbacks.append(self._gc)
        return self

    def __exit__(self, *exc):
        for name, func in self.saved.items():
            setattr(demands, name, func)
        gc.callbacks.remove(self._gc)

    def reset(self):
        for name in self.acc:
            self.acc[name] = 0.0

    def ms(self, name):
        return self.acc[name] * 1000


def _one_demand(mode, demand_id, organizer_id, split=None):
    """One timed call on one demand in a fresh session, rolled back after: (ms, results, parts)."""
    demand = db.session.get(Demand, demand_id)
    demand.organisation.org_type  # noqa: B018 (loaded, as the view has it)
    actor = db.session.get(User, organizer_id)
    if mode == "review":
        demand.status, demand.published_at = "submitted", None
        db.session.flush()
    if split:
        split.reset()
    t0 = time.perf_counter()
    if mode == "recommend":
        result = demands.recommend(demand)
    else:
        result = demands.review(demand, publish=True, actor=actor)
        db.session.flush()  # the audit entry added after notify's flush
    elapsed = (time.perf_counter() - t0) * 1000
    parts = {}
    if split:
        parts = {"candidates": split.ms("candidates"), "score": split.ms("score"), "notify": split.ms("notify"),
                 "gc": split.ms("gc"), "gc_full": split.acc["gc_full"]}
        parts["rest"] = elapsed - parts["candidates"] - parts["score"] - parts["notify"]
    count = len(result)
    db.session.rollback()
    db.session.close()
    return elapsed, count, parts


def time_demand_board(app, ids_by_mode: dict, organizer_id, others) -> dict:
    """recommend and review interleaved demand by demand (a noisy neighbour hits both alike), each
    on its own demands, with the split of their time."""
    samples = {mode: [] for mode in ids_by_mode}
    counts = {mode: [] for mode in ids_by_mode}
    parts = {key: [] for key in DEMAND_LABELS if "." in key}
    full = {mode: [] for mode in ids_by_mode}
    rounds = min(len(ids) for ids in ids_by_mode.values())
    with app.test_request_context(base_url="http://127.0.0.1"), Split() as split:
        for i in range(rounds):
            for mode, ids in ids_by_mode.items():
                elapsed, count, split_ms = _one_demand(mode, ids[i], organizer_id, split)
                if i >= WARMUP:
                    samples[mode].append(elapsed)
                    counts[mode].append(count)
                    full[mode].append(split_ms.get("gc_full", 0))
                    for key, value in split_ms.items():
                        if f"{mode}.{key}" in parts:
                            parts[f"{mode}.{key}"].append(value)
    out = {mode: summary_ms(samples[mode], DEMAND_LABELS[mode], median="p50_ms",
                            results_avg=statistics.mean(counts[mode])) for mode in ids_by_mode if samples[mode]}
    out.update({key: summary_ms(values, DEMAND_LABELS[key].format(others=others), median="p50_ms")
                for key, values in parts.items() if values})
    for mode in ids_by_mode:
        if f"{mode}.gc" in out:
            out[f"{mode}.gc"]["full_per_call"] = statistics.mean(full[mode]) if full[mode] else 0
    return out


# --- profiling ----------------------------------------------------------------------------------

# named parts of the demand board, by (file ending, function name): cumulative time per call
PARTS = [
    ("review()", "exhibitors/demands.py", "review"),
    ("recommend()", "exhibitors/demands.py", "recommend"),
    ("candidates(): SELECT + ORM load of the published profiles", "exhibitors/demands.py", "candidates"),
    ("score(), once per candidate", "exhibitors/demands.py", "score"),
    ("… flask_babel gettext inside score (reason texts + lazy type labels, for every candidate)",
     "flask_babel/__init__.py", "gettext"),
    ("… _terms(demand.title), recomputed for every candidate", "exhibitors/demands.py", "_terms"),
    ("notify(): notices, managers' addresses, mails", "exhibitors/demands.py", "notify"),
    ("Session.flush (all flushes)", "orm/session.py", "flush"),
]


def profile_case(name, func, calls) -> dict:
    """cProfile of ``func`` (``calls`` calls): the functions with the most own time, the project's by
    cumulative time and the named parts, per call."""
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.enable()
    func()
    profile.disable()
    wall = (time.perf_counter() - t0) * 1000 / calls
    path = TMP / f"profile-{name}.txt"
    stats = harness.write_profile(profile, path, (("cumulative", 60), ("tottime", 40)), strip=True)
    spots = harness.hot_spots(stats)

    def per_call(r):
        return {"func": r["func"], "ncalls": r["ncalls"] / calls, "tottime_ms": r["tottime"] * 1000 / calls,
                "cumtime_ms": r["cumtime"] * 1000 / calls, "project": r["project"]}

    parts = []
    for label, ending, fn in PARTS:
        ct, nc = harness.cumulative(stats, ending, fn, pick=max)
        if nc:
            parts.append({"label": label, "ncalls": nc / calls, "cumtime_ms": ct * 1000 / calls})
    return {"name": name, "calls": calls, "wall_ms_per_call": wall, "file": str(path),
            "own": [per_call(r) for r in spots["own"]], "project": [per_call(r) for r in spots["project"]],
            "parts": parts}


def profile_search(app, event_id, kind, params, calls=40):
    def run():
        with app.app_context():
            for _ in range(calls):
                event = db.session.get(Event, event_id)
                _service_call(kind, event, params)
                db.session.remove()
    return run


def profile_page(app, path, params, calls=40):
    def run():
        client = app.test_client()
        for _ in range(calls):
            client.get(path, query_string=params).get_data()
    return run


def profile_demands(app, demand_ids, mode, organizer_id):
    def run():
        with app.test_request_context(base_url="http://127.0.0.1"):
            for demand_id in demand_ids:
                _one_demand(mode, demand_id, organizer_id)  # no split: the profiler sees the real calls
    return run


# --- one database -----------------------------------------------------------------------------

def bench_database(kind, args, log) -> dict:
    store = harness.Database(kind, "showcase_bench", TMP / "showcase.sqlite3")
    app = create_app(harness.bench_config(store.fresh()))
    out = {"db": kind}
    try:
        log(f"[{kind}] building the showcase")
        out["data"] = data.build(app, log, seed=args.seed, scale=args.scale)
        out["version"] = harness.db_version(store.url)
        event_id, organizer_id = out["data"]["event_id"], out["data"]["organizer_id"]
        log(f"    built in {out['data']['build_s']:.1f} s ({out['version']})")

        dcases, pcases = directory_cases(), pi_cases(out["data"]["pi_hospital_ids"])
        for name, kind_, svc, page, cases, path in (
                ("directory", "directory", "dir_service", "dir_page", dcases, f"/e/{SLUG}/exhibitors"),
                ("PI", "pis", "pi_service", "pi_page", pcases, f"/e/{SLUG}/pis")):
            log(f"[{kind}] {name} search, {args.searches} per kind")
            out[svc] = time_service(app, event_id, kind_, cases, args.searches)
            out[page] = time_pages(app, path, cases, args.searches)
            for key in out[svc]:
                s, p = out[svc][key], out[page][key]
                log(f"    {s['label']:<36} service p50 {s['p50_ms']:6.1f} p95 {s['p95_ms']:6.1f} | "
                    f"page p50 {p['p50_ms']:6.1f} p95 {p['p95_ms']:6.1f} ms")

        modes = ["recommend", "review"]
        n = WARMUP + args.demands
        picked = pick_demands(app, event_id, len(modes) * n, args.seed)
        log(f"[{kind}] demand board, {args.demands} demands per measure (interleaved)")
        board = time_demand_board(app, {m: picked[i * n:(i + 1) * n] for i, m in enumerate(modes)}, organizer_id,
                                  out["data"]["profiles"] - 1)
        out.update(board)
        for r in board.values():
            log(f"    {r['label']:<72} p50 {r['p50_ms']:6.1f} p95 {r['p95_ms']:6.1f} ms")

        # profile what missed its target (or everything of interest with --profile-all)
        out["profiles"] = []
        todo = []
        for table, kind_, path, cases in (("dir_service", "directory", None, dcases), ("dir_page", "directory",
                                          f"/e/{SLUG}/exhibitors", dcases), ("pi_service", "pis", None, pcases),
                                          ("pi_page", "pis", f"/e/{SLUG}/pis", pcases)):
            worst = max(out[table].values(), key=lambda r: r["p95_ms"])
            for key, r in out[table].items():
                if r["p95_ms"] > TARGET_SEARCH_MS or (args.profile_all and r is worst):
                    params = dict(next(c for c in cases if c[0] == key)[2][0])
                    func = profile_page(app, path, params) if path else profile_search(app, event_id, kind_, params)
                    todo.append((f"{kind}-{table}-{key}", func, 40))
        for key in ("recommend", "review"):
            if out[key]["p95_ms"] > TARGET_RECOMMEND_MS or args.profile_all:
                ids = picked[:20]
                todo.append((f"{kind}-{key}", profile_demands(app, ids, key, organizer_id), len(ids)))
        for name, func, calls in todo:
            log(f"[{kind}] profiling {name} ({calls} calls)")
            out["profiles"].append(profile_case(name, func, calls))
    finally:
        harness.release(app)
        if not args.keep:
            store.drop()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--searches", type=int, default=100, help="timed searches per kind and way (default 100)")
    parser.add_argument("--demands", type=int, default=60, help="demands per demand-board measure (default 60)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--profile-all", action="store_true", help="profile the slowest cases even when targets are met")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/showcase.md")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="shrink the data set (0.05..1, every count alike; below 1 implies --no-write: "
                             "only figures at 1 compare with the results file)")
    parser.add_argument("--quick", action="store_true", help="smoke run: --scale 0.1, 10 searches, 10 demands; "
                        "implies --no-write")
    args = parser.parse_args(argv)
    if args.quick:
        args.scale, args.searches, args.demands, args.no_write = 0.1, 10, 10, True
    args.searches = max(1, min(args.searches, 1000))
    args.demands = max(1, min(args.demands, 300))
    args.scale = max(0.05, min(args.scale, 1.0))
    args.no_write = args.no_write or args.scale < 1
    command = harness.command_line("showcase.py", argv)
    started = time.perf_counter()

    def log(message):
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", flush=True)

    import showcase_report as report
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = {} if args.no_write else report.previous_results()
    for kind in kinds:
        info = harness.machine()
        r = bench_database(kind, args, log)
        r.update(machine=info, command=command, searches=args.searches, demands_n=args.demands)
        results[kind] = r
    fresh = {k: v for k, v in results.items() if k in kinds}
    print("\n" + "\n".join(report.table_rows(fresh)) + "\n")
    print("\n".join(report.missed(fresh) or ["all targets met"]))
    if not args.no_write:
        report.write(results)
        print(f"\nwritten: {report.RESULTS}")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
