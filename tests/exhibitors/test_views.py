import io

from eventops.extensions import db
from eventops.exhibitors import services
from eventops.exhibitors.models import Lead
from eventops.meetings.models import MeetingRequest

from ..factories import login
from .test_services import PDF, PNG


def test_public_pages_show_only_published_profiles(client, showcase, organizer):
    event = showcase["event"]
    services.assign_booth(event, showcase["booths"][0].id, showcase["profiles"]["广东省中医院"].id, actor=organizer)
    db.session.commit()
    corridor = client.get(f"/e/{event.slug}/corridor").get_data(as_text=True)
    assert "<svg" in corridor and "H01" in corridor and "广东省中医院" in corridor
    directory = client.get(f"/e/{event.slug}/exhibitors?q=中医").get_data(as_text=True)
    assert "广东省中医院" in directory and "广州医药集团有限公司" not in directory
    unpublished = showcase["profiles"]["广州医药集团有限公司"]
    assert client.get(f"/e/{event.slug}/exhibitors/{unpublished.id}").status_code == 404
    page = client.get(f"/e/{event.slug}/exhibitors/{showcase['profiles']['广东省中医院'].id}").get_data(as_text=True)
    assert 'id="booth-code">H01' in page
    for q in ["<script>alert(1)</script>", "' OR 1=1 --", "%%%"]:
        response = client.get(f"/e/{event.slug}/exhibitors", query_string={"q": q, "org_type": "<b>"})
        assert response.status_code == 200 and "<script>alert(1)</script>" not in response.get_data(as_text=True)
    # a control character is refused on every route (tests/core/test_request_guard.py)
    assert client.get(f"/e/{event.slug}/exhibitors", query_string={"q": "\x00"}).status_code == 400


def test_managers_edit_only_their_own_organisation(client, showcase):
    event = showcase["event"]
    mine, other = showcase["profiles"]["广东省中医院"], showcase["profiles"]["暨南大学附属第一医院"]
    login(client, showcase["managers"]["广东省中医院"])
    assert client.get(f"/exhibitor/{event.slug}/{mine.organisation_id}/").status_code == 200
    assert client.get(f"/exhibitor/{event.slug}/{other.organisation_id}/").status_code == 403
    assert client.post(f"/exhibitor/{event.slug}/{other.organisation_id}/profile", data={"summary_zh": "x"}).status_code == 403
    assert client.get(f"/exhibitor/{event.slug}/{other.organisation_id}/leads.csv").status_code == 403
    response = client.post(f"/exhibitor/{event.slug}/{mine.organisation_id}/profile",
                           data={"summary_zh": "更新", "specialties": "肿瘤科\n心内科", "submit_for_review": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    # published before: it stays public as it was, the edit waits for review
    assert mine.status == "published" and mine.pending.data["specialties"] == ["肿瘤科", "心内科"]
    page = client.get(f"/exhibitor/{event.slug}/{mine.organisation_id}/").get_data(as_text=True)
    assert 'id="pending-changes"' in page and "心内科" in page
    assert "更新" not in client.get(f"/e/{event.slug}/exhibitors/{mine.id}").get_data(as_text=True)


def test_uploads_through_the_portal_and_served_safely(client, showcase, organizer):
    event, profile = showcase["event"], showcase["profiles"]["广东省中医院"]
    login(client, showcase["managers"]["广东省中医院"])
    url = f"/exhibitor/{event.slug}/{profile.organisation_id}/files"
    bad = client.post(url, data={"kind": "logo", "file": (io.BytesIO(b"<html><script>x</script>"), "logo.png")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "PNG" in bad.get_data(as_text=True)
    assert client.post(url, data={"kind": "brochure", "file": (io.BytesIO(PDF), "册子.pdf")},
                       content_type="multipart/form-data").status_code == 302
    assert client.post(url, data={"kind": "logo", "file": (io.BytesIO(PNG), "logo.png")},
                       content_type="multipart/form-data").status_code == 302
    db.session.expire_all()
    services.review_profile(profile, publish=True, actor=organizer)
    db.session.commit()
    client.post("/logout")
    for upload in services.brochures(event, profile.organisation_id):
        served = client.get(f"/e/{event.slug}/files/{upload.id}/x")
        assert served.headers["Content-Type"] == "application/pdf"
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert served.headers["X-Content-Type-Options"] == "nosniff"
    logo = client.get(f"/e/{event.slug}/files/{profile.logo_id}/x")
    assert logo.headers["Content-Type"] == "image/png"


def test_ask_to_meet_a_pi(client, showcase):
    event = showcase["event"]
    pi = services.add_pi(event, showcase["profiles"]["暨南大学附属第一医院"].organisation, name="郑小飞",
                         department="核医学科", research_areas=["钇90"])
    db.session.commit()
    assert "郑小飞" in client.get(f"/e/{event.slug}/pis?q=钇90").get_data(as_text=True)
    assert client.post(f"/e/{event.slug}/pis/{pi.id}", data={"from_name": ""}).status_code == 400
    response = client.post(f"/e/{event.slug}/pis/{pi.id}", data={"from_name": "王经理", "from_contact": "13800000000",
                                                                 "topic": "核医药合作"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(MeetingRequest)).to_organisation_id == pi.hospital_id


def test_lead_capture_page(app, client, showcase):
    from eventops.badges import services as badges
    from eventops.registration import services as registrations

    from ..factories import person
    event, profile = showcase["event"], showcase["profiles"]["广东省中医院"]
    with app.test_request_context():
        visitor, _ = registrations.register(event, person(90, name="参观者甲"))
        code = badges.badge_for(visitor).code
        db.session.commit()
    login(client, showcase["managers"]["广东省中医院"])
    url = f"/exhibitor/{event.slug}/{profile.organisation_id}/leads"
    assert client.post(url, data={"code": code}).status_code == 400            # no consent
    assert client.post(url, data={"code": code, "consent": "y"}).status_code == 302
    csv_text = client.get(url + ".csv").data.decode("utf-8-sig")
    assert "参观者甲" in csv_text
    assert db.session.scalar(db.select(db.func.count()).select_from(Lead)) == 1


def test_organizer_pages(client, showcase, organizer):
    event = showcase["event"]
    login(client, organizer)
    page = client.get(f"/manage/{event.slug}/showcase/")
    assert page.status_code == 200 and "广州医药集团有限公司" in page.get_data(as_text=True)
    response = client.post(f"/manage/{event.slug}/showcase/booths/assign",
                           data={"booth": showcase["booths"][1].id, "profile": showcase["profiles"]["暨南大学附属第一医院"].id})
    assert response.status_code == 302
    again = client.post(f"/manage/{event.slug}/showcase/booths/assign",
                        data={"booth": showcase["booths"][1].id, "profile": showcase["profiles"]["广东省中医院"].id})
    assert "H02" in client.get(again.headers["Location"]).get_data(as_text=True)
