"""``python eventops/meetings/solve_child.py INSTANCE.json SCHEDULE.json DEADLINE``: the solver in
a process of its own, given an absolute deadline (``time.time()``), for :mod:`.bounded`. An
INSTANCE.json of the form ``{"replan": {"instance": ..., "current": [...]}}`` is re-planned
(``solver.replan``) instead.

Run by its path, it loads the ``eventops`` package without its ``__init__`` (the whole Flask
application, seconds of start-up on a busy machine that would come out of the solver's time):
the solver needs nothing of the application but ``core.errors``. The schedule is written to a
temporary name and renamed, so a half-written file is never read."""
import json
import os
import sys
import time
import types
from pathlib import Path


def _load_solver():
    if "eventops" not in sys.modules:
        package = types.ModuleType("eventops")
        package.__path__ = [str(Path(__file__).resolve().parents[1])]
        sys.modules["eventops"] = package
    from eventops.meetings.solver import replan, solve
    return solve, replan


def main(argv) -> int:
    source, target, deadline = argv[0], argv[1], float(argv[2])
    solve, replan = _load_solver()
    with open(source, encoding="utf-8") as handle:
        instance = json.load(handle)
    seconds = max(deadline - time.time(), 0.1)
    if "replan" in instance:  # {"replan": {"instance": ..., "current": [...]}}: re-plan the rest of the day
        schedule = replan(instance["replan"]["instance"], instance["replan"]["current"], time_limit=seconds)
    else:
        schedule = solve(instance, time_limit=seconds)
    partial = target + ".part"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(schedule, handle)
    os.replace(partial, target)
    return 0


if __name__ == "__main__":
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    sys.exit(main(sys.argv[1:]))
