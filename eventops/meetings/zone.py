"""Setting the negotiation zone up, and who meets whom: the slot grid, tables, brokers, the zone's
settings (which registration answer means "I take part", when someone is at risk), the people
who take part and finding them by name, organisation or mobile, requests and their answers.

Rules:

- Only confirmed registrations meet. When the zone has an opt-in question, a participant finds
  and asks only people who answered "yes" to it; organizers may still ask on anyone's behalf.
- A pair whose meeting was cancelled (a request of theirs is ``cancelled``) is not scheduled
  again, and cannot be asked again by the participants, until an organizer re-opens it.

Services flush; callers commit. Changing meetings is :mod:`.placing`, the schedule button
:mod:`.scheduling`, drafts and announcements :mod:`.publishing`, the day itself :mod:`.day`."""
import unicodedata
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..core import audit
from ..core.db import contains
from ..core.errors import DomainError, InvalidInput
from ..core.timeutil import local_to_utc, now_utc
from ..events.models import Question
from ..extensions import db
from ..organisations.models import Organisation
from ..organisations.services import name_key
from ..registration.models import STATUS_APPROVED, Registration
from ..registration.validation import normalise_mobile
from .models import Broker, MeetingRequest, MeetingSlot, NegotiationTable, ProgrammeSession, ZoneSettings


class ZoneError(DomainError):
    pass


# --- the grid ---------------------------------------------------------------------------------

def slots_of(event):
    return db.session.scalars(select(MeetingSlot).where(MeetingSlot.event_id == event.id)
                              .order_by(MeetingSlot.starts_at)).all()


def tables_of(event):
    return db.session.scalars(select(NegotiationTable).where(NegotiationTable.event_id == event.id)
                              .order_by(NegotiationTable.code)).all()


def brokers_of(event):
    return db.session.scalars(select(Broker).where(Broker.event_id == event.id).order_by(Broker.id)).all()


def generate_slots(event, day, start, end, *, length=20, gap=5, breaks=(), actor) -> list[MeetingSlot]:
    """Cut a day (local times) into slots of ``length`` minutes with ``gap`` between, skipping breaks."""
    if length < 5 or length > 240 or gap < 0 or gap > 120:
        raise InvalidInput({"length": _("Slots last 5 to 240 minutes; gaps 0 to 120.")})
    first = datetime.combine(day, start)
    last = datetime.combine(day, end)
    if last <= first:
        raise InvalidInput({"end": _("The day must end after it starts.")})
    existing = {s.starts_at for s in slots_of(event)}
    number = len(existing)
    created, moment = [], first
    while moment + timedelta(minutes=length) <= last:
        finish = moment + timedelta(minutes=length)
        clash = next((b for b in breaks if moment.time() < b[1] and finish.time() > b[0]), None)
        if clash:
            moment = datetime.combine(day, clash[1])
            continue
        starts = local_to_utc(moment, event.timezone)
        if starts not in existing:
            number += 1
            slot = MeetingSlot(event_id=event.id, code=f"s{number:03d}", starts_at=starts,
                               ends_at=local_to_utc(finish, event.timezone))
            db.session.add(slot)
            created.append(slot)
        moment = finish + timedelta(minutes=gap)
    db.session.flush()
    audit.record(actor, "meetings.slots", event=event, details={"day": day.isoformat(), "created": len(created)})
    return created


def add_tables(event, count, *, zone="A", actor) -> list[NegotiationTable]:
    if not 1 <= count <= 500:
        raise InvalidInput({"count": _("Add 1 to 500 tables at a time.")})
    have = len(tables_of(event))
    tables = [NegotiationTable(event_id=event.id, code=f"T{have + n + 1:03d}", zone=(zone or "A")[:16])
              for n in range(count)]
    db.session.add_all(tables)
    db.session.flush()
    audit.record(actor, "meetings.tables", event=event, details={"added": count, "zone": zone})
    return tables


