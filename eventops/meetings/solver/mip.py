"""The exact model, solved with HiGHS (``highspy``) within a time limit.

Variables: ``y[r,s]`` = request r meets in slot s (for the slots both sides and some eligible broker
can make), and ``w[g,s,k]`` = broker k serves a topic-g meeting in slot s. Brokers are pooled per
topic: a slot needs at least as many working topic-g brokers as it holds topic-g meetings, after
which any matching of the two is valid. This is the spec's "request x slot x broker" programme with
the broker index summed out; its optimum and its LP bound are the same, with far fewer columns.

On these instances the LP relaxation is (nearly) tight but has a huge optimal face, so the solver
uses it in three steps: :meth:`Model.relax` (interior point, no crossover: a proven bound and a
point in the middle of the optimal face), :func:`round_plan` (an integer plan guided by that point)
and :meth:`Model.solve` restricted to the columns in the LP's support (which hold every integer
solution that reaches the LP bound) with the columns the LP all but sets to 1 fixed at 1.

HiGHS runs on one thread; a MIP runs in a thread of its own so that the caller can walk away at
its deadline with the best solution found so far (HiGHS does not always keep its time limit).
"""
from __future__ import annotations

import os
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from .plan import NONE, Plan

SUPPORT_EPS = 1e-5  # LP values above this are the "support" the restricted MIP keeps
FIX_ABOVE = 0.99  # ... and LP values above this it sets to 1 (a far smaller, far quicker MIP)
IPM_TOLERANCE = 1e-6  # plenty for rounding and the support; 25 % faster than the default 1e-8
BOUND_SLACK = 2e-5  # relative

# Imported on first use (not when the web app starts); without highspy the solver keeps its heuristic.
highspy = np = None
_imported = False


def available() -> bool:
    global highspy, np, _imported
    if not _imported:
        _imported = True
        try:
            import highspy as _highspy
            import numpy as _np
        except ImportError:  # pragma: no cover - exercised only where highspy is missing
            return False
        highspy, np = _highspy, _np
    return highspy is not None


_banner_shown = False


def new_highs(deadline: float, seed: int = 0):
    """A quiet Highs object. The first one in a process prints a banner on the C-level stdout,
    which would break the command line's one-line summary: that one is made with fd 1 on /dev/null."""
    global _banner_shown
    if _banner_shown:
        h = highspy.Highs()
    else:
        _banner_shown = True
        try:
            sys.stdout.flush()
            saved = os.dup(1)
        except (OSError, ValueError):  # no real stdout (embedded): let it print
            saved = None
        if saved is None:
            h = highspy.Highs()
        else:
            try:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                    h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
    h.setOptionValue("output_flag", bool(os.environ.get("MEETINGS_HIGHS_LOG")))
    h.setOptionValue("time_limit", max(deadline - time.monotonic(), 0.01))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("threads", 1)  # deterministic, and polite on a shared machine

    # HiGHS checks its time limit too rarely in places (cut separation at the root of a large MIP
    # overran a 40 s limit by 14 s): its interrupt callbacks, called far more often, enforce it.
    def stop_at_deadline(event):
        if time.monotonic() > deadline:
            event.interrupt()

    for callback in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
        callback.subscribe(stop_at_deadline)
    return h


@dataclass
class MipResult:
    assignment: dict[int, tuple[int, int]]  # request -> (slot, broker or NONE), fixed ones excluded
    objective: int  # without the fixed meetings
    optimal: bool  # optimal for the (possibly restricted) model
    bound: float | None


@dataclass
class LpResult:
    x: object  # numpy array of column values
    bound: float | None  # LP optimum without the fixed meetings (an upper bound); None if unfinished


