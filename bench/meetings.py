"""Benchmark of the meeting scheduler (eventops/meetings) against HiGHS's proven optimum or bound.

    .venv/bin/python bench/meetings.py [--sizes 400,1200,2000,5000] [--ref-limit 120] [--no-write]

For each size a seeded instance that resembles a partnering event is generated (a few very popular
hospitals draw most requests, Zipf-like; 40-60 % of meetings need a broker with the topic's
specialty; participants and brokers with partial availability and caps; 30 % mutual requests of
weight 3, the others weight 1-2; about 1 % already fixed). Then:

- the scheduler (``solve``, 10 s up to 2,000 requests, 60 s at 5,000), and its heuristic alone
  (what runs when highspy is missing), and a first-fit greedy for comparison;
- the reference: the spec's integer programme, one binary per request x slot x eligible broker, built
  here independently of the solver's model and given to HiGHS with ``--ref-limit`` seconds. Its
  optimum when proven, else its proven bound; the LP relaxation's bound is reported beside it;
- every schedule goes through the checker.

Writes bench/results/meetings.md (unless --no-write) and prints the table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventops.meetings import check, load_instance, solve_detailed  # noqa: E402
from eventops.meetings.heuristic import first_fit  # noqa: E402
from eventops.meetings.plan import Plan  # noqa: E402
from eventops.meetings.solver import _schedule  # noqa: E402

TOPICS = ["oncology", "cardiology", "digital-health", "devices", "diagnostics", "rare-disease", "tcm",
          "stem-cells", "gene-therapy", "nuclear-medicine", "paediatrics", "imaging"]
SHAPES = {  # requests: (tables, slots, brokers, time limit)
    400: (60, 16, 20, 10.0),
    1200: (60, 18, 22, 10.0),
    2000: (60, 20, 25, 10.0),
    5000: (120, 24, 40, 60.0),
}
TARGETS = {400: 0.99, 1200: 0.99, 2000: 0.99, 5000: 0.98}


def shape_for(n: int):
    if n in SHAPES:
        return SHAPES[n]
    return (60, 16 + min(4, n // 500), 20 + min(5, n // 400), 10.0) if n <= 2000 else (120, 24, 40, 60.0)


def generate(n_requests: int, seed: int = 1) -> dict:
    rng = random.Random(seed * 1_000_003 + n_requests)
    n_tables, n_slots, n_brokers, _ = shape_for(n_requests)
    tz = timezone(timedelta(hours=8))
    slots, t = [], datetime(2025, 5, 24, 9, 0, tzinfo=tz)
    for i in range(n_slots):
        if i == n_slots // 2:
            t += timedelta(minutes=60)  # lunch
        slots.append({"id": f"s{i + 1:02d}", "start": t.isoformat(), "end": (t + timedelta(minutes=20)).isoformat()})
        t += timedelta(minutes=25)
    sids = [s["id"] for s in slots]
    tables = [{"id": f"T{i + 1:03d}", "zone": "AB"[i % 2]} for i in range(n_tables)]

    def availability(share_full: float, low: float) -> list[str] | None:
        if rng.random() < share_full:
            return None
        kind = rng.random()
        if kind < 0.4:  # a contiguous block: arrives late or leaves early
            length = max(2, int(n_slots * rng.uniform(low, 0.85)))
            start = rng.randrange(0, n_slots - length + 1)
            return sids[start:start + length]
        return sorted(rng.sample(sids, max(2, int(n_slots * rng.uniform(low, 0.9)))))

    n_people = max(40, n_requests // 3)
    n_hosp = max(8, n_people // 12)
    participants = []
    for i in range(n_people):
        hospital = i < n_hosp
        p = {"id": f"p{i + 1:05d}", "org": f"o{(i // 3) + 1:04d}"}
        av = availability(0.6 if hospital else 0.65, 0.4)
        if av is not None:
            p["available"] = av
        if hospital and rng.random() < 0.7:
            p["max_meetings"] = rng.randint(n_slots // 2, n_slots - 2)
        elif not hospital and rng.random() < 0.5:
            p["max_meetings"] = rng.randint(3, 8)
        participants.append(p)
    topic_w = [1.0 / (i + 1) ** 0.7 for i in range(len(TOPICS))]
    brokers = []
    for i in range(n_brokers):
        k = rng.choice([1, 1, 2, 2, 3])
        specs = set()
        while len(specs) < k:
            specs.add(rng.choices(TOPICS[:-1], topic_w[:-1])[0])  # nobody covers "imaging"
        b = {"id": f"b{i + 1:02d}", "specialties": sorted(specs), "max_meetings": rng.randint(8, 14)}
        av = availability(0.3, 0.5)
        if av is not None:
            b["available"] = av
        brokers.append(b)
    # Zipf over hospitals (most requests) and the rest (a tail).
    zipf = [1.0 / (i + 1) ** 1.1 for i in range(n_people)]
    for i in range(n_hosp, n_people):
        zipf[i] *= 0.3
    needs_share = rng.uniform(0.4, 0.6)
    requests, pairs = [], set()
    while len(requests) < n_requests:
        to = rng.choices(range(n_people), zipf)[0]
        frm = rng.randrange(n_hosp, n_people) if rng.random() < 0.9 else rng.randrange(n_people)
        if frm == to or (min(frm, to), max(frm, to)) in pairs:
            continue
        pairs.add((min(frm, to), max(frm, to)))
        mutual = rng.random() < 0.3
        weight = 3 if mutual else rng.choice([1, 1, 2])
        requests.append({"id": f"r{len(requests) + 1:05d}", "from": participants[frm]["id"],
                         "to": participants[to]["id"], "weight": weight,
                         "topic": rng.choices(TOPICS, topic_w)[0], "needs_broker": rng.random() < needs_share})
    data = {"slots": slots, "tables": tables, "participants": participants, "brokers": brokers,
            "requests": requests, "fixed": []}
    data["fixed"] = _some_fixed(data, rng, max(1, n_requests // 100))
    return data


def _some_fixed(data: dict, rng: random.Random, count: int) -> list[dict]:
    """Valid fixed meetings: announced earlier, so they are taken first by a simple placement."""
    inst = load_instance({**data, "fixed": []})
    plan = Plan(inst)
    fixed = []
    for r in rng.sample(range(len(inst.requests)), len(inst.requests)):
        if len(fixed) == count:
            break
        options = plan.options[r]
        for s in rng.sample(options, len(options)):
            b = plan.fits(r, s)
            if b is not None:
                plan.place(r, s, b)
                table = inst.tables[len(inst.tables) - 1 - len(plan.at_slot[s]) + 1].id
                fixed.append({"request": inst.requests[r].id, "slot": inst.slots[s].id, "table": table,
                              "broker": None if b < 0 else inst.brokers[b].id})
                break
    return fixed
