"""The checker: a valid schedule passes; each hand-broken one is caught, one test per rule."""
import pytest

from eventops.meetings.solver import check, load_instance

from .helpers import clone, make

INSTANCE = load_instance(make(
    slots=2, tables=2,
    participants=[{"id": "a", "max_meetings": 2}, "b", "c", {"id": "d", "available": ["s1", "s2"]}],
    brokers=[{"id": "k1", "specialties": ["onc"], "max_meetings": 2},
             {"id": "k2", "specialties": ["card", "onc"], "available": ["s2"], "max_meetings": 1}],
    requests=[("r1", "a", "b", 3, "onc", True), ("r2", "c", "d", 1), ("r3", "a", "c", 2),
              ("r4", "b", "d", 2, "card", True), ("r5", "a", "d", 1)],
    fixed=[{"request": "r2", "slot": "s1", "table": "T2", "broker": None}],
))

VALID = {
    "meetings": [
        {"request": "r1", "slot": "s1", "table": "T1", "broker": "k1"},
        {"request": "r2", "slot": "s1", "table": "T2", "broker": None},
        {"request": "r3", "slot": "s2", "table": "T1", "broker": None},
        {"request": "r4", "slot": "s2", "table": "T2", "broker": "k2"},
    ],
    "unscheduled": ["r5"],
    "objective": 8,
    "seconds": 0.01,
    "reasons": {"r5": "a reached max_meetings 2"},
}


def broken(change):
    schedule = clone(VALID)
    change(schedule)
    return check(INSTANCE, schedule)


def meeting(schedule, rid):
    return next(m for m in schedule["meetings"] if m["request"] == rid)


def assert_caught(errors, *words):
    assert errors, "the checker passed a broken schedule"
    assert any(all(w in e for w in words) for e in errors), errors


def test_valid_schedule_passes():
    assert check(INSTANCE, VALID) == []


def test_accepts_the_instance_as_a_dict_too():
    assert check(make(participants=("a", "b"), requests=[("r1", "a", "b", 1)]),
                 {"meetings": [], "unscheduled": ["r1"], "objective": 0}) == []


# Every request exactly once --------------------------------------------------------------------

def test_request_scheduled_twice():
    def change(s):
        s["meetings"].append({"request": "r3", "slot": "s1", "table": "T1", "broker": None})
    assert_caught(broken(change), "rule 1", "r3 appears more than once")


def test_request_both_scheduled_and_unscheduled():
    assert_caught(broken(lambda s: s["unscheduled"].append("r1")), "r1 appears more than once")


def test_request_missing():
    assert_caught(broken(lambda s: s["unscheduled"].clear()), "missing", "r5")


def test_unknown_request():
    assert_caught(broken(lambda s: s["unscheduled"].append("r99")), "unknown request 'r99'")


def test_unknown_slot_table_broker():
    def change(s):
        meeting(s, "r3").update(slot="s9", table="T9")
        meeting(s, "r4")["broker"] = "k9"
    errors = broken(change)
    for what in ("unknown slot 's9'", "unknown table 'T9'", "unknown broker 'k9'"):
        assert_caught(errors, what)


def test_schedule_of_the_wrong_shape():
    assert check(INSTANCE, []) == ["schedule must be an object, not list"]
    errors = check(INSTANCE, {"meetings": {}, "unscheduled": None, "objective": 0})
    assert_caught(errors, "'meetings' must be a list")
    assert_caught(errors, "'unscheduled' must be a list")
    assert_caught(broken(lambda s: s["meetings"].append("r5")), "must be an object")
    assert_caught(broken(lambda s: meeting(s, "r3").pop("broker")), "no 'broker' key")


# Objective ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [7, 9, "8", None, 8.5])
def test_objective_must_be_the_sum_of_scheduled_weights(value):
    assert_caught(broken(lambda s: s.update(objective=value)), "objective is", "weigh 8")


# Rule 2: participants -----------------------------------------------------------------------------

def test_participant_in_two_meetings_in_one_slot():
    inst = load_instance(make(slots=1, participants=("a", "b", "c"),
                              requests=[("r1", "a", "b", 1), ("r2", "c", "a", 1)]))
    errors = check(inst, {"meetings": [{"request": "r1", "slot": "s1", "table": "T1", "broker": None},
                                       {"request": "r2", "slot": "s1", "table": "T2", "broker": None}],
                          "unscheduled": [], "objective": 2})
    assert errors == ["rule 2: meetings[1] r2: a is already in meetings[0] r1 in s1"]


