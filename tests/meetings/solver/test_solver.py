"""The solver: every schedule it returns passes the checker; it finds the optimum of small instances,
keeps fixed meetings, explains what it leaves out and gives the same answer twice."""
import random

import pytest

from eventops.meetings.solver import check, load_instance, mip, solve, solve_detailed

from .helpers import exact_optimum, make


def solved(data, **kwargs):
    inst = load_instance(data)
    schedule = solve(inst, kwargs.pop("time_limit", 5), **kwargs)
    assert check(inst, schedule) == []
    return inst, schedule


def placed(schedule):
    return {m["request"]: m for m in schedule["meetings"]}


@pytest.mark.parametrize("method", ["auto", "heuristic"])
def test_worked_example(small_example, method):
    inst, schedule = solved(small_example, method=method)
    assert set(schedule) == {"meetings", "unscheduled", "objective", "seconds", "reasons"}
    assert schedule["objective"] == exact_optimum(inst) == 17
    assert placed(schedule)["r00001"] == {"request": "r00001", "slot": "s01", "table": "T01", "broker": None}
    assert set(schedule["reasons"]) == set(schedule["unscheduled"])
    assert schedule["reasons"]["r00005"] == "no broker has specialty 'cardiology'"
    assert schedule["reasons"]["r00002"] == "p0001 reached max_meetings 2"


def test_auto_reports_a_proven_optimum(small_example):
    result = solve_detailed(small_example, 5)
    assert result.optimal and 17 <= result.upper_bound < 17.01
    assert result.schedule["seconds"] < 5


def test_same_input_same_schedule(small_example):
    inst = load_instance(small_example)
    for method in ("auto", "heuristic"):
        a, b = solve(inst, 5, method=method), solve(inst, 5, method=method)
        a.pop("seconds"), b.pop("seconds")
        assert a == b


def test_same_schedule_on_a_larger_instance():
    inst = load_instance(random_instance(4))
    a, b = solve(inst, 5), solve(inst, 5)
    a.pop("seconds"), b.pop("seconds")
    assert a == b


def test_odd_cycle_proven_optimal_below_the_lp_bound():
    # Three people who all want to meet each other in one slot: the LP can take half of each
    # meeting (bound 4); only one meeting fits (3). HiGHS on the whole programme proves it.
    data = make(slots=1, tables=2, participants=("a", "b", "c"),
                requests=[("r1", "a", "b", 2), ("r2", "b", "c", 3), ("r3", "c", "a", 3)])
    result = solve_detailed(data, 5)
    assert result.schedule["objective"] == 3 and result.optimal
    assert 3 <= result.upper_bound < 4


def test_empty_instances():
    for data in (make(requests=[]), make(tables=0, participants=("a", "b"), requests=[("r1", "a", "b", 2)]),
                 make(slots=0, participants=("a", "b"), requests=[("r1", "a", "b", 2)])):
        _, schedule = solved(data)
        assert schedule["objective"] == 0 and not schedule["meetings"]


def test_weights_decide_who_gets_the_last_table():
    data = make(slots=1, tables=1, participants=("a", "b", "c", "d"),
                requests=[("r1", "a", "b", 1), ("r2", "c", "d", 3)])
    _, schedule = solved(data)
    assert list(placed(schedule)) == ["r2"] and schedule["objective"] == 3
    assert schedule["reasons"] == {"r1": "all tables full in every common slot"}


def test_two_light_meetings_beat_one_heavy_one():
    # r1 (3) blocks both a and b in the only slot they share; r2 + r3 (2 + 2) are worth more.
    data = make(slots=1, tables=2, participants=("a", "b", "c", "d"),
                requests=[("r1", "a", "b", 3), ("r2", "a", "c", 2), ("r3", "b", "d", 2)])
    _, schedule = solved(data)
    assert schedule["objective"] == 4 and schedule["unscheduled"] == ["r1"]
    assert schedule["reasons"]["r1"] == "a and b are both already meeting in every common slot"


