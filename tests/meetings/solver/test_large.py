"""Large instances (issue 16 item 6): past ``LP_MAX_COLUMNS`` candidate pairs the solver bounds with
the slot-free relaxation, places the requests it picks first and searches; checked here on small
instances by lowering the threshold."""
import time

import pytest

from eventops.meetings.solver import Plan, check, engine, heuristic, load_instance, mip, solve_detailed

from .helpers import exact_optimum, make
from .test_solver import random_instance

pytestmark = pytest.mark.skipif(not mip.available(), reason="needs highspy")


@pytest.fixture
def large(monkeypatch):
    monkeypatch.setattr(engine, "LP_MAX_COLUMNS", 0)


def test_slot_free_bound_is_never_below_the_optimum():
    for seed in range(1, 6):
        data = random_instance(seed, n_requests=10, slots=3, tables=2, people=6, brokers=2)
        inst = load_instance(data)
        bound, chosen = mip.slot_free(Plan(inst), time.monotonic() + 10)
        assert bound + 1e-6 >= exact_optimum(inst)
        assert chosen is not None and all(r < len(inst.requests) for r in chosen)


def test_slot_free_picks_within_the_caps():
    hub = {"id": "h", "org": "o1", "max_meetings": 2}
    data = make(slots=3, tables=3, participants=(hub, "a", "b", "c"),
                requests=[("r1", "a", "h", 3), ("r2", "b", "h", 2), ("r3", "c", "h", 1)])
    bound, chosen = mip.slot_free(Plan(load_instance(data)), time.monotonic() + 10)
    assert bound == pytest.approx(5, abs=1e-3) and chosen == {0, 1}


def test_preferred_requests_go_first():
    # by weight alone r1 (3) takes b's only meeting; the relaxation's pick r2 + r3 weighs 4
    b = {"id": "b", "org": "o1", "max_meetings": 1}
    data = make(slots=2, tables=2, participants=("a", b, "c", "d"),
                requests=[("r1", "a", "b", 3), ("r2", "a", "c", 2), ("r3", "b", "d", 2)])
    # make a-c and b-d share a single slot with a-b: a only in s1
    data["participants"][0]["available"] = ["s1"]
    inst = load_instance(data)
    plain = Plan(inst)
    heuristic.greedy(plain)
    guided = Plan(inst)
    heuristic.greedy(guided, prefer={1, 2})
    assert plain.objective == 3 and guided.objective == 4 == exact_optimum(inst)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_large_path_keeps_the_rules_and_the_bound(monkeypatch, seed):
    inst = load_instance(random_instance(seed))
    exact = solve_detailed(inst, 5)  # small: HiGHS proves the optimum
    assert exact.optimal
    monkeypatch.setattr(engine, "LP_MAX_COLUMNS", 0)
    result = solve_detailed(inst, 3)
    assert check(inst, result.schedule) == []
    steps = [step for step, _, _ in result.trace]
    assert "slot-free bound" in steps and not any(step.startswith(("lp", "mip")) for step in steps)
    assert result.upper_bound is not None and result.upper_bound + 1e-6 >= exact.schedule["objective"]
    assert result.schedule["objective"] <= exact.schedule["objective"]
    assert result.schedule["objective"] >= 0.95 * exact.schedule["objective"]
    assert result.schedule["seconds"] <= 3.5


def test_large_path_keeps_fixed_meetings(large):
    data = make(slots=2, tables=1, participants=("a", "b", "c"),
                requests=[("r1", "a", "b", 1), ("r2", "a", "c", 3), ("r3", "b", "c", 3)],
                fixed=[{"request": "r1", "slot": "s1", "table": "T1", "broker": None}])
    inst = load_instance(data)
    result = solve_detailed(inst, 2)
    assert check(inst, result.schedule) == []
    assert result.schedule["objective"] == exact_optimum(inst) == 4
    assert result.optimal
