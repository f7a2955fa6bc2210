"""The statements of a scan, built once per process (and database dialect) with bound parameters.

Building a SQLAlchemy statement (coercing every column, join and clause) costs more Python time than
executing it from SQLAlchemy's compiled cache: at the door, where every scan is a request, the scan's
four statements are built here once and executed with their values (``services.scan``; the
INSERTs on the session's connection, as Core statements: the ORM's bulk INSERT path would take them).

The parameters of an INSERT or UPDATE are named apart from every column (``scan_…``, ``check_in_…``,
``seen_…``): SQLAlchemy would add an execution parameter named like a column to the statement's
VALUES or SET, and a CTE's UPDATE of ``devices`` would then set ``event_id``.
"""
from functools import cache

from sqlalchemy import bindparam, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from ..badges.models import Badge
from ..events.models import Event
from ..registration.models import Registration
from .models import CheckIn, Device, Gate, Scan

_standing, _at_gate = aliased(CheckIn), aliased(Gate)
#: the registration, and the check-in that stands (its id, moment and gate): what a verdict needs
FOUND = (Registration, _standing.id, _standing.at, _at_gate.name)
CHECK_IN_VALUES = ("event_id", "registration_id", "gate_id", "at", "user_id", "device_id")
SCAN_VALUES = ("event_id", "nonce", "presented", "status", "gate_id", "registration_id", "check_in_id", "user_id",
               "device_id", "at", "received_at")


def _with_standing(query):
    return (query.outerjoin(_standing, (_standing.registration_id == Registration.id) & _standing.annulled_at.is_(None))
            .outerjoin(_at_gate, _at_gate.id == _standing.gate_id))


def check_in_values(**values) -> dict:
    return {f"check_in_{name}": values[name] for name in CHECK_IN_VALUES}


def scan_values(values: dict, **seen) -> dict:
    return {**{f"scan_{name}": values[name] for name in SCAN_VALUES}, **{f"seen_{k}": v for k, v in seen.items()}}


def insert(dialect: str, model):
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


@cache
def door():
    """The event at ``:slug`` with the device of ``:token_hash`` (one of this event's, not revoked),
    the gate ``:gate_id`` or ``:gate_name`` (one of this event's) and the scan stored under
    ``:nonce``: one statement. A parameter given as None matches nothing."""
    return (select(Event, Device, Gate, Scan).select_from(Event).where(Event.slug == bindparam("slug"))
            .outerjoin(Device, (Device.event_id == Event.id) & (Device.token_hash == bindparam("token_hash"))
                       & Device.revoked_at.is_(None))
            .outerjoin(Gate, (Gate.event_id == Event.id)
                       & ((Gate.id == bindparam("gate_id")) | (Gate.name == bindparam("gate_name"))))
            .outerjoin(Scan, (Scan.event_id == Event.id) & (Scan.nonce == bindparam("nonce"))))


@cache
def by_code():
    """Badge (event, revoked) + :data:`FOUND` for ``:code``: one statement."""
    return _with_standing(select(Badge.event_id, Badge.revoked_at, *FOUND).select_from(Badge)
                          .join(Registration, Registration.id == Badge.registration_id)).where(Badge.code == bindparam("code"))


@cache
def by_registration():
    """:data:`FOUND` for ``:registration_id`` (a person found by name at the door)."""
    return _with_standing(select(*FOUND).select_from(Registration)).where(Registration.id == bindparam("registration_id"))


@cache
def add_check_in(dialect: str):
    """The standing check-in, unless one stands already (then no row: RETURNING gives nothing)."""
    return (insert(dialect, CheckIn).values({name: bindparam(f"check_in_{name}") for name in CHECK_IN_VALUES})
            .on_conflict_do_nothing(index_elements=[CheckIn.registration_id], index_where=CheckIn.annulled_at.is_(None))
            .returning(CheckIn.id))


@cache
def add_scan(dialect: str, seen: bool = False):
    """The scan row, unless its nonce is stored already. ``seen`` (PostgreSQL): the device's
    ``last_seen_at`` set to ``:seen_at`` in the same statement (a data-modifying CTE)."""
    statement = (insert(dialect, Scan).values({name: bindparam(f"scan_{name}") for name in SCAN_VALUES})
                 .on_conflict_do_nothing(index_elements=[Scan.event_id, Scan.nonce]).returning(Scan.id))
    if seen:
        statement = statement.add_cte(update(Device).where(Device.id == bindparam("seen_device_id"))
                                      .values(last_seen_at=bindparam("seen_at")).returning(literal(1)).cte("seen"))
    return statement


@cache
def standing():
    """The check-in that stands for ``:registration_id``, and its gate (after losing a race)."""
    return (select(CheckIn.id, CheckIn.at, Gate.name).join(Gate, Gate.id == CheckIn.gate_id)
            .where(CheckIn.registration_id == bindparam("registration_id"), CheckIn.annulled_at.is_(None)))
