"""Finding people: by name, organisation or mobile, for organizers and participants, with and
without JavaScript; participants find (and may ask) only people who opted into meetings."""
import pytest

from eventops.events import services as events
from eventops.extensions import db
from eventops.meetings import zone
from eventops.meetings.models import MeetingRequest
from eventops.registration import services as registrations

from ..factories import login, person


@pytest.fixture
def opt_in(zone_event, organizer, app):
    """The zone's opt-in question; 刘宏 (p[2]) and a newcomer answered no."""
    event, p = zone_event["event"], zone_event["people"]
    question = events.add_question(event, label_zh="是否参加一对一洽谈？", kind="yesno", actor=organizer)
    db.session.flush()
    for n, reg in enumerate(p):
        reg.answers = {**(reg.answers or {}), str(question.id): "no" if n == 2 else "yes"}
    with app.test_request_context():
        shy, _ = registrations.register(event, person(40, name="刘宏伟", organisation="广州医药集团有限公司",
                                                      org_type="enterprise", answers={str(question.id): "no"}))
    zone.save_settings(event, optin_question_id=question.id, actor=organizer)
    db.session.commit()
    return {**zone_event, "question": question, "shy": shy}


def test_staff_find_by_name_organisation_and_part_of_a_mobile(zone_event):
    event, p = zone_event["event"], zone_event["people"]
    assert [r.id for r in zone.find_people(event, "小飞", staff=True)] == [p[0].id]
    assert {r.id for r in zone.find_people(event, "广东省中医院", staff=True)} == {p[1].id}
    assert {r.id for r in zone.find_people(event, "百济", staff=True)} == {p[3].id}
    assert [r.id for r in zone.find_people(event, p[4].mobile[-6:], staff=True)] == [p[4].id]
    assert zone.find_people(event, "", staff=True) == [] and zone.find_people(event, "%", staff=True) == []


def test_participants_find_only_those_who_opted_in_never_by_part_of_a_mobile(opt_in, organizer):
    event, p, shy = opt_in["event"], opt_in["people"], opt_in["shy"]
    assert {r.id for r in zone.find_people(event, "刘宏", staff=True)} == {p[2].id, shy.id}
    assert zone.find_people(event, "刘宏", asked_by=p[0]) == []
    assert [r.id for r in zone.find_people(event, "郑", asked_by=p[1])] == [p[0].id]
    assert zone.find_people(event, "郑", asked_by=p[0]) == []  # not oneself
    assert zone.find_people(event, p[4].mobile[-6:], asked_by=p[0]) == []
    assert [r.id for r in zone.find_people(event, p[4].mobile, asked_by=p[0])] == [p[4].id]
    with pytest.raises(zone.InvalidInput):
        zone.ask(event, p[0], p[2])  # not taking part: refused to participants
    assert zone.ask(event, p[0], p[2], actor=organizer).status == "accepted"  # organizers may, on their behalf
    assert len(zone.participants(event, opted_in=True)) == len(p) - 1


def test_the_participants_page_lists_nobody_until_they_search(opt_in, client):
    event, p, tokens = opt_in["event"], opt_in["people"], opt_in["tokens"]
    page = client.get(f"/r/{tokens[0]}/meetings").get_data(as_text=True)
    for other in p[1:]:
        assert other.name not in page  # no list of every participant any more
    found = client.get(f"/r/{tokens[0]}/meetings/people?q=张").get_json()["results"]
    assert [r["label"] for r in found] == ["张忠德"] and "****" not in found[0]["detail"]
    assert client.get(f"/r/{tokens[0]}/meetings/people?q=刘宏").get_json()["results"] == []
    assert client.get(f"/r/{tokens[0]}/meetings/people?q=张").headers["Cache-Control"] == "no-store"


def test_without_javascript_search_then_choose_then_send(opt_in, client):
    """The picker's Search button submits the form: the page comes back with the matches as radio
    buttons and the topic kept; nothing is sent until the request itself."""
    event, p, tokens = opt_in["event"], opt_in["people"], opt_in["tokens"]
    url = f"/r/{tokens[0]}/meetings"
    searched = client.post(url, data={"to_q": "百济", "find": "to", "topic": "核医药合作"})
    text = searched.get_data(as_text=True)
    assert searched.status_code == 200
    assert f'name="to" value="{p[3].id}"' in text and "核医药合作" in text
    assert db.session.query(MeetingRequest).count() == 0
    sent = client.post(url, data={"to_q": "百济", "to": p[3].id, "topic": "核医药合作"})
    assert sent.status_code == 302
    request = db.session.query(MeetingRequest).one()
    assert (request.to_registration_id, request.topic) == (p[3].id, "核医药合作")
    nobody = client.post(url, data={"topic": "x"})
    assert nobody.status_code == 400  # no one chosen: a clear error, the topic kept
    refused = client.post(url, data={"to": p[2].id, "topic": "x"})  # chosen by a forged id: not taking part
    assert refused.status_code == 400 and db.session.query(MeetingRequest).count() == 1


def test_organizers_choose_both_people_by_search_without_javascript(zone_event, organizer, client):
    event, p = zone_event["event"], zone_event["people"]
    login(client, organizer)
    url = f"/manage/{event.slug}/meetings/requests"
    page = client.post(url, data={"from_q": "郑小飞", "to_q": "广州医药", "find": "from", "topic": "院企合作"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'name="from" value="{p[0].id}"' in text and f'name="to" value="{p[2].id}"' in text and "院企合作" in text
    client.post(url, data={"from": p[0].id, "to": p[2].id, "topic": "院企合作"})
    assert db.session.query(MeetingRequest).filter_by(from_registration_id=p[0].id, to_registration_id=p[2].id).count() == 1
    found = client.get(f"/manage/{event.slug}/meetings/find/people?q={p[2].mobile[-4:]}").get_json()["results"]
    assert [r["id"] for r in found] == [p[2].id] and f"****{p[2].mobile[-4:]}" in found[0]["detail"]
    requests = client.get(f"/manage/{event.slug}/meetings/find/requests?q=广州医药").get_json()["results"]
    assert len(requests) == 1 and "郑小飞 → 刘宏" == requests[0]["label"]


def test_search_endpoints_are_for_their_people_only(zone_event, client):
    event = zone_event["event"]
    assert client.get(f"/manage/{event.slug}/meetings/find/people?q=郑").status_code in (302, 401)
    assert client.get("/r/not-a-token/meetings/people?q=郑").status_code == 404