def set_broker(event, registration, *, specialties=(), languages=(), available=(), max_meetings=None, actor) -> Broker:
    if registration.event_id != event.id:
        raise ZoneError("not_found", _("No such person at this event."), status=404)
    broker = db.session.scalar(select(Broker).where(Broker.event_id == event.id, Broker.registration_id == registration.id))
    if broker is None:
        broker = Broker(event_id=event.id, registration_id=registration.id)
        db.session.add(broker)
    broker.specialties = [s.strip() for s in specialties if s.strip()][:20]
    broker.languages = [s.strip() for s in languages if s.strip()][:10]
    broker.available = [s for s in available if s][:200]
    broker.max_meetings = max_meetings
    db.session.flush()
    audit.record(actor, "meetings.broker", broker, event=event, details={"specialties": broker.specialties})
    return broker


# --- settings ---------------------------------------------------------------------------------

def keep_optin_question(question, **_kwargs):
    """Refuse to delete the question that decides who takes part (``events.question_deleting``):
    without it, the next schedule would take in every confirmed attendee."""
    if settings_of(question.event).optin_question_id == question.id:
        raise ZoneError("optin_question", _("This question decides who takes part in the negotiation zone. "
                                            "Choose another question (or none) in the zone's settings first."))


def settings_of(event) -> ZoneSettings:
    """The zone's settings (defaults until an organizer saves them; not added to the session)."""
    return db.session.get(ZoneSettings, event.id) or ZoneSettings(event_id=event.id, optin_question_id=None,
                                                                  at_risk_minutes=15)


def optin_questions(event) -> list[Question]:
    """The event's yes/no questions, any of which may be the zone's opt-in question."""
    return [q for q in event.questions if q.kind == "yesno"]


def save_settings(event, *, optin_question_id=None, at_risk_minutes=15, actor) -> ZoneSettings:
    errors = {}
    if optin_question_id is not None and optin_question_id not in {q.id for q in optin_questions(event)}:
        errors["optin_question"] = _("Choose one of the event's yes/no questions.")
    if not isinstance(at_risk_minutes, int) or not 0 <= at_risk_minutes <= 240:
        errors["at_risk_minutes"] = _("Give a number of minutes from 0 to 240.")
    if errors:
        raise InvalidInput(errors)
    settings = db.session.get(ZoneSettings, event.id)
    if settings is None:
        settings = ZoneSettings(event_id=event.id)
        db.session.add(settings)
    settings.optin_question_id, settings.at_risk_minutes = optin_question_id, at_risk_minutes
    db.session.flush()
    audit.record(actor, "meetings.settings", event=event,
                 details={"optin_question": optin_question_id, "at_risk_minutes": at_risk_minutes})
    return settings


# --- people -----------------------------------------------------------------------------------

def _opted_in(event):
    """The SQL condition "answered yes to the opt-in question", or None without one."""
    question_id = settings_of(event).optin_question_id
    if question_id is None:
        return None
    return Registration.answers[str(question_id)].as_string() == "yes"


def takes_part(registration) -> bool:
    """Whether ``registration`` takes part in one-to-one meetings (confirmed, and opted in)."""
    if registration.status != STATUS_APPROVED:
        return False
    question_id = settings_of(registration.event).optin_question_id
    return question_id is None or (registration.answers or {}).get(str(question_id)) == "yes"


def participants(event, limit=3000, *, opted_in=False):
    """The people who may meet: approved registrations (only those who opted in), by name."""
    query = select(Registration).where(Registration.event_id == event.id, Registration.status == STATUS_APPROVED)
    if opted_in and (condition := _opted_in(event)) is not None:
        query = query.where(condition)
    return db.session.scalars(query.order_by(Registration.name).limit(limit)).all()


def _matching(q: str, *, staff: bool):
    """Who ``q`` finds: part of the name or of the organisation's name; a mobile number (part of
    it, 4 digits or more, for staff; the whole number for participants, who never see numbers)."""
    q = " ".join((q or "").split())[:100]
    if not q:
        return None
    conditions = [contains(func.lower(Registration.name), unicodedata.normalize("NFKC", q).lower()),
                  contains(Organisation.name_key, name_key(q))]
    digits = "".join(ch for ch in q if ch.isdigit())
    if staff and len(digits) >= 4 and all(ch.isdigit() or ch in " -+" for ch in q):
        conditions.append(contains(Registration.mobile, digits))
    elif (mobile := normalise_mobile(q)) is not None:
        conditions.append(Registration.mobile == mobile)
    return or_(*conditions)


