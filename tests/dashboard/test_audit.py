"""The audit log as people read it: actions in words, objects by name and linked, changes as
field, before and after, Chinese as Chinese."""
from dataclasses import replace

from eventops.events import services as events
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import login, make_event, person


def _event_data(event, **changes):
    data = events.EventData(
        slug=event.slug, name_zh=event.name_zh, name_en=event.name_en, venue_zh=event.venue_zh,
        venue_en=event.venue_en, starts_at=event.starts_at, ends_at=event.ends_at, timezone=event.timezone,
        capacity=event.capacity, registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at, interest_tags=list(event.interest_tags or []))
    return replace(data, **changes)


def test_a_settings_change_shows_each_field_before_and_after(app, client, organizer):
    event = make_event(organizer, venue_zh="广州")
    with app.test_request_context():
        events.update_event(event, _event_data(event, venue_zh="广州白云国际会议中心", requires_approval=True),
                            actor=organizer)
    db.session.commit()
    login(client, organizer)
    page = client.get(f"/manage/{event.slug}/audit").get_data(as_text=True)
    assert "活动设置已更改" in page and "event.update" not in page
    assert "地点（中文）" in page and "<del>广州</del>" in page and "<ins>广州白云国际会议中心</ins>" in page
    assert "\\u" not in page


def test_people_and_objects_are_named_and_linked(app, client, organizer):
    event = make_event(organizer, requires_approval=True)
    with app.test_request_context():
        registration, _token = registrations.register(event, person(1, name="欧阳媛"))
        registrations.approve(registration, actor=organizer)
    db.session.commit()
    login(client, organizer)
    page = client.get(f"/manage/{event.slug}/audit").get_data(as_text=True)
    link = f'<a href="/manage/{event.slug}/registrations/{registration.id}">欧阳媛</a>'
    assert link in page
    assert "报名已通过" in page and "<del>待审核</del>" in page and "<ins>已确认</ins>" in page
    assert f"Registration {registration.id}" not in page


def test_english_labels_in_english(app, client, organizer):
    event = make_event(organizer)
    with app.test_request_context():
        events.update_event(event, _event_data(event, capacity=300), actor=organizer)
    db.session.commit()
    login(client, organizer)
    client.get("/lang/en")
    page = client.get(f"/manage/{event.slug}/audit").get_data(as_text=True)
    assert "Event settings changed" in page and "Places in all" in page and "<ins>300</ins>" in page


def test_only_organizers_read_it(app, client, organizer, event):
    from ..factories import door_staff
    login(client, door_staff(event))
    assert client.get(f"/manage/{event.slug}/audit").status_code == 403