def test_participant_unavailable():
    inst = load_instance(make(participants=[{"id": "a", "available": ["s2"]}, "b"], requests=[("r1", "a", "b", 1)]))
    errors = check(inst, {"meetings": [{"request": "r1", "slot": "s1", "table": "T1", "broker": None}],
                          "unscheduled": [], "objective": 1})
    assert_caught(errors, "rule 2", "a is not available in s1")


def test_participant_cap():
    inst = load_instance(make(participants=[{"id": "a", "max_meetings": 1}, "b", "c"],
                              requests=[("r1", "a", "b", 1), ("r2", "a", "c", 1)]))
    errors = check(inst, {"meetings": [{"request": "r1", "slot": "s1", "table": "T1", "broker": None},
                                       {"request": "r2", "slot": "s2", "table": "T1", "broker": None}],
                          "unscheduled": [], "objective": 2})
    assert_caught(errors, "rule 2", "a has 2 meetings, more than max_meetings 1")


# Rule 3: tables -----------------------------------------------------------------------------------

def test_table_hosts_two_meetings_in_one_slot():
    assert_caught(broken(lambda s: meeting(s, "r4").update(table="T1")), "rule 3", "table T1 in s2 already hosts")


# Rule 4: brokers ----------------------------------------------------------------------------------

def test_broker_missing_where_needed():
    assert_caught(broken(lambda s: meeting(s, "r1").update(broker=None)), "rule 4", "needs a broker for topic 'onc'")


def test_broker_where_none_is_needed():
    assert_caught(broken(lambda s: meeting(s, "r3").update(broker="k1")), "rule 4", "broker must be null")


def test_broker_without_the_specialty():
    assert_caught(broken(lambda s: meeting(s, "r4").update(broker="k1")), "rule 4", "k1 has no specialty 'card'")


def test_broker_unavailable():
    assert_caught(broken(lambda s: meeting(s, "r1").update(broker="k2")), "rule 4", "k2 is not available in s1")


def test_broker_in_two_meetings_in_one_slot():
    inst = load_instance(make(slots=1, participants=("a", "b", "c", "d"),
                              brokers=[{"id": "k1", "specialties": ["onc"]}],
                              requests=[("r1", "a", "b", 1, "onc", True), ("r2", "c", "d", 1, "onc", True)]))
    errors = check(inst, {"meetings": [{"request": "r1", "slot": "s1", "table": "T1", "broker": "k1"},
                                       {"request": "r2", "slot": "s1", "table": "T2", "broker": "k1"}],
                          "unscheduled": [], "objective": 2})
    assert_caught(errors, "rule 4", "k1 is already in")


def test_broker_cap():
    inst = load_instance(make(participants=("a", "b", "c", "d"),
                              brokers=[{"id": "k1", "specialties": ["onc"], "max_meetings": 1}],
                              requests=[("r1", "a", "b", 1, "onc", True), ("r2", "c", "d", 1, "onc", True)]))
    errors = check(inst, {"meetings": [{"request": "r1", "slot": "s1", "table": "T1", "broker": "k1"},
                                       {"request": "r2", "slot": "s2", "table": "T1", "broker": "k1"}],
                          "unscheduled": [], "objective": 2})
    assert_caught(errors, "rule 4", "broker k1 has 2 meetings, more than max_meetings 1")


# Rule 5: fixed meetings ---------------------------------------------------------------------------

@pytest.mark.parametrize("field,value", [("slot", "s2"), ("table", "T1"), ("broker", "k1")])
def test_fixed_meeting_moved(field, value):
    def change(s):
        meeting(s, "r2")[field] = value
        if field == "table":  # keep the tables apart so that only rule 5 is broken
            meeting(s, "r1")["table"] = "T2"
    errors = broken(change)
    assert_caught(errors, "rule 5", "fixed meeting r2 must be at s1 table T2 with no broker")


def test_fixed_meeting_left_out():
    def change(s):
        s["meetings"] = [m for m in s["meetings"] if m["request"] != "r2"]
        s["unscheduled"].append("r2")
        s["objective"] = 7
    assert broken(change) == ["rule 5: fixed meeting r2 is not scheduled"]


# Reasons -------------------------------------------------------------------------------------------

def test_reasons_only_for_unscheduled_requests():
    assert_caught(broken(lambda s: s["reasons"].update(r1="?")), "reasons names 'r1'")
