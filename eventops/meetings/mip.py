"""The exact model, solved by HiGHS (``highspy``) within a time limit, warm-started from a plan.

Variables: ``y[r,s]`` = request r meets in slot s (for the slots both sides and some eligible broker
can make), and ``w[g,s,k]`` = broker k serves a topic-g meeting in slot s. Brokers are pooled per
topic: a slot needs at least as many working topic-g brokers as it holds topic-g meetings, after
which any matching of the two is valid. This is the spec's "request x slot x broker" programme with
the broker index summed out; its optimum and its LP bound are the same, with far fewer columns.
"""
from __future__ import annotations

import os
import sys
from collections import defaultdict
from dataclasses import dataclass

from .plan import NONE, Plan

try:  # optional: without HiGHS the solver keeps its heuristic plan
    import highspy
    import numpy as np
except ImportError:  # pragma: no cover - exercised only where highspy is missing
    highspy = None


def available() -> bool:
    return highspy is not None


_banner_shown = False


def _new_highs():
    """A Highs object; the first one in a process prints a banner on the C-level stdout, which would
    break the command line's one-line summary, so that one is made with stdout sent to /dev/null."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    _banner_shown = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (embedded): let it print
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@dataclass
class MipResult:
    assignment: dict[int, tuple[int, int]]  # request -> (slot, broker or NONE), fixed ones excluded
    objective: int
    optimal: bool
    bound: float | None


def solve_mip(plan: Plan, time_limit: float, seed: int = 0, warm: dict | None = None) -> MipResult | None:
    if highspy is None or time_limit <= 0:
        return None
    inst = plan.inst
    S, T = plan.S, len(inst.tables)
    fixed = [f for f in inst.fixed]
    p_taken = {(p, f.slot) for f in fixed for p in plan.ends[f.request]}
    b_taken = {(f.broker, f.slot) for f in fixed if f.broker is not None}
    p_left = list(plan.pcap)
    b_left = list(plan.bcap)
    t_left = [T] * S
    for f in fixed:
        for p in plan.ends[f.request]:
            p_left[p] -= 1
        if f.broker is not None:
            b_left[f.broker] -= 1
        t_left[f.slot] -= 1

    cost, cols_y = [], []  # y columns: (r, s)
    for r in range(plan.R):
        if plan.fixed[r]:
            continue
        a, c = plan.ends[r]
        if p_left[a] <= 0 or p_left[c] <= 0:
            continue
        for s in plan.options[r]:
            if (a, s) in p_taken or (c, s) in p_taken or t_left[s] <= 0:
                continue
            if plan.needs[r] and not any(plan.bav[k][s] and (k, s) not in b_taken and b_left[k] > 0
                                         for k in plan.elig[r]):
                continue
            cols_y.append((r, s))
            cost.append(plan.weight[r])
    if not cols_y:
        return MipResult({}, 0, True, 0.0)
    topic = {r: inst.requests[r].topic for r in range(plan.R) if plan.needs[r]}
    group_slots = sorted({(topic[r], s) for r, s in cols_y if plan.needs[r]})
    cols_w = []  # (topic, s, k)
    for g, s in group_slots:
        for k, br in enumerate(inst.brokers):
            if g in br.specialties and plan.bav[k][s] and (k, s) not in b_taken and b_left[k] > 0:
                cols_w.append((g, s, k))
    n_y = len(cols_y)
    n = n_y + len(cols_w)
    cost.extend([0] * len(cols_w))

    rows: list[tuple[float, list[int], list[float]]] = []  # (upper, columns, coefficients)

    def add(groups: dict, bound_of, always=False):
        for key in sorted(groups, key=repr):
            cols = groups[key]
            ub = bound_of(key)
            if always or len(cols) > ub:
                rows.append((ub, cols, [1.0] * len(cols)))

    by_r, by_ps, by_p, by_s = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    by_gs = defaultdict(list)
    for j, (r, s) in enumerate(cols_y):
        a, c = plan.ends[r]
        by_r[r].append(j)
        by_ps[(a, s)].append(j)
        by_ps[(c, s)].append(j)
        by_p[a].append(j)
        by_p[c].append(j)
        by_s[s].append(j)
        if plan.needs[r]:
            by_gs[(topic[r], s)].append(j)
    add(by_r, lambda r: 1)
    add(by_ps, lambda ps: 1)
    add(by_p, lambda p: p_left[p])
    add(by_s, lambda s: t_left[s])
    w_gs, by_ks, by_k = defaultdict(list), defaultdict(list), defaultdict(list)
    for j, (g, s, k) in enumerate(cols_w, start=n_y):
        w_gs[(g, s)].append(j)
        by_ks[(k, s)].append(j)
        by_k[k].append(j)
    for key in sorted(by_gs):
        ys, ws = by_gs[key], w_gs.get(key, [])
        rows.append((0.0, ys + ws, [1.0] * len(ys) + [-1.0] * len(ws)))
    add(by_ks, lambda ks: 1)
    add(by_k, lambda k: b_left[k])

    # Column-wise sparse matrix.
    col_entries: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for i, (_, cols, vals) in enumerate(rows):
        for j, v in zip(cols, vals):
            col_entries[j].append((i, v))
    start, index, value = [0], [], []
    for entries in col_entries:
        for i, v in entries:
            index.append(i)
            value.append(v)
        start.append(len(index))

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(rows)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.array(cost, dtype=float)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.full(len(rows), -highspy.kHighsInf)
    lp.row_upper_ = np.array([float(ub) for ub, _, _ in rows])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(start, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value, dtype=float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n

    h = _new_highs()
    h.setOptionValue("output_flag", bool(os.environ.get("MEETINGS_HIGHS_LOG")))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)  # integer weights: a gap below 1 proves the optimum
    h.passModel(lp)
    if warm:
        start_values = np.zeros(n)
        pos = {rs: j for j, rs in enumerate(cols_y)}
        wpos = {gsk: j for j, gsk in enumerate(cols_w, start=n_y)}
        ok = True
        for r, (s, k) in warm.items():
            j = pos.get((r, s))
            if j is None:
                ok = False
                break
            start_values[j] = 1.0
            if k != NONE:
                jw = wpos.get((topic[r], s, k))
                if jw is None:
                    ok = False
                    break
                start_values[jw] = 1.0
        if ok:
            sol = highspy.HighsSolution()
            sol.col_value = list(start_values)
            h.setSolution(sol)
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    if info.primal_solution_status != 2:  # no feasible solution (2 = kSolutionStatusFeasible)
        return None
    x = h.getSolution().col_value
    chosen = [(r, s) for j, (r, s) in enumerate(cols_y) if x[j] > 0.5]
    free = defaultdict(list)  # (topic, s) -> brokers working for that topic there
    for j, (g, s, k) in enumerate(cols_w, start=n_y):
        if x[j] > 0.5:
            free[(g, s)].append(k)
    assignment = {}
    for r, s in sorted(chosen):
        k = NONE
        if plan.needs[r]:
            pool = free[(topic[r], s)]
            if not pool:
                continue  # cannot happen with a feasible solution; the fill pass will retry r
            k = pool.pop(0)
        assignment[r] = (s, k)
    objective = sum(plan.weight[r] for r in assignment)
    optimal = status == highspy.HighsModelStatus.kOptimal
    bound = info.mip_dual_bound
    return MipResult(assignment, objective, optimal, bound)
