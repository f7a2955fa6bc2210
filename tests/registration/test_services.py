"""Registration rules, tested without HTTP."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from eventops.core.errors import InvalidInput
from eventops.core.mail import delivered_body
from eventops.core.models import AuditEntry, MailMessage
from eventops.events import services as events
from eventops.extensions import db
from eventops.registration import services
from eventops.registration.models import Registration

from ..factories import make_event, person


def register(event, data, **kw):
    registration, token = services.register(event, data, **kw)
    db.session.commit()
    return registration, token


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def statuses(event):
    return [r.status for r in db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.id))]


def test_register_confirms_and_mails_a_personal_link(event):
    registration, token = register(event, person(1, name="李钇媛"))
    assert registration.status == "approved"
    assert registration.name == "李钇媛"
    assert services.by_token(token).id == registration.id
    assert registration.token_hash != token and len(token) >= 32
    mail = db.session.scalar(select(MailMessage))
    assert mail.to_address == "p1@example.cn"
    assert token not in mail.body and "/r/⟪secret:0⟫" in mail.body  # organizers read the outbox
    assert f"/r/{token}" in delivered_body(mail)


def test_full_event_waitlists_and_promotes_in_order(organizer):
    event = make_event(organizer, capacity=2)
    first, _ = register(event, person(1))
    register(event, person(2))
    third, _ = register(event, person(3))
    fourth, _ = register(event, person(4))
    assert statuses(event) == ["approved", "approved", "waitlisted", "waitlisted"]
    promoted = services.cancel(first)
    db.session.commit()
    assert [p.id for p in promoted] == [third.id]
    assert statuses(event) == ["cancelled", "approved", "approved", "waitlisted"]
    assert fourth.status == "waitlisted"
    subjects = [m.subject for m in db.session.scalars(select(MailMessage).where(MailMessage.to_address == "p3@example.cn"))]
    assert len(subjects) == 2  # waitlisted, then promoted


def test_category_capacity_is_separate_from_the_event(organizer):
    event = make_event(organizer, capacity=10, category_capacities={"media": 1})
    register(event, person(1, category="media"))
    second, _ = register(event, person(2, category="media"))
    attendee, _ = register(event, person(3, category="attendee"))
    assert second.status == "waitlisted"
    assert attendee.status == "approved"


def test_promotion_skips_people_whose_category_is_still_full(organizer):
    event = make_event(organizer, capacity=2, category_capacities={"media": 1})
    media1, _ = register(event, person(1, category="media"))
    attendee1, _ = register(event, person(2))
    media2, _ = register(event, person(3, category="media"))
    attendee2, _ = register(event, person(4))
    services.cancel(attendee1)
    db.session.commit()
    assert media2.status == "waitlisted"
    assert attendee2.status == "approved"


def test_same_mobile_or_email_cannot_register_twice(event):
    register(event, person(1))
    with pytest.raises(services.RegistrationError) as exc:
        services.register(event, person(2, mobile="+86 139-0000-0001"))
    assert exc.value.code == "already_registered" and exc.value.field == "mobile"
    db.session.rollback()
    with pytest.raises(services.RegistrationError) as exc:
        services.register(event, person(3, email="P1@Example.CN"))
    assert exc.value.field == "email"


def test_after_cancelling_one_may_register_again(event):
    registration, _ = register(event, person(1))
    services.cancel(registration)
    db.session.commit()
    again, _ = register(event, person(1))
    assert again.status == "approved"


def test_approval_flow(organizer):
    event = make_event(organizer, requires_approval=True, capacity=1)
    pending, _ = register(event, person(1))
    waiting, _ = register(event, person(2))
    assert (pending.status, waiting.status) == ("pending", "waitlisted")
    services.approve(pending, actor=organizer)
    db.session.commit()
    assert pending.status == "approved"
    with pytest.raises(services.RegistrationError):
        services.approve(pending, actor=organizer)
    db.session.rollback()
    services.reject(pending, actor=organizer)
    db.session.commit()
    assert waiting.status == "pending"  # promoted, and still needs the organizers' review
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "registration.approve" in actions and "registration.reject" in actions


def test_manual_promotion_when_automatic_is_off(organizer):
    event = make_event(organizer, capacity=1, auto_promote=False)
    first, _ = register(event, person(1))
    second, _ = register(event, person(2))
    third, _ = register(event, person(3))
    services.cancel(first)
    db.session.commit()
    assert second.status == third.status == "waitlisted"
    services.move_from_waitlist(third, actor=organizer)
    db.session.commit()
    assert third.status == "approved"
    with pytest.raises(services.RegistrationError) as exc:
        services.move_from_waitlist(second, actor=organizer)
    assert exc.value.code == "full"


def test_raising_capacity_promotes_the_waitlist(organizer):
    event = make_event(organizer, capacity=1)
    register(event, person(1))
    second, _ = register(event, person(2))
    data = events.EventData(**{k: getattr(event, k) for k in (
        "slug", "name_zh", "name_en", "venue_zh", "venue_en", "description_zh", "description_en",
        "starts_at", "ends_at", "timezone", "registration_opens_at", "registration_closes_at",
        "requires_approval", "auto_promote", "published", "interest_tags")}, capacity=2)
    promoted = events.update_event(event, data, actor=organizer)
    db.session.commit()
    assert [p.id for p in promoted] == [second.id]


def test_registration_window(organizer):
    now = datetime.now(timezone.utc)
    later = make_event(organizer, registration_opens_at=now + timedelta(days=1))
    with pytest.raises(services.RegistrationError) as exc:
        services.register(later, person(1))
    assert exc.value.code == "not_open"
    closed = make_event(organizer, registration_opens_at=now - timedelta(days=2),
                        registration_closes_at=now - timedelta(days=1))
    with pytest.raises(services.RegistrationError) as exc:
        services.register(closed, person(1))
    assert exc.value.code == "closed"


def test_invalid_input_saves_nothing(event):
    with pytest.raises(InvalidInput) as exc:
        services.register(event, person(1, mobile="12345", email="not-an-email", name=" ", category="boss"))
    assert set(exc.value.errors) >= {"mobile", "email", "name", "category"}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_existing_organisation_is_reused_and_keeps_its_type(event):
    a, _ = register(event, person(1, organisation="广东省人民医院", org_type="hospital"))
    b, _ = register(event, person(2, organisation=" 广东省人民医院 ", org_type="enterprise"))
    assert a.organisation_id == b.organisation_id
    assert b.organisation.org_type == "hospital"


def test_update_details_keeps_category_and_checks_duplicates(event, organizer):
    a, _ = register(event, person(1))
    register(event, person(2))
    services.update_details(a, person(1, name="王媛", category="vip"), actor=organizer)
    db.session.commit()
    assert a.name == "王媛" and a.category == "attendee"
    with pytest.raises(services.RegistrationError):
        services.update_details(a, person(1, email="p2@example.cn"))
    db.session.rollback()
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.update"))
    assert audit.details["name"] == ["张1媛", "王媛"]


def test_cancelled_registration_cannot_be_edited(event):
    a, _ = register(event, person(1))
    services.cancel(a)
    db.session.commit()
    with pytest.raises(services.RegistrationError):
        services.update_details(a, person(1))
    with pytest.raises(services.RegistrationError):
        services.cancel(a)


def test_resend_link_rotates_the_token(event):
    registration, token = register(event, person(1))
    assert services.resend_link(event, "P1@example.cn")
    db.session.commit()
    assert services.by_token(token) is None
    mails = db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()
    new_token = delivered_body(mails[-1]).split("/r/")[1].split()[0]
    assert services.by_token(new_token).id == registration.id
    assert not services.resend_link(event, "nobody@example.cn")


def test_custom_questions_are_validated(event, organizer):
    q1 = events.add_question(event, label_zh="是否参加洽谈", kind="yesno", required=True, actor=organizer)
    q2 = events.add_question(event, label_zh="合作类型", kind="multi", options=["成果转化", "投融资"], actor=organizer)
    db.session.commit()
    with pytest.raises(InvalidInput) as exc:
        services.register(event, person(1, answers={str(q2.id): ["不存在"]}))
    assert set(exc.value.errors) == {f"q_{q1.id}", f"q_{q2.id}"}
    db.session.rollback()
    registration, _ = register(event, person(1, answers={str(q1.id): "yes", str(q2.id): ["投融资"]}))
    assert registration.answers == {str(q1.id): "yes", str(q2.id): ["投融资"]}
