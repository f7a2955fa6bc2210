"""The slot-free upper bound of bench/meetings_bio.py (issue 16 item 6): proven, so never below the
exact optimum; equal to it where the slots do not matter; and the BIO generator's shape."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from eventops.meetings.solver import load_instance, solve_detailed

from .solver.helpers import exact_optimum, make

pytest.importorskip("highspy")

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench():
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_meetings_bio", BENCH / "meetings_bio.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bound_of(bench, data) -> int:
    return bench.slot_free_bound(load_instance(data), time_limit=20)["bound"]


def test_tight_on_a_single_meeting(bench):
    data = make(slots=1, tables=1, participants=("a", "b"), requests=[("r1", "a", "b", 3)])
    assert exact_optimum(load_instance(data)) == 3
    assert bound_of(bench, data) == 3


def test_tight_when_a_cap_decides(bench):
    # the hub meets at most two of three: the two heaviest
    hub = {"id": "h", "org": "o1", "max_meetings": 2}
    data = make(slots=3, tables=3, participants=(hub, "a", "b", "c"),
                requests=[("r1", "a", "h", 3), ("r2", "b", "h", 2), ("r3", "c", "h", 1)])
    assert exact_optimum(load_instance(data)) == 5
    assert bound_of(bench, data) == 5


def test_integer_version_is_tighter_than_the_lp(bench):
    # three people who meet once each: the LP takes half of each of three meetings (1.5), the MIP one
    people = [{"id": x, "org": "o1", "max_meetings": 1} for x in "abc"]
    data = make(slots=3, tables=2, participants=people,
                requests=[("r1", "a", "b", 1), ("r2", "b", "c", 1), ("r3", "a", "c", 1)])
    out = bench.slot_free_bound(load_instance(data), time_limit=20)
    assert out["lp"] == pytest.approx(1.5)
    assert out["bound"] == 1 == exact_optimum(load_instance(data))


def test_brokers_are_shared_out_by_topic(bench):
    broker = {"id": "k", "specialties": ["oncology"], "max_meetings": 1}
    data = make(slots=2, tables=2, participants=("a", "b", "c", "d"), brokers=[broker],
                requests=[("r1", "a", "b", 3, "oncology", True), ("r2", "c", "d", 2, "oncology", True),
                          ("r3", "a", "c", 1, "imaging", True)])  # nobody covers imaging
    inst = load_instance(data)
    assert exact_optimum(inst) == 3
    out = bench.slot_free_bound(inst, time_limit=20)
    assert out["bound"] == 3
    assert out["never_meetable"] == 1


def test_above_the_optimum_when_slots_clash(bench):
    # both meetings can only be in s1 and there is one table; the bound counts one table in s2 too
    a, c = {"id": "a", "org": "o1", "available": ["s1"]}, {"id": "c", "org": "o2", "available": ["s1"]}
    data = make(slots=2, tables=1, participants=(a, "b", c, "d"),
                requests=[("r1", "a", "b", 1), ("r2", "c", "d", 1)])
    inst = load_instance(data)
    assert exact_optimum(inst) == 1
    assert bound_of(bench, data) == 2


def test_fixed_meetings_count(bench):
    data = make(slots=1, tables=1, participants=("a", "b", "c"),
                requests=[("r1", "a", "b", 1), ("r2", "a", "c", 3)],
                fixed=[{"request": "r1", "slot": "s1", "table": "T1", "broker": None}])
    inst = load_instance(data)
    assert exact_optimum(inst) == 1
    assert bound_of(bench, data) == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_never_below_the_proven_optimum_on_small_bio_instances(bench, seed):
    data = bench.generate_bio(150, seed)
    inst = load_instance(data)
    result = solve_detailed(inst, 20)
    ref = bench.reference(inst, 30)
    assert ref["kind"] == "optimum"
    assert result.schedule["objective"] <= ref["reference"]
    bound = bench.slot_free_bound(inst, time_limit=20)
    assert bound["mip_optimal"]
    assert bound["bound"] >= ref["reference"]
    assert bound["lp"] + 1e-6 >= bound["bound"]


def test_bio_shape_ratios(bench):
    shape = bench.bio_shape(bench.BIO_TINY)
    assert (shape["participants"], shape["tables"], shape["brokers"]) == (240, 32, 5)
    data = bench.generate_bio(bench.BIO_TINY, 1)
    inst = load_instance(data)
    assert len(inst.requests) == 2000 and len(inst.slots) == 64
    assert len({s.start.date() for s in inst.slots}) == 4
    share = sum(r.needs_broker for r in inst.requests) / len(inst.requests)
    assert 0.25 < share < 0.35
    assert len(inst.fixed) == 20
    assert len({(r.a, r.b) for r in inst.requests}) == 2000


def two_days(data):
    data["slots"] = [{"id": "s1", "start": "2025-05-24T09:00:00+08:00", "end": "2025-05-24T09:20:00+08:00"},
                     {"id": "s2", "start": "2025-05-25T09:00:00+08:00", "end": "2025-05-25T09:20:00+08:00"}]
    return data


def test_day_bound_is_tighter_when_days_matter(bench):
    # c, d, e, f come on day 1 only and there is one table; a and b, with nothing to discuss, make
    # the second day's table count for the slot-free bound
    first = [{"id": x, "org": "o1", "available": ["s1"]} for x in "cdef"]
    data = two_days(make(slots=2, tables=1, participants=["a", "b", *first],
                         requests=[("r1", "c", "d", 1), ("r2", "e", "f", 1)]))
    inst = load_instance(data)
    assert exact_optimum(inst) == 1
    assert bench.slot_free_bound(inst, time_limit=20)["bound"] == 2
    day = bench.day_bound(inst, time_limit=20)
    assert day["blocks"] == 2 and day["bound"] == 1


@pytest.mark.parametrize("seed", [1, 2])
def test_day_bound_between_the_optimum_and_the_slot_free_bound(bench, seed):
    inst = load_instance(bench.generate_bio(150, seed))
    ref = bench.reference(inst, 30)
    assert ref["kind"] == "optimum"
    day = bench.day_bound(inst, time_limit=20)
    assert day["blocks"] == 4
    assert ref["reference"] <= day["bound"] <= bench.slot_free_bound(inst, time_limit=20)["bound"]
