"""Loading and validating instances: every problem is reported, with its entry and the reason."""
import json

import pytest

from eventops.core.errors import DomainError
from eventops.meetings.solver import InstanceError, load_instance

from .helpers import clone, make

BASE = make(
    slots=2, tables=2, participants=("a", "b", "c"),
    brokers=[{"id": "k1", "specialties": ["onc"], "available": ["s1"], "max_meetings": 1}],
    requests=[("r1", "a", "b", 3, "onc", True), ("r2", "b", "c", 1), ("r3", "a", "c", 2)],
)


def problems(data):
    with pytest.raises(InstanceError) as info:
        load_instance(data)
    return info.value.problems


def has(found, entry, *words):
    """Some problem is about ``entry`` and its reason contains every word."""
    return any(p["entry"] == entry and all(w in p["reason"] for w in words) for p in found)


def test_valid_instance_loads_with_defaults():
    data = clone(BASE)
    del data["fixed"]
    del data["requests"][1]["weight"]
    inst = load_instance(json.dumps(data))
    assert [s.id for s in inst.slots] == ["s1", "s2"]
    assert inst.requests[1].weight == 1  # default
    assert inst.participants[0].available == {0, 1}  # no list: every slot
    assert inst.participants[0].max_meetings is None
    assert inst.brokers[0].available == {0}
    assert inst.slots[0].start.utcoffset().total_seconds() == 8 * 3600
    assert inst.fixed == []


def test_the_worked_example_is_valid(small_example):
    inst = load_instance(small_example)
    assert len(inst.requests) == 20 and len(inst.fixed) == 1


def test_error_carries_a_code_and_every_problem():
    data = clone(BASE)
    data["requests"][0]["to"] = "zz"
    data["requests"][1]["weight"] = 0
    data["slots"][1]["end"] = data["slots"][1]["start"]
    with pytest.raises(InstanceError) as info:
        load_instance(data)
    err = info.value
    assert isinstance(err, DomainError) and err.code == "invalid_instance"
    assert len(err.problems) == 3
    assert all(set(p) == {"entry", "reason"} for p in err.problems)


@pytest.mark.parametrize("key", ["slots", "tables", "participants", "brokers", "requests"])
def test_duplicate_ids(key):
    data = clone(BASE)
    data[key].append(clone(data[key][0]))
    n = len(data[key]) - 1
    ident = data[key][0]["id"]
    assert has(problems(data), f"{key}[{n}] {ident}", "duplicate id", f"first at {key}[0]")


def test_unknown_participants_in_a_request():
    data = clone(BASE)
    data["requests"][0]["from"] = "nobody"
    data["requests"][2]["to"] = None
    found = problems(data)
    assert has(found, "requests[0] r1", "'from'", "unknown participant 'nobody'")
    assert has(found, "requests[2] r3", "'to'", "unknown participant None")


def test_request_to_oneself():
    data = clone(BASE)
    data["requests"][1]["to"] = "b"
    assert has(problems(data), "requests[1] r2", "from b to itself")


@pytest.mark.parametrize("weight", [0, -2, 1.5, "2", True, None])
def test_weight_must_be_a_positive_integer(weight):
    data = clone(BASE)
    data["requests"][1]["weight"] = weight
    assert has(problems(data), "requests[1] r2", "weight must be a positive whole number")


def test_needs_broker_must_be_boolean_and_needs_a_topic():
    data = clone(BASE)
    data["requests"][1]["needs_broker"] = "yes"
    del data["requests"][0]["topic"]
    found = problems(data)
    assert has(found, "requests[1] r2", "needs_broker must be true or false")
    assert has(found, "requests[0] r1", "needs a broker but has no topic")


def test_slot_end_not_after_start():
    data = clone(BASE)
    data["slots"][0]["end"] = data["slots"][0]["start"]
    data["slots"][1]["end"] = "2025-05-24T08:00:00+08:00"
    found = problems(data)
    assert has(found, "slots[0] s1", "is not after start")
    assert has(found, "slots[1] s2", "is not after start")


