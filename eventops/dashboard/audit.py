"""The audit log as people read it: each action in words, people and objects by name with a link
to their page, each change as field, before and after, text as text.

The entries are written by every domain (``core.audit.record``); this module sits on top of them
and is the one place that knows how to name each kind of object and where its page is."""
from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import EventRole, User
from ..badges.models import Badge
from ..checkin.models import CheckIn, Device, Gate
from ..core.models import AuditEntry
from ..events.models import Event, Question
from ..exhibitors.models import Booth, BoothApplication, Demand, ExhibitorProfile, PrincipalInvestigator
from ..extensions import db
from ..ledger.models import LedgerEntry, SigningSession
from ..meetings.models import Broker, Meeting, MeetingRequest
from ..organisations.models import Organisation
from ..registration.models import STATUSES, ImportBatch, Registration

ACTIONS = {
    "event.create": _l("Event created"), "event.update": _l("Event settings changed"),
    "question.create": _l("Question added"), "question.delete": _l("Question removed"),
    "role.grant": _l("Role given"), "role.revoke": _l("Role removed"),
    "registration.create": _l("Registration added"), "registration.update": _l("Registration details changed"),
    "registration.approve": _l("Registration approved"), "registration.reject": _l("Registration rejected"),
    "registration.cancel": _l("Registration cancelled"), "registration.promote": _l("Moved from the waitlist"),
    "registration.export": _l("Registrations exported"),
    "registration.import": _l("Registrations imported"),
    "badge.reissue": _l("Badge reissued"), "gate.create": _l("Gate added"), "device.issue": _l("Scanner device added"),
    "device.revoke": _l("Scanner device revoked"), "checkin.annul": _l("Check-in annulled"),
    "ledger.record": _l("Contract recorded"), "ledger.reverse": _l("Contract reversed"),
    "ledger.correct": _l("Contract corrected"), "ledger.confirm": _l("Contract confirmed"),
    "signing_session.create": _l("Signing session added"),
    "meetings.slots": _l("Meeting slots added"), "meetings.tables": _l("Negotiation tables added"),
    "meetings.broker": _l("Broker saved"), "meetings.request": _l("Meeting request added"),
    "meetings.prioritise": _l("Meeting request priority changed"), "meetings.schedule": _l("Meetings scheduled"),
    "meetings.replan": _l("Rest of the day re-planned"),
    "meetings.place": _l("Meeting placed"), "meetings.move": _l("Meeting moved"),
    "meetings.cancel": _l("Meeting cancelled"), "meetings.announce": _l("Meeting changes announced"),
    "meetings.undo": _l("Meeting change undone"), "meetings.reopen": _l("Meeting request re-opened"),
    "meetings.settings": _l("Negotiation zone settings changed"), "meetings.held": _l("Meeting marked held"),
    "meetings.no_show": _l("Meeting marked as a no-show"), "meetings.unmark": _l("Meeting mark taken back"),
    "meetings.standby": _l("Standby request placed at a freed table"),
    "exhibitor.manager": _l("Exhibitor manager named"), "exhibitor.profile.update": _l("Exhibitor profile edited"),
    "exhibitor.profile.publish": _l("Exhibitor profile published"),
    "exhibitor.profile.reject": _l("Exhibitor profile returned for changes"),
    "exhibitor.logo.upload": _l("Logo uploaded"), "exhibitor.brochure.upload": _l("Brochure uploaded"),
    "booth.create": _l("Booth added"), "booth.apply": _l("Booth applied for"), "booth.assign": _l("Booth assigned"),
    "booth.release": _l("Booth released"), "pi.create": _l("PI added"),
    "demand.submit": _l("Demand submitted"), "demand.publish": _l("Demand published"),
    "demand.reject": _l("Demand not published"),
    "job.start": _l("Job started"),
    "mail.resend": _l("Mail sent again"),
    "registration.send_links": _l("Personal links mailed"),
    "checkin.window": _l("Check-in window changed"),
    "device.test_mode": _l("Scanner test mode changed"),
    "signing_session.close": _l("Signing session closed"),
    "achievement.create": _l("Achievement added"),
    "achievement.stage": _l("Achievement stage changed"),
    "article.create": _l("Report written"),
    "article.update": _l("Report edited"),
    "article.publish": _l("Report published"),
    "trial.submit": _l("Clinical trial submitted"),
    "trial.publish": _l("Clinical trial published"),
    "policy.submit": _l("Policy submitted"),
    "policy.update": _l("Policy edited"),
    "policy.publish": _l("Policy published"),
    "policy.reject": _l("Policy returned to its author"),
    "policy.attach": _l("Policy document attached"),
    "policy.session": _l("Policy briefing session linked"),
}

