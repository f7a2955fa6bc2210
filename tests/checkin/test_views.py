import csv
import io
import uuid

from eventops.checkin import services as checkin
from eventops.checkin.models import CheckIn
from eventops.extensions import db

from ..factories import login


def test_live_numbers_page_and_no_shows(client, door, organizer):
    result = checkin.scan(door["event"], gate=door["gates"][0], nonce=uuid.uuid4().hex, code=door["codes"]["guest"])
    db.session.commit()
    login(client, organizer)
    page = client.get(f"/manage/{door['event'].slug}/checkin?no_shows=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<span class="n" id="arrived">1</span>' in html
    assert "<svg" in html and "李强" in html          # the chart, and the one confirmed no-show
    rows = list(csv.reader(io.StringIO(client.get(f"/manage/{door['event'].slug}/checkin/no-shows.csv").data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["李强"]
    # annul from the person's page: recorded, not deleted
    response = client.post(f"/manage/{door['event'].slug}/checkin/{result.check_in.id}/annul", data={"reason": "误扫"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CheckIn, result.check_in.id).annulled_at is not None
    assert "误扫" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_organizer_manages_gates_and_devices(client, door, organizer):
    login(client, organizer)
    slug = door["event"].slug
    client.post(f"/manage/{slug}/checkin/gates", data={"name": "贵宾通道"})
    assert [g.name for g in checkin.gates_of(door["event"])] == ["东门", "南门", "贵宾通道"]
    client.post(f"/manage/{slug}/checkin/devices", data={"name": "东门闸机1"})
    html = client.get(f"/manage/{slug}/checkin").get_data(as_text=True)
    token = html.split('id="new-token">')[1].split("<")[0]
    assert checkin.device_for_token(token) is not None
    assert 'id="new-token"' not in client.get(f"/manage/{slug}/checkin").get_data(as_text=True)  # shown once


def test_door_staff_cannot_manage_check_in(client, door):
    login(client, door["staff"])
    slug = door["event"].slug
    assert client.get(f"/manage/{slug}/scan").status_code == 200
    for url in [f"/manage/{slug}/checkin", f"/manage/{slug}/checkin/no-shows.csv", f"/manage/{slug}/badges"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/manage/{slug}/badges/print").status_code == 403
