"""Property tests on random small instances (at most 8 participants, 4 slots, 2 tables, 3 brokers,
12 requests, with random availability, caps and valid fixed meetings): whatever the instance, the
schedule passes the checker; with HiGHS it is optimal (checked by exhaustive search), and the
heuristic alone never claims more than the optimum."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventops.meetings.solver import InstanceError, check, load_instance, solve, solve_detailed

from .helpers import exact_optimum, make

TOPICS = ["onc", "card", "tcm"]


@st.composite
def instances(draw):
    n_slots = draw(st.integers(1, 4))
    slot_ids = [f"s{i}" for i in range(1, n_slots + 1)]
    n_tables = draw(st.integers(1, 2))
    n_people = draw(st.integers(2, 8))
    availability = st.one_of(st.none(), st.lists(st.sampled_from(slot_ids), min_size=1, unique=True))
    cap = st.sampled_from([None, 1, 2, 3, None, 2, 0])  # no cap or a small one; 0 now and then

    def with_optional(entry, **optional):
        entry.update({k: v for k, v in optional.items() if v is not None})
        return entry

    people = [with_optional({"id": f"p{i}"}, available=draw(availability), max_meetings=draw(cap))
              for i in range(n_people)]
    brokers = [with_optional({"id": f"k{i}", "specialties": draw(st.lists(st.sampled_from(TOPICS), min_size=1,
                                                                           max_size=2, unique=True))},
                             available=draw(availability), max_meetings=draw(cap))
               for i in range(draw(st.integers(0, 3)))]
    requests = []
    for i in range(draw(st.integers(0, 12))):
        a, b = draw(st.lists(st.integers(0, n_people - 1), min_size=2, max_size=2, unique=True))
        requests.append((f"r{i}", f"p{a}", f"p{b}", draw(st.integers(1, 3)), draw(st.sampled_from(TOPICS)),
                         draw(st.booleans())))
    data = make(slots=n_slots, tables=n_tables, participants=people, brokers=brokers, requests=requests)
    # Fixed meetings: random proposals, each kept only if the instance stays valid with it.
    proposals = draw(st.lists(st.tuples(st.integers(0, 11), st.sampled_from(slot_ids),
                                        st.integers(1, n_tables), st.integers(-1, 2)), max_size=3))
    for r, sid, t, k in proposals:
        if r >= len(requests):
            continue
        needs = requests[r][5]
        broker = f"k{k}" if needs and 0 <= k < len(brokers) else None
        entry = {"request": f"r{r}", "slot": sid, "table": f"T{t}", "broker": broker}
        try:
            load_instance({**data, "fixed": data["fixed"] + [entry]})
        except InstanceError:
            continue
        data["fixed"].append(entry)
    return data


@settings(deadline=None, max_examples=150, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_is_valid_and_optimal(data):
    inst = load_instance(data)
    result = solve_detailed(inst, 5)
    schedule = result.schedule
    assert check(inst, schedule) == []
    optimum = exact_optimum(inst)
    assert schedule["objective"] == optimum
    assert result.optimal
    assert set(schedule["reasons"]) == set(schedule["unscheduled"])
    assert all(isinstance(text, str) and text for text in schedule["reasons"].values())


@settings(deadline=None, max_examples=100, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_heuristic_alone_is_valid(data):
    inst = load_instance(data)
    schedule = solve(inst, 0.5, method="heuristic")
    assert check(inst, schedule) == []
    assert schedule["objective"] <= exact_optimum(inst)


@settings(deadline=None, max_examples=60, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.randoms(use_true_random=False), st.sampled_from(["heuristic", "auto"]))
def test_replanning_never_breaks_a_rule_nor_moves_a_held_meeting(data, rng, method):
    """Solve, hold some of the meetings (they become fixed, as held and started ones do), keep the
    others as the current plan, then re-plan: the result passes the checker, every held meeting is
    where it was, and no less weight is scheduled than keeping the current meetings gives."""
    from eventops.meetings.solver import replan
    schedule = solve(load_instance(data), 2)
    held = [m for m in schedule["meetings"] if rng.random() < 0.4]
    held_ids = {m["request"] for m in held}
    fixed_before = {f["request"] for f in data["fixed"]}
    data = {**data, "fixed": data["fixed"] + [
        {"request": m["request"], "slot": m["slot"], "table": m["table"], "broker": m.get("broker")}
        for m in held if m["request"] not in fixed_before]}
    inst = load_instance(data)
    current = [m for m in schedule["meetings"] if m["request"] not in held_ids | fixed_before]
    result = replan(inst, current, 2, method=method)
    assert check(inst, result) == []
    placed = {m["request"]: (m["slot"], m["table"]) for m in result["meetings"]}
    for m in held:
        assert placed[m["request"]] == (m["slot"], m["table"])
    assert result["objective"] >= result["baseline"]
