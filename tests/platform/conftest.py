"""Two editions of the alliance's event (2024 and 2025) with the organisations of the seed
article, their managers, PIs, demands, profiles and signed contracts."""
from datetime import datetime

import pytest

from eventops.core.timeutil import local_to_utc
from eventops.exhibitors import demands
from eventops.exhibitors import services as exhibitors
from eventops.extensions import db
from eventops.ledger import services as ledger
from eventops.organisations.services import find_by_name
from eventops.platform import policies
from eventops.registration import services as registrations

from ..factories import make_event, make_user, person

ORGS = [("广东省中医院", "hospital"), ("暨南大学附属第一医院", "hospital"),
        ("广州医科大学附属妇女儿童医疗中心", "hospital"), ("广州医药集团有限公司", "enterprise"),
        ("广州诺和核医药科技有限公司", "enterprise"), ("广州市卫生健康委员会", "government"),
        ("广州市生物医药行业协会", "association")]
TZ = "Asia/Shanghai"


def local(*args):
    return local_to_utc(datetime(*args), TZ)


def sign(event, session, title, amount, parties, *, key, at, category="technology_transfer", actor):
    entry, _created = ledger.record(event, ledger.ContractData(
        title=title, category=category, amount=amount, undisclosed=amount is None, session_id=session.id,
        signed_at=at, parties=list(parties)), actor=actor, key=key)
    return entry


@pytest.fixture
def alliance(app, organizer):
    """Two published events, one a year, the same organisations at both; managers for each
    organisation; a hospital profile, PIs and a demand at the 2025 event; contracts in both
    ledgers."""
    out = {"organizer": organizer, "events": [], "managers": {}, "orgs": {}, "entries": {}}
    with app.test_request_context():
        for year in (2024, 2025):
            event = make_event(organizer, slug=f"alliance-{year}", starts_at=local(year, 5, 24, 9),
                               ends_at=local(year, 5, 24, 18), registration_opens_at=None,
                               registration_closes_at=None)
            for n, (name, org_type) in enumerate(ORGS, 1):
                registrations.register(event, person(n + year, organisation=name, org_type=org_type), source="import")
            out["events"].append(event)
            out[f"session{year}"] = ledger.add_session(event, name_zh=f"{year}签约仪式", actor=organizer)
        db.session.commit()
        for n, (name, _type) in enumerate(ORGS, 1):
            org = find_by_name(name)
            manager = make_user(f"m{n}@example.cn")
            exhibitors.add_manager(org, manager, actor=organizer)
            out["orgs"][name], out["managers"][name] = org, manager
        e2024, e2025 = out["events"]
        hospital = out["orgs"]["暨南大学附属第一医院"]
        profile = exhibitors.profile_for(e2025, hospital)
        exhibitors.update_profile(profile, {"summary_zh": "核医学与放射性药物", "specialties": ["核医学科"],
                                            "tags": ["核医药", "临床试验"]}, actor=organizer, submit=True)
        exhibitors.review_profile(profile, publish=True, actor=organizer)
        company = out["orgs"]["广州诺和核医药科技有限公司"]
        cprofile = exhibitors.profile_for(e2025, company)
        exhibitors.update_profile(cprofile, {"summary_zh": "放射性药物研发生产", "specialties": ["放射性药物"],
                                             "tags": ["核医药"]}, actor=organizer, submit=True)
        exhibitors.review_profile(cprofile, publish=True, actor=organizer)
        out["pi"] = exhibitors.add_pi(e2025, hospital, name="郑小飞", specialty="核医学科",
                                      research_areas=["核医药", "创新药"])
        exhibitors.add_pi(e2025, out["orgs"]["广州医科大学附属妇女儿童医疗中心"], name="周文浩", specialty="儿科",
                          research_areas=["罕见病"])
        demand = demands.submit(e2025, out["orgs"]["广东省中医院"], kind="cooperation_offer",
                                title="院内制剂转化为市场化产品", tags=["成果转化", "创新药"], actor=organizer)
        demands.review(demand, publish=True, actor=organizer)
        out["demand"] = demand
        s24, s25 = out["session2024"], out["session2025"]
        out["entries"]["a"] = sign(e2024, s24, "院内制剂转化合作协议", "38000000.00", ["广东省中医院", "广州医药集团有限公司"],
                                   key="k-2024-a", at=local(2024, 5, 24, 10), actor=organizer)
        out["entries"]["b"] = sign(e2024, s24, "核医药战略合作协议", "52000000.00",
                                   ["暨南大学附属第一医院", "广州诺和核医药科技有限公司"], key="k-2024-b",
                                   at=local(2024, 5, 24, 10, 5), category="strategic_cooperation", actor=organizer)
        out["entries"]["c"] = sign(e2025, s25, "罕见病创新药转化中心共建协议", "29800000.00",
                                   ["广州医科大学附属妇女儿童医疗中心", "广州市生物医药行业协会"], key="k-2025-c",
                                   at=local(2025, 5, 24, 10), actor=organizer)
        # two alliance hospitals with one company: one contract, counted for each hospital
        out["entries"]["d"] = sign(e2025, s25, "临床试验联合体协议", "10000000.00",
                                   ["广东省中医院", "暨南大学附属第一医院", "广州医药集团有限公司"], key="k-2025-d",
                                   at=local(2025, 5, 24, 10, 5), category="clinical_trial", actor=organizer)
        out["entries"]["e"] = sign(e2025, s25, "创新药临床试验合作协议", None, ["广东省中医院", "广州诺和核医药科技有限公司"],
                                   key="k-2025-e", at=local(2025, 5, 24, 10, 10), category="clinical_trial",
                                   actor=organizer)
        db.session.commit()
    return out


def policy_data(**overrides):
    values = dict(title_zh="广州市促进生物医药产业高质量发展若干政策措施", title_en="Measures for biomedicine in Guangzhou",
                  issuer="广州市人民政府办公厅", level="municipal", issued_on="2024-03-01", valid_from="2024-03-01",
                  valid_until="2028-12-31", topics=["核医药", "创新药"], summary_zh="支持创新药械研发与产业化。",
                  source_url="https://www.gz.gov.cn/zwgk/policy.html", document_no="穗府办〔2024〕1号")
    values.update(overrides)
    return policies.PolicyData(**values)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
