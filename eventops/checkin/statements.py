"""The statements of a scan, built once per process (and database dialect) with bound parameters.

Building a SQLAlchemy statement (coercing every column, join and clause) costs more Python time than
executing it from SQLAlchemy's compiled cache: at the door, where every scan is a request, the scan's
statements are built here once and executed with their values (``services.scan``; the
INSERTs on the session's connection, as Core statements: the ORM's bulk INSERT path would take them).

The parameters of an INSERT or UPDATE are named apart from every column (``scan_…``, ``check_in_…``,
``seen_…``): SQLAlchemy would add an execution parameter named like a column to the statement's
VALUES or SET, and a CTE's UPDATE of ``devices`` would then set ``event_id``.
"""
from functools import cache

from sqlalchemy import bindparam, false, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from ..badges.models import Badge
from ..events.models import Event
from ..organisations.models import Organisation
from ..registration.models import Registration
from .models import CheckIn, Device, Gate, Scan

_standing, _at_gate = aliased(CheckIn), aliased(Gate)

#: what a scan needs of its event, device and gate
EVENT = (Event.id, Event.slug, Event.timezone, Event.starts_at, Event.ends_at, Event.checkin_opens_at,
         Event.checkin_closes_at)
DEVICE = (Device.id, Device.test_mode, Device.last_seen_at)
GATE = (Gate.id, Gate.name)
#: who the badge (or the person asked for) is: the badge's event and revocation, the holder as the door
#: shows them, and the check-in that stands (its id, moment and gate)
HOLDER = (Registration.id, Registration.event_id, Registration.name, Registration.category, Registration.status,
          Organisation.name, Organisation.org_type)
STANDING = (_standing.id, _standing.at, _at_gate.name)
CHECK_IN_VALUES = ("event_id", "registration_id", "gate_id", "at", "user_id", "device_id")
SCAN_VALUES = ("event_id", "nonce", "presented", "status", "gate_id", "registration_id", "check_in_id", "user_id",
               "device_id", "at", "received_at")


def check_in_values(**values) -> dict:
    return {f"check_in_{name}": values[name] for name in CHECK_IN_VALUES}


def scan_values(values: dict, **seen) -> dict:
    return {**{f"scan_{name}": values[name] for name in SCAN_VALUES}, **{f"seen_{k}": v for k, v in seen.items()}}


def insert(dialect: str, model):
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


@cache
def door(by: str | None = None):
    """Everything a scan looks up, in one statement: the event at ``:slug``; the device of
    ``:token_hash`` (one of this event's, not revoked); the gate ``:gate_id`` or ``:gate_name`` (one of
    this event's); and, ``by`` ``"code"`` (``:code``) or ``"registration"`` (``:registration_id``),
    the badge, its holder and their standing check-in, of any event (the caller tells another event's
    badge apart). A parameter given as None matches nothing; every part but the event is None when
    it is not found. Columns, not entities: loading ORM objects cost more than the round trip.

    Not the scan stored under the nonce: a retried scan is told by its INSERT (the nonce's unique
    index, ON CONFLICT), never by a look-up here. Such a look-up was planned once per connection,
    while ``scans`` was nearly empty, as a sequential scan, and a prepared statement keeps its plan
    until the table is analysed: every scan of the day got slower than the one before."""
    badge = (Badge.event_id, Badge.revoked_at) if by == "code" else (Registration.event_id, literal(None))
    statement = (select(*EVENT, *DEVICE, *GATE, *badge, *HOLDER, *STANDING).select_from(Event)
                 .where(Event.slug == bindparam("slug"))
                 .outerjoin(Device, (Device.event_id == Event.id) & (Device.token_hash == bindparam("token_hash"))
                            & Device.revoked_at.is_(None))
                 .outerjoin(Gate, (Gate.event_id == Event.id)
                            & ((Gate.id == bindparam("gate_id")) | (Gate.name == bindparam("gate_name")))))
    if by == "code":
        statement = (statement.outerjoin(Badge, Badge.code == bindparam("code"))
                     .outerjoin(Registration, Registration.id == Badge.registration_id))
    elif by == "registration":
        statement = statement.outerjoin(Registration, Registration.id == bindparam("registration_id"))
    else:  # no holder asked for: the same columns, all NULL
        statement = statement.outerjoin(Registration, false())
    return (statement.outerjoin(Organisation, Organisation.id == Registration.organisation_id)
            .outerjoin(_standing, (_standing.registration_id == Registration.id) & _standing.annulled_at.is_(None))
            .outerjoin(_at_gate, _at_gate.id == _standing.gate_id))


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
    return statement.add_cte(_seen_cte()) if seen else statement


def _seen_cte():
    return (update(Device).where(Device.id == bindparam("seen_device_id"))
            .values(last_seen_at=bindparam("seen_at")).returning(literal(1)).cte("seen"))


@cache
def admit(seen: bool = False):
    """PostgreSQL: the standing check-in and, only if it was written, its scan row (status ``ok``),
    in one statement (data-modifying CTEs): one round trip where two INSERTs would take two. Gives
    (check-in id, scan id): (None, None) when a check-in stood already (nothing written), (id, None)
    when the nonce was stored a moment ago (the caller deletes the check-in). ``seen``: the
    device's ``last_seen_at`` set to ``:seen_at`` too. Parameters: those of :func:`check_in_values`
    and :func:`scan_values` (``scan_status`` and ``scan_check_in_id`` aside: "ok" and the check-in's)."""
    check_in = (postgresql.insert(CheckIn).values({name: bindparam(f"check_in_{name}") for name in CHECK_IN_VALUES})
                .on_conflict_do_nothing(index_elements=[CheckIn.registration_id], index_where=CheckIn.annulled_at.is_(None))
                .returning(CheckIn.id).cte("check_in"))
    columns = Scan.__table__.c
    values = [check_in.c.id if name == "check_in_id" else literal("ok", columns.status.type) if name == "status"
              else bindparam(f"scan_{name}", type_=columns[name].type) for name in SCAN_VALUES]
    scan = (postgresql.insert(Scan).from_select(list(SCAN_VALUES), select(*values).select_from(check_in))
            .on_conflict_do_nothing(index_elements=[Scan.event_id, Scan.nonce]).returning(Scan.id).cte("scan"))
    statement = select(select(check_in.c.id).scalar_subquery(), select(scan.c.id).scalar_subquery())
    return statement.add_cte(_seen_cte()) if seen else statement


@cache
def note_seen():
    """The device ``:seen_device_id`` seen at ``:seen_at`` (where the scan's INSERT cannot carry it)."""
    return update(Device).where(Device.id == bindparam("seen_device_id")).values(last_seen_at=bindparam("seen_at"))


@cache
def standing():
    """The check-in that stands for ``:registration_id``, and its gate (after losing a race)."""
    return (select(CheckIn.id, CheckIn.at, Gate.name).join(Gate, Gate.id == CheckIn.gate_id)
            .where(CheckIn.registration_id == bindparam("registration_id"), CheckIn.annulled_at.is_(None)))
