"""Small instances for the meeting tests, and an exact solver that shares no code with the real one."""
from __future__ import annotations

import copy

from eventops.meetings.solver import Instance


def slot(i: int) -> dict:
    return {"id": f"s{i}", "start": f"2025-05-24T{9 + i:02d}:00:00+08:00", "end": f"2025-05-24T{9 + i:02d}:20:00+08:00"}


def make(slots=2, tables=2, participants=("a", "b", "c"), brokers=(), requests=(), fixed=()) -> dict:
    """An instance dict. ``participants`` and ``brokers`` are ids or full dicts; ``requests`` are
    (id, from, to, weight[, topic, needs_broker]) tuples or dicts."""
    def person(p):
        return dict(p) if isinstance(p, dict) else {"id": p, "org": "o1"}

    reqs = []
    for r in requests:
        if isinstance(r, dict):
            reqs.append(dict(r))
            continue
        rid, frm, to, weight, *rest = r
        topic, needs = (rest + [None, False])[:2] if rest else ("general", False)
        reqs.append({"id": rid, "from": frm, "to": to, "weight": weight, "topic": topic or "general",
                     "needs_broker": bool(needs)})
    return {
        "slots": [slot(i) for i in range(1, slots + 1)],
        "tables": [{"id": f"T{i}", "zone": "A"} for i in range(1, tables + 1)],
        "participants": [person(p) for p in participants],
        "brokers": [dict(b) for b in brokers],
        "requests": reqs,
        "fixed": [dict(f) for f in fixed],
    }


def clone(data):
    return copy.deepcopy(data)


def exact_optimum(inst: Instance) -> int:
    """Best objective by exhaustive search with a weight bound (fine up to a dozen requests)."""
    S, T = len(inst.slots), len(inst.tables)
    person_at, broker_at = set(), set()
    pcount = [0] * len(inst.participants)
    bcount = [0] * len(inst.brokers)
    tables = [0] * S
    base = 0
    fixed = set()
    for f in inst.fixed:
        req = inst.requests[f.request]
        fixed.add(f.request)
        base += req.weight
        tables[f.slot] += 1
        for p in (req.a, req.b):
            person_at.add((p, f.slot))
            pcount[p] += 1
        if f.broker is not None:
            broker_at.add((f.broker, f.slot))
            bcount[f.broker] += 1
    free = [i for i in range(len(inst.requests)) if i not in fixed]
    free.sort(key=lambda i: -inst.requests[i].weight)
    suffix = [0] * (len(free) + 1)
    for k in range(len(free) - 1, -1, -1):
        suffix[k] = suffix[k + 1] + inst.requests[free[k]].weight

    def cap_ok(cap, count):
        return cap is None or count < cap

    best = [0]

    def dfs(k, value):
        if value > best[0]:
            best[0] = value
        if k == len(free) or value + suffix[k] <= best[0]:
            return
        req = inst.requests[free[k]]
        pa, pb = inst.participants[req.a], inst.participants[req.b]
        if cap_ok(pa.max_meetings, pcount[req.a]) and cap_ok(pb.max_meetings, pcount[req.b]):
            for s in range(S):
                if tables[s] >= T or s not in pa.available or s not in pb.available:
                    continue
                if (req.a, s) in person_at or (req.b, s) in person_at:
                    continue
                choices = [None]
                if req.needs_broker:
                    choices = [k2 for k2, br in enumerate(inst.brokers)
                               if req.topic in br.specialties and s in br.available
                               and (k2, s) not in broker_at and cap_ok(br.max_meetings, bcount[k2])]
                for b in choices:
                    tables[s] += 1
                    person_at.update({(req.a, s), (req.b, s)})
                    pcount[req.a] += 1
                    pcount[req.b] += 1
                    if b is not None:
                        broker_at.add((b, s))
                        bcount[b] += 1
                    dfs(k + 1, value + req.weight)
                    tables[s] -= 1
                    person_at.difference_update({(req.a, s), (req.b, s)})
                    pcount[req.a] -= 1
                    pcount[req.b] -= 1
                    if b is not None:
                        broker_at.discard((b, s))
                        bcount[b] -= 1
        dfs(k + 1, value)

    dfs(0, 0)
    return base + best[0]