FIELDS = {
    "name": _l("Name"), "name_zh": _l("Name (Chinese)"), "name_en": _l("Name (English)"), "slug": _l("Web address"),
    "venue_zh": _l("Venue (Chinese)"), "venue_en": _l("Venue (English)"), "timezone": _l("Time zone"),
    "description_zh": _l("Description (Chinese)"), "description_en": _l("Description (English)"),
    "starts_at": _l("Starts"), "ends_at": _l("Ends"), "registration_opens_at": _l("Registration opens"),
    "registration_closes_at": _l("Registration closes"), "capacity": _l("Places in all"),
    "category_capacities": _l("Places per category"), "requires_approval": _l("Organizers approve each registration"),
    "auto_promote": _l("Give freed places to the waitlist automatically"), "published": _l("Published"),
    "signing_requires_confirmation": _l("Signed contracts count only after a second person confirms them"),
    "interest_tags": _l("Interest tags"), "organisation": _l("Organisation"), "position": _l("Position"),
    "mobile": _l("Mobile number"), "email": _l("E-mail"), "tags": _l("Interests"), "answers": _l("Answers"),
    "category": _l("Category"), "status": _l("Status"), "from": _l("From"), "to": _l("To"), "source": _l("Source"),
    "user": _l("Account"), "role": _l("Role"), "label": _l("Question"), "reason": _l("Reason"), "seq": _l("Entry"),
    "title": _l("Title"), "amount_fen": _l("Amount in fen"), "reverses": _l("Reverses entry"),
    "corrects": _l("Corrects entry"), "confirms": _l("Confirms entry"), "code": _l("Code"), "slot": _l("Slot"),
    "table": _l("Table"), "day": _l("Day"), "created": _l("Created"), "added": _l("Added"), "zone": _l("Zone"),
    "imported": _l("Imported"), "confirmed": _l("Confirmed"), "waitlisted": _l("Waitlisted"),
    "skipped": _l("Skipped"), "rejected": _l("Rejected"), "filters": _l("Filters"), "placed": _l("Placed"),
    "unscheduled": _l("Not placed"), "objective": _l("Objective"), "meetings": _l("Meetings"), "people": _l("People"),
    "specialties": _l("Specialties"), "weight": _l("Priority"), "on_behalf_of": _l("On behalf of"),
    "preferences": _l("Preferences"), "profile": _l("Profile"), "note": _l("Note"), "size": _l("Size in bytes"),
    "recommended": _l("Recommended counterparts"), "old_badge": _l("Old badge"), "new_badge": _l("New badge"),
    "registration": _l("Registration"), "optin_question": _l("Opt-in question"),
    "at_risk_minutes": _l("Minutes before a meeting for at risk"), "meeting": _l("Meeting"),
}

#: object type -> (model, how to name a row, the endpoint of its page and its arguments, or None)
OBJECTS = {
    "Event": (Event, lambda o: o.name_zh, lambda o: ("dashboard.event", {})),
    "Registration": (Registration, lambda o: o.name,
                     lambda o: ("dashboard.registration", {"registration_id": o.id})),
    "CheckIn": (CheckIn, lambda o: o.registration.name,
                lambda o: ("dashboard.registration", {"registration_id": o.registration_id})),
    "Badge": (Badge, lambda o: o.registration.name,
              lambda o: ("dashboard.registration", {"registration_id": o.registration_id})),
    "ImportBatch": (ImportBatch, lambda o: o.filename, lambda o: ("backoffice.import_preview", {"batch_id": o.id})),
    "Question": (Question, lambda o: o.label_zh, lambda o: ("events.questions", {})),
    "EventRole": (EventRole, lambda o: o.user.email, lambda o: ("events.team", {})),
    "Gate": (Gate, lambda o: o.name, lambda o: ("checkin.overview", {})),
    "Device": (Device, lambda o: o.name, lambda o: ("checkin.overview", {})),
    "LedgerEntry": (LedgerEntry, lambda o: f"#{o.seq} {o.title or ''}".strip(),
                    lambda o: ("ledger.entry", {"entry_id": o.id})),
    "SigningSession": (SigningSession, lambda o: o.name_zh, lambda o: ("ledger.sessions", {})),
    "Meeting": (Meeting, lambda o: f"{o.participant_a.name} · {o.participant_b.name}",
                lambda o: ("meetings.manage", {})),
    "MeetingRequest": (MeetingRequest, lambda o: o.topic or f"#{o.id}", lambda o: ("meetings.manage", {})),
    "Broker": (Broker, lambda o: o.registration.name, lambda o: ("meetings.manage", {})),
    "Organisation": (Organisation, lambda o: o.name, None),
    "ExhibitorProfile": (ExhibitorProfile, lambda o: o.organisation.name,
                         lambda o: ("portal.organisation", {"org_id": o.organisation_id})),
    "Booth": (Booth, lambda o: o.code, lambda o: ("showcase.index", {})),
    "BoothApplication": (BoothApplication, lambda o: o.profile.organisation.name, lambda o: ("showcase.index", {})),
    "PrincipalInvestigator": (PrincipalInvestigator, lambda o: o.name, lambda o: ("exhibitors.pi", {"pi_id": o.id})),
    "Demand": (Demand, lambda o: o.title, lambda o: ("showcase.index", {})),
}
#: detail fields that hold a registration's id: shown by name, linked
PERSON_FIELDS = {"registration", "on_behalf_of"}


