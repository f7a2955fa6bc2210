"""The events domain's services: creating and changing events, questions, the team, and the
capacity signal that registration answers."""
from dataclasses import replace
from datetime import timedelta

import pytest

from eventops.accounts.models import ROLE_DOOR_STAFF, ROLE_ORGANIZER
from eventops.core.errors import DomainError, InvalidInput
from eventops.core.models import AuditEntry, MailMessage
from eventops.events import services
from eventops.events.signals import capacity_changed
from eventops.extensions import db
from eventops.registration import services as registrations
from eventops.registration.models import STATUS_APPROVED, STATUS_WAITLISTED

from ..factories import make_event, make_user, person


def _data(event, **changes):
    data = services.EventData(
        slug=event.slug, name_zh=event.name_zh, name_en=event.name_en, starts_at=event.starts_at,
        ends_at=event.ends_at, timezone=event.timezone, capacity=event.capacity,
        registration_opens_at=event.registration_opens_at, registration_closes_at=event.registration_closes_at,
        interest_tags=list(event.interest_tags or []))
    return replace(data, **changes)


def test_creating_an_event_makes_its_creator_organizer_and_audits(app, organizer):
    event = make_event(organizer, slug="alliance-day")
    assert services.by_slug("alliance-day").id == event.id
    assert [(g.user_id, g.role) for g in services.team_of(event)] == [(organizer.id, ROLE_ORGANIZER)]
    assert services.events_for(organizer) == [event]
    assert db.session.scalar(db.select(AuditEntry.action).where(AuditEntry.event_id == event.id)) == "event.create"


@pytest.mark.parametrize("changes, field", [
    ({"slug": "A B"}, "slug"), ({"name_zh": " "}, "name_zh"), ({"timezone": "Mars/Olympus"}, "timezone")])
def test_bad_event_data_is_refused_field_by_field(app, organizer, event, changes, field):
    with pytest.raises(InvalidInput) as exc:
        services.create_event(_data(event, **{"slug": "another-day", **changes}), actor=organizer)
    assert field in exc.value.errors


def test_two_events_cannot_share_an_address(app, organizer, event):
    with pytest.raises(InvalidInput) as exc:
        services.create_event(_data(event), actor=organizer)
    assert "slug" in exc.value.errors


def test_the_end_comes_after_the_start(app, organizer, event):
    with pytest.raises(InvalidInput):
        services.update_event(event, _data(event, ends_at=event.starts_at - timedelta(hours=1)), actor=organizer)


def test_more_places_go_to_the_waitlist_in_order_through_the_signal(app, organizer):
    event = make_event(organizer, capacity=1)
    with app.test_request_context():
        first, _ = registrations.register(event, person(1))
        second, _ = registrations.register(event, person(2))
        third, _ = registrations.register(event, person(3))
    db.session.commit()
    assert [r.status for r in (first, second, third)] == [STATUS_APPROVED, STATUS_WAITLISTED, STATUS_WAITLISTED]
    with app.test_request_context():
        promoted = services.update_event(event, _data(event, capacity=2), actor=organizer)
    db.session.commit()
    assert promoted == [second] and third.status == STATUS_WAITLISTED


def test_update_event_sends_capacity_changed_and_returns_what_receivers_did(app, organizer, event):
    seen = []

    def receiver(sender, *, actor):
        seen.append((sender, actor))
        return ["someone"]

    capacity_changed.connect(receiver)
    try:
        with app.test_request_context():
            done = services.update_event(event, _data(event, capacity=10), actor=organizer)
    finally:
        capacity_changed.disconnect(receiver)
    assert seen == [(event, organizer)]
    assert "someone" in done


def test_questions_are_added_checked_and_removed(app, organizer, event):
    question = services.add_question(event, label_zh="您的研究方向", kind="choice", options=["肿瘤", "", "心血管"],
                                     actor=organizer)
    db.session.commit()
    assert question.options == ["肿瘤", "心血管"] and event.questions == [question]
    with pytest.raises(InvalidInput):
        services.add_question(event, label_zh="", actor=organizer)
    services.delete_question(question, actor=organizer)
    db.session.commit()
    db.session.refresh(event)
    assert event.questions == []


def test_a_role_for_someone_new_invites_them_by_mail(app, organizer, event):
    with app.test_request_context():
        grant = services.grant_role(event, "door@example.cn", ROLE_DOOR_STAFF, actor=organizer)
    db.session.commit()
    assert grant.user.email == "door@example.cn"
    assert db.session.scalar(db.select(MailMessage.to_address)) == "door@example.cn"
    # the same role again changes nothing
    with app.test_request_context():
        assert services.grant_role(event, "door@example.cn", ROLE_DOOR_STAFF, actor=organizer).id == grant.id
    with pytest.raises(DomainError):
        services.grant_role(event, "door@example.cn", "janitor", actor=organizer)


def test_an_organizer_cannot_remove_themself(app, organizer, event):
    own = services.team_of(event)[0]
    with pytest.raises(DomainError):
        services.revoke_role(own, actor=organizer)
    other = make_user("second@example.cn")
    with app.test_request_context():
        grant = services.grant_role(event, other.email, ROLE_ORGANIZER, actor=organizer)
    services.revoke_role(grant, actor=organizer)
    db.session.commit()
    assert [g.user_id for g in services.team_of(event)] == [organizer.id]


def test_who_may_create_events(app, organizer, event):
    assert services.may_create_events(organizer)
    assert not services.may_create_events(make_user("visitor@example.cn"))
    assert services.may_create_events(make_user("root@example.cn", admin=True))


def test_public_events_are_the_published_ones(app, organizer):
    shown = make_event(organizer)
    make_event(organizer, published=False)
    assert services.public_events() == [shown]
