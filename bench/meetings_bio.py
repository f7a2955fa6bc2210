"""The BIO-scale case of ``meetings.py`` (issue 16 item 6): the four-day instance's generator, the
proven upper bounds it is compared with (slot-free, by day, by blocks of slots), the run and its
section of bench/results/meetings.md. Run through ``meetings.py --bio`` (and ``--quick``)."""
from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import harness
from harness import md_table
from meetings import TOPICS, _some_fixed, fmt, highs_version, make_brokers, make_participants, make_requests, ratio, reference

from eventops.meetings.solver import check, first_fit_schedule, load_instance, solve_detailed  # noqa: E402

# -- BIO scale: a four-day partnering event (issue 16 item 6) ---------------------------------------

BIO = {"requests": 50_000, "participants": 6_000, "tables": 800, "days": 4, "slots_per_day": 16,
       "brokers": 120, "needs_broker": 0.30, "limit": 300.0}
BIO_TINY = 2_000  # the same shape ratios, 1/25 of the size: a smoke test in seconds (--quick)
BIO_TARGET = 0.98


def bio_shape(n_requests: int) -> dict:
    """Participants, tables and brokers scaled with the request count (ratios of the BIO event);
    the calendar (4 days x 16 slots) stays the same."""
    f = n_requests / BIO["requests"]
    return {"requests": n_requests, "participants": max(40, round(BIO["participants"] * f)),
            "tables": max(4, round(BIO["tables"] * f)), "days": BIO["days"], "slots_per_day": BIO["slots_per_day"],
            "brokers": max(5, round(BIO["brokers"] * f)), "needs_broker": BIO["needs_broker"],
            "limit": BIO["limit"] if n_requests >= BIO["requests"] else 10.0}