def test_brokers_are_matched_by_specialty_and_slot():
    data = make(slots=2, tables=2, participants=("a", "b", "c", "d"),
                brokers=[{"id": "k1", "specialties": ["onc", "card"]},
                         {"id": "k2", "specialties": ["onc"], "available": ["s1"]}],
                requests=[("r1", "a", "b", 1, "card", True), ("r2", "c", "d", 1, "onc", True),
                          ("r3", "a", "c", 1, "onc", True), ("r4", "b", "d", 1, "card", True)])
    inst, schedule = solved(data)
    assert schedule["objective"] == exact_optimum(inst) == 3


def test_fixed_meetings_are_kept_and_their_tables_reserved():
    fixed = [{"request": "r2", "slot": "s1", "table": "T1", "broker": None}]
    data = make(slots=1, tables=2, participants=("a", "b", "c", "d", "e", "f"),
                requests=[("r1", "a", "b", 3), ("r2", "c", "d", 1), ("r3", "e", "f", 3)], fixed=fixed)
    _, schedule = solved(data)
    assert placed(schedule)["r2"] == {**fixed[0]}
    assert schedule["objective"] == 4  # one table left for the two heavy requests
    assert {m["table"] for m in schedule["meetings"]} == {"T1", "T2"}


def test_a_participant_keeps_its_table_from_slot_to_slot():
    data = make(slots=3, tables=3, participants=("h", "x", "y", "z"),
                requests=[("r1", "x", "h", 1), ("r2", "y", "h", 1), ("r3", "z", "h", 1)])
    _, schedule = solved(data)
    assert len({m["table"] for m in schedule["meetings"]}) == 1


# Reasons ---------------------------------------------------------------------------------------

def reason(data, rid="r1"):
    _, schedule = solved(data)
    assert rid in schedule["unscheduled"]
    return schedule["reasons"][rid]


def test_reason_no_common_slot():
    data = make(participants=[{"id": "a", "available": ["s1"]}, {"id": "b", "available": ["s2"]}],
                requests=[("r1", "a", "b", 1)])
    assert reason(data) == "a and b have no common free slot"


def test_reason_no_broker_with_the_topic():
    data = make(participants=("a", "b"), brokers=[{"id": "k1", "specialties": ["card"]}],
                requests=[("r1", "a", "b", 1, "onc", True)])
    assert reason(data) == "no broker has specialty 'onc'"


def test_reason_no_broker_available_in_a_common_slot():
    data = make(participants=[{"id": "a", "available": ["s1"]}, "b"],
                brokers=[{"id": "k1", "specialties": ["onc"], "available": ["s2"]}],
                requests=[("r1", "a", "b", 1, "onc", True)])
    assert reason(data) == "no broker for topic 'onc' is available in any common slot"


def test_reason_participant_cap():
    data = make(participants=[{"id": "a", "max_meetings": 1}, "b", "c"],
                requests=[("r1", "a", "b", 1), ("r2", "a", "c", 2)])
    assert reason(data) == "a reached max_meetings 1"


def test_reason_participant_takes_no_meetings():
    data = make(participants=[{"id": "a", "max_meetings": 0}, "b"], requests=[("r1", "a", "b", 1)])
    assert reason(data) == "a takes no meetings (max_meetings 0)"


def test_reason_busy_participant():
    data = make(slots=1, participants=("a", "b", "c"), requests=[("r1", "a", "b", 1), ("r2", "a", "c", 2)])
    assert reason(data) == "a is already meeting in every common slot"


def test_reason_no_free_broker():
    data = make(slots=1, participants=("a", "b", "c", "d"), brokers=[{"id": "k1", "specialties": ["onc"]}],
                requests=[("r1", "a", "b", 1, "onc", True), ("r2", "c", "d", 2, "onc", True)])
    assert reason(data) == "no broker for topic 'onc' is free in any common slot"


def test_reason_broker_cap():
    data = make(slots=2, participants=("a", "b", "c", "d"),
                brokers=[{"id": "k1", "specialties": ["onc"], "max_meetings": 1}],
                requests=[("r1", "a", "b", 1, "onc", True), ("r2", "c", "d", 2, "onc", True)])
    assert reason(data) == "every broker for topic 'onc' reached max_meetings"