class Model:
    def __init__(self, plan: Plan):
        if not available():
            raise RuntimeError("the exact model needs the highspy package")
        self.plan = plan
        inst = plan.inst
        S, T = plan.S, len(inst.tables)
        fixed = inst.fixed
        p_taken = {(p, f.slot) for f in fixed for p in plan.ends[f.request]}
        b_taken = {(f.broker, f.slot) for f in fixed if f.broker is not None}
        p_left, b_left, t_left = list(plan.pcap), list(plan.bcap), [T] * S
        for f in fixed:
            for p in plan.ends[f.request]:
                p_left[p] -= 1
            if f.broker is not None:
                b_left[f.broker] -= 1
            t_left[f.slot] -= 1
        self.topic = topic = {r: inst.requests[r].topic for r in range(plan.R) if plan.needs[r]}
        cost, cols_y = [], []
        for r in range(plan.R):
            a, c = plan.ends[r]
            if plan.fixed[r] or p_left[a] <= 0 or p_left[c] <= 0:
                continue
            for s in plan.options[r]:
                if (a, s) in p_taken or (c, s) in p_taken or t_left[s] <= 0:
                    continue
                if plan.needs[r] and not any(plan.bav[k][s] and (k, s) not in b_taken and b_left[k] > 0
                                             for k in plan.elig[r]):
                    continue
                cols_y.append((r, s))
                cost.append(plan.weight[r])
        cols_w = []
        for g, s in sorted({(topic[r], s) for r, s in cols_y if plan.needs[r]}):
            for k, br in enumerate(inst.brokers):
                if g in br.specialties and plan.bav[k][s] and (k, s) not in b_taken and b_left[k] > 0:
                    cols_w.append((g, s, k))
        self.cols_y, self.cols_w = cols_y, cols_w
        self.n_y, self.n = len(cols_y), len(cols_y) + len(cols_w)
        self.pos_y = {rs: j for j, rs in enumerate(cols_y)}
        self.pos_w = {gsk: j for j, gsk in enumerate(cols_w, start=self.n_y)}
        cost.extend([0] * len(cols_w))
        self.cost = cost

        rows: list[tuple[float, list[int], list[float]]] = []

        def add(groups: dict, bound_of):
            for key in sorted(groups, key=repr):
                cols = groups[key]
                if len(cols) > bound_of(key):
                    rows.append((float(bound_of(key)), cols, [1.0] * len(cols)))

        by_r, by_ps, by_p, by_s, by_gs = (defaultdict(list) for _ in range(5))
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
        for j, (g, s, k) in enumerate(cols_w, start=self.n_y):
            w_gs[(g, s)].append(j)
            by_ks[(k, s)].append(j)
            by_k[k].append(j)
        for key in sorted(by_gs):
            ys, ws = by_gs[key], w_gs.get(key, [])
            rows.append((0.0, ys + ws, [1.0] * len(ys) + [-1.0] * len(ws)))
        add(by_ks, lambda ks: 1)
        add(by_k, lambda k: b_left[k])
        self.rows = rows

    def _lp(self, upper=None, integer=True, lower=None):
        n, rows = self.n, self.rows
        row_of = np.concatenate([np.full(len(cols), i, dtype=np.int32) for i, (_, cols, _) in enumerate(rows)]) \
            if rows else np.zeros(0, dtype=np.int32)
        col_of = np.array([j for _, cols, _ in rows for j in cols], dtype=np.int32)
        val = np.array([v for _, _, vals in rows for v in vals], dtype=float)
        order = np.lexsort((row_of, col_of))  # column-wise, rows ascending within a column
        index, value = row_of[order], val[order]
        start = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(col_of, minlength=n), out=start[1:])
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = len(rows)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.array(self.cost, dtype=float)
        lp.col_lower_ = np.zeros(n) if lower is None else lower
        lp.col_upper_ = np.ones(n) if upper is None else upper
        lp.row_lower_ = np.full(len(rows), -highspy.kHighsInf)
        lp.row_upper_ = np.array([ub for ub, _, _ in rows])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * n
        return lp

    def relax(self, deadline: float, seed: int = 0) -> LpResult | None:
        """The LP relaxation by interior point without crossover. When the time limit stops it early,
        the last iterate still guides the rounding but proves nothing (``bound`` is None); None when
        there is no iterate at all."""
        if self.n == 0:
            return LpResult(np.zeros(0), 0.0)
        lp = self._lp(integer=False)
        h = new_highs(deadline, seed)
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
        h.setOptionValue("ipm_optimality_tolerance", IPM_TOLERANCE)
        h.passModel(lp)
        h.run()
        solution = h.getSolution()
        if not solution.value_valid or len(solution.col_value) != self.n:
            return None
        x = np.clip(np.array(solution.col_value), 0.0, 1.0)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return LpResult(x, None)
        value = h.getInfo().objective_function_value
        # The interior point stops within a relative gap of IPM_TOLERANCE of the LP optimum: lift the
        # value by well over that gap so that it stays an upper bound.
        return LpResult(x, value + BOUND_SLACK * max(1.0, abs(value)))

    def warm_vector(self, warm: dict[int, tuple[int, int]]):
        values = np.zeros(self.n)
        for r, (s, k) in warm.items():
            j = self.pos_y.get((r, s))
            if j is None:
                return None
            values[j] = 1.0
            if k != NONE:
                jw = self.pos_w.get((self.topic[r], s, k))
                if jw is None:
                    return None
                values[jw] = 1.0
        return values

    def solve(self, deadline: float, seed: int = 0, warm: dict | None = None, support=None,
              fix=None) -> MipResult | None:
        """The integer programme: only the columns where ``support`` is true (plus the warm start's),
        and those where ``fix`` is true set to 1."""
        if self.n == 0:
            return MipResult({}, 0, True, 0.0)
        start = self.warm_vector(warm) if warm else None
        upper = None
        if support is not None:
            upper = np.asarray(support, dtype=float).copy()
            if start is not None:
                upper = np.maximum(upper, start)
        lower = None
        if fix is not None:
            lower = np.asarray(fix, dtype=float).copy()
            upper = np.maximum(upper, lower) if upper is not None else None
        lp = self._lp(upper=upper, lower=lower)
        h = new_highs(deadline, seed)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.999)  # integer weights: a gap below 1 proves the optimum
        h.passModel(lp)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(start)
            h.setSolution(sol)
        # HiGHS can overrun its time limit badly (on a 5,000-request instance, root cut separation
        # ran 30 s past it without calling back). So it runs in a thread of its own, the solutions
        # it improves on are copied as they come, and at the deadline the caller goes on with the
        # latest one; HiGHS is asked to stop and finishes in the background.
        found = []
        h.cbMipImprovingSolution.subscribe(lambda event: found.append(np.array(event.data_out.mip_solution)))
        h.HandleUserInterrupt = True
        done = threading.Event()

        def work():
            try:
                h.run()
            finally:
                done.set()

        # Not a daemon: a process that ends waits for HiGHS to stop (killing it mid-run aborts).
        threading.Thread(target=work, name="highs-mip").start()
        if not done.wait(max(deadline - time.monotonic(), 0.0) + 0.05):
            h.cancelSolve()
            if not found:
                return None
            assignment = self.extract(found[-1])
            return MipResult(assignment, sum(self.plan.weight[r] for r in assignment), False, None)
        info = h.getInfo()
        if info.primal_solution_status != 2:  # 2 = a feasible solution is known
            return None
        x = h.getSolution().col_value
        assignment = self.extract(x)
        optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return MipResult(assignment, sum(self.plan.weight[r] for r in assignment), optimal, info.mip_dual_bound)

    def extract(self, x) -> dict[int, tuple[int, int]]:
        chosen = [(r, s) for j, (r, s) in enumerate(self.cols_y) if x[j] > 0.5]
        pools = defaultdict(list)  # (topic, s) -> brokers working for that topic there
        for j, (g, s, k) in enumerate(self.cols_w, start=self.n_y):
            if x[j] > 0.5:
                pools[(g, s)].append(k)
        assignment = {}
        for r, s in sorted(chosen):
            k = NONE
            if self.plan.needs[r]:
                pool = pools[(self.topic[r], s)]
                if not pool:
                    continue  # not with a feasible solution; the fill pass retries r anyway
                k = pool.pop(0)
            assignment[r] = (s, k)
        return assignment


