"""Heuristic placement: a weight-ordered greedy, ruin-and-recreate, ejection-chain local search.

The greedy takes requests heaviest first (the hardest to place first within a weight) and puts each
in the free slot where its two participants and the tables are least in demand. Weight order alone
loses about 5 %: a heavy meeting can block two lighter ones that together weigh more. Ruin and
recreate (:func:`lns`) frees both participants of a left-out request and refills around them in a
shuffled weight order, keeping the result when it is no worse. The local search (:func:`improve`)
tries, for each request left out, every candidate slot: it removes what blocks the slot (the
participants' meetings there, one meeting of a participant at its cap, one meeting to free a table,
one broker's meeting), places the request, re-inserts the removed meetings wherever they fit, and
keeps the move only when the objective grows. Randomness is seeded and the work is capped by counts:
a run not cut by its deadline gives the same plan for the same input.
"""
from __future__ import annotations

import random
import time

from .plan import NONE, Plan


def first_fit(plan: Plan):
    """The baseline the benchmark compares with: requests in file order, first slot that fits."""
    for r in range(plan.R):
        if plan.slot_of[r] == NONE:
            plan.try_insert(r)


def greedy(plan: Plan, prefer: set[int] | None = None):
    """Heaviest first, each in its least-demanded free slot. With ``prefer`` (the requests a
    relaxation picked), those go first and only their demand counts, then the others."""
    inst = plan.inst
    S = plan.S
    todo = [r for r in plan.unplaced() if plan.options[r]]
    # Static demand per participant and slot, and per slot: how much weight would like to be there.
    press_p = [[0.0] * S for _ in inst.participants]
    press_s = [0.0] * S
    for r in todo:
        if prefer is not None and r not in prefer:
            continue
        share = plan.weight[r] / len(plan.options[r])
        a, c = plan.ends[r]
        for s in plan.options[r]:
            press_p[a][s] += share
            press_p[c][s] += share
            press_s[s] += share
    plan.press_p, plan.press_s = press_p, press_s
    if prefer is None:
        todo.sort(key=lambda r: (-plan.weight[r], len(plan.options[r]), r))
    else:
        todo.sort(key=lambda r: (r not in prefer, -plan.weight[r], len(plan.options[r]), r))
    for r in todo:
        a, c = plan.ends[r]
        best, best_score = None, None
        for s in plan.options[r]:
            b = plan.fits(r, s)
            if b is None:
                continue
            score = press_p[a][s] + press_p[c][s] + press_s[s] / (plan.tfree[s] + 1)
            if best_score is None or score < best_score:
                best, best_score = (s, b), score
        if best is not None:
            plan.place(r, *best)


def _slot_order(plan: Plan, r: int) -> list[int]:
    press_p = getattr(plan, "press_p", None)
    if press_p is None:
        return plan.options[r]
    a, c = plan.ends[r]
    return sorted(plan.options[r], key=lambda s: (press_p[a][s] + press_p[c][s], s))


def _cheapest(plan: Plan, cands, exclude) -> int | None:
    best = None
    for q in cands:
        if q == NONE or plan.fixed[q] or q in exclude:
            continue
        key = (plan.weight[q], -len(plan.options[q]), q)
        if best is None or key < best[0]:
            best = (key, q)
    return None if best is None else best[1]


def _ejection_set(plan: Plan, r: int, s: int) -> list[int] | None:
    """The meetings to remove so that r fits in slot s (None when a fixed meeting is in the way)."""
    a, c = plan.ends[r]
    out: list[int] = []
    for p in (a, c):
        q = plan.pbusy[p][s]
        if q != NONE:
            if plan.fixed[q]:
                return None
            if q not in out:
                out.append(q)
    for p in (a, c):
        count = plan.pcount[p] - sum(1 for q in out if p in plan.ends[q])
        if count >= plan.pcap[p]:
            q = _cheapest(plan, plan.pbusy[p], out)
            if q is None:
                return None
            out.append(q)
    if plan.tfree[s] + sum(1 for q in out if plan.slot_of[q] == s) <= 0:
        q = _cheapest(plan, plan.at_slot[s], out)
        if q is None:
            return None
        out.append(q)
    if plan.needs[r]:
        best = None
        for k in plan.elig[r]:
            if not plan.bav[k][s] or plan.bcap[k] == 0:
                continue
            extra = []
            holder = plan.bbusy[k][s]
            if holder != NONE and holder not in out:
                if plan.fixed[holder]:
                    continue
                extra.append(holder)
            used = plan.bcount[k] - sum(1 for q in out + extra if plan.broker_of[q] == k)
            if used >= plan.bcap[k]:
                q = _cheapest(plan, [q for q in plan.bbusy[k] if q != NONE and plan.broker_of[q] == k], out + extra)
                if q is None:
                    continue
                extra.append(q)
            cost = sum(plan.weight[q] for q in extra)
            if best is None or cost < best[0]:
                best = (cost, extra)
                if cost == 0:
                    break
        if best is None:
            return None
        out.extend(best[1])
    return out


