"""Why a request was left out: one short sentence per unscheduled request, read off the final plan.

Reasons that hold whatever the schedule (no common free slot, no broker with the topic) come first;
then caps reached; then, slot by slot, what occupies each common slot.
"""
from __future__ import annotations

from .plan import NONE, Plan


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def explain(plan: Plan, r: int) -> str:
    inst = plan.inst
    req = inst.requests[r]
    pa, pb = inst.participants[req.a], inst.participants[req.b]
    closed = [p.id for p, i in ((pa, req.a), (pb, req.b)) if plan.pcap[i] == 0]
    if closed:
        return f"{_and(closed)} take{'s' if len(closed) == 1 else ''} no meetings (max_meetings 0)"
    common = sorted(pa.available & pb.available)
    if not common:
        return f"{pa.id} and {pb.id} have no common free slot"
    topic = req.topic
    elig = plan.elig[r]
    if req.needs_broker:
        if not elig:
            return f"no broker has specialty '{topic}'"
        if not any(plan.bav[k][s] and plan.bcap[k] > 0 for k in elig for s in common):
            return f"no broker for topic '{topic}' is available in any common slot"
    capped = [(p.id, plan.pcap[i]) for p, i in ((pa, req.a), (pb, req.b)) if plan.pcount[i] >= plan.pcap[i]]
    if capped:
        return "; ".join(f"{pid} reached max_meetings {cap}" for pid, cap in capped)
    if req.needs_broker and all(plan.bcount[k] >= plan.bcap[k] for k in elig if plan.bcap[k] > 0):
        return f"every broker for topic '{topic}' reached max_meetings"

    busy_a = busy_b = either = tables = brokers = 0
    for s in common:
        a_busy, b_busy = plan.pbusy[req.a][s] != NONE, plan.pbusy[req.b][s] != NONE
        busy_a += a_busy
        busy_b += b_busy
        if a_busy or b_busy:
            either += 1
        elif plan.tfree[s] <= 0:
            tables += 1
        elif plan.free_broker(r, s) is None:
            brokers += 1
    n = len(common)
    if busy_a == n and busy_b == n:
        return f"{pa.id} and {pb.id} are both already meeting in every common slot"
    if busy_a == n:
        return f"{pa.id} is already meeting in every common slot"
    if busy_b == n:
        return f"{pb.id} is already meeting in every common slot"
    if either == n:
        return f"{pa.id} or {pb.id} is already meeting in every common slot"
    if tables == n:
        return "all tables full in every common slot"
    if brokers == n:
        return f"no broker for topic '{topic}' is free in any common slot"
    if either + tables + brokers == n:
        parts = [f"{pa.id} or {pb.id} busy in {either}" if busy_a and busy_b else
                 f"{pa.id if busy_a else pb.id} busy in {either}"] if either else []
        if tables:
            parts.append(f"tables full in {tables}")
        if brokers:
            parts.append(f"no free '{topic}' broker in {brokers}")
        return f"every common slot is taken ({', '.join(parts)})"
    return "left out to make room for heavier meetings"  # not reached after the final fill pass


def explain_all(plan: Plan) -> dict[str, str]:
    return {plan.inst.requests[r].id: explain(plan, r) for r in plan.unplaced()}
