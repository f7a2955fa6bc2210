"""Place the requested meetings: ``solve(instance, time_limit=10.0) -> schedule``.

1. A weight-ordered greedy and an ejection-chain local search (:mod:`.heuristic`) build a plan in a
   fraction of the time limit.
2. With ``highspy`` installed, the exact integer programme (:mod:`.mip`) is solved by HiGHS, warm
   started from that plan, for the rest of the time; its solution is kept only if it is better.
   Without ``highspy``, or when HiGHS finds nothing better in time, the heuristic plan stands and the
   local search gets the whole budget.
3. Tables are given out per slot (fixed meetings keep theirs; a participant keeps the table it had in
   the slot before when it is free), and each request left out gets a short reason.

The output depends only on the input and ``seed``, except when the time limit cuts a phase short
(on small and medium instances HiGHS proves the optimum well before it).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from . import heuristic, mip
from .instance import Instance, load_instance
from .plan import NONE, Plan
from .reasons import explain_all

METHODS = ("auto", "mip", "heuristic")


@dataclass
class Result:
    schedule: dict
    method: str  # the step whose plan was kept: "heuristic", "lp-rounding" or "mip"
    optimal: bool  # proven optimal
    upper_bound: float | None  # the LP relaxation's bound on the objective (HiGHS), when known
    heuristic_objective: int  # the greedy plan's objective (where every method starts)


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

    plan = Plan(inst)
    heuristic.greedy(plan)
    heuristic_objective = plan.objective
    used, optimal, bound = "heuristic", False, None
    if use_mip:
        used, optimal, bound = _exact(plan, started, time_limit, deadline, seed)
    else:
        heuristic.search(plan, deadline, seed)
    heuristic.fill(plan)
    if not optimal and time.monotonic() < deadline - 0.2:
        before = plan.objective
        heuristic.search(plan, deadline, seed + 1, rounds=1)
        if plan.objective > before and used != "heuristic":
            used += "+search"
    if bound is not None and plan.objective >= math.floor(bound + 1e-6):
        optimal = True
    schedule = _schedule(plan)
    schedule["seconds"] = round(time.monotonic() - started, 3)
    return Result(schedule, used, optimal, bound, heuristic_objective)


def _exact(plan: Plan, started: float, time_limit: float, deadline: float, seed: int):
    """LP relaxation, LP-guided rounding, then the integer programme on the LP's support; the plan
    ends as the best found. Returns (method, proven optimal, upper bound)."""
    fixed_weight = sum(plan.weight[f.request] for f in plan.inst.fixed)
    model = mip.Model(plan)
    best, used = plan.snapshot(), "heuristic"
    lp = model.relax(min(deadline, started + 0.7 * time_limit), seed)
    if lp is None:  # no LP point in time: improve the greedy plan instead
        heuristic.search(plan, deadline, seed)
        return used, False, None
    plan.load({})
    mip.round_plan(model, lp, plan)
    heuristic.fill(plan)
    if plan.objective > sum(plan.weight[r] for r in best) + fixed_weight:
        best, used = plan.snapshot(), "lp-rounding"
    plan.load(best)
    if lp.bound is None:  # the LP was cut short: no bound, no support to trust
        heuristic.search(plan, deadline, seed)
        return used, False, None
    bound = lp.bound + fixed_weight
    ceiling = math.floor(bound + 1e-6)  # weights are integers
    if plan.objective >= ceiling:
        return used, True, bound
    support = lp.x > mip.SUPPORT_EPS
    result = model.solve(deadline, seed, warm=best, support=support)
    if result is not None and result.objective + fixed_weight > plan.objective:
        if _load_checked(plan, result.assignment):
            used = "mip"
        else:  # a solution that does not hold up: keep the previous one
            plan.load(best)
    return used, plan.objective >= ceiling, bound


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


def _schedule(plan: Plan) -> dict:
    inst = plan.inst
    table_of = assign_tables(plan)
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