def test_slot_times_must_be_aware_iso_datetimes():
    data = clone(BASE)
    data["slots"][0]["start"] = "2025-05-24T10:00:00"
    data["slots"][1]["end"] = "tomorrow"
    data["slots"][1]["start"] = 5
    found = problems(data)
    assert has(found, "slots[0] s1", "start", "no UTC offset")
    assert has(found, "slots[1] s2", "end 'tomorrow' is not an ISO 8601 date-time")
    assert has(found, "slots[1] s2", "start must be an ISO 8601 date-time string")


def test_unknown_slots_in_availability():
    data = clone(BASE)
    data["participants"][2]["available"] = ["s1", "s9"]
    data["brokers"][0]["available"] = ["s0"]
    found = problems(data)
    assert has(found, "participants[2] c", "available names unknown slot 's9'")
    assert has(found, "brokers[0] k1", "available names unknown slot 's0'")


@pytest.mark.parametrize("cap", [-1, 2.5, "3", False])
def test_max_meetings_must_be_a_whole_number(cap):
    data = clone(BASE)
    data["participants"][0]["max_meetings"] = cap
    data["brokers"][0]["max_meetings"] = cap
    found = problems(data)
    assert has(found, "participants[0] a", "max_meetings must be a whole number")
    assert has(found, "brokers[0] k1", "max_meetings must be a whole number")


def test_broker_specialties_must_be_strings():
    data = clone(BASE)
    data["brokers"][0]["specialties"] = "onc"
    assert has(problems(data), "brokers[0] k1", "specialties must be a list of strings")


def test_missing_ids_and_entries_of_the_wrong_type():
    data = clone(BASE)
    data["participants"].append({"org": "o9"})
    data["tables"].append("T9")
    found = problems(data)
    assert has(found, "participants[3]", "has no id")
    assert has(found, "tables[2]", "must be an object, not str")


def test_missing_or_mistyped_lists():
    data = clone(BASE)
    del data["slots"]
    data["tables"] = {"T1": {}}
    found = problems(data)
    assert has(found, "slots", "is missing")
    assert has(found, "tables", "must be a list, not dict")
    # Brokers and fixed may be left out.
    data = clone(BASE)
    del data["brokers"], data["fixed"]
    data["requests"] = data["requests"][1:]
    assert len(load_instance(data).requests) == 2


def test_instance_must_be_an_object():
    assert has(problems("[1, 2]"), "instance", "must be a JSON object, not list")


@pytest.mark.parametrize("text", ['{"slots": [', "{'slots': []}", "", '{"a": 1,}'])
def test_malformed_json(text):
    with pytest.raises(InstanceError) as info:
        load_instance(text)
    assert info.value.code == "malformed_json"
    [p] = info.value.problems
    assert p["entry"].startswith("line ") and "malformed JSON" in p["reason"]


def test_bytes_that_are_not_utf8():
    with pytest.raises(InstanceError) as info:
        load_instance(b'{"slots": "\xff"}')
    assert info.value.code == "malformed_json"
    assert "not UTF-8" in info.value.problems[0]["reason"]


def test_bytes_with_a_bom_are_read():
    assert load_instance(b"\xef\xbb\xbf" + json.dumps(BASE).encode())


# -- fixed meetings that break a rule themselves -------------------------------------------------

def fixed_problems(*entries, **changes):
    data = clone(BASE)
    data["fixed"] = [dict(e) for e in entries]
    for path, value in changes.items():
        key, index, field = path.split("__")
        data[key][int(index)][field] = value
    return problems(data)


def test_fixed_unknown_ids():
    found = fixed_problems({"request": "r9", "slot": "s7", "table": "T7", "broker": "k7"})
    for what in ("request 'r9'", "slot 's7'", "table 'T7'", "broker 'k7'"):
        assert has(found, "fixed[0] r9", f"names unknown {what}")


