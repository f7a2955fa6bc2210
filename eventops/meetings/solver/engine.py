"""Place the requested meetings: ``solve(instance, time_limit=10.0) -> schedule``.

1. A weight-ordered greedy, then ruin-and-recreate and ejection-chain local search
   (:mod:`.heuristic`): a good plan within a fifth of the time limit, whatever happens next.
2. With ``highspy`` installed (:mod:`.mip`): the LP relaxation by interior point (a proven upper
   bound), a plan rounded from the LP point, then the integer programme restricted to the LP's
   support, warm-started from that plan (and, if time allows and the LP bound is not reached, the
   whole programme). The best plan is kept; a plan that reaches the bound is proven optimal.
   Without ``highspy``, or when the LP does not finish in time, the heuristic gets the time.
   Past ``LP_MAX_COLUMNS`` candidate (request, slot) pairs (tens of thousands of requests over
   days of slots) the slot-indexed LP does not finish in minutes and its model takes gigabytes:
   there the slot-free relaxation (:func:`.mip.slot_free`, seconds) gives the bound and picks the
   requests that the greedy places first, and the heuristic search gets the rest of the time.
3. Tables are given out per slot (fixed meetings keep theirs; a participant keeps the table it had in
   the slot before when it is free), and each request left out gets a short reason (:mod:`.reasons`).

The same input and ``seed`` give the same schedule whenever the LP path proves the optimum (the
heuristic phases are capped by counts, HiGHS runs on one thread), which is the usual case up to
thousands of requests. When the time limit cuts a phase short, the result depends on the machine's
speed at that moment.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from . import heuristic, mip
from .instance import Instance, load_instance
from .plan import NONE, Plan
from .reasons import explain_all

METHODS = ("auto", "mip", "heuristic")
# Above this many candidate (request, slot) pairs the slot-indexed LP is not tried: at 5,000
# requests (84,000 pairs) it takes 6 s; at 50,000 requests over 4 days (1.56 million pairs) it had
# not finished after 195 s and its model held 1.8 GB.
LP_MAX_COLUMNS = 500_000


@dataclass
class Result:
    schedule: dict
    method: str  # the step whose plan was kept: "heuristic", "lp-rounding", "mip" or "slot-free"
    optimal: bool  # proven optimal
    upper_bound: float | None  # a proven bound on the objective (LP relaxation or HiGHS), when known
    heuristic_objective: int  # the greedy plan's objective (where every method starts)
    trace: list = field(default_factory=list)  # (step, seconds since the start, objective after it)


def solve(instance: Instance | dict | str, time_limit: float = 10.0, *, method: str = "auto", seed: int = 0) -> dict:
    """The schedule (``meetings``, ``unscheduled``, ``objective``, ``seconds``, ``reasons``)."""
    return solve_detailed(instance, time_limit, method=method, seed=seed).schedule


def solve_detailed(instance: Instance | dict | str, time_limit: float = 10.0, *, method: str = "auto",
                   seed: int = 0) -> Result:
    started = time.monotonic()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    inst = instance if isinstance(instance, Instance) else load_instance(instance)
    time_limit = max(float(time_limit), 0.1)
    deadline = started + time_limit * 0.92 - 0.05  # keep time for tables, reasons and output
    if method == "mip" and not mip.available():
        raise RuntimeError("method='mip' needs the highspy package")
    use_mip = method != "heuristic" and mip.available()

    trace: list = []

    def mark(step: str, value: int | None = None):
        trace.append((step, round(time.monotonic() - started, 3), plan.objective if value is None else value))

    plan = Plan(inst)
    heuristic.greedy(plan)
    heuristic_objective = plan.objective
    mark("greedy")
    used, optimal, bound = "heuristic", False, None
    large = use_mip and sum(len(o) for o in plan.options) > LP_MAX_COLUMNS
    if large:
        used, optimal, bound = _slot_free(plan, time_limit, deadline, seed, mark)
    elif use_mip:
        # A good plan first (insurance against an LP that does not finish on a busy machine).
        heuristic.search(plan, min(deadline, started + 0.2 * time_limit), seed, rounds=1)
        mark("search")
        used, optimal, bound = _exact(plan, started, time_limit, deadline, seed, mark)
    else:
        heuristic.search(plan, deadline, seed)
        mark("search")
    heuristic.fill(plan)
    if not optimal and time.monotonic() < deadline - 0.2:
        before = plan.objective
        heuristic.search(plan, deadline, seed + 1, rounds=1)
        mark("search")
        if plan.objective > before and used != "heuristic":
            used += "+search"
    if bound is not None and plan.objective >= math.floor(bound):
        optimal = True
    schedule = _schedule(plan)
    mark("output")
    schedule["seconds"] = round(time.monotonic() - started, 3)
    return Result(schedule, used, optimal, bound, heuristic_objective, trace)


def _exact(plan: Plan, started: float, time_limit: float, deadline: float, seed: int, mark):
    """LP relaxation, LP-guided rounding, then the integer programme on the LP's support (with the
    columns the LP sets to 1 fixed), then if time allows the whole programme. The plan ends as the
    best of these and the heuristic plan it came with (the LP-based ones win ties, so a proven
    optimum does not depend on the heuristic's timing). Returns (method, proven optimal, bound)."""
    fixed_weight = sum(plan.weight[f.request] for f in plan.inst.fixed)
    candidates = [("heuristic", plan.snapshot(), plan.objective)]
    model = mip.Model(plan)
    mark("model")
    lp = model.relax(min(deadline, started + 0.85 * time_limit), seed)
    mark("lp" if lp is not None and lp.bound is not None else "lp (unfinished)",
         None if lp is None or lp.bound is None else math.floor(lp.bound + fixed_weight))
    if lp is not None:
        plan.load({})
        mip.round_plan(model, lp, plan)
        heuristic.fill(plan)
        rounded = plan.snapshot()
        candidates.append(("lp-rounding", rounded, plan.objective))
        mark("rounding")
    bound = None
    if lp is not None and lp.bound is not None:
        bound = lp.bound + fixed_weight
        if plan.objective < math.floor(bound):  # weights are integers
            support = lp.x > mip.SUPPORT_EPS
            fix = lp.x > mip.FIX_ABOVE
            whole = bool(support.all()) and not fix.any()
            # No warm start here: with the rounded plan as incumbent, HiGHS spent 40 s in root cut
            # separation on one 5,000-request instance that it solves in 15 s without (the rounded
            # plan stays a candidate anyway).
            result = model.solve(deadline, seed, warm=None, support=None if whole else support,
                                 fix=None if whole else fix)
            if result is not None and _load_checked(plan, result.assignment):
                candidates.append(("mip", plan.snapshot(), plan.objective))
            mark("mip" if whole else "mip (LP support)")
            best_value = max(c[2] for c in candidates)
            if (not whole and best_value < math.floor(bound) and deadline - time.monotonic() > 0.25 * time_limit):
                # Below the LP bound on the support: the whole programme may prove it optimal or
                # do better. Only with time to spare.
                warm = max(reversed(candidates), key=lambda c: c[2])[1]
                result = model.solve(deadline, seed, warm=warm)
                if result is not None and _load_checked(plan, result.assignment):
                    candidates.append(("mip", plan.snapshot(), plan.objective))
                mark("mip")
                whole = True
            if result is not None and result.optimal and whole:
                bound = min(bound, result.bound + fixed_weight)
    used, best, value = max(reversed(candidates), key=lambda c: c[2])  # ties: the later (LP-based) one
    plan.load(best)
    if bound is None:  # no LP bound in time: spend what is left on the heuristic
        heuristic.search(plan, deadline, seed)
        return used, False, None
    return used, plan.objective >= math.floor(bound), bound


def _slot_free(plan: Plan, time_limit: float, deadline: float, seed: int, mark):
    """Large instances: the slot-free relaxation's bound, a greedy that places the requests its
    integer solution picks first (kept if better than the plain greedy's plan), then the heuristic
    search until the deadline or the bound. Returns (method, proven optimal, bound)."""
    bound, chosen = mip.slot_free(plan, min(deadline, time.monotonic() + 0.1 * time_limit), seed)
    mark("slot-free bound", None if bound is None else math.floor(bound + 1e-6))
    used = "heuristic"
    if chosen:
        plain = (plan.snapshot(), plan.objective)
        plan.load({})
        heuristic.greedy(plan, prefer=chosen)
        mark("slot-free greedy")
        if plan.objective > plain[1]:
            used = "slot-free"
        else:
            plan.load(plain[0])
    if bound is None or plan.objective < math.floor(bound + 1e-6):
        heuristic.search(plan, deadline, seed)
        mark("search")
    return used, bound is not None and plan.objective >= math.floor(bound + 1e-6), bound


def _load_checked(plan: Plan, assignment: dict[int, tuple[int, int]]) -> bool:
    """Load a solution from outside, checking each placement; False (and nothing kept) on a clash."""
    plan.load({})
    for r, (s, k) in sorted(assignment.items()):
        a, c = plan.ends[r]
        ok = (s in plan.options[r] and plan.tfree[s] > 0 and plan.pbusy[a][s] == NONE
              and plan.pbusy[c][s] == NONE and plan.pcount[a] < plan.pcap[a] and plan.pcount[c] < plan.pcap[c])
        if ok and plan.needs[r]:
            ok = (k in plan.elig[r] and plan.bav[k][s] and plan.bbusy[k][s] == NONE
                  and plan.bcount[k] < plan.bcap[k])
        elif ok:
            ok = k == NONE
        if not ok:
            return False
        plan.place(r, s, k)
    return True


def assign_tables(plan: Plan) -> dict[int, int]:
    """Request -> table index. Fixed meetings keep their table; a meeting takes the table one of its
    participants had in the previous slot when it is free, else the first free table."""
    inst = plan.inst
    table_of: dict[int, int] = {f.request: f.table for f in inst.fixed}
    last_table: dict[int, int] = {}  # participant -> table it sat at most recently
    order = sorted(range(plan.S), key=lambda s: (inst.slots[s].start, inst.slots[s].id))
    for s in order:
        here = sorted(plan.at_slot[s])
        taken = {table_of[r] for r in here if r in table_of}
        for r in here:
            if r in table_of:
                continue
            a, c = plan.ends[r]
            for p in (c, a):  # the receiving side ("to") usually stays put
                t = last_table.get(p)
                if t is not None and t not in taken:
                    table_of[r] = t
                    taken.add(t)
                    break
        free = iter(t for t in range(len(inst.tables)) if t not in taken)
        for r in here:
            if r not in table_of:
                table_of[r] = next(free)
        for r in here:
            for p in plan.ends[r]:
                last_table[p] = table_of[r]
    return table_of


def first_fit_schedule(instance: Instance | dict | str) -> dict:
    """The simplest placement, as a baseline to compare with: requests in file order, each in the
    first slot that fits (what a spreadsheet and a patient organizer would do)."""
    plan = Plan(instance if isinstance(instance, Instance) else load_instance(instance))
    heuristic.first_fit(plan)
    return _schedule(plan)


def _schedule(plan: Plan) -> dict:
    return schedule_of(plan, assign_tables(plan))


def schedule_of(plan: Plan, table_of: dict[int, int]) -> dict:
    """The schedule document (spec) of the plan's meetings at the tables ``table_of`` gives them."""
    inst = plan.inst
    meetings = []
    for r in plan.placed():
        s, k = plan.slot_of[r], plan.broker_of[r]
        meetings.append({"request": inst.requests[r].id, "slot": inst.slots[s].id,
                         "table": inst.tables[table_of[r]].id,
                         "broker": None if k == NONE else inst.brokers[k].id})
    meetings.sort(key=lambda m: (inst.slot_index[m["slot"]], inst.table_index[m["table"]]))
    return {
        "meetings": meetings,
        "unscheduled": [inst.requests[r].id for r in plan.unplaced()],
        "objective": plan.objective,
        "seconds": 0.0,
        "reasons": explain_all(plan),
    }
