"""Bulk badge rendering: seconds and peak memory for N badges, rendered the way the bulk print
view does (one PDF up to render.CHUNK, then chunks of CHUNK). Run: .venv/bin/python bench/badges.py 30000"""
import resource, sys, time
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from eventops.badges import render
from eventops.badges.codes import new_code, payload
from eventops.demo import data
import random
rng = random.Random(1)
n = int(sys.argv[1])
def badges():
    for i in range(n):
        yield render.BadgeData(data.person_name(rng), rng.choice(data.ALLIANCE_HOSPITALS), "主任医师",
                               rng.choice(["attendee", "vip", "media", "exhibitor"]), "hospital", "医院",
                               "广州研究型医院联盟第二届院企合作活动", payload(new_code()))
start = time.perf_counter()
total = 0
if n <= render.CHUNK:
    total = len(render.render(badges()))
else:
    for batch in render.chunks(badges()):
        total += len(render.render(batch))
print(f"{n} badges: {time.perf_counter() - start:.1f} s, {total / 1e6:.1f} MB of PDF, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
