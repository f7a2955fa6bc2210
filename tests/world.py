"""A whole event to probe every route with: the demo event (a small one) with its organizer, door
staff, signing clerk and exhibitor manager, an admin, the organizer of another event, an attendee
with their personal link, and a real object of every kind a route names."""
from dataclasses import dataclass, field

from sqlalchemy import select

from eventops.accounts.models import User
from eventops.checkin import services as checkin
from eventops.checkin.models import CheckIn
from eventops.demo import cli as demo
from eventops.events import services as events
from eventops.exhibitors.models import Booth, Demand, ExhibitorProfile, PrincipalInvestigator
from eventops.extensions import db
from eventops.core.models import MailMessage
from eventops.ledger.models import LedgerEntry, SigningSession
from eventops.meetings.models import Meeting, MeetingRequest
from eventops.registration import services as registrations

from .factories import PASSWORD, make_event, make_user, person

ACTORS = ["anonymous", "attendee", "door", "clerk", "manager", "stranger", "organizer", "admin"]
PASSWORDS = {email: password for email, password, _name, _admin in demo.LOGINS}


@dataclass
class World:
    event: object
    users: dict            # actor -> User (signed-in actors)
    token: str             # the attendee's personal link secret
    values: dict           # URL argument -> a real value at this event
    passwords: dict = field(default_factory=dict)
    per_actor: dict = field(default_factory=dict)  # actor -> values of their own

    def values_for(self, actor) -> dict:
        return {**self.values, **self.per_actor.get(actor, {})}


def _first(model, event, **where):
    query = select(model.id).where(model.event_id == event.id).order_by(model.id)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query.limit(1))


def build(app) -> World:
    with app.test_request_context():
        event, _created = demo.seed(people=20)
        db.session.commit()
        yes = {str(event.questions[0].id): "yes"}  # the demo's required question
        registration, token = registrations.register(event, person(9001, name="欧阳钇媛", tags=[], answers=yes))
        spare, _token = registrations.register(event, person(9002, name="李强", tags=[], answers=yes))
        organizer = db.session.scalar(select(User).where(User.email == "organizer@eventops.demo"))
        device, _device_token = checkin.issue_device(event, "东门 1 号机", actor=organizer)
        # what a POST deletes is each visitor's own: answers do not depend on who went first
        per_actor = {}
        for n, actor in enumerate(ACTORS):
            extra = make_user(f"extra{n}@example.cn")
            per_actor[actor] = {
                "grant_id": events.grant_role(event, extra.email, "door_staff", actor=organizer).id,
                "question_id": events.add_question(event, label_zh=f"备注{n}", kind="text", actor=organizer).id}
        db.session.commit()
    users = {actor: db.session.scalar(select(User).where(User.email == email)) for actor, email in [
        ("admin", "admin@eventops.demo"), ("organizer", "organizer@eventops.demo"), ("door", "door@eventops.demo"),
        ("clerk", "clerk@eventops.demo"), ("manager", "exhibitor@eventops.demo")]}
    stranger = make_user("elsewhere@example.cn")
    make_event(stranger)
    users["stranger"] = stranger
    passwords = {actor: PASSWORDS.get(user.email, PASSWORD) for actor, user in users.items()}
    manager_org = users["manager"].managed_organisations[0].organisation_id
    profile = db.session.scalar(select(ExhibitorProfile).where(ExhibitorProfile.event_id == event.id,
                                                               ExhibitorProfile.organisation_id == manager_org))
    values = {
        "slug": event.slug, "token": token, "registration_id": spare.id, "check_in_id": _first(CheckIn, event),
        "device_id": device.id, "batch_id": 1, "entry_id": _first(LedgerEntry, event),
        "booth_id": _first(Booth, event), "demand_id": _first(Demand, event),
        "profile_id": profile.id if profile else _first(ExhibitorProfile, event),
        "pi_id": _first(PrincipalInvestigator, event), "upload_id": 1, "name": "logo.png",
        "meeting_id": _first(Meeting, event), "org_id": manager_org,
        "request_id": _first(MeetingRequest, event), "job_id": 999_999, "message_id": _first(MailMessage, event),
        "session_id": _first(SigningSession, event),
        "kind": "tables", "action": "approve", "code": "en", "filename": "css/app.css",
    }
    return World(event=event, users=users, token=token, values=values, passwords=passwords, per_actor=per_actor)
