"""Re-planning the rest of the day (``solver.replan``): fixed meetings stay, the weight is the best
found and never below keeping the current meetings, and as few current meetings as possible move."""
import copy

import pytest

from eventops.meetings.solver import check, first_fit_schedule, load_instance, replan, solve

from .helpers import exact_optimum, make
from .test_solver import random_instance

METHODS = ["auto", "heuristic"]


def where(schedule):
    return {m["request"]: (m["slot"], m["table"], m["broker"]) for m in schedule["meetings"]}


def current_of(inst, schedule):
    fixed = {inst.requests[f.request].id for f in inst.fixed}
    return [dict(m) for m in schedule["meetings"] if m["request"] not in fixed]


def replanned(data, current, **kwargs):
    inst = load_instance(data)
    result = replan(inst, current, kwargs.pop("time_limit", 3), **kwargs)
    assert check(inst, result) == []
    return inst, result


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [1, 2])
def test_nothing_changed_moves_nothing(seed, method):
    data = random_instance(seed)
    inst = load_instance(data)
    schedule = solve(inst, 5)
    current = current_of(inst, schedule)
    _, result = replanned(data, current, method=method)
    assert result["moved"] == [] and result["dropped"] == [] and result["added"] == []
    assert result["objective"] == schedule["objective"] == result["baseline"]
    before, after = where(schedule), where(result)
    assert all(after[m["request"]] == before[m["request"]] for m in current)


@pytest.mark.parametrize("method", METHODS)
def test_fixed_meetings_are_kept_and_never_counted(method):
    data = random_instance(3)
    inst = load_instance(data)
    schedule = solve(inst, 5)
    meetings = schedule["meetings"]
    data["fixed"] = [dict(m) for m in meetings[: len(meetings) // 3]]
    current = [dict(m) for m in meetings[len(meetings) // 3:]]
    # the current plan also names a fixed request, somewhere else: the fixed place wins
    first, last = data["fixed"][0], data["tables"][-1]["id"]
    other = dict(first, table=last if first["table"] != last else data["tables"][0]["id"])
    inst, result = replanned(data, current + [other], method=method)
    placed = where(result)
    for f in data["fixed"]:
        assert placed[f["request"]] == (f["slot"], f["table"], f["broker"])
    fixed_ids = {f["request"] for f in data["fixed"]}
    assert not fixed_ids & set(result["moved"] + result["dropped"] + result["added"])
    assert result["moved"] == [] and result["dropped"] == []


@pytest.mark.parametrize("method", METHODS)
def test_a_withdrawn_table_moves_only_its_meetings(method):
    # 3 slots, 3 tables, 6 meetings: one slot is full, the others have a table spare
    people = [f"p{i}" for i in range(12)]
    requests = [(f"r{i}", f"p{2 * i}", f"p{2 * i + 1}", 2) for i in range(6)]
    data = make(slots=3, tables=3, participants=people, requests=requests)
    current = [{"request": "r0", "slot": "s1", "table": "T1", "broker": None},
               {"request": "r1", "slot": "s1", "table": "T2", "broker": None},
               {"request": "r2", "slot": "s1", "table": "T3", "broker": None},
               {"request": "r3", "slot": "s2", "table": "T3", "broker": None},
               {"request": "r4", "slot": "s2", "table": "T1", "broker": None},
               {"request": "r5", "slot": "s3", "table": "T2", "broker": None}]
    assert check(load_instance(data), {"meetings": current, "unscheduled": [], "objective": 12}) == []
    data["tables"] = [t for t in data["tables"] if t["id"] != "T3"]
    _, result = replanned(data, current, method=method)
    assert result["objective"] == 12 and result["baseline"] == 8
    assert sorted(result["moved"]) == ["r2", "r3"] and result["dropped"] == []
    placed = where(result)
    assert placed["r3"][:2] == ("s2", "T2")  # a spare table in its own slot: only the table changes
    assert placed["r2"][0] == "s3"  # s1 is full now: the only slot with a table spare
    for m in current:
        if m["request"] not in ("r2", "r3"):
            assert placed[m["request"]] == (m["slot"], m["table"], m["broker"])


@pytest.mark.parametrize("method", METHODS)
def test_weight_comes_first_then_fewest_moves(method):
    # r1 (a-b) sits in s1; a new heavier r2 (a-c) can only be in s1 (c is there only then): r1
    # moves to s2 rather than r2 being left out, and nothing else moves.
    data = make(slots=2, tables=2, participants=["a", "b", {"id": "c", "org": "o1", "available": ["s1"]}, "d", "e"],
                requests=[("r1", "a", "b", 1), ("r2", "a", "c", 3), ("r3", "d", "e", 1)])
    current = [{"request": "r1", "slot": "s1", "table": "T1", "broker": None},
               {"request": "r3", "slot": "s1", "table": "T2", "broker": None}]
    inst, result = replanned(data, current, method=method)
    assert result["objective"] == exact_optimum(inst) == 5
    assert result["moved"] == ["r1"] and result["added"] == ["r2"]
    assert where(result)["r3"] == ("s1", "T2", None)


@pytest.mark.parametrize("method", METHODS)
def test_brokers_stay_with_their_meetings(method):
    brokers = [{"id": "k1", "specialties": ["onc"]}, {"id": "k2", "specialties": ["onc"]}]
    data = make(slots=2, tables=3, participants=["a", "b", "c", "d", "e", "f"], brokers=brokers,
                requests=[("r1", "a", "b", 2, "onc", True), ("r2", "c", "d", 2, "onc", True),
                          ("r3", "e", "f", 2, "onc", True)])
    current = [{"request": "r1", "slot": "s1", "table": "T1", "broker": "k2"},
               {"request": "r2", "slot": "s1", "table": "T2", "broker": "k1"}]
    # k1 is now there only in s2: r2 gives k1 up (and moves to s2), r1 keeps k2
    data["brokers"][0]["available"] = ["s2"]
    _, result = replanned(data, current, method=method)
    assert result["objective"] == 6
    assert where(result)["r1"] == ("s1", "T1", "k2")
    assert result["moved"] == ["r2"]


@pytest.mark.parametrize("method", METHODS)
def test_never_below_keeping_the_current_meetings(method):
    data = random_instance(5)
    inst = load_instance(data)
    start = first_fit_schedule(inst)
    _, result = replanned(data, current_of(inst, start), method=method)
    assert result["baseline"] == start["objective"] <= result["objective"]
    assert result["objective"] >= solve(inst, 3)["objective"] * 0.97


def test_current_entries_that_make_no_sense_are_dropped_not_raised():
    data = make(slots=2, tables=1, participants=["a", "b"], requests=[("r1", "a", "b", 1)])
    current = [{"request": "r1", "slot": "s9", "table": "T1", "broker": None},
               {"request": "r404", "slot": "s1", "table": "T1", "broker": None}, "junk"]
    _, result = replanned(copy.deepcopy(data), current)
    assert result["moved"] == ["r1"] and result["dropped"] == ["r404"] and result["objective"] == 1


def test_time_limit_is_kept():
    inst = load_instance(random_instance(7, n_requests=600, slots=10, tables=20, people=120))
    start = first_fit_schedule(inst)
    for method in METHODS:
        result = replan(inst, current_of(inst, start), 1.0, method=method)
        assert check(inst, result) == []
        assert result["seconds"] < 2.0
