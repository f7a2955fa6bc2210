"""Re-plan the rest of the day: ``replan(instance, current, time_limit=5.0) -> schedule``.

``instance`` is a usual instance (``shared/specs/meeting-instance.md``) whose ``fixed`` meetings
stay (held, started, announced to people who are here); ``current`` lists where the other meetings
are now (``[{"request", "slot", "table", "broker"}]``). The objective is lexicographic: first the
total weight of the scheduled meetings (as :func:`.engine.solve`), then as few of ``current``
changed as possible (a meeting is *moved* when its slot, table or broker changes, *dropped* when it
is no longer scheduled).

1. Every current meeting that still fits (its slot, table and broker are still there and free, its
   people available and under their caps) is kept where it is, heaviest first: the baseline. A
   schedule is never worse than it in weight.
2. Meetings that no longer fit where they are try their own slot first (another table or broker),
   then the greedy adds what fits in the room left: no meeting moves for that.
3. Ruin and recreate and ejection chains (as :mod:`.heuristic`) under the lexicographic key
   ``(weight, -moved)``: a current meeting is re-inserted at its own place first.
4. With ``highspy`` and time left: the integer programme with objective ``weight x BIG + kept``
   (a bonus for each current meeting left in its slot), warm-started from that plan; taken only
   when its key is better after brokers are given back to the meetings that kept their slot.
   HiGHS seldom settles the second term in the time given, so then each moved meeting tries to
   go back where it was, moving what is in its way (kept when the key grows), and step 3 again.
5. Tables: fixed meetings keep theirs, current meetings left in their slot keep theirs, the others
   take the free ones.

The result is a schedule with, beside the usual keys, ``moved``, ``dropped`` and ``added``
(request ids) and ``baseline`` (the weight of keeping ``current`` as it is, where it still fits).
"""
from __future__ import annotations

import time
from collections import defaultdict

from . import heuristic, mip
from .instance import Instance, InstanceError, load_instance
from .plan import NONE, Plan
from .engine import schedule_of


def replan(instance: Instance | dict | str, current: list[dict], time_limit: float = 5.0, *,
           method: str = "auto", seed: int = 0) -> dict:
    started = time.monotonic()
    inst = instance if isinstance(instance, Instance) else load_instance(instance)
    time_limit = max(float(time_limit), 0.1)
    deadline = started + time_limit * 0.9 - 0.05
    if not isinstance(current, list):
        raise InstanceError([{"entry": "current", "reason": "must be a list"}])
    state = _State(inst, current)
    plan = state.plan
    baseline = plan.objective

    state.restore_displaced()
    heuristic.greedy(plan)
    heuristic.fill(plan)
    state.search(min(deadline, started + 0.5 * time_limit), seed)
    if method != "heuristic" and mip.available() and time.monotonic() < deadline - 0.3:
        state.exact(min(deadline, started + 0.75 * time_limit), seed)
    state.go_back(deadline)
    if time.monotonic() < deadline - 0.2:
        state.search(deadline, seed + 1)
        state.go_back(deadline)
    state.give_brokers_back()
    schedule = state.schedule()
    schedule["baseline"] = baseline
    schedule["seconds"] = round(time.monotonic() - started, 3)
    return schedule


class _TrackedPlan(Plan):
    """A plan that counts the current meetings at their place (``target``) as they come and go, so
    that the number moved is known at every step of the search (and of its rollbacks)."""

    def __init__(self, inst: Instance):
        self.target: dict[int, tuple[int, int] | None] = {}
        self.at_target = 0
        super().__init__(inst)

    def place(self, r: int, s: int, b: int):
        super().place(r, s, b)
        if self.target.get(r) == (s, b):
            self.at_target += 1

    def remove(self, r: int):
        if self.target.get(r) == (self.slot_of[r], self.broker_of[r]):
            self.at_target -= 1
        super().remove(r)


