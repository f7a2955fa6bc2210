import pytest
from sqlalchemy import func, select

from eventops.core.errors import InvalidInput
from eventops.core.models import MailMessage
from eventops.extensions import db
from eventops.exhibitors import demands, services
from eventops.exhibitors.models import Notice, PrincipalInvestigator
from eventops.meetings import zone

from ..factories import make_event, person

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def test_only_published_profiles_are_found(showcase):
    event = showcase["event"]
    items, total = services.search_profiles(event)
    assert total == 3 and "广州医药集团有限公司" not in [p.organisation.name for p in items]
    assert [p.organisation.name for p in services.search_profiles(event, q="核医")[0]] == \
        ["广州诺和核医药科技有限公司", "暨南大学附属第一医院"] or \
        sorted(p.organisation.name for p in services.search_profiles(event, q="核医")[0]) == \
        sorted(["广州诺和核医药科技有限公司", "暨南大学附属第一医院"])
    assert [p.organisation.name for p in services.search_profiles(event, specialty="中医内科")[0]] == ["广东省中医院"]
    assert services.search_profiles(event, org_type="enterprise")[1] == 1


def test_hostile_search_input_is_harmless(showcase):
    for q in ["' OR 1=1 --", "%", "_", "\\", "<script>alert(1)</script>", "钇" * 500, "\x00%"]:
        items, total = services.search_profiles(showcase["event"], q=q)
        assert total == 0, q
    assert services.search_profiles(showcase["event"], q="\x00")[1] == 3  # nothing left to search for: everyone


def test_editing_a_published_profile_keeps_it_public_until_the_edit_is_reviewed(showcase, organizer):
    event, profile = showcase["event"], showcase["profiles"]["广东省中医院"]
    manager = showcase["managers"]["广东省中医院"]
    services.update_profile(profile, {"summary_zh": "新的介绍", "specialties": ["肿瘤科"]}, actor=manager)
    db.session.commit()
    public = services.published_profile(event, profile.id)
    assert public is not None and public.summary_zh == "国家中医临床研究基地，院内制剂转化"
    assert profile.pending.data["summary_zh"] == "新的介绍"
    assert services.editable(profile)["summary_zh"] == "新的介绍"  # the manager keeps editing their version
    assert [p.organisation.name for p in services.search_profiles(event, q="新的介绍")[0]] == []
    # a second edit replaces the waiting one; returning it leaves the published version public
    services.update_profile(profile, {"summary_zh": "再改一次"}, actor=manager)
    services.review_profile(profile, publish=False, note="请补充资质", actor=organizer)
    db.session.commit()
    assert profile.pending is None and services.published_profile(event, profile.id).summary_zh.startswith("国家中医")
    # published: the new text is public, and found
    services.update_profile(profile, {"summary_zh": "新的介绍"}, actor=manager)
    services.review_profile(profile, publish=True, actor=organizer)
    db.session.commit()
    assert services.published_profile(event, profile.id).summary_zh == "新的介绍"
    assert [p.organisation.name for p in services.search_profiles(event, q="新的介绍")[0]] == ["广东省中医院"]


def test_booths_never_share_floor_space(showcase, organizer):
    event = showcase["event"]  # H01 at x 0-3, H02 at 3.5-6.5, all 2 m deep at y 0
    with pytest.raises(InvalidInput) as exc:
        services.add_booth(event, code="X01", zone="companies", x=1, y=1, actor=organizer)
    assert "H01" in exc.value.errors["x"]
    db.session.rollback()
    touching = services.add_booth(event, code="X02", zone="companies", x=0, y=2, actor=organizer)
    db.session.commit()
    assert touching.id


def test_the_database_refuses_overlapping_booths_too(showcase, organizer):
    from sqlalchemy.exc import IntegrityError

    from eventops.exhibitors.models import Booth
    db.session.add(Booth(event_id=showcase["event"].id, code="Z01", zone="companies", x=2, y=1, width=3, depth=2))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_map_labels_fit_two_lines_and_say_when_cut():
    assert services.map_label("中山大学附属第一医院", 3) == ["中山大学附", "属第一医院"]
    assert services.map_label("广州医科大学附属第二医院", 3) == ["广州医科大", "学附属第…"]
    assert services.map_label("BeiGene", 3) == ["BeiGene"]


def test_uploads_are_checked_by_content(showcase):
    event, profile = showcase["event"], showcase["profiles"]["广东省中医院"]
    org, manager = profile.organisation, showcase["managers"]["广东省中医院"]
    logo = services.save_upload(event, org, "logo", "logo.png", PNG, actor=manager)
    assert logo.content_type == "image/png" and profile.logo_id == logo.id
    assert services.save_upload(event, org, "brochure", "x.pdf", PDF, actor=manager).content_type == "application/pdf"
    for kind, name, data in [("logo", "x.png", b"<html><script>alert(1)</script>"), ("brochure", "x.pdf", PNG),
                             ("logo", "x.png", b""), ("logo", "big.png", PNG + b"0" * services.MAX_LOGO),
                             ("brochure", "evil.html", b"<!doctype html>")]:
        with pytest.raises(services.ExhibitorError):
            services.save_upload(event, org, kind, name, data, actor=manager)


