"""The scheduler under a hard time limit. The solver keeps its own deadline, but HiGHS once ran
30 s past it; a request (or a job's progress bar) must not depend on that. So the solver runs in
a child process (``solve_child``, started in a quarter of a second) given an absolute deadline, and is killed when it is still busy
``GRACE`` seconds after it. The parent meanwhile makes a fallback plan with the heuristic alone
(a fraction of a second for 5,000 requests, done while the child starts up): after a kill that
plan is the result, marked ``overran``. The time limit is thus kept to within ``GRACE`` plus
the moment it takes to end the child, whatever the solver does. The same for re-planning the rest
of the day (``replan_within``)."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .solver import replan, solve

GRACE = 1.0
FALLBACK_SECONDS = 0.1
#: the child's command line, before its three arguments (by path: see solve_child)
CHILD = [sys.executable, str(Path(__file__).with_name("solve_child.py"))]


def solve_within(instance: dict, time_limit: float, *, progress=None, grace: float = GRACE) -> dict:
    """The schedule of ``instance`` (as :func:`.solver.solve`), back within ``time_limit`` +
    ``grace`` seconds. ``progress(seconds, of_seconds)`` is told the time spent."""
    return _within(instance, time_limit, lambda: solve(instance, time_limit=FALLBACK_SECONDS, method="heuristic"),
                   progress=progress, grace=grace)


def replan_within(instance: dict, current: list[dict], time_limit: float, *, progress=None,
                  grace: float = GRACE) -> dict:
    """The re-planned schedule (as :func:`.solver.replan`), back within ``time_limit`` + ``grace``
    seconds; the fallback keeps the current meetings that still fit and adds what fits around them."""
    return _within({"replan": {"instance": instance, "current": current}}, time_limit,
                   lambda: replan(instance, current, FALLBACK_SECONDS, method="heuristic"),
                   progress=progress, grace=grace)


def _within(payload: dict, time_limit: float, fallback_plan, *, progress, grace: float) -> dict:
    time_limit = max(float(time_limit), 0.5)
    started = time.time()
    deadline = started + time_limit
    total = math.ceil(time_limit)
    with tempfile.TemporaryDirectory(prefix="eventops-solve-") as tmp:
        source, target, log = Path(tmp, "instance.json"), Path(tmp, "schedule.json"), Path(tmp, "stderr.txt")
        source.write_text(json.dumps(payload), "utf-8")
        with open(log, "wb") as errors:
            child = subprocess.Popen([*CHILD, str(source), str(target), repr(deadline)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=errors, cwd=os.getcwd())
        try:
            fallback = fallback_plan()
            while child.poll() is None and time.time() < deadline + grace:
                if progress is not None:
                    progress(min(int(time.time() - started), total), total)
                time.sleep(0.05)
        finally:
            overran = child.poll() is None
            if overran:
                child.kill()
            child.wait()
        if overran or child.returncode != 0 or not target.exists():
            fallback["overran" if overran else "solver_failed"] = True
            if not overran:
                fallback["solver_error"] = log.read_text("utf-8", errors="replace")[-2000:]
            return fallback
        return json.loads(target.read_text("utf-8"))