def generate_bio(n_requests: int = BIO["requests"], seed: int = 1) -> dict:
    """A BIO-like instance: 4 days of 16 slots of 20 minutes (lunch after the 8th), Zipf-like
    popularity (exponent 0.8; the first 1/12 of the participants, hospitals, are the most asked for,
    the others weigh half as much; 90 % of requests come from non-hospitals), people who come
    for one to four days (half of them for part of a day too), caps for 70 % of the hospitals and 40 %
    of the others, 30 % of requests needing a broker with the topic's specialty (one topic nobody
    covers), 30 % mutual (weight 3), the rest weight 1-2, 1 % fixed."""
    shape = bio_shape(n_requests)
    rng = random.Random(seed * 1_000_033 + n_requests + 7)
    days, per_day = shape["days"], shape["slots_per_day"]
    tz = timezone(timedelta(hours=8))
    slots, by_day = [], []
    for d in range(days):
        t, ids = datetime(2025, 5, 24, 9, 0, tzinfo=tz) + timedelta(days=d), []
        for i in range(per_day):
            if i == per_day // 2:
                t += timedelta(minutes=60)  # lunch
            sid = f"d{d + 1}s{i + 1:02d}"
            slots.append({"id": sid, "start": t.isoformat(), "end": (t + timedelta(minutes=20)).isoformat()})
            ids.append(sid)
            t += timedelta(minutes=25)
        by_day.append(ids)
    tables = [{"id": f"T{i + 1:04d}", "zone": "ABCD"[i % 4]} for i in range(shape["tables"])]

    def availability(share_full: float) -> list[str] | None:
        if rng.random() < share_full:
            return None
        n_days = rng.choice([1, 2, 2, 3, 3, 4])
        first = rng.randrange(0, days - n_days + 1)
        out = []
        for d in range(first, first + n_days):
            ids = by_day[d]
            if rng.random() < 0.5:
                out += ids
            elif rng.random() < 0.5:  # a morning or an afternoon, or arrives late / leaves early
                length = rng.randint(per_day // 3, per_day - 2)
                start = rng.randrange(0, per_day - length + 1)
                out += ids[start:start + length]
            else:
                out += sorted(rng.sample(ids, rng.randint(per_day // 3, per_day - 2)), key=ids.index)
        return out

    n_people = shape["participants"]
    n_hosp = max(8, n_people // 12)
    n_slots = days * per_day
    participants = make_participants(rng, n_people, n_hosp, lambda hospital: availability(0.45 if hospital else 0.35),
                                     hospital_caps=(0.7, n_slots // 4, n_slots - 8), other_caps=(0.4, 6, 20))
    topic_w = [1.0 / (i + 1) ** 0.7 for i in range(len(TOPICS))]
    brokers = make_brokers(rng, shape["brokers"], topic_w, lambda: availability(0.3), caps=(24, 48), width=3)
    zipf = [1.0 / (i + 1) ** 0.8 for i in range(n_people)]
    for i in range(n_hosp, n_people):
        zipf[i] *= 0.5
    cum, acc = [], 0.0
    for w in zipf:
        acc += w
        cum.append(acc)
    people = range(n_people)
    requests = make_requests(rng, n_requests, participants, n_hosp, topic_w, shape["needs_broker"], width=6,
                             pick_to=lambda: rng.choices(people, cum_weights=cum)[0])
    data = {"slots": slots, "tables": tables, "participants": participants, "brokers": brokers,
            "requests": requests, "fixed": []}
    data["fixed"] = _some_fixed(data, rng, max(1, n_requests // 100))
    return data


def slot_free_bound(inst, time_limit: float = 60.0) -> dict:
    """A proven upper bound on the objective that forgets *when* meetings happen.

    Every schedule also satisfies these constraints, so the best value under them alone is an upper
    bound (a relaxation of the spec's programme, solved as an LP and as a MIP with HiGHS):

    - a binary x_r per request whose two people share an available slot (and, when it needs a broker,
      where some broker of its topic is available in one of those shared slots); x_r = 1 when fixed;
    - participant p: sum of x_r over its requests <= min(number of slots it is available, its cap);
    - tables: sum of all x_r <= sum over slots of min(tables, people available in the slot // 2);
    - brokers as a transportation problem: z_tk >= 0 meetings of topic t given to broker k (one who
      covers t); for each topic, its broker-needing x_r sum to at most sum_k z_tk; for each broker,
      sum_t z_tk <= min(its cap, its available slots).

    What it leaves out: one meeting per person *per slot* at the same time as the table and broker
    limits of that slot (two people who are both free on day 1 and day 4 but never at the same time
    as a free table and broker count as meetable), so it is weaker than the slot-indexed LP but tiny
    (requests + topics x brokers columns) and solved in seconds where that LP is not.

    Returns ``lp`` (LP optimum), ``mip_bound`` (HiGHS's proven dual bound of the integer version:
    its optimum when ``mip_optimal``), ``bound`` = floor(min of the two) (weights are integers), and
    the sizes and times. ``day_bound`` gives its MIP 20 s: at 50,000 requests its LP takes 11 s and
    the MIP does not finish in 60 s (the LP value is the bound then).
    """
    return block_bound(inst, [list(range(len(inst.slots)))], time_limit)


def day_bound(inst, time_limit: float = 60.0) -> dict:
    """The same relaxation with the slots grouped by calendar day (:func:`block_bound`): tighter,
    as a request is now placed on one day where both people (and a broker) are there, within each
    person's, broker's and the tables' slots of that day and the caps over the whole event."""
    days = defaultdict(list)
    for s, slot in enumerate(inst.slots):
        days[slot.start.date()].append(s)
    return block_bound(inst, [days[d] for d in sorted(days)], time_limit, mip_time_limit=20.0)


def block_bound(inst, blocks: list[list[int]], time_limit: float = 60.0,
                mip_time_limit: float | None = None) -> dict:
    """The relaxation with the slots cut into ``blocks`` (one block: :func:`slot_free_bound`; one
    block per slot: the slot-indexed programme with brokers pooled per topic). Per block b:
    x_rb per request that can meet in b (both people and, if needed, a broker of the topic
    available in a slot of b); each request at most once in all; person p in b at most its
    available slots in b; caps over all blocks; meetings in b at most sum over its slots of
    min(tables, people there // 2); topic-t meetings in b at most sum_k z_tkb, broker k in b at most
    its available slots in b, and its cap over all blocks."""
    import highspy
    import numpy as np

    T = len(inst.tables)
    fixed = {f.request: f.slot for f in inst.fixed}
    block_of = {s: i for i, block in enumerate(blocks) for s in block}
    sets = [frozenset(block) for block in blocks]
    topics = sorted({g for br in inst.brokers for g in br.specialties})
    n_b = len(blocks)
    people_at = defaultdict(int)
    for part in inst.participants:
        for s in part.available:
            people_at[s] += 1
    rows_upper: list[float] = []
    row_index: dict[tuple, int] = {}

    def row(key, upper: float) -> int:
        i = row_index.get(key)
        if i is None:
            i = row_index[key] = len(rows_upper)
            rows_upper.append(float(upper))
        return i

    cost, lower, col_upper, start, index, value = [], [], [], [0], [], []
    dropped, request_cols = 0, 0
    meetable = set()

    def column(c: float, lo: float, up: float, rows: list[tuple[int, float]]):
        cost.append(c)
        lower.append(lo)
        col_upper.append(up)
        for i, v in rows:
            index.append(i)
            value.append(v)
        start.append(len(index))

    for r, req in enumerate(inst.requests):
        pa, pb = inst.participants[req.a], inst.participants[req.b]
        common = pa.available & pb.available
        if req.needs_broker:
            covering = [br.available for br in inst.brokers if req.topic in br.specialties]
            common = frozenset(s for s in common if any(s in av for av in covering))
        for b in range(n_b):
            here = common & sets[b]
            if not here or (r in fixed and block_of[fixed[r]] != b):
                continue
            rows = [(row(("r", r), 1), 1.0)] if n_b > 1 else []
            for p, part in ((req.a, pa), (req.b, pb)):
                rows.append((row(("pb", p, b), len(part.available & sets[b])), 1.0))
                if part.max_meetings is not None and part.max_meetings < len(part.available):
                    rows.append((row(("p", p), part.max_meetings), 1.0))
            rows.append((row(("t", b), sum(min(T, people_at[s] // 2) for s in blocks[b])), 1.0))
            if req.needs_broker:
                rows.append((row(("g", req.topic, b), 0), 1.0))
            column(float(req.weight), 1.0 if r in fixed else 0.0, 1.0, rows)
            request_cols += 1
            meetable.add(r)
        if r not in meetable:
            dropped += 1
            if r in fixed:
                raise ValueError(f"fixed request {req.id} cannot take place")
    for g in topics:
        for b in range(n_b):
            if ("g", g, b) not in row_index:
                continue
            for k, br in enumerate(inst.brokers):
                here = len(br.available & sets[b])
                if g not in br.specialties or not here:
                    continue
                rows = [(row_index[("g", g, b)], -1.0), (row(("kb", k, b), here), 1.0)]
                if br.max_meetings is not None and br.max_meetings < len(br.available):
                    rows.append((row(("k", k), br.max_meetings), 1.0))
                column(0.0, 0.0, float(here), rows)
    n, n_rows = len(cost), len(rows_upper)

    def model(integer: bool):
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, n_rows
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.array(cost)
        lp.col_lower_, lp.col_upper_ = np.array(lower), np.array(col_upper)
        lp.row_lower_, lp.row_upper_ = np.full(n_rows, -highspy.kHighsInf), np.array(rows_upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(start, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value)
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * n
        return lp

    out = {"blocks": n_b, "columns": n, "rows": n_rows, "request_columns": request_cols,
           "never_meetable": dropped,
           "table_capacity": int(sum(rows_upper[i] for key, i in row_index.items() if key[0] == "t"))}
    began = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit))
    h.passModel(model(False))
    h.run()
    out["lp_seconds"] = time.perf_counter() - began
    out["lp"] = h.getInfo().objective_function_value if h.getModelStatus() == highspy.HighsModelStatus.kOptimal \
        else None
    began = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit if mip_time_limit is None else mip_time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)
    h.passModel(model(True))
    h.run()
    out["mip_seconds"] = time.perf_counter() - began
    info = h.getInfo()
    out["mip_optimal"] = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    out["mip_bound"] = info.mip_dual_bound if abs(info.mip_dual_bound) < 1e20 else None
    bounds = [b for b in (out["lp"], out["mip_bound"]) if b is not None]
    out["bound"] = math.floor(min(bounds) + 1e-6) if bounds else None
    return out


def run_bio(n: int, seed: int, ref_limit: float | None) -> dict:
    """The scheduler at BIO scale against the slot-free bound (and, for small sizes, the reference)."""
    shape = bio_shape(n)
    t = time.perf_counter()
    data = generate_bio(n, seed)
    inst = load_instance(data)
    gen_seconds = time.perf_counter() - t
    rss_before = harness.maxrss_mb()
    row = {"n": n, "seed": seed, "shape": shape, "participants": len(inst.participants), "fixed": len(inst.fixed),
           "needs_broker": sum(r.needs_broker for r in inst.requests) / len(inst.requests),
           "total_weight": sum(r.weight for r in inst.requests), "gen_seconds": gen_seconds}
    print(f"== BIO {n:,} requests (seed {seed}): {len(inst.participants):,} participants, {shape['tables']} tables, "
          f"{len(inst.slots)} slots over {shape['days']} days, {shape['brokers']} brokers, {len(inst.fixed)} fixed, "
          f"{row['needs_broker']:.0%} need a broker; generated in {gen_seconds:.1f} s", flush=True)
    for key, name, fn in (("bound", "slot-free", slot_free_bound), ("day_bound", "day", day_bound)):
        bound = row[key] = fn(inst)
        print(f"   {name} bound {bound['bound']} (LP {fmt(bound['lp'], '.1f')} in {bound['lp_seconds']:.1f} s, MIP "
              f"{'optimal' if bound['mip_optimal'] else 'stopped'} {fmt(bound['mip_bound'], '.1f')} in "
              f"{bound['mip_seconds']:.1f} s)", flush=True)
    row["best_bound"] = min(b for b in (row["bound"]["bound"], row["day_bound"]["bound"]) if b is not None)
    t = time.perf_counter()
    result = solve_detailed(inst, shape["limit"])
    wall = time.perf_counter() - t
    row.update(objective=result.schedule["objective"], scheduled=len(result.schedule["meetings"]), wall=wall,
               limit=shape["limit"], method=result.method, proven=result.optimal, solver_bound=result.upper_bound,
               trace=result.trace, rss_before=rss_before, rss_peak=harness.maxrss_mb())
    t = time.perf_counter()
    row["check"] = len(check(inst, result.schedule))
    row["check_seconds"] = time.perf_counter() - t
    print(f"   scheduler: {row['objective']} ({row['scheduled']:,} requests scheduled) in {wall:.1f} s of "
          f"{shape['limit']:.0f} s ({row['method']}); peak RSS {row['rss_peak']:.0f} MB ({rss_before:.0f} MB "
          f"before); checker: {row['check']} problem(s)", flush=True)
    ff = first_fit_schedule(inst)
    row.update(first_fit=ff["objective"], first_fit_scheduled=len(ff["meetings"]))
    row["ref"] = reference(inst, ref_limit) if ref_limit else None
    if row["ref"]:
        print(f"   reference: {row['ref']['kind']} {row['ref']['reference']}", flush=True)
    return row


BIO_START, BIO_END = "<!-- bench:meetings-bio:start -->", "<!-- bench:meetings-bio:end -->"


def bio_report(rows: list[dict], info: dict, command: str, *extra: str) -> str:
    lines = [BIO_START, "## BIO scale (issue 16 item 6)", "",
             *harness.machine_lines(info, f"HiGHS {highs_version()} (highspy)", f"Command: `{command}`", *extra), "",
             "Instance from `generate_bio` (seeded): 4 days x 16 slots, tables, participants and brokers in the "
             "ratios of the BIO event (50,000 requests, 6,000 participants, 800 tables, 120 brokers), Zipf-like "
             "popularity, people present one to four days and often part of a day, caps, 30 % of requests needing "
             "a broker, 1 % fixed. The slot-indexed reference programme is out of reach at this size (its LP did "
             "not finish in 25 minutes), so the ratio is taken against the **slot-free bound**: the best objective "
             "when each participant has at most min(available slots, cap) meetings, all meetings together at "
             "most sum over slots of min(tables, people available // 2), and broker-needing requests of each "
             "topic are shared out among the brokers covering it within min(cap, available slots) of each "
             "(a transportation problem), solved by HiGHS as an LP and as a MIP (`slot_free_bound`). Every "
             "schedule satisfies these limits, so the bound is proven; it ignores that the meetings of a "
             "person, a table and a broker must also fit *the same slots*, so the true optimum lies below it "
             "and a ratio of 1 is usually out of reach. The **day bound** (`day_bound`) is the same "
             "relaxation per calendar day (each request on one day where both people, and a broker of its "
             "topic, are there; each person's, broker's and the tables' slots of that day; caps over the "
             "event): tighter, still small. The ratio is taken against the smaller of the two.", ""]
    out = []
    for r in rows:
        b, day = r["bound"], r["day_bound"]
        ratio_ = ratio(r["objective"], r["best_bound"])
        ref = r.get("ref")
        out.append([f"{r['n']:,}", r["seed"], f"{r['shape']['tables']} x 64, {r['shape']['brokers']}",
                    f"{r['wall']:.1f} s ({r['limit']:.0f} s)", r["objective"], f"{r['scheduled']:,}",
                    f"{b['bound']} ({b['lp_seconds'] + b['mip_seconds']:.1f} s)",
                    f"{day['bound']} ({day['lp_seconds'] + day['mip_seconds']:.1f} s)", fmt(ratio_, ".4f"),
                    "-" if not ref else f"{ref['reference']} ({ref['kind']}): {fmt(ratio(r['objective'], ref['reference']), '.4f')}",
                    f"{r['rss_peak']:,.0f} MB", f"{r['first_fit']} ({fmt(ratio(r['first_fit'], r['best_bound']), '.3f')})",
                    "ok" if r["check"] == 0 else f"{r['check']} problems"])
    lines += md_table(["requests", "seed", "tables x slots, brokers", "wall (limit)", "objective", "scheduled",
                       "slot-free bound", "day bound", "ratio", "slot-indexed reference", "peak RSS", "first fit",
                       "checker"],
                      out, ["---:", "---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---", "---:", "---:",
                            "---"])
    lines += ["", f"Target: ratio >= {BIO_TARGET} within {BIO['limit']:.0f} s and under 4 GB at 50,000 requests.", ""]
    for r in rows:
        b, day = r["bound"], r["day_bound"]
        ratio_ = ratio(r["objective"], r["best_bound"])
        met = ratio_ is not None and ratio_ >= BIO_TARGET and r["wall"] <= r["limit"] + 5 and r["rss_peak"] < 4096
        lines.append(
            f"- {r['n']:,} requests, seed {r['seed']}: {r['participants']:,} participants, {r['fixed']} fixed, "
            f"{r['needs_broker']:.0%} need a broker, total weight asked {r['total_weight']:,}. Generated and loaded "
            f"in {r['gen_seconds']:.1f} s. Slot-free bound: LP {fmt(b['lp'], '.1f')} in {b['lp_seconds']:.1f} s, MIP "
            f"{'optimal' if b['mip_optimal'] else 'stopped'} (bound {fmt(b['mip_bound'], '.1f')}) in "
            f"{b['mip_seconds']:.1f} s, over {b['request_columns']:,} requests that can meet at all "
            f"({b['never_meetable']:,} cannot: no common slot, or no broker of the topic in one) and "
            f"{b['columns'] - b['request_columns']} topic-broker columns; table capacity {b['table_capacity']:,}. "
            f"Day bound: LP {fmt(day['lp'], '.1f')} in {day['lp_seconds']:.1f} s, MIP "
            f"{'optimal' if day['mip_optimal'] else 'stopped'} (bound {fmt(day['mip_bound'], '.1f')}) in "
            f"{day['mip_seconds']:.1f} s, {day['columns']:,} columns x {day['rows']:,} rows. "
            f"Scheduler kept step `{r['method']}`, its own bound {fmt(r['solver_bound'], '.1f')}; peak RSS of "
            f"the process {r['rss_peak']:,.0f} MB ({r['rss_before']:,.0f} MB before the scheduler ran); checker "
            f"{r['check_seconds']:.1f} s. First fit: {r['first_fit']} ({r['first_fit_scheduled']:,} scheduled). "
            f"Steps (step: seconds, objective or LP bound): "
            + ", ".join(f"{step} {t:.1f} s {v}" for step, t, v in r["trace"]) + "."
            + (f" Target **{'met' if met else 'NOT met'}**." if r["n"] >= BIO["requests"] else ""))
    lines.append(BIO_END)
    return "\n".join(lines) + "\n"