class _State:
    """The plan, where each request of ``current`` is now, and the number of them moved."""

    def __init__(self, inst: Instance, current: list[dict]):
        self.inst = inst
        plan = self.plan = _TrackedPlan(inst)
        self.entries: dict[str, dict] = {}  # request id -> its current entry (the first one given)
        # r -> (slot, broker) where it is now and may stay; None when it cannot stay there
        self.target = plan.target
        self.table: dict[int, int] = {}  # r -> its current table (when its place is kept)
        taken = {(f.slot, f.table) for f in inst.fixed}
        resolved = []
        for entry in current:
            rid = entry.get("request") if isinstance(entry, dict) else None
            if not isinstance(rid, str) or rid in self.entries:
                continue
            r = inst.request_index.get(rid)
            if r is not None and plan.fixed[r]:
                continue  # a fixed meeting is where ``fixed`` says, whatever ``current`` says
            self.entries[rid] = entry
            if r is None:
                continue
            s = inst.slot_index.get(entry.get("slot"))
            t = inst.table_index.get(entry.get("table"))
            bid = entry.get("broker")
            k = NONE if bid is None else inst.broker_index.get(bid, -2)
            self.target[r] = None
            if s is not None:
                resolved.append((r, s, t, k))
        # keep what still fits, heaviest first
        resolved.sort(key=lambda x: (-plan.weight[x[0]], x[0]))
        for r, s, t, k in resolved:
            if t is None or k == -2 or (s, t) in taken or not self._fits_at(r, s, k):
                continue
            self.target[r] = (s, k)
            plan.place(r, s, k)
            taken.add((s, t))
            self.table[r] = t
        # the slot a displaced meeting was in, to try first
        self.home = {}
        for r, s, _t, k in resolved:
            if self.target[r] is None:
                self.home[r] = (s, NONE if k == -2 else k)
        self.weight_big = len(self.target) + 1

    # -- questions --------------------------------------------------------------------------
    def _fits_at(self, r: int, s: int, k: int) -> bool:
        plan = self.plan
        if s not in plan.options[r]:
            return False
        a, c = plan.ends[r]
        if plan.tfree[s] <= 0 or plan.pbusy[a][s] != NONE or plan.pbusy[c][s] != NONE:
            return False
        if plan.pcount[a] >= plan.pcap[a] or plan.pcount[c] >= plan.pcap[c]:
            return False
        if not plan.needs[r]:
            return k == NONE
        return (k in plan.elig[r] and plan.bav[k][s] and plan.bbusy[k][s] == NONE
                and plan.bcount[k] < plan.bcap[k])

    def moved_count(self) -> int:
        """Current meetings not where they are now (slot and broker; tables come at the end)."""
        return len(self.target) - self.plan.at_target

    def key(self) -> tuple[int, int]:
        return self.plan.objective, -self.moved_count()

    def _insert_home_first(self, r: int, order) -> bool:
        """Insert r, at its current place when it can be there, else in the first slot of ``order``."""
        plan = self.plan
        want = self.target.get(r) or self.home.get(r)
        if want is not None:
            s, k = want
            if self._fits_at(r, s, k):
                plan.place(r, s, k)
                return True
            if s in plan.options[r]:
                b = plan.fits(r, s)
                if b is not None:
                    plan.place(r, s, b)
                    return True
        return plan.try_insert(r, order)

    # -- steps ------------------------------------------------------------------------------
    def restore_displaced(self):
        """Meetings that cannot stay where they are: their own slot first (another table or
        broker), heaviest first."""
        plan = self.plan
        for r in sorted(self.home, key=lambda r: (-plan.weight[r], r)):
            if plan.slot_of[r] == NONE:
                s, k = self.home[r]
                if self._fits_at(r, s, k):
                    plan.place(r, s, k)
                elif s in plan.options[r] and (b := plan.fits(r, s)) is not None:
                    plan.place(r, s, b)

    def search(self, deadline: float, seed: int):
        """Ruin and recreate, then ejection chains, both under the key (weight, -moved)."""
        plan = self.plan
        for k in range(2):
            now = time.monotonic()
            if now >= deadline:
                return
            share = (deadline - now) / (2 - k)
            self._lns(now + 0.6 * share, seed * 1009 + k)
            self._improve(min(deadline, time.monotonic() + 0.4 * share))
            if not any(plan.options[r] for r in plan.unplaced()):
                return

    def _lns(self, deadline: float, seed: int, sample: int = 20):
        """Ruin and recreate as the scheduler does, judged by (weight, -moved), each meeting tried
        in its own place first."""
        plan = self.plan
        movable = sum(1 for r in range(plan.R) if plan.options[r] and not plan.fixed[r])
        heuristic.lns(plan, deadline, seed, max_iters=max(50, movable), sample=sample, key=self.key,
                      insert=self._insert_home_first, check_every=8)

    def _improve(self, deadline: float, max_passes: int = 4):
        plan = self.plan
        for _ in range(max_passes):
            improved = False
            todo = [r for r in plan.unplaced() if plan.options[r]]
            todo.sort(key=lambda r: (-plan.weight[r], len(plan.options[r]), r))
            for r in todo:
                if time.monotonic() > deadline:
                    return
                if plan.slot_of[r] != NONE:
                    continue
                if self._insert_home_first(r, heuristic._slot_order(plan, r)):
                    improved = True
                    continue
                for s in heuristic._slot_order(plan, r):
                    if self._eject(r, s):
                        improved = True
                        break
            # a moved meeting goes back where it was when that is free again
            for r, want in self.target.items():
                if want is not None and plan.slot_of[r] != NONE and (plan.slot_of[r], plan.broker_of[r]) != want:
                    s, k = plan.slot_of[r], plan.broker_of[r]
                    plan.remove(r)
                    if self._fits_at(r, *want):
                        plan.place(r, *want)
                        improved = True
                    else:
                        plan.place(r, s, k)
            if not improved:
                return

    def _eject(self, r: int, s: int) -> bool:
        plan = self.plan
        out = heuristic._ejection_set(plan, r, s)
        if out is None:
            return False
        before = self.key()
        plan.begin()
        for q in out:
            plan.remove(q)
        b = plan.fits(r, s)
        if b is None:
            plan.rollback()
            return False
        plan.place(r, s, b)
        for q in sorted(out, key=lambda q: (-plan.weight[q], len(plan.options[q]), q)):
            self._insert_home_first(q, heuristic._slot_order(plan, q))
        if self.key() > before:
            plan.commit()
            return True
        plan.rollback()
        return False

    def go_back(self, deadline: float, max_passes: int = 3):
        """Each moved current meeting tries to go back where it was, moving what is in its way
        elsewhere (kept when the key grows: no weight lost and fewer moved)."""
        plan = self.plan
        for _ in range(max_passes):
            improved = False
            for r, want in sorted(self.target.items(), key=lambda rw: (-plan.weight[rw[0]], rw[0])):
                if time.monotonic() > deadline:
                    return
                if want is None or (plan.slot_of[r], plan.broker_of[r]) == want:
                    continue
                s, k = want
                before = self.key()
                plan.begin()
                if plan.slot_of[r] != NONE:
                    plan.remove(r)
                out = heuristic._ejection_set(plan, r, s)
                if out is None:
                    plan.rollback()
                    continue
                for q in out:
                    plan.remove(q)
                if self._fits_at(r, s, k):
                    plan.place(r, s, k)
                elif (b := plan.fits(r, s)) is not None:
                    plan.place(r, s, b)
                else:
                    plan.rollback()
                    continue
                for q in sorted(out, key=lambda q: (-plan.weight[q], len(plan.options[q]), q)):
                    self._insert_home_first(q, heuristic._slot_order(plan, q))
                if self.key() > before:
                    plan.commit()
                    improved = True
                else:
                    plan.rollback()
            if not improved:
                return

    def exact(self, deadline: float, seed: int):
        """The integer programme, weight x BIG + (current meetings left in their slot), warm-started
        from the plan; kept only when its key is better."""
        plan = self.plan
        before, snapshot = self.key(), plan.snapshot()
        model = _LexModel(plan, self)
        if time.monotonic() > deadline - 0.2:
            return
        result = model.solve(deadline, seed, warm=snapshot)
        if result is None or not _load_checked(plan, result.assignment):
            plan.load(snapshot)
            return
        heuristic.fill(plan)
        self.give_brokers_back()
        if self.key() <= before:
            plan.load(snapshot)

    def give_brokers_back(self):
        """Current meetings in their own slot get their own broker back when it is free there (or
        swapped with the meeting that has it, when each can take the other's broker)."""
        plan = self.plan
        for r, want in self.target.items():
            if want is None or plan.slot_of[r] != want[0] or plan.broker_of[r] == want[1]:
                continue
            s, k = want
            mine = plan.broker_of[r]
            if k == NONE or mine == NONE:
                continue
            holder = plan.bbusy[k][s]
            if holder == NONE:
                if plan.bav[k][s] and plan.bcount[k] < plan.bcap[k] and k in plan.elig[r]:
                    plan.remove(r)
                    plan.place(r, s, k)
            elif not plan.fixed[holder] and self.target.get(holder) != (s, k) and mine in plan.elig[holder]:
                plan.remove(r)
                plan.remove(holder)
                plan.place(r, s, k)
                plan.place(holder, s, mine)

    # -- output -----------------------------------------------------------------------------
    def schedule(self) -> dict:
        plan, inst = self.plan, self.inst
        table_of = {f.request: f.table for f in inst.fixed}
        taken = defaultdict(set)
        for f in inst.fixed:
            taken[f.slot].add(f.table)
        placed = plan.placed()
        for r in sorted(placed, key=lambda r: (-plan.weight[r], r)):
            t = self.table.get(r)
            want = self.target.get(r)
            if r not in table_of and t is not None and want is not None and plan.slot_of[r] == want[0] \
                    and t not in taken[want[0]]:
                table_of[r] = t
                taken[want[0]].add(t)
        # a moved meeting whose table is free in its new slot keeps it; the others take free tables
        home_table = {}
        for rid, entry in self.entries.items():
            r = inst.request_index.get(rid)
            t = inst.table_index.get(entry.get("table")) if r is not None else None
            if t is not None:
                home_table[r] = t
        for r in sorted(placed):
            if r in table_of:
                continue
            s = plan.slot_of[r]
            t = home_table.get(r)
            if t is None or t in taken[s]:
                t = next(t for t in range(len(inst.tables)) if t not in taken[s])
            table_of[r] = t
            taken[s].add(t)
        out = schedule_of(plan, table_of)
        meetings = out["meetings"]
        where = {m["request"]: m for m in meetings}
        moved, dropped = [], []
        for rid, entry in self.entries.items():
            now = where.get(rid)
            if now is None:
                dropped.append(rid)
            elif (now["slot"], now["table"], now["broker"]) != (entry.get("slot"), entry.get("table"),
                                                               entry.get("broker")):
                moved.append(rid)
        fixed = {inst.requests[f.request].id for f in inst.fixed}
        added = [m["request"] for m in meetings if m["request"] not in self.entries and m["request"] not in fixed]
        return {**out, "moved": sorted(moved), "dropped": sorted(dropped), "added": sorted(added)}


