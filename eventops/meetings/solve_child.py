"""``python -m eventops.meetings.solve_child INSTANCE.json SCHEDULE.json DEADLINE``: the solver in
a process of its own, given an absolute deadline (``time.time()``), for :mod:`.bounded`. The
schedule is written to a temporary name and renamed, so a half-written file is never read."""
import json
import os
import sys
import time

from eventops.meetings.solver import solve


def main(argv) -> int:
    source, target, deadline = argv[0], argv[1], float(argv[2])
    with open(source, encoding="utf-8") as handle:
        instance = json.load(handle)
    schedule = solve(instance, time_limit=max(deadline - time.time(), 0.1))
    partial = target + ".part"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(schedule, handle)
    os.replace(partial, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