def test_a_booth_is_never_assigned_twice(showcase, organizer):
    event = showcase["event"]
    booth = showcase["booths"][0]
    services.assign_booth(event, booth.id, showcase["profiles"]["广东省中医院"].id, actor=organizer)
    db.session.commit()
    with pytest.raises(services.ExhibitorError) as exc:
        services.assign_booth(event, booth.id, showcase["profiles"]["暨南大学附属第一医院"].id, actor=organizer)
    assert exc.value.code == "taken"


def test_booth_layout_is_validated(showcase, organizer):
    with pytest.raises(InvalidInput) as exc:
        services.add_booth(showcase["event"], code="H01", zone="mars", x="far", y=0, actor=organizer)
    assert set(exc.value.errors) == {"code", "zone", "x"}


def test_demand_is_matched_explained_and_pushed(showcase, organizer):
    event = showcase["event"]
    hospital = showcase["profiles"]["暨南大学附属第一医院"].organisation
    demand = demands.submit(event, hospital, kind="technology_need", title="钇90 核医药国产化合作",
                            description="寻找放射性药物企业", tags=["核医药"], actor=showcase["managers"]["暨南大学附属第一医院"])
    assert demands.published(event) == []
    recommendations = demands.review(demand, publish=True, actor=organizer)
    db.session.commit()
    names = [r.profile.organisation.name for r in recommendations]
    assert names[0] == "广州诺和核医药科技有限公司"
    assert "暨南大学附属第一医院" not in names                      # never the demand's own organisation
    assert "广州医药集团有限公司" not in names                      # unpublished profiles get no push
    reasons = " ".join(recommendations[0].reasons)
    assert "核医药" in reasons
    notice = db.session.scalar(select(Notice))
    assert notice.organisation_id == recommendations[0].profile.organisation_id
    assert db.session.scalar(select(MailMessage.to_address).where(MailMessage.subject.contains("钇90"))) == "manager4@example.cn"


def test_meeting_requests_and_leads(app, showcase, organizer):
    event = showcase["event"]
    profile = showcase["profiles"]["广东省中医院"]
    with pytest.raises(InvalidInput):
        zone.ask_organisation(event, target_kind="pi", target_id=1, to_organisation_id=profile.organisation_id)
    meeting = zone.ask_organisation(event, target_kind="exhibitor", target_id=profile.id,
                                       to_organisation_id=profile.organisation_id, from_name="访客", from_contact="13800000000")
    assert meeting.id
    from eventops.badges import services as badges
    from eventops.registration import services as registrations
    with app.test_request_context():
        visitor, _ = registrations.register(event, person(77, name="参观者"))
        code = badges.badge_for(visitor).code
        db.session.commit()
    manager = showcase["managers"]["广东省中医院"]
    with pytest.raises(services.ExhibitorError):
        services.capture_lead(profile, code, consent=False, actor=manager)
    lead, created = services.capture_lead(profile, "EO1:" + code, consent=True, actor=manager)
    again, created_again = services.capture_lead(profile, code, consent=True, actor=manager)
    assert created and not created_again and again.id == lead.id
    other = make_event(organizer, slug="other-event")
    with app.test_request_context():
        stranger, _ = registrations.register(other, person(78))
        stranger_code = badges.badge_for(stranger).code
    with pytest.raises(services.ExhibitorError):
        services.capture_lead(profile, stranger_code, consent=True, actor=manager)


def test_pis_are_searchable(showcase, organizer):
    event = showcase["event"]
    hospital = showcase["profiles"]["暨南大学附属第一医院"].organisation
    services.add_pi(event, hospital, name="郑小飞", department="核医学科", specialty="核医学",
                    research_areas=["放射性药物", "钇90"], trial_experience="主持 I 期临床试验 12 项")
    services.add_pi(event, showcase["profiles"]["广东省中医院"].organisation, name="张忠德", department="中医内科")
    db.session.commit()
    assert [p.name for p in services.search_pis(event, q="钇90")[0]] == ["郑小飞"]
    assert services.search_pis(event, hospital_id=hospital.id)[1] == 1
    with pytest.raises(InvalidInput):
        services.add_pi(event, showcase["profiles"]["广州医药集团有限公司"].organisation, name="某人")
    assert db.session.scalar(select(func.count()).select_from(PrincipalInvestigator)) == 2
