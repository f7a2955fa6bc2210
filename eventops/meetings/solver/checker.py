"""Verify a schedule against every rule of ``shared/specs/meeting-instance.md``.

``check(instance, schedule)`` returns a list of human-readable violations; an empty list means the
schedule is valid. It trusts nothing in the schedule: wrong types, unknown ids, duplicates and a
wrong objective are all reported rather than raised.
"""
from __future__ import annotations

from collections import defaultdict

from .instance import Instance, load_instance


def check(instance: Instance | dict | str, schedule: dict) -> list[str]:
    if not isinstance(instance, Instance):
        instance = load_instance(instance)
    inst = instance
    errors: list[str] = []
    if not isinstance(schedule, dict):
        return [f"schedule must be an object, not {type(schedule).__name__}"]
    meetings = schedule.get("meetings")
    unscheduled = schedule.get("unscheduled")
    if not isinstance(meetings, list):
        errors.append("schedule: 'meetings' must be a list")
        meetings = []
    if not isinstance(unscheduled, list):
        errors.append("schedule: 'unscheduled' must be a list")
        unscheduled = []

    # Every request exactly once, in meetings or in unscheduled (rule 1 and the format).
    seen: dict[str, str] = {}
    placed: list[tuple[str, int, int, int, int | None]] = []  # (label, r, s, t, broker)
    for i, m in enumerate(meetings):
        label = f"meetings[{i}]"
        if not isinstance(m, dict):
            errors.append(f"{label}: must be an object")
            continue
        rid, sid, tid, bid = m.get("request"), m.get("slot"), m.get("table"), m.get("broker", "<missing>")
        label = f"{label} {rid}"
        ok = True
        if not isinstance(rid, str) or rid not in inst.request_index:
            errors.append(f"{label}: unknown request {rid!r}")
            ok = False
        elif rid in seen:
            errors.append(f"rule 1: request {rid} appears more than once (also in {seen[rid]})")
            ok = False
        else:
            seen[rid] = label
        if not isinstance(sid, str) or sid not in inst.slot_index:
            errors.append(f"{label}: unknown slot {sid!r}")
            ok = False
        if not isinstance(tid, str) or tid not in inst.table_index:
            errors.append(f"{label}: unknown table {tid!r}")
            ok = False
        if bid == "<missing>":
            errors.append(f"{label}: no 'broker' key (null when no broker is needed)")
            bid = None
        if bid is not None and (not isinstance(bid, str) or bid not in inst.broker_index):
            errors.append(f"{label}: unknown broker {bid!r}")
            ok = False
        if ok:
            placed.append((label, inst.request_index[rid], inst.slot_index[sid], inst.table_index[tid],
                           None if bid is None else inst.broker_index[bid]))
    for i, rid in enumerate(unscheduled):
        if not isinstance(rid, str) or rid not in inst.request_index:
            errors.append(f"unscheduled[{i}]: unknown request {rid!r}")
        elif rid in seen:
            errors.append(f"rule 1: request {rid} appears more than once (also in {seen[rid]})")
        else:
            seen[rid] = f"unscheduled[{i}]"
    missing = [r.id for r in inst.requests if r.id not in seen]
    if missing:
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        errors.append(f"requests missing from both meetings and unscheduled: {', '.join(missing[:10])}{more}")

    # The objective.
    expected = sum(inst.requests[r].weight for _, r, _, _, _ in placed)
    objective = schedule.get("objective")
    if not (isinstance(objective, (int, float)) and not isinstance(objective, bool)) or objective != expected:
        errors.append(f"objective is {objective!r}, but the scheduled requests weigh {expected}")

    # Rules 2-4, slot by slot.
    person_at: dict[tuple[int, int], str] = {}
    table_at: dict[tuple[int, int], str] = {}
    broker_at: dict[tuple[int, int], str] = {}
    person_count: dict[int, int] = defaultdict(int)
    broker_count: dict[int, int] = defaultdict(int)
    for label, r, s, t, b in placed:
        req = inst.requests[r]
        sid = inst.slots[s].id
        for p in (req.a, req.b):
            person = inst.participants[p]
            if s not in person.available:
                errors.append(f"rule 2: {label}: {person.id} is not available in {sid}")
            if (p, s) in person_at:
                errors.append(f"rule 2: {label}: {person.id} is already in {person_at[(p, s)]} in {sid}")
            else:
                person_at[(p, s)] = label
            person_count[p] += 1
        if (s, t) in table_at:
            errors.append(f"rule 3: {label}: table {inst.tables[t].id} in {sid} already hosts {table_at[(s, t)]}")
        else:
            table_at[(s, t)] = label
        if not req.needs_broker:
            if b is not None:
                errors.append(f"rule 4: {label}: needs no broker, so broker must be null (got {inst.brokers[b].id})")
            continue
        if b is None:
            errors.append(f"rule 4: {label}: needs a broker for topic '{req.topic}' but has none")
            continue
        broker = inst.brokers[b]
        if req.topic not in broker.specialties:
            errors.append(f"rule 4: {label}: broker {broker.id} has no specialty '{req.topic}'")
        if s not in broker.available:
            errors.append(f"rule 4: {label}: broker {broker.id} is not available in {sid}")
        if (b, s) in broker_at:
            errors.append(f"rule 4: {label}: broker {broker.id} is already in {broker_at[(b, s)]} in {sid}")
        else:
            broker_at[(b, s)] = label
        broker_count[b] += 1
    for p, n in sorted(person_count.items()):
        cap = inst.participants[p].max_meetings
        if cap is not None and n > cap:
            errors.append(f"rule 2: {inst.participants[p].id} has {n} meetings, more than max_meetings {cap}")
    for b, n in sorted(broker_count.items()):
        cap = inst.brokers[b].max_meetings
        if cap is not None and n > cap:
            errors.append(f"rule 4: broker {inst.brokers[b].id} has {n} meetings, more than max_meetings {cap}")

    # Rule 5: fixed meetings kept exactly.
    where = {r: (s, t, b) for _, r, s, t, b in placed}
    for f in inst.fixed:
        req = inst.requests[f.request]
        want = (f.slot, f.table, f.broker)
        got = where.get(f.request)
        if got is None:
            errors.append(f"rule 5: fixed meeting {req.id} is not scheduled")
        elif got != want:
            errors.append(f"rule 5: fixed meeting {req.id} must be at {_show(inst, want)}, not {_show(inst, got)}")

    # The explanations, when given, are about unscheduled requests only.
    reasons = schedule.get("reasons")
    if reasons is not None:
        if not isinstance(reasons, dict):
            errors.append("schedule: 'reasons' must be an object keyed by request id")
        else:
            waiting = {rid for rid in unscheduled if isinstance(rid, str)}
            for rid in reasons:
                if rid not in waiting:
                    errors.append(f"reasons names {rid!r}, which is not an unscheduled request")
    return errors


def _show(inst: Instance, place: tuple[int, int, int | None]) -> str:
    s, t, b = place
    broker = "no broker" if b is None else f"broker {inst.brokers[b].id}"
    return f"{inst.slots[s].id} table {inst.tables[t].id} with {broker}"