def try_eject(plan: Plan, r: int, s: int) -> bool:
    """Place r in slot s by removing what blocks it and re-inserting that elsewhere; keep the move
    only if the objective grows."""
    out = _ejection_set(plan, r, s)
    if out is None:
        return False
    before = plan.objective
    plan.begin()
    for q in out:
        plan.remove(q)
    b = plan.fits(r, s)
    if b is None:  # should not happen: the set was computed to free the slot
        plan.rollback()
        return False
    plan.place(r, s, b)
    for q in sorted(out, key=lambda q: (-plan.weight[q], len(plan.options[q]), q)):
        plan.try_insert(q, _slot_order(plan, q))
    if plan.objective > before:
        plan.commit()
        return True
    plan.rollback()
    return False


def improve(plan: Plan, deadline: float, max_passes: int = 8) -> int:
    """Ejection-chain local search until a pass finds nothing, ``max_passes`` or the deadline.
    Returns the number of passes run."""
    passes = 0
    for passes in range(1, max_passes + 1):
        improved = False
        todo = [r for r in plan.unplaced() if plan.options[r]]
        todo.sort(key=lambda r: (-plan.weight[r], len(plan.options[r]), r))
        for r in todo:
            if time.monotonic() > deadline:
                return passes
            if plan.slot_of[r] != NONE:
                continue
            if plan.try_insert(r, _slot_order(plan, r)):
                improved = True
                continue
            for s in _slot_order(plan, r):
                if try_eject(plan, r, s):
                    improved = True
                    break
        if not improved:
            break
    return passes


def fill(plan: Plan):
    """Insert every left-out request that fits as things stand (heaviest first)."""
    todo = [r for r in plan.unplaced() if plan.options[r]]
    todo.sort(key=lambda r: (-plan.weight[r], len(plan.options[r]), r))
    for r in todo:
        plan.try_insert(r, _slot_order(plan, r))


def lns(plan: Plan, deadline: float, seed: int = 0, max_iters: int = 100_000, sample: int = 20, *,
        key=None, insert=None, check_every: int = 16) -> int:
    """Ruin and recreate: free the two participants of a left-out request (all their movable
    meetings), refill from those meetings, the request and up to ``sample`` other left-out requests
    of the two, in a shuffled weight order, and keep the result if ``key()`` (the objective) did not
    drop. ``insert(r, order)`` places one request (``plan.try_insert``; re-planning tries each
    meeting's own place first). Returns the number of iterations run."""
    key = key or (lambda: plan.objective)
    insert = insert or plan.try_insert
    rng = random.Random(seed)
    involving: dict[int, list[int]] = {}
    for r in range(plan.R):
        if plan.options[r] and not plan.fixed[r]:
            for p in plan.ends[r]:
                involving.setdefault(p, []).append(r)
    it = 0
    todo: list[int] = []
    for it in range(1, max_iters + 1):
        if it % check_every == 0 and time.monotonic() > deadline:
            break
        if it % 64 == 1:
            todo = [r for r in plan.unplaced() if plan.options[r]]
        if not todo:
            break
        r = todo[rng.randrange(len(todo))]
        if plan.slot_of[r] != NONE:
            continue
        before = key()
        plan.begin()
        removed = []
        for p in plan.ends[r]:
            for q in plan.pbusy[p]:
                if q != NONE and not plan.fixed[q] and plan.slot_of[q] != NONE:
                    plan.remove(q)
                    removed.append(q)
        others = [q for p in plan.ends[r] for q in involving.get(p, ()) if plan.slot_of[q] == NONE]
        if len(others) > sample:
            others = rng.sample(others, sample)
        cands = set(others) | set(removed) | {r}
        noise = {q: plan.weight[q] + rng.random() * 1.5 for q in cands}
        for q in sorted(cands, key=lambda q: (-noise[q], q)):
            order = plan.options[q][:]
            rng.shuffle(order)
            insert(q, order)
        if key() >= before:
            plan.commit()
        else:
            plan.rollback()
    return it


def search(plan: Plan, deadline: float, seed: int = 0, rounds: int = 3) -> None:
    """Alternate ruin-and-recreate (most of each round) and the ejection local search, ``rounds``
    times or until the deadline. Each round's work is capped by counts, so a run that is not cut
    by the deadline is repeatable."""
    movable = sum(1 for r in range(plan.R) if plan.options[r] and not plan.fixed[r])
    for k in range(rounds):
        now = time.monotonic()
        if now >= deadline:
            return
        share = (deadline - now) / (rounds - k)
        lns(plan, now + 0.7 * share, seed=seed * 1009 + k, max_iters=max(50, movable))
        improve(plan, min(deadline, time.monotonic() + 0.3 * share + 0.1), max_passes=2)