def find_people(event, q, *, staff=False, asked_by=None, category=None, limit=12) -> list[Registration]:
    """People of the event whom ``q`` finds (:func:`_matching`), by name: for organizers
    (``staff``) every confirmed registration, for a participant (``asked_by``) those who take
    part, without themselves."""
    condition = _matching(q, staff=staff)
    if condition is None:
        return []
    query = (select(Registration).join(Organisation, Registration.organisation_id == Organisation.id)
             .where(Registration.event_id == event.id, Registration.status == STATUS_APPROVED, condition))
    if not staff and (opted := _opted_in(event)) is not None:
        query = query.where(opted)
    if asked_by is not None:
        query = query.where(Registration.id != asked_by.id)
    if category:
        query = query.where(Registration.category == category)
    return db.session.scalars(query.order_by(Registration.name, Registration.id).limit(limit)).all()


def find_requests(event, q, *, statuses=("accepted",), limit=12) -> list[MeetingRequest]:
    """Requests between two participants, either of whom ``q`` finds."""
    condition = _matching(q, staff=True)
    if condition is None:
        return []
    people = (select(Registration.id).join(Organisation, Registration.organisation_id == Organisation.id)
              .where(Registration.event_id == event.id, condition))
    return db.session.scalars(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.status.in_(statuses),
        MeetingRequest.from_registration_id.is_not(None), MeetingRequest.to_registration_id.is_not(None),
        or_(MeetingRequest.from_registration_id.in_(people), MeetingRequest.to_registration_id.in_(people)))
        .order_by(MeetingRequest.id).limit(limit)).all()


def person(event, registration_id, *, field: str, message) -> Registration:
    """The registration of this event chosen in a form (by id), or InvalidInput on ``field``."""
    registration = db.session.get(Registration, registration_id) if isinstance(registration_id, int) else None
    if registration is None or registration.event_id != event.id:
        raise InvalidInput({field: message})
    return registration


def of_event(model, row_id, event):
    """A zone row (request, slot, table, broker, meeting) of this event chosen in a form, or None."""
    row = db.session.get(model, row_id) if isinstance(row_id, int) else None
    return row if row is not None and row.event_id == event.id else None


# --- requests ---------------------------------------------------------------------------------

def pair_requests(event, a_id, b_id, *, statuses=None):
    """The requests between two people, either way round."""
    query = select(MeetingRequest).where(MeetingRequest.event_id == event.id, or_(
        (MeetingRequest.from_registration_id == a_id) & (MeetingRequest.to_registration_id == b_id),
        (MeetingRequest.from_registration_id == b_id) & (MeetingRequest.to_registration_id == a_id)))
    if statuses:
        query = query.where(MeetingRequest.status.in_(statuses))
    return db.session.scalars(query.order_by(MeetingRequest.id)).all()


def ask(event, from_registration, to_registration, *, topic="", message="", needs_broker=False, weight=1, actor=None):
    """A participant asks another to meet (an organizer may ask on someone's behalf: actor)."""
    if from_registration.id == to_registration.id:
        raise InvalidInput({"to": _("You cannot ask yourself for a meeting.")})
    for person in (from_registration, to_registration):
        if person.event_id != event.id or person.status != STATUS_APPROVED:
            raise InvalidInput({"to": _("Both people need a confirmed registration at this event.")})
    if actor is None and not takes_part(to_registration):
        raise InvalidInput({"to": _("This person does not take part in one-to-one meetings.")})
    if pair_requests(event, from_registration.id, to_registration.id, statuses=("cancelled",)):
        if actor is None:
            raise ZoneError("cancelled", _("Your meeting with this person was cancelled; the organizers can re-open it."),
                            status=409, field="to")
        raise ZoneError("cancelled", _("The meeting of these two people was cancelled: re-open its request instead."),
                        status=409, field="to")
    duplicate = db.session.scalar(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.from_registration_id == from_registration.id,
        MeetingRequest.to_registration_id == to_registration.id, MeetingRequest.status.in_(("new", "accepted"))))
    if duplicate:
        raise ZoneError("duplicate", _("You have already asked this person."), status=409, field="to")
    request = MeetingRequest(event_id=event.id, from_registration_id=from_registration.id,
                             from_organisation_id=from_registration.organisation_id, target_kind="participant",
                             target_id=to_registration.id, to_registration_id=to_registration.id,
                             to_organisation_id=to_registration.organisation_id, topic=(topic or "").strip()[:200],
                             message=(message or "").strip()[:2000], needs_broker=bool(needs_broker),
                             weight=max(1, min(int(weight or 1), 2)), created_by_id=getattr(actor, "id", None),
                             status="accepted" if actor is not None else "new", created_at=now_utc())
    db.session.add(request)
    db.session.flush()
    if actor is not None:
        audit.record(actor, "meetings.request", request, event=event, details={"on_behalf_of": from_registration.id})
    return request


