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


def test_same_mobile_or_email_cannot_register_twice_and_the_refusal_names_neither(event):
    register(event, person(1))
    messages = []
    for data in (person(2, mobile="+86 139-0000-0001"), person(3, email="P1@Example.CN")):
        with pytest.raises(services.RegistrationError) as exc:
            services.register(event, data)
        db.session.rollback()
        assert exc.value.code == "already_registered" and exc.value.field is None
        messages.append(exc.value.message)
    # the same words whichever matched, and neither "mobile" nor "e-mail" in them
    assert messages[0] == messages[1]
    assert "mobile" not in messages[0].lower() and "手机" not in messages[0]
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


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


def link_in(mail):
    """The personal link as mailed (the outbox keeps the mail without it)."""
    return delivered_body(mail).split("/r/")[1].split()[0]


def last_mail_to(address):
    return db.session.scalars(select(MailMessage).where(MailMessage.to_address == address)
                              .order_by(MailMessage.id.desc())).first()


def test_resend_link_sends_a_working_link_and_keeps_the_old_one(event):
    registration, token = register(event, person(1))
    assert services.resend_link(event, "P1@example.cn")
    db.session.commit()
    new_token = link_in(last_mail_to("p1@example.cn"))
    assert new_token != token
    assert services.by_token(token).id == registration.id       # the bookmarked link still works
    assert services.by_token(new_token).id == registration.id
    assert not services.resend_link(event, "nobody@example.cn")


def test_resend_by_mobile_goes_to_the_registered_address_only(event):
    register(event, person(1))
    # someone types the number and their own address: the link goes to the registration's address
    assert services.resend_link(event, email="stranger@example.cn", mobile="139 0000 0001")
    db.session.commit()
    assert last_mail_to("stranger@example.cn") is None
    assert "/r/" in last_mail_to("p1@example.cn").body


def test_resend_is_limited_per_registration_whoever_asks(event):
    register(event, person(1))
    t0 = datetime.now(timezone.utc)
    assert services.resend_link(event, "p1@example.cn", now=t0)
    assert not services.resend_link(event, "p1@example.cn", now=t0 + timedelta(seconds=30))
    assert not services.resend_link(event, mobile="13900000001", now=t0 + timedelta(seconds=90))
    assert services.resend_link(event, "p1@example.cn", now=t0 + services.RESEND_INTERVAL + timedelta(seconds=1))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(MailMessage).where(
        MailMessage.subject.contains("个人专属链接"))) == 2


def test_revoking_other_links_keeps_only_the_one_in_use(event):
    registration, first = register(event, person(1))
    services.resend_link(event, "p1@example.cn")
    db.session.commit()
    second = link_in(last_mail_to("p1@example.cn"))
    assert services.other_links(registration, second) == 1
    assert services.revoke_other_links(registration, second) == 1
    db.session.commit()
    assert services.by_token(first) is None
    assert services.by_token(second).id == registration.id
    assert services.other_links(registration, second) == 0
    # from the first link's own page, the later links are the others
    registration2, first2 = register(event, person(2))
    services.resend_link(event, "p2@example.cn")
    db.session.commit()
    later = link_in(last_mail_to("p2@example.cn"))
    assert services.revoke_other_links(registration2, first2) == 1
    db.session.commit()
    assert services.by_token(later) is None and services.by_token(first2).id == registration2.id


def test_status_mails_carry_when_where_and_a_working_link(organizer):
    event = make_event(organizer, capacity=1, venue_zh="广州白云国际会议中心", venue_en="Baiyun Convention Center")
    first, _ = register(event, person(1))
    second, _ = register(event, person(2, email="second@example.cn"), locale="en")
    services.cancel(first)
    db.session.commit()
    mail = last_mail_to("second@example.cn")
    assert "A place is free" in mail.subject
    assert "Baiyun Convention Center" in mail.body
    starts = event.starts_at.astimezone(timezone(timedelta(hours=8)))
    assert str(starts.year) in mail.body and starts.strftime("%H:%M") in mail.body
    assert "China Standard Time" in mail.body
    assert services.by_token(link_in(mail)).id == second.id
    chinese = last_mail_to("p1@example.cn")
    assert "广州白云国际会议中心" in chinese.body and "中国标准时间" in chinese.body
    assert "日期" in chinese.body


def test_waitlist_position_counts_who_is_ahead_for_the_same_place(organizer):
    event = make_event(organizer, category_capacities={"media": 1})
    register(event, person(1, category="media"))
    m2, _ = register(event, person(2, category="media"))
    a1, _ = register(event, person(3))
    m3, _ = register(event, person(4, category="media"))
    assert [m2.status, a1.status, m3.status] == ["waitlisted", "approved", "waitlisted"]
    assert services.waitlist_position(m2) == 1
    assert services.waitlist_position(m3) == 2
    assert services.waitlist_position(a1) is None
    # with an overall limit everyone waiting ahead competes for the next place
    full = make_event(organizer, capacity=1)
    register(full, person(11))
    w1, _ = register(full, person(12, category="media"))
    w2, _ = register(full, person(13))
    assert services.waitlist_position(w1) == 1 and services.waitlist_position(w2) == 2


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
