"""Read and validate a meeting-scheduling instance (``shared/specs/meeting-instance.md``).

``load_instance`` takes a dict, JSON text or bytes and returns an :class:`Instance`, or raises
:class:`InstanceError` listing *every* problem found, each as ``{"entry": ..., "reason": ...}``.
Entries are named by list and position plus id, e.g. ``requests[3] r00004`` or ``fixed[0] r00007``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from ...core.errors import DomainError

LISTS = ("slots", "tables", "participants", "brokers", "requests", "fixed")
OPTIONAL_LISTS = ("brokers", "fixed")


class InstanceError(DomainError):
    """The instance cannot be scheduled as given. ``problems`` names each bad entry and why."""

    def __init__(self, problems: list[dict], code: str = "invalid_instance"):
        n = len(problems)
        first = f"{problems[0]['entry']}: {problems[0]['reason']}" if problems else ""
        message = f"{n} problem{'s' if n != 1 else ''} in the instance" + (f" (first: {first})" if first else "")
        super().__init__(code, message)
        self.problems = problems


@dataclass(frozen=True)
class Slot:
    id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Table:
    id: str
    zone: str | None = None


@dataclass(frozen=True)
class Participant:
    id: str
    org: str | None
    available: frozenset[int]  # slot indices
    max_meetings: int | None


@dataclass(frozen=True)
class Broker:
    id: str
    specialties: frozenset[str]
    available: frozenset[int]
    max_meetings: int | None


@dataclass(frozen=True)
class Request:
    id: str
    a: int  # participant index of "from"
    b: int  # participant index of "to"
    weight: int
    topic: str | None
    needs_broker: bool


@dataclass(frozen=True)
class Fixed:
    request: int
    slot: int
    table: int
    broker: int | None


@dataclass
class Instance:
    """A valid instance; everything refers to other entries by index into its lists."""

    slots: list[Slot]
    tables: list[Table]
    participants: list[Participant]
    brokers: list[Broker]
    requests: list[Request]
    fixed: list[Fixed]
    slot_index: dict[str, int] = field(default_factory=dict)
    table_index: dict[str, int] = field(default_factory=dict)
    participant_index: dict[str, int] = field(default_factory=dict)
    broker_index: dict[str, int] = field(default_factory=dict)
    request_index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.slot_index = {x.id: i for i, x in enumerate(self.slots)}
        self.table_index = {x.id: i for i, x in enumerate(self.tables)}
        self.participant_index = {x.id: i for i, x in enumerate(self.participants)}
        self.broker_index = {x.id: i for i, x in enumerate(self.brokers)}
        self.request_index = {x.id: i for i, x in enumerate(self.requests)}

    def eligible_brokers(self, request: Request) -> list[int]:
        """Brokers whose specialties cover the request's topic (empty when it needs none)."""
        if not request.needs_broker:
            return []
        return [k for k, b in enumerate(self.brokers) if request.topic in b.specialties]


