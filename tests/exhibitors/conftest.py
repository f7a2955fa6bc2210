import pytest

from eventops.extensions import db
from eventops.exhibitors import services
from eventops.organisations.services import find_by_name
from eventops.registration import services as registrations

from ..factories import make_user, person

ORGS = [("广东省中医院", "hospital"), ("暨南大学附属第一医院", "hospital"), ("广州医药集团有限公司", "enterprise"),
        ("广州诺和核医药科技有限公司", "enterprise")]


@pytest.fixture
def showcase(app, event, organizer):
    """Four organisations at the event, a manager for each, profiles (two published), four booths."""
    with app.test_request_context():
        for n, (name, org_type) in enumerate(ORGS, 1):
            registrations.register(event, person(n, organisation=name, org_type=org_type, category="exhibitor"))
        db.session.commit()
    out = {"event": event, "managers": {}, "profiles": {}, "booths": []}
    for n, (name, _type) in enumerate(ORGS, 1):
        org = find_by_name(name)
        manager = make_user(f"manager{n}@example.cn")
        services.add_manager(org, manager, actor=organizer)
        profile = services.profile_for(event, org)
        out["managers"][name], out["profiles"][name] = manager, profile
    data = {
        "广东省中医院": dict(summary_zh="国家中医临床研究基地，院内制剂转化", specialties=["肿瘤科", "中医内科"],
                       tags=["成果转化", "临床试验"], projects="院内制剂转化为市场化产品"),
        "暨南大学附属第一医院": dict(summary_zh="核医学与放射性药物研究", specialties=["核医学科", "肿瘤科"],
                             tags=["核医药", "临床试验"], needs="钇90 国产替代"),
        "广州医药集团有限公司": dict(summary_zh="中成药与化学药", specialties=["中成药"], tags=["成果转化"],
                              strengths="院内制剂产业化"),
        "广州诺和核医药科技有限公司": dict(summary_zh="放射性药物研发生产", specialties=["核医药"], tags=["核医药"],
                                   strengths="钇90 微球 生产线"),
    }
    for name, values in data.items():
        services.update_profile(out["profiles"][name], values, actor=out["managers"][name], submit=True)
    for name in ["广东省中医院", "暨南大学附属第一医院", "广州诺和核医药科技有限公司"]:
        services.review_profile(out["profiles"][name], publish=True, actor=organizer)
    for n, code in enumerate(["H01", "H02", "C01", "C02"]):
        out["booths"].append(services.add_booth(event, code=code, zone="hospitals" if code[0] == "H" else "companies",
                                                x=n * 3.5, y=0, actor=organizer))
    db.session.commit()
    return out
