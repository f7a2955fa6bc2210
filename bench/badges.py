"""Bulk badge rendering: seconds and peak memory for N badges, rendered the way the bulk print view
does (one PDF up to render.CHUNK, then chunks of CHUNK). Prints one line, writes nothing.

    .venv/bin/python bench/badges.py 30000
    .venv/bin/python bench/badges.py 50        # smoke run
"""
import argparse
import random
import time

import harness

from eventops.badges import render  # noqa: E402  (harness puts the project on the path)
from eventops.badges.codes import new_code, payload  # noqa: E402
from eventops.demo import data  # noqa: E402


def badges(n, rng):
    for _ in range(n):
        yield render.BadgeData(data.person_name(rng), rng.choice(data.ALLIANCE_HOSPITALS), "主任医师",
                               rng.choice(["attendee", "vip", "media", "exhibitor"]), "hospital", "医院",
                               "广州研究型医院联盟第二届院企合作活动", payload(new_code()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=800, help="badges to render (default 800)")
    n = parser.parse_args(argv).n
    rng = random.Random(1)
    start = time.perf_counter()
    if n <= render.CHUNK:
        total = len(render.render(badges(n, rng)))
    else:
        total = sum(len(render.render(batch)) for batch in render.chunks(badges(n, rng)))
    print(f"{n} badges: {time.perf_counter() - start:.1f} s, {total / 1e6:.1f} MB of PDF, "
          f"peak RSS {harness.maxrss_mb():.0f} MB")


if __name__ == "__main__":
    main()
