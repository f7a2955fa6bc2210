"""The solver's working state: which request sits in which slot with which broker.

Tables within a slot are interchangeable (fixed meetings aside), so a plan counts free tables per
slot and leaves table ids to the end. Every change goes through ``place``/``remove``, which keep the
occupancy tables exact and can be logged and undone, so the local search can try a move and take it
back.
"""
from __future__ import annotations

from .instance import Instance

NONE = -1


class Plan:
    def __init__(self, inst: Instance):
        self.inst = inst
        S = self.S = len(inst.slots)
        P, B, R = len(inst.participants), len(inst.brokers), len(inst.requests)
        self.R = R
        big = S + 1  # "no cap": one meeting per slot is the real limit
        self.pcap = [p.max_meetings if p.max_meetings is not None else big for p in inst.participants]
        self.bcap = [b.max_meetings if b.max_meetings is not None else big for b in inst.brokers]
        self.bav = [[s in b.available for s in range(S)] for b in inst.brokers]
        self.weight = [r.weight for r in inst.requests]
        self.ends = [(r.a, r.b) for r in inst.requests]
        # Eligible brokers, least versatile first (keep the all-rounders for topics that need them).
        self.elig: list[list[int]] = []
        for r in inst.requests:
            el = inst.eligible_brokers(r)
            el.sort(key=lambda k: (len(inst.brokers[k].specialties), -self.bcap[k], k))
            self.elig.append(el)
        self.needs = [r.needs_broker for r in inst.requests]
        # Candidate slots: both sides available, and some eligible broker available when one is needed.
        self.options: list[list[int]] = []
        for i, r in enumerate(inst.requests):
            pa, pb = inst.participants[r.a], inst.participants[r.b]
            common = pa.available & pb.available
            if self.pcap[r.a] == 0 or self.pcap[r.b] == 0:
                common = set()
            if r.needs_broker:
                common = {s for s in common if any(self.bav[k][s] and self.bcap[k] > 0 for k in self.elig[i])}
            self.options.append(sorted(common))
        self.slot_of = [NONE] * R
        self.broker_of = [NONE] * R
        self.pbusy = [[NONE] * S for _ in range(P)]
        self.pcount = [0] * P
        self.bbusy = [[NONE] * S for _ in range(B)]
        self.bcount = [0] * B
        self.tfree = [len(inst.tables)] * S
        self.at_slot: list[set[int]] = [set() for _ in range(S)]
        self.fixed = [False] * R
        self.objective = 0
        self.log: list[tuple] | None = None
        for f in inst.fixed:
            self.place(f.request, f.slot, NONE if f.broker is None else f.broker)
            self.fixed[f.request] = True

    # -- moves -------------------------------------------------------------------------------
    def place(self, r: int, s: int, b: int):
        a, c = self.ends[r]
        self.slot_of[r] = s
        self.broker_of[r] = b
        self.pbusy[a][s] = r
        self.pbusy[c][s] = r
        self.pcount[a] += 1
        self.pcount[c] += 1
        self.tfree[s] -= 1
        self.at_slot[s].add(r)
        if b != NONE:
            self.bbusy[b][s] = r
            self.bcount[b] += 1
        self.objective += self.weight[r]
        if self.log is not None:
            self.log.append((True, r, s, b))

    def remove(self, r: int):
        s, b = self.slot_of[r], self.broker_of[r]
        a, c = self.ends[r]
        self.slot_of[r] = NONE
        self.broker_of[r] = NONE
        self.pbusy[a][s] = NONE
        self.pbusy[c][s] = NONE
        self.pcount[a] -= 1
        self.pcount[c] -= 1
        self.tfree[s] += 1
        self.at_slot[s].discard(r)
        if b != NONE:
            self.bbusy[b][s] = NONE
            self.bcount[b] -= 1
        self.objective -= self.weight[r]
        if self.log is not None:
            self.log.append((False, r, s, b))

    def begin(self):
        self.log = []

    def commit(self):
        self.log = None

    def rollback(self):
        log, self.log = self.log, None
        for placed, r, s, b in reversed(log):
            if placed:
                self.remove(r)
            else:
                self.place(r, s, b)

    # -- questions ---------------------------------------------------------------------------
    def free_broker(self, r: int, s: int) -> int | None:
        """An eligible broker free in slot s with capacity left (NONE if none is needed), else None."""
        if not self.needs[r]:
            return NONE
        for k in self.elig[r]:
            if self.bav[k][s] and self.bbusy[k][s] == NONE and self.bcount[k] < self.bcap[k]:
                return k
        return None

    def fits(self, r: int, s: int) -> int | None:
        """The broker to use if request r can go into slot s as things stand, else None."""
        a, c = self.ends[r]
        if self.tfree[s] <= 0 or self.pbusy[a][s] != NONE or self.pbusy[c][s] != NONE:
            return None
        if self.pcount[a] >= self.pcap[a] or self.pcount[c] >= self.pcap[c]:
            return None
        return self.free_broker(r, s)

    def try_insert(self, r: int, order=None) -> bool:
        for s in (order if order is not None else self.options[r]):
            b = self.fits(r, s)
            if b is not None:
                self.place(r, s, b)
                return True
        return False

    def placed(self) -> list[int]:
        return [r for r in range(self.R) if self.slot_of[r] != NONE]

    def unplaced(self) -> list[int]:
        return [r for r in range(self.R) if self.slot_of[r] == NONE]

    def load(self, assignment: dict[int, tuple[int, int]]):
        """Replace the non-fixed meetings by ``assignment`` ({request: (slot, broker)})."""
        for r in self.placed():
            if not self.fixed[r]:
                self.remove(r)
        for r, (s, b) in sorted(assignment.items()):
            if not self.fixed[r]:
                self.place(r, s, b)

    def snapshot(self) -> dict[int, tuple[int, int]]:
        return {r: (self.slot_of[r], self.broker_of[r]) for r in self.placed() if not self.fixed[r]}