def test_reason_one_or_the_other_busy():
    data = make(slots=2, participants=("a", "b", "c", "d"),
                requests=[("r1", "a", "b", 1), ("r2", "a", "c", 2), ("r3", "b", "d", 2)],
                fixed=[{"request": "r2", "slot": "s1", "table": "T1"}, {"request": "r3", "slot": "s2", "table": "T1"}])
    assert reason(data) == "a or b is already meeting in every common slot"


def test_reason_mixed_blockers():
    # Slot 1: b is busy; slot 2: the only table is taken.
    data = make(slots=2, tables=1, participants=("a", "b", "c", "d", "e"),
                requests=[("r1", "a", "b", 1), ("r2", "b", "c", 3), ("r3", "d", "e", 3)],
                fixed=[{"request": "r2", "slot": "s1", "table": "T1"}, {"request": "r3", "slot": "s2", "table": "T1"}])
    assert reason(data) == "every common slot is taken (b busy in 1, tables full in 1)"


# Larger random instances, and the fallbacks ------------------------------------------------------

def random_instance(seed, n_requests=150, slots=6, tables=8, people=40, brokers=5):
    rng = random.Random(seed)
    topics = ["onc", "card", "tcm"]
    parts = []
    for i in range(people):
        p = {"id": f"p{i}"}
        if rng.random() < 0.3:
            p["available"] = sorted(rng.sample([f"s{k}" for k in range(1, slots + 1)], rng.randint(1, slots)))
        if rng.random() < 0.3:
            p["max_meetings"] = rng.randint(1, 4)
        parts.append(p)
    brs = [{"id": f"k{i}", "specialties": rng.sample(topics, rng.randint(1, 2)), "max_meetings": rng.randint(2, 5)}
           for i in range(brokers)]
    reqs = []
    for i in range(n_requests):
        a, b = rng.sample(range(people), 2)
        b = min(b, rng.randrange(people))  # popular low numbers
        if a == b:
            b = (a + 1) % people
        reqs.append((f"r{i}", f"p{a}", f"p{b}", rng.choice([1, 1, 2, 3]), rng.choice(topics), rng.random() < 0.5))
    return make(slots=slots, tables=tables, participants=parts, brokers=brs, requests=reqs)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_instances_pass_the_checker_and_meet_the_bound(seed):
    data = random_instance(seed)
    inst = load_instance(data)
    result = solve_detailed(inst, 5)
    assert check(inst, result.schedule) == []
    assert result.upper_bound is not None and result.schedule["objective"] <= result.upper_bound + 1e-6
    assert result.optimal  # these are small enough for HiGHS to prove the optimum
    heuristic = solve(inst, 1, method="heuristic")
    assert check(inst, heuristic) == []
    assert heuristic["objective"] >= 0.9 * result.schedule["objective"]


def test_time_limit_is_kept():
    inst = load_instance(random_instance(7, n_requests=600, slots=10, tables=20, people=120))
    for method in ("auto", "heuristic"):
        schedule = solve(inst, 1.0, method=method)
        assert check(inst, schedule) == []
        assert schedule["seconds"] <= 1.5  # a shared machine: some slack over the 1.0 s asked


def test_the_mip_step_leaves_at_its_deadline():
    import time

    from eventops.meetings.solver import Plan

    plan = Plan(load_instance(random_instance(8, n_requests=600, slots=10, tables=20, people=120)))
    model = mip.Model(plan)
    started = time.monotonic()
    model.solve(started + 0.05)  # None, or the best solution HiGHS found by then
    assert time.monotonic() - started < 1.0


def test_without_highspy_the_heuristic_runs(monkeypatch, small_example):
    monkeypatch.setattr(mip, "available", lambda: False)
    inst = load_instance(small_example)
    result = solve_detailed(inst, 2)
    assert result.method == "heuristic" and result.upper_bound is None
    assert check(inst, result.schedule) == [] and result.schedule["objective"] == 17
    with pytest.raises(RuntimeError, match="highspy"):
        solve(inst, 1, method="mip")


def test_unknown_method():
    with pytest.raises(ValueError):
        solve(make(), 1, method="magic")