def _load_checked(plan: Plan, assignment) -> bool:
    from .engine import _load_checked as load
    return load(plan, assignment)


class _LexModel(mip.Model):
    """The solver's integer programme with the objective weight x BIG + 1 for each current meeting
    left in its slot; brokers taken from the pools prefer the meeting's own."""

    def __init__(self, plan: Plan, state: _State):
        super().__init__(plan)
        self.state = state
        big = state.weight_big
        for j, (r, s) in enumerate(self.cols_y):
            want = state.target.get(r)
            self.cost[j] = plan.weight[r] * big + (1 if want is not None and want[0] == s else 0)

    def solve(self, deadline, seed=0, warm=None, support=None, fix=None):
        result = super().solve(deadline, seed, warm=warm, support=support, fix=fix)
        if result is not None:
            result.objective = sum(self.plan.weight[r] for r in result.assignment)
        return result

    def extract(self, x):
        chosen = [(r, s) for j, (r, s) in enumerate(self.cols_y) if x[j] > 0.5]
        pools = defaultdict(list)
        for j, (g, s, k) in enumerate(self.cols_w, start=self.n_y):
            if x[j] > 0.5:
                pools[(g, s)].append(k)
        assignment = {}
        # meetings that keep their slot pick their own broker first
        chosen.sort(key=lambda rs: (self.state.target.get(rs[0]) is None
                                    or self.state.target[rs[0]][0] != rs[1], rs))
        for r, s in chosen:
            k = NONE
            if self.plan.needs[r]:
                pool = pools[(self.topic[r], s)]
                if not pool:
                    continue
                want = self.state.target.get(r)
                k = want[1] if want is not None and want[0] == s and want[1] in pool else pool[0]
                pool.remove(k)
            assignment[r] = (s, k)
        return assignment