def ask_organisation(event, *, target_kind, target_id, to_organisation_id, topic="", message="",
                     from_organisation=None, from_name="", from_contact="") -> MeetingRequest:
    """Someone asks an organisation for a meeting from the showcase: a visitor about a PI or an
    exhibitor (with a name and a contact), or an exhibitor manager from the demand board (as
    their organisation). Organizers turn it into a meeting between two participants."""
    errors = {}
    if from_organisation is None:
        if not (from_name or "").strip():
            errors["from_name"] = _("Please enter your name.")
        if not (from_contact or "").strip():
            errors["from_contact"] = _("Please enter a mobile number or e-mail address.")
    if from_organisation is not None and from_organisation.id == to_organisation_id:
        errors["topic"] = _("You cannot ask your own organisation for a meeting.")
    if errors:
        raise InvalidInput(errors)
    request = MeetingRequest(event_id=event.id, target_kind=target_kind, target_id=target_id,
                             to_organisation_id=to_organisation_id, from_organisation=from_organisation,
                             from_name=(from_name or "").strip()[:50], from_contact=(from_contact or "").strip()[:255],
                             topic=(topic or "").strip()[:200], message=(message or "").strip()[:2000],
                             created_at=now_utc())
    db.session.add(request)
    db.session.flush()
    return request


def respond(request, registration, *, accept: bool) -> MeetingRequest:
    if request.to_registration_id != registration.id:
        raise ZoneError("not_yours", _("This request is not addressed to you."), status=403)
    if request.status != "new":
        raise ZoneError("answered", _("This request has already been answered."))
    request.status, request.responded_at = ("accepted" if accept else "declined"), now_utc()
    db.session.flush()
    return request


def prioritise(request, weight, *, actor):
    request.weight = max(1, min(int(weight), 2))
    audit.record(actor, "meetings.prioritise", request, event=request.event, details={"weight": request.weight})
    db.session.flush()


def requests_to(registration):
    return db.session.scalars(select(MeetingRequest).where(MeetingRequest.to_registration_id == registration.id)
                              .order_by(MeetingRequest.created_at.desc())).all()


def requests_from(registration):
    return db.session.scalars(select(MeetingRequest).where(MeetingRequest.from_registration_id == registration.id)
                              .order_by(MeetingRequest.created_at.desc())).all()


def answer(registration, request_id, *, accept: bool) -> MeetingRequest:
    """The participant answers a request addressed to them (chosen by id on their page)."""
    request = of_event(MeetingRequest, request_id, registration.event)
    if request is None:
        raise ZoneError("not_found", _("No such request."), status=404)
    return respond(request, registration, accept=accept)


def count_requests(event) -> int:
    return db.session.scalar(select(func.count()).select_from(MeetingRequest).where(MeetingRequest.event_id == event.id))


def requests_of(event, *, status=None, limit=None):
    query = select(MeetingRequest).where(MeetingRequest.event_id == event.id)
    if status:
        query = query.where(MeetingRequest.status == status)
    query = query.order_by(MeetingRequest.created_at.desc())
    return db.session.scalars(query.limit(limit) if limit else query).all()


def sessions_of(event):
    """The programme, in order."""
    return db.session.scalars(select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)
                              .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)).all()


def add_session(event, *, kind, title_zh, title_en="", room="", starts_at, ends_at, speakers=()):
    """A programme session (forum, keynote, signing ceremony...)."""
    if ends_at <= starts_at:
        raise InvalidInput({"ends_at": _("The session must end after it starts.")})
    session = ProgrammeSession(event_id=event.id, kind=kind, title_zh=title_zh[:200], title_en=title_en[:200],
                               room=room[:100], starts_at=starts_at, ends_at=ends_at, speakers=list(speakers)[:20])
    db.session.add(session)
    db.session.flush()
    return session