def parse_json(text: str | bytes) -> object:
    """JSON text to Python data; malformed text raises InstanceError(code="malformed_json")."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InstanceError([{"entry": "file", "reason": f"not UTF-8 text ({exc.reason} at byte {exc.start})"}],
                                code="malformed_json") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InstanceError([{"entry": where, "reason": f"malformed JSON: {exc.msg}"}], code="malformed_json") from None


def load_instance(data: dict | str | bytes) -> Instance:
    """Validate ``data`` (a dict, or JSON text) and return the Instance; raise InstanceError listing
    every problem otherwise."""
    if isinstance(data, (str, bytes)):
        data = parse_json(data)
    return _Validator(data).run()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _name(value) -> str:
    return repr(value) if not isinstance(value, str) else f"'{value}'"


class _Validator:
    def __init__(self, data):
        self.data = data
        self.problems: list[dict] = []

    def problem(self, entry: str, reason: str):
        self.problems.append({"entry": entry, "reason": reason})

    # -- helpers -------------------------------------------------------------------------------
    def entries(self, key: str) -> list[tuple[str, dict]]:
        """(label, entry) for each entry of a top-level list that is an object with a usable id;
        reports missing ids, wrong types and duplicates."""
        raw = self.data.get(key)
        if raw is None:
            if key not in OPTIONAL_LISTS:
                self.problem(key, "is missing (a list is required)")
            return []
        if not isinstance(raw, list):
            self.problem(key, f"must be a list, not {type(raw).__name__}")
            return []
        out, seen = [], {}
        for i, item in enumerate(raw):
            label = f"{key}[{i}]"
            if not isinstance(item, dict):
                self.problem(label, f"must be an object, not {type(item).__name__}")
                continue
            if key == "fixed":
                rid = item.get("request")
                out.append((f"{label} {rid}" if isinstance(rid, str) else label, item))
                continue
            ident = item.get("id")
            if not isinstance(ident, str) or not ident:
                self.problem(label, "has no id (a non-empty string is required)")
                continue
            label = f"{label} {ident}"
            if ident in seen:
                self.problem(label, f"duplicate id '{ident}' (first at {key}[{seen[ident]}])")
                continue
            seen[ident] = i
            out.append((label, item))
        return out

    def cap(self, label: str, item: dict) -> int | None:
        value = item.get("max_meetings")
        if value is None:
            return None
        if not _is_int(value) or value < 0:
            self.problem(label, f"max_meetings must be a whole number ≥ 0, not {_name(value)}")
            return None
        return value

    def availability(self, label: str, item: dict, slot_index: dict[str, int]) -> frozenset[int]:
        value = item.get("available")
        if value is None:
            return frozenset(slot_index.values())
        if not isinstance(value, list):
            self.problem(label, f"available must be a list of slot ids, not {type(value).__name__}")
            return frozenset()
        out = set()
        for sid in value:
            if isinstance(sid, str) and sid in slot_index:
                out.add(slot_index[sid])
            else:
                self.problem(label, f"available names unknown slot {_name(sid)}")
        return frozenset(out)

    def moment(self, label: str, item: dict, key: str) -> datetime | None:
        value = item.get(key)
        if not isinstance(value, str):
            self.problem(label, f"{key} must be an ISO 8601 date-time string, not {_name(value)}")
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.problem(label, f"{key} {_name(value)} is not an ISO 8601 date-time")
            return None
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.problem(label, f"{key} {_name(value)} has no UTC offset (write e.g. +08:00)")
            return None
        return moment

    # -- the lists ------------------------------------------------------------------------------
    def run(self) -> Instance:
        if not isinstance(self.data, dict):
            self.problem("instance", f"must be a JSON object, not {type(self.data).__name__}")
            raise InstanceError(self.problems)
        slots = []
        for label, item in self.entries("slots"):
            start, end = self.moment(label, item, "start"), self.moment(label, item, "end")
            if start and end and end <= start:
                self.problem(label, f"end {item['end']} is not after start {item['start']}")
            slots.append(Slot(item["id"], start, end))
        slot_index = {s.id: i for i, s in enumerate(slots)}

        tables = []
        for label, item in self.entries("tables"):
            zone = item.get("zone")
            if zone is not None and not isinstance(zone, str):
                self.problem(label, f"zone must be a string, not {_name(zone)}")
            tables.append(Table(item["id"], zone if isinstance(zone, str) else None))

        participants = []
        for label, item in self.entries("participants"):
            org = item.get("org")
            if org is not None and not isinstance(org, str):
                self.problem(label, f"org must be a string, not {_name(org)}")
            participants.append(Participant(item["id"], org if isinstance(org, str) else None,
                                            self.availability(label, item, slot_index), self.cap(label, item)))
        participant_index = {p.id: i for i, p in enumerate(participants)}

        brokers = []
        for label, item in self.entries("brokers"):
            specs = item.get("specialties")
            if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
                self.problem(label, f"specialties must be a list of strings, not {_name(specs)}")
                specs = []
            brokers.append(Broker(item["id"], frozenset(specs), self.availability(label, item, slot_index),
                                  self.cap(label, item)))
        broker_index = {b.id: i for i, b in enumerate(brokers)}

        requests = []
        for label, item in self.entries("requests"):
            ends = []
            for key in ("from", "to"):
                pid = item.get(key)
                if not isinstance(pid, str) or pid not in participant_index:
                    self.problem(label, f"'{key}' names unknown participant {_name(pid)}")
                    ends.append(None)
                else:
                    ends.append(participant_index[pid])
            if ends[0] is not None and ends[0] == ends[1]:
                self.problem(label, f"is a request from {item['from']} to itself")
            weight = item.get("weight", 1)
            if not _is_int(weight) or weight <= 0:
                self.problem(label, f"weight must be a positive whole number, not {_name(weight)}")
            needs = item.get("needs_broker", False)
            if not isinstance(needs, bool):
                self.problem(label, f"needs_broker must be true or false, not {_name(needs)}")
                needs = False
            topic = item.get("topic")
            if topic is not None and not isinstance(topic, str):
                self.problem(label, f"topic must be a string, not {_name(topic)}")
                topic = None
            if needs and not topic:
                self.problem(label, "needs a broker but has no topic")
            requests.append(Request(item["id"], ends[0], ends[1], weight, topic, needs))
        request_index = {r.id: i for i, r in enumerate(requests)}

        fixed = self.fixed(slots, slot_index, tables, participants, brokers, broker_index, requests, request_index)
        if self.problems:
            raise InstanceError(self.problems)
        return Instance(slots, tables, participants, brokers, requests, fixed)

    def fixed(self, slots, slot_index, tables, participants, brokers, broker_index, requests, request_index):
        table_index = {t.id: i for i, t in enumerate(tables)}
        out: list[Fixed] = []
        first_of_request: dict[int, str] = {}
        at_table: dict[tuple[int, int], str] = {}
        person_at: dict[tuple[int, int], str] = {}
        broker_at: dict[tuple[int, int], str] = {}
        person_count: dict[int, int] = {}
        broker_count: dict[int, int] = {}
        for label, item in self.entries("fixed"):
            ok = True
            refs = {}
            for key, index, kind in (("request", request_index, "request"), ("slot", slot_index, "slot"),
                                     ("table", table_index, "table")):
                value = item.get(key)
                if not isinstance(value, str) or value not in index:
                    self.problem(label, f"names unknown {kind} {_name(value)}")
                    ok = False
                else:
                    refs[key] = index[value]
            bid = item.get("broker")
            broker = None
            if bid is not None:
                if not isinstance(bid, str) or bid not in broker_index:
                    self.problem(label, f"names unknown broker {_name(bid)}")
                    ok = False
                else:
                    broker = broker_index[bid]
            if not ok:
                continue
            r, s, t = refs["request"], refs["slot"], refs["table"]
            req = requests[r]
            sid = slots[s].id
            if r in first_of_request:
                self.problem(label, f"request {req.id} is fixed twice (also {first_of_request[r]})")
                continue
            first_of_request[r] = label
            if (s, t) in at_table:
                self.problem(label, f"table {tables[t].id} in {sid} already holds {at_table[(s, t)]}")
            else:
                at_table[(s, t)] = label
            for p in (req.a, req.b):
                if p is None:
                    continue
                person = participants[p]
                if s not in person.available:
                    self.problem(label, f"{person.id} is not available in {sid}")
                if (p, s) in person_at:
                    self.problem(label, f"{person.id} already meets in {sid} ({person_at[(p, s)]})")
                else:
                    person_at[(p, s)] = label
                person_count[p] = person_count.get(p, 0) + 1
                if person.max_meetings is not None and person_count[p] == person.max_meetings + 1:
                    self.problem(label, f"{person.id} would have more fixed meetings than max_meetings "
                                        f"{person.max_meetings}")
            if not req.needs_broker:
                if broker is not None:
                    self.problem(label, f"request {req.id} needs no broker but broker {bid} is given")
                    broker = None
            elif broker is None:
                self.problem(label, f"request {req.id} needs a broker for topic '{req.topic}' but none is given")
            else:
                b = brokers[broker]
                if req.topic not in b.specialties:
                    self.problem(label, f"broker {b.id} has no specialty '{req.topic}'")
                if s not in b.available:
                    self.problem(label, f"broker {b.id} is not available in {sid}")
                if (broker, s) in broker_at:
                    self.problem(label, f"broker {b.id} already attends {broker_at[(broker, s)]} in {sid}")
                else:
                    broker_at[(broker, s)] = label
                broker_count[broker] = broker_count.get(broker, 0) + 1
                if b.max_meetings is not None and broker_count[broker] == b.max_meetings + 1:
                    self.problem(label, f"broker {b.id} would have more fixed meetings than max_meetings "
                                        f"{b.max_meetings}")
            out.append(Fixed(r, s, t, broker))
        return out