def round_plan(model: Model, lp: LpResult, plan: Plan):
    """Fill ``plan`` (holding only the fixed meetings) guided by the LP point: requests the LP
    schedules most surely first, each in the slots it weighs most, with the brokers it uses most."""
    x = lp.x
    slot_pref: dict[int, list[tuple[float, int]]] = defaultdict(list)
    total = defaultdict(float)
    for j, (r, s) in enumerate(model.cols_y):
        if x[j] > SUPPORT_EPS:
            slot_pref[r].append((-x[j], s))
            total[r] += x[j]
    broker_pref = {}
    for j, (g, s, k) in enumerate(model.cols_w, start=model.n_y):
        broker_pref[(g, s, k)] = x[j]
    order = sorted(slot_pref, key=lambda r: (-round(total[r], 3), -plan.weight[r], len(plan.options[r]), r))
    for r in order:
        for _, s in sorted(slot_pref[r]):
            b = plan.fits(r, s)
            if b is None:
                continue
            if b != NONE:  # the free eligible broker the LP uses most in this slot
                g = model.topic[r]
                free = [k for k in plan.elig[r] if plan.bav[k][s] and plan.bbusy[k][s] == NONE
                        and plan.bcount[k] < plan.bcap[k]]
                b = max(free, key=lambda k: (broker_pref.get((g, s, k), 0.0), -plan.elig[r].index(k)))
            plan.place(r, s, b)
            break