def test_fixed_broker_without_the_specialty():
    found = fixed_problems({"request": "r1", "slot": "s1", "table": "T1", "broker": "k1"},
                           requests__0__topic="cardio")
    assert has(found, "fixed[0] r1", "broker k1 has no specialty 'cardio'")


def test_fixed_broker_unavailable():
    found = fixed_problems({"request": "r1", "slot": "s2", "table": "T1", "broker": "k1"})
    assert has(found, "fixed[0] r1", "broker k1 is not available in s2")


def test_fixed_participant_unavailable():
    found = fixed_problems({"request": "r2", "slot": "s2", "table": "T1", "broker": None},
                           participants__2__available=["s1"])
    assert has(found, "fixed[0] r2", "c is not available in s2")


def test_two_fixed_meetings_at_one_table_and_slot():
    found = fixed_problems({"request": "r1", "slot": "s1", "table": "T1", "broker": "k1"},
                           {"request": "r2", "slot": "s1", "table": "T1", "broker": None})
    assert has(found, "fixed[1] r2", "table T1 in s1 already holds fixed[0] r1")


def test_fixed_participant_in_two_meetings_at_once():
    found = fixed_problems({"request": "r1", "slot": "s1", "table": "T1", "broker": "k1"},
                           {"request": "r3", "slot": "s1", "table": "T2", "broker": None})
    assert has(found, "fixed[1] r3", "a already meets in s1 (fixed[0] r1)")


def test_fixed_broker_in_two_meetings_at_once():
    found = fixed_problems({"request": "r1", "slot": "s1", "table": "T1", "broker": "k1"},
                           {"request": "r2", "slot": "s1", "table": "T2", "broker": "k1"},
                           requests__1__needs_broker=True, requests__1__topic="onc", brokers__0__max_meetings=5)
    assert has(found, "fixed[1] r2", "broker k1 already attends fixed[0] r1 in s1")


def test_fixed_broker_given_where_none_is_needed_and_missing_where_one_is():
    found = fixed_problems({"request": "r2", "slot": "s1", "table": "T1", "broker": "k1"},
                           {"request": "r1", "slot": "s2", "table": "T1", "broker": None})
    assert has(found, "fixed[0] r2", "needs no broker but broker k1 is given")
    assert has(found, "fixed[1] r1", "needs a broker for topic 'onc' but none is given")


def test_fixed_request_twice():
    found = fixed_problems({"request": "r2", "slot": "s1", "table": "T1", "broker": None},
                           {"request": "r2", "slot": "s2", "table": "T1", "broker": None})
    assert has(found, "fixed[1] r2", "fixed twice (also fixed[0] r2)")


def test_fixed_meetings_beyond_a_cap():
    found = fixed_problems({"request": "r1", "slot": "s1", "table": "T1", "broker": "k1"},
                           {"request": "r3", "slot": "s2", "table": "T1", "broker": None},
                           participants__0__max_meetings=1)
    assert has(found, "fixed[1] r3", "a would have more fixed meetings than max_meetings 1")


def test_fixed_meetings_beyond_a_broker_cap():
    found = fixed_problems({"request": "r1", "slot": "s1", "table": "T1", "broker": "k1"},
                           {"request": "r2", "slot": "s2", "table": "T1", "broker": "k1"},
                           requests__1__needs_broker=True, requests__1__topic="onc",
                           brokers__0__available=["s1", "s2"])
    assert has(found, "fixed[1] r2", "broker k1 would have more fixed meetings than max_meetings 1")


def test_valid_fixed_meetings_load():
    data = clone(BASE)
    data["fixed"] = [{"request": "r1", "slot": "s1", "table": "T2", "broker": "k1"},
                     {"request": "r2", "slot": "s2", "table": "T2"}]  # broker may be left out when null
    inst = load_instance(data)
    assert [(f.request, f.slot, f.table, f.broker) for f in inst.fixed] == [(0, 0, 1, 0), (1, 1, 1, None)]