@dataclass
class Line:
    at: datetime
    actor: str
    action: str
    object_name: str = ""
    object_url: str | None = None
    changes: list = field(default_factory=list)   # (label, before, after)
    details: list = field(default_factory=list)   # (label, value, url or None)


def as_text(value) -> str:
    """A detail value as a person reads it: text as text (never JSON escapes), lists joined."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, list):
        return "、".join(as_text(v) for v in value) if value else "—"
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {as_text(v)}" for k, v in value.items()) if value else "—"
    return str(value)


def _label(name) -> str:
    return str(FIELDS.get(name, name))


def _load(entries):
    """Every object and person the entries name, one query per kind."""
    wanted = {}
    for entry in entries:
        if entry.object_type in OBJECTS and entry.object_id:
            wanted.setdefault(entry.object_type, set()).add(entry.object_id)
        for key in PERSON_FIELDS:
            if isinstance((entry.details or {}).get(key), int):
                wanted.setdefault("Registration", set()).add(entry.details[key])
    loaded = {}
    for kind, ids in wanted.items():
        model = OBJECTS[kind][0]
        loaded[kind] = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}
    return loaded


def _link(kind, row, event):
    _model, name_of, page = OBJECTS[kind]
    try:
        name = name_of(row)
    except AttributeError:  # a related row has gone
        name = f"{kind} {row.id}"
    if page is None:
        return name, None
    endpoint, args = page(row)
    return name, url_for(endpoint, slug=event.slug, **args)


def readable(entries, event) -> list[Line]:
    loaded = _load(entries)
    lines = []
    for entry in entries:
        actor = entry.actor.name or entry.actor.email if isinstance(entry.actor, User) else entry.actor_label
        line = Line(at=entry.at, actor=actor or "—", action=str(ACTIONS.get(entry.action, entry.action)))
        row = loaded.get(entry.object_type, {}).get(entry.object_id)
        if row is not None:
            line.object_name, line.object_url = _link(entry.object_type, row, event)
        elif entry.object_type:
            line.object_name = "—"  # the object has been removed since
        details = dict(entry.details or {})
        if entry.action.startswith("registration.") and details.keys() == {"from", "to"}:
            line.changes.append((_label("status"), str(STATUSES.get(details.pop("from"), "—")),
                                 str(STATUSES.get(details.pop("to"), "—"))))
        for key, value in details.items():
            if key in PERSON_FIELDS and isinstance(value, int) and value in loaded.get("Registration", {}):
                name, url = _link("Registration", loaded["Registration"][value], event)
                line.details.append((_label(key), name, url))
            elif isinstance(value, list) and len(value) == 2 and entry.action.endswith(".update"):
                line.changes.append((_label(key), as_text(value[0]), as_text(value[1])))
            else:
                line.details.append((_label(key), as_text(value), None))
        lines.append(line)
    return lines


def entries_page(event, *, page=1, per_page=100):
    """A page of the event's audit log, newest first."""
    return db.paginate(select(AuditEntry).where(AuditEntry.event_id == event.id)
                       .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
                       page=max(page or 1, 1), per_page=per_page, error_out=False)