def slot_free(plan: Plan, deadline: float, seed: int = 0) -> tuple[float | None, set[int] | None]:
    """The relaxation that forgets *when* meetings happen, as an integer programme: one binary per
    request that has a candidate slot; each participant in at most min(candidate-free slots it is
    available in, its cap) meetings; all meetings within sum over slots of min(tables, people
    available // 2); broker-needing requests of a topic shared out among the brokers of that topic
    within min(cap, available slots) each. Tiny (requests + topics x brokers columns) and solved in
    seconds where the slot-indexed LP is out of reach. Returns (a proven upper bound on the
    objective, fixed meetings included, or None; the requests its best solution schedules, or None):
    a set of requests that fits every count, which a construction can try to place first."""
    inst = plan.inst
    S, T, P = plan.S, len(inst.tables), len(inst.participants)
    topics = sorted({g for br in inst.brokers for g in br.specialties})
    topic_of = {g: i for i, g in enumerate(topics)}
    row_t0 = P + 1
    row_b0 = row_t0 + len(topics)
    n_rows = row_b0 + len(inst.brokers)
    upper = np.zeros(n_rows)
    people_at = [0] * S
    for p, part in enumerate(inst.participants):
        upper[p] = min(len(part.available), plan.pcap[p])
        for s in part.available:
            people_at[s] += 1
    upper[P] = sum(min(T, people_at[s] // 2) for s in range(S))
    for k, br in enumerate(inst.brokers):
        upper[row_b0 + k] = min(len(br.available), plan.bcap[k])
    cols, cost, lower, col_upper, start, index, value = [], [], [], [], [0], [], []
    for r in range(plan.R):
        if not plan.options[r] and not plan.fixed[r]:
            continue
        a, c = plan.ends[r]
        rows = [a, c, P]
        if plan.needs[r]:
            rows.append(row_t0 + topic_of[inst.requests[r].topic])
        cols.append(r)
        cost.append(float(plan.weight[r]))
        lower.append(1.0 if plan.fixed[r] else 0.0)
        col_upper.append(1.0)
        index += rows
        start.append(len(index))
    value = [1.0] * len(index)
    for t, g in enumerate(topics):
        for k, br in enumerate(inst.brokers):
            if g in br.specialties:
                cost.append(0.0)
                lower.append(0.0)
                col_upper.append(float(upper[row_b0 + k]))
                index += [row_t0 + t, row_b0 + k]
                value += [-1.0, 1.0]
                start.append(len(index))
    n = len(cost)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, n_rows
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.array(cost)
    lp.col_lower_, lp.col_upper_ = np.array(lower), np.array(col_upper)
    lp.row_lower_, lp.row_upper_ = np.full(n_rows, -highspy.kHighsInf), upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(start, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = new_highs(deadline, seed)
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    bound = info.mip_dual_bound if abs(info.mip_dual_bound) < 1e20 else None
    chosen = None
    if info.primal_solution_status == 2:
        x = h.getSolution().col_value
        chosen = {r for j, r in enumerate(cols) if x[j] > 0.5}
    return bound, chosen
