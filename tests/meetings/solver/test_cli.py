"""``flask meetings solve``: through a small Flask app and its CLI runner."""
import json

import pytest
from flask import Flask

from eventops.meetings.solver import check, load_instance
from eventops.meetings.cli import meetings_cli

from .helpers import make


@pytest.fixture
def runner():
    app = Flask(__name__)
    app.cli.add_command(meetings_cli)
    return app.test_cli_runner()


def write(path, data):
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_solves_the_worked_example(runner, small_example, tmp_path):
    out = tmp_path / "out.json"
    result = runner.invoke(args=["meetings", "solve", write(tmp_path / "in.json", small_example), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("9 of 20 requests scheduled, objective 17, optimal")
    text = out.read_text(encoding="utf-8")
    assert text.startswith('{\n  "meetings": [')  # indented
    schedule = json.loads(text)
    assert check(load_instance(small_example), schedule) == []


def test_options_and_non_ascii_output(runner, tmp_path):
    data = make(participants=[{"id": "王医生"}, {"id": "李博士"}], requests=[("r1", "王医生", "李博士", 2)])
    out = tmp_path / "日程.json"
    result = runner.invoke(args=["meetings", "solve", write(tmp_path / "in.json", data), "--output", str(out),
                                 "--time-limit", "2", "--method", "heuristic", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "王医生" not in result.output  # the summary is one line of figures
    raw = out.read_bytes().decode("utf-8")
    assert json.loads(raw)["objective"] == 2 and "\\u" not in raw


def test_invalid_instance_prints_every_problem_and_writes_nothing(runner, tmp_path):
    data = make(participants=("a", "b"), requests=[("r1", "a", "a", 1), ("r2", "a", "zz", 0)],
                fixed=[{"request": "r1", "slot": "s9", "table": "T1", "broker": None}])
    out = tmp_path / "out.json"
    result = runner.invoke(args=["meetings", "solve", write(tmp_path / "in.json", data), "-o", str(out)])
    assert result.exit_code == 2
    assert "is not a valid instance (4 problems); nothing written" in result.output
    for line in ("requests[0] r1: is a request from a to itself",
                 "requests[1] r2: 'to' names unknown participant 'zz'",
                 "requests[1] r2: weight must be a positive whole number, not 0",
                 "fixed[0] r1: names unknown slot 's9'"):
        assert line in result.output
    assert not out.exists()


def test_malformed_json(runner, tmp_path):
    out = tmp_path / "out.json"
    result = runner.invoke(args=["meetings", "solve", write(tmp_path / "in.json", '{"slots": [}'), "-o", str(out)])
    assert result.exit_code == 2
    assert "is not valid JSON; nothing written" in result.output
    assert "line 1 column 12: malformed JSON" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_an_existing_output_is_left_alone_on_error(runner, tmp_path):
    out = tmp_path / "out.json"
    out.write_text("previous", encoding="utf-8")
    result = runner.invoke(args=["meetings", "solve", write(tmp_path / "in.json", "[]"), "-o", str(out)])
    assert result.exit_code == 2 and out.read_text(encoding="utf-8") == "previous"


def test_missing_file_and_missing_output(runner, tmp_path):
    result = runner.invoke(args=["meetings", "solve", str(tmp_path / "nope.json"), "-o", str(tmp_path / "o.json")])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(args=["meetings", "solve", write(tmp_path / "in.json", make())])
    assert result.exit_code == 2 and "Missing option '-o'" in result.output


def test_unwritable_output(runner, tmp_path):
    target = tmp_path / "no-such-dir" / "out.json"
    result = runner.invoke(args=["meetings", "solve", write(tmp_path / "in.json", make()), "-o", str(target)])
    assert result.exit_code == 1 and "cannot write" in result.output


def test_replan_keeps_the_current_meetings_and_says_what_changed(runner, tmp_path):
    data = make(slots=2, tables=1, participants=["a", "b", "c", "d"],
                requests=[("r1", "a", "b", 1), ("r2", "c", "d", 2)])
    current = {"meetings": [{"request": "r1", "slot": "s1", "table": "T1", "broker": None}]}
    out = tmp_path / "out.json"
    result = runner.invoke(args=["meetings", "replan", write(tmp_path / "in.json", data),
                                 write(tmp_path / "current.json", current), "-o", str(out), "--time-limit", "1"])
    assert result.exit_code == 0, result.output
    assert "objective 3 (keeping them as they were: 1); 0 moved, 0 taken off, 1 added" in result.output
    schedule = json.loads(out.read_text(encoding="utf-8"))
    assert check(load_instance(data), schedule) == []
    assert {m["request"]: m["slot"] for m in schedule["meetings"]} == {"r1": "s1", "r2": "s2"}


def test_replan_refuses_a_current_file_that_is_not_a_list(runner, tmp_path):
    data = make(participants=["a", "b"], requests=[("r1", "a", "b", 1)])
    out = tmp_path / "out.json"
    result = runner.invoke(args=["meetings", "replan", write(tmp_path / "in.json", data),
                                 write(tmp_path / "current.json", {"slots": 3}), "-o", str(out)])
    assert result.exit_code == 2 and "give a list of meetings" in result.output and not out.exists()
