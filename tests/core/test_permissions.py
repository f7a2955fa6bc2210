"""Every object access is checked on the server."""
from eventops.extensions import db
from eventops.registration import services

from ..factories import door_staff, login, make_event, make_user, person


def _register(app, event, n):
    with app.test_request_context():
        registration, _ = services.register(event, person(n))
        db.session.commit()
    return registration


def test_an_organizer_cannot_read_another_events_registrations(app, client, organizer, event):
    other_organizer = make_user("other@example.cn")
    other_event = make_event(other_organizer)
    theirs = _register(app, other_event, 1)
    login(client, organizer)
    assert client.get(f"/manage/{event.slug}/registrations").status_code == 200
    for url in [f"/manage/{other_event.slug}/registrations", f"/manage/{other_event.slug}/",
                f"/manage/{other_event.slug}/registrations/export.csv", f"/manage/{other_event.slug}/edit",
                f"/manage/{other_event.slug}/registrations/{theirs.id}", f"/manage/{other_event.slug}/audit",
                f"/manage/{other_event.slug}/outbox", f"/manage/{other_event.slug}/import",
                f"/manage/{other_event.slug}/lookup"]:
        assert client.get(url).status_code == 403, url
    # nor through its own event's address
    assert client.get(f"/manage/{event.slug}/registrations/{theirs.id}").status_code == 404
    assert client.post(f"/manage/{other_event.slug}/registrations/{theirs.id}/cancel").status_code == 403


def test_door_staff_can_look_up_but_not_export(app, client, event):
    _register(app, event, 1)
    staff = door_staff(event, "door@example.cn")
    login(client, staff)
    assert client.get(f"/manage/{event.slug}/lookup?q=张1").status_code == 200
    assert "张1媛" in client.get(f"/manage/{event.slug}/lookup?q=张1").get_data(as_text=True)
    for url in [f"/manage/{event.slug}/registrations/export.csv", f"/manage/{event.slug}/registrations",
                f"/manage/{event.slug}/edit", f"/manage/{event.slug}/import", f"/manage/{event.slug}/registrations/1"]:
        assert client.get(url).status_code == 403, url
    assert client.get(f"/manage/{event.slug}/").status_code == 302  # sent to the scanner


def test_door_staff_lookup_shows_only_matches(app, client, event):
    for n in range(1, 4):
        _register(app, event, n)
    login(client, door_staff(event, "door@example.cn"))
    html = client.get(f"/manage/{event.slug}/lookup?q=张2媛").get_data(as_text=True)
    assert "张2媛" in html and "张1媛" not in html and "张3媛" not in html
    assert "张1媛" not in client.get(f"/manage/{event.slug}/lookup").get_data(as_text=True)


def test_anonymous_is_sent_to_login(client, event):
    response = client.get(f"/manage/{event.slug}/registrations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_sees_every_event(client, event):
    admin = make_user("admin@example.cn", admin=True)
    login(client, admin)
    assert client.get(f"/manage/{event.slug}/registrations").status_code == 200
