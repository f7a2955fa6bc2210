"""The draft and the published schedule: participants' pages and calendar feeds show only what was
announced; announcing mails only the people whose meetings changed, with the old and new time and
table, their meetings link and their agenda as a calendar file; a meeting's calendar UID belongs
to its request."""
import pytest
from icalendar import Calendar
from sqlalchemy import select

from eventops.core.models import MailMessage
from eventops.extensions import db
from eventops.meetings import ical, links, placing, publishing, scheduling, zone
from eventops.registration import services as registrations

from ..factories import login


@pytest.fixture
def app_config():
    return {"BASE_URL": "https://register.example.cn"}


@pytest.fixture
def sent(monkeypatch):
    """The change mails as handed to the mailer, with their calendar attachment."""
    mails = []
    original = publishing._send_change_mail

    def capture(person, subject, body, *, event, ics, secrets=()):
        mails.append({"to": person.id, "subject": subject, "body": body, "ics": Calendar.from_ical(ics)})
        return original(person, subject, body, event=event, ics=ics, secrets=secrets)
    monkeypatch.setattr(publishing, "_send_change_mail", capture)
    return mails


def _feed(client, token):
    response = client.get(f"/r/{token}/agenda.ics")
    assert response.status_code == 200
    return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def test_draft_changes_are_invisible_in_the_feed_until_announced(zone_event, organizer, client):
    event, p, tokens = zone_event["event"], zone_event["people"], zone_event["tokens"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    request = zone.ask(event, p[0], p[1], actor=organizer)
    meeting = placing.place(event, request, slots[0], tables[0], actor=organizer)
    db.session.commit()
    assert _feed(client, tokens[0]) == {}  # placed, not announced: nobody sees it
    assert "09:00" not in client.get(f"/r/{tokens[0]}/meetings").get_data(as_text=True)
    publishing.announce(event, actor=organizer)
    db.session.commit()
    uid = ical.meeting_uid(request.id)
    assert uid == f"meeting-r{request.id}@register.example.cn"
    feed = _feed(client, tokens[0])
    assert set(feed) == {uid} and feed[uid].decoded("DTSTART") == slots[0].starts_at

    placing.move(meeting, slots[2], tables[1], actor=organizer)  # a draft move
    db.session.commit()
    feed = _feed(client, tokens[0])
    assert feed[uid].decoded("DTSTART") == slots[0].starts_at and int(feed[uid]["SEQUENCE"]) == 0
    assert "T001" in str(feed[uid]["LOCATION"])
    page = client.get(f"/r/{tokens[1]}/meetings").get_data(as_text=True)
    assert "T001" in page and "T002" not in page
    board = client.get(f"/e/{event.slug}/meetings/board").get_data(as_text=True)
    assert "T002" not in board

    placing.cancel(meeting, reason="organizer", actor=organizer)  # a draft cancellation
    db.session.commit()
    assert str(_feed(client, tokens[0])[uid]["STATUS"]) == "CONFIRMED"

    publishing.announce(event, actor=organizer)
    db.session.commit()
    feed = _feed(client, tokens[1])
    assert str(feed[uid]["STATUS"]) == "CANCELLED" and int(feed[uid]["SEQUENCE"]) == 1


def test_uid_stays_through_cancel_and_reopen_and_sequence_rises(zone_event, organizer, client):
    event, p, tokens = zone_event["event"], zone_event["people"], zone_event["tokens"]
    request = zone.ask(event, p[0], p[1], actor=organizer)
    db.session.commit()
    scheduling.run(event, actor=organizer, time_limit=3)
    publishing.announce(event, actor=organizer)
    db.session.commit()
    uid = ical.meeting_uid(request.id)
    first = _feed(client, tokens[0])[uid]
    meeting = placing.meeting_of_request(request)
    placing.cancel(meeting, reason="withdrew", actor=organizer)
    publishing.announce(event, actor=organizer)
    db.session.commit()
    cancelled = _feed(client, tokens[0])[uid]
    placing.reopen(request, actor=organizer)
    scheduling.run(event, actor=organizer, time_limit=3)
    publishing.announce(event, actor=organizer)
    db.session.commit()
    again = _feed(client, tokens[0])
    assert list(again) == [uid]  # one entry, the same: calendars update it rather than add one
    sequences = [int(e["SEQUENCE"]) for e in (first, cancelled, again[uid])]
    assert sequences == [0, 1, 2]
    assert [str(e["STATUS"]) for e in (first, cancelled, again[uid])] == ["CONFIRMED", "CANCELLED", "CONFIRMED"]
    assert placing.meeting_of_request(request).id == meeting.id


def test_announce_mails_only_the_changed_with_old_and_new_time_link_and_calendar(zone_event, organizer, client, sent):
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    moving = placing.place(event, zone.ask(event, p[0], p[1], actor=organizer), slots[0], tables[0], actor=organizer)
    placing.place(event, zone.ask(event, p[2], p[3], actor=organizer), slots[0], tables[1], actor=organizer)
    assert publishing.announce(event, actor=organizer) == {p[0].id, p[1].id, p[2].id, p[3].id}
    db.session.commit()
    sent.clear()
    mails_before = len(db.session.scalars(select(MailMessage).where(MailMessage.to_address == p[0].email)).all())
    placing.move(moving, slots[2], tables[1], actor=organizer)
    db.session.commit()
    assert publishing.pending_announcements(event) == 1
    assert publishing.change_counts(event) == {"new": 0, "moved": 1, "cancelled": 0}
    told = publishing.announce(event, actor=organizer)
    db.session.commit()
    assert told == {p[0].id, p[1].id} and sorted(m["to"] for m in sent) == sorted(told)
    mail = next(m for m in sent if m["to"] == p[0].id)
    assert "05-24 09:00–09:20" in mail["body"] and "T001" in mail["body"]  # the old time and table
    assert "05-24 10:15–10:35" in mail["body"] and "T002" in mail["body"]  # the new ones
    assert "张忠德" in mail["body"]
    link = next(line for line in mail["body"].splitlines() if line.startswith("https://register.example.cn/m/"))
    page = client.get(link.removeprefix("https://register.example.cn"))
    assert page.status_code == 200 and "10:15" in page.get_data(as_text=True)
    entries = {str(e["UID"]): e for e in mail["ics"].walk("VEVENT")}
    assert entries[ical.meeting_uid(moving.request_id)].decoded("DTSTART") == slots[2].starts_at
    assert int(entries[ical.meeting_uid(moving.request_id)]["SEQUENCE"]) == 1
    outbox = db.session.scalars(select(MailMessage).where(MailMessage.to_address == p[0].email)).all()
    assert len(outbox) == mails_before + 1 and "T002" in outbox[-1].body
    assert publishing.announce(event, actor=organizer) == set()  # nothing changed since: nobody is mailed


def test_a_meeting_never_announced_and_cancelled_tells_nobody(zone_event, organizer, sent):
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    meeting = placing.place(event, zone.ask(event, p[0], p[1], actor=organizer), slots[0], tables[0], actor=organizer)
    placing.cancel(meeting, reason="organizer", actor=organizer)
    assert publishing.pending_announcements(event) == 0
    assert publishing.announce(event, actor=organizer) == set() and sent == []


def test_the_meetings_link_opens_only_the_meetings_and_ends_with_the_personal_link(zone_event, organizer, client, app):
    event, p = zone_event["event"], zone_event["people"]
    key = links.key_for(p[0])
    page = client.get(f"/m/{key}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"/m/{key}/agenda.ics" in text and "/r/" not in text  # no way to the registration from here
    assert client.get(f"/m/{key}/agenda.ics").status_code == 200
    assert client.get(f"/m/{key[:-2]}xx").status_code == 404
    assert client.get("/m/" + links.key_for(p[1]).replace(".", "A", 1)).status_code == 404
    with app.test_request_context():
        registrations.resend_link(event, p[0].email)  # a link more: nothing stops working
    db.session.commit()
    assert client.get(f"/m/{key}").status_code == 200
    newest = registrations.issue_link(p[0])
    registrations.revoke_other_links(p[0], newest)  # "revoke all other links" ends this one too
    db.session.commit()
    assert client.get(f"/m/{key}").status_code == 404
    assert client.get(f"/m/{links.key_for(p[0])}").status_code == 200


def test_organizers_open_any_participants_agenda(zone_event, organizer, client):
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    placing.place(event, zone.ask(event, p[0], p[1], actor=organizer), slots[1], tables[0], actor=organizer)
    db.session.commit()
    login(client, organizer)
    page = client.get(f"/manage/{event.slug}/meetings/people/{p[0].id}").get_data(as_text=True)
    assert "张忠德" in page and "09:25" in page  # in the draft, not published yet
    assert links.agenda_url(p[0]).removeprefix("https://register.example.cn") in page
    found = client.get(f"/manage/{event.slug}/meetings/?person_q=郑小").get_data(as_text=True)
    assert f"/meetings/people/{p[0].id}" in found


def test_nothing_to_undo_after_the_announcement_is_sql_null(zone_event, organizer):
    """A meeting whose change by hand was announced has nothing to undo: ``undo`` is SQL NULL (not
    the JSON value null, which made ``undo IS NOT NULL`` true for every meeting and listed them all
    as changed)."""
    from sqlalchemy import text as sql

    from eventops.meetings import placing, publishing, zone
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    meeting = placing.place(event, zone.ask(event, p[0], p[1], actor=organizer), slots[0], tables[0], actor=organizer)
    db.session.commit()
    assert [m.id for m in publishing.undoable_of(event)] == [meeting.id]
    publishing.announce(event, actor=organizer)
    db.session.commit()
    assert publishing.undoable_of(event) == []
    assert db.session.execute(sql("SELECT count(*) FROM meetings WHERE undo IS NOT NULL")).scalar() == 0
