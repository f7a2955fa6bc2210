"""汇政策: entries, review, search, validity, related, the targeted push, attachments, sessions."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from eventops.core.errors import InvalidInput
from eventops.core.models import MailMessage
from eventops.core.timeutil import freeze_now
from eventops.exhibitors.models import Notice
from eventops.extensions import db
from eventops.meetings import zone
from eventops.platform import policies

from .conftest import PDF, PNG, local, policy_data


@pytest.fixture
def frozen():
    freeze_now(datetime(2026, 6, 1, 4, tzinfo=timezone.utc))
    yield date(2026, 6, 1)
    freeze_now(None)


def test_an_entry_is_checked_and_public_only_once_reviewed(app, alliance):
    organizer = alliance["organizer"]
    with app.test_request_context():
        with pytest.raises(InvalidInput) as bad:
            policies.submit(policy_data(title_zh=" ", level="galactic", issued_on="2024-02-30", topics=["火星"],
                                        source_url="javascript:alert(1)", valid_until="2020-01-01"), actor=organizer)
        assert set(bad.value.errors) == {"title_zh", "level", "issued_on", "topics", "source_url", "valid_until"}
        with pytest.raises(InvalidInput) as bad:
            policies.submit(policy_data(level="district", district="", valid_until="2023-01-01"), actor=organizer)
        assert set(bad.value.errors) == {"district", "valid_until"}
        policy = policies.submit(policy_data(level="district", district="黄埔区", issuer="广州市黄埔区人民政府"), actor=organizer)
        assert policy.district == "黄埔" and policy.status == "submitted"
        db.session.commit()
        assert policies.search()[1] == 0 and policies.published(policy.id) is None
        policies.review(policy, publish=True, actor=organizer)
        db.session.commit()
        assert policies.search()[1] == 1
        with pytest.raises(policies.PolicyError):
            policies.review(policy, publish=True, actor=organizer)
        policies.update(policy, policy_data(title_zh="黄埔区生物医药专项扶持办法", level="district", district="黄埔"),
                        actor=organizer)
        db.session.commit()
        assert policy.status == "submitted" and policies.search()[1] == 0


def test_search_by_words_level_body_topic_and_validity(app, alliance, frozen):
    organizer = alliance["organizer"]
    with app.test_request_context():
        rows = [
            policy_data(),  # municipal, in force until 2028
            policy_data(title_zh="黄埔区促进生物医药产业发展办法", issuer="广州市黄埔区人民政府", level="district",
                        district="黄埔", topics=["医疗器械"], valid_until="2026-07-15"),  # expiring
            policy_data(title_zh="广东省支持创新药械应用若干措施", issuer="广东省人民政府", level="provincial",
                        topics=["临床试验"], issued_on="2021-01-01", valid_from="2021-01-01", valid_until="2025-12-31"),
            policy_data(title_zh="南沙区细胞治疗产业政策", issuer="广州市南沙区人民政府", level="district", district="南沙",
                        topics=["基因与细胞治疗"], issued_on="2026-05-01", valid_from="2026-09-01", valid_until=""),
        ]
        made = []
        for data in rows:
            policy = policies.submit(data, actor=organizer)
            policies.review(policy, publish=True, actor=organizer)
            made.append(policy)
        db.session.commit()
    current, expiring, expired, upcoming = made
    assert [policies.validity(p) for p in made] == ["current", "expiring", "expired", "upcoming"]

    def ids(**kw):
        return [p.id for p in policies.search(**kw)[0]]
    assert ids(q="黄埔 办法") == [expiring.id]
    assert ids(q="HUANGPU") == []
    assert set(ids(level="district")) == {expiring.id, upcoming.id}
    assert ids(district="南沙") == [upcoming.id]
    assert ids(issuer="广东省人民政府") == [expired.id]
    assert ids(topic="临床试验") == [expired.id]
    assert ids(validity_state="current") == [current.id]
    assert ids(validity_state="expiring") == [expiring.id]
    assert ids(validity_state="expired") == [expired.id]
    assert ids(validity_state="upcoming") == [upcoming.id]
    assert ids(q="100%_\\") == []  # LIKE's own characters are taken literally
    assert "广东省人民政府" in policies.issuers()


def test_a_push_reaches_only_the_managers_of_matching_organisations(app, alliance):
    organizer, managers = alliance["organizer"], alliance["managers"]
    before = db.session.scalar(select(func.max(MailMessage.id)))
    notices_before = db.session.scalar(select(func.count()).select_from(Notice))
    with app.test_request_context():
        # the municipal health commission submits it: it is not told of its own policy
        policy = policies.submit(policy_data(topics=["核医药"]), actor=managers["广州市卫生健康委员会"],
                                 organisation=alliance["orgs"]["广州市卫生健康委员会"])
        pushes = policies.review(policy, publish=True, actor=organizer)
        db.session.commit()
    pushed = {p.organisation.name: p.reasons for p in pushes}
    # the hospital (profile tag and PI) and the company (profile tag) match; no one else does
    assert set(pushed) == {"暨南大学附属第一医院", "广州诺和核医药科技有限公司"}
    assert any("核医药" in r for r in pushed["暨南大学附属第一医院"])
    assert any("PI" in r or "研究者" in r or "PIs" in r for r in pushed["暨南大学附属第一医院"])
    mails = db.session.scalars(select(MailMessage).where(MailMessage.id > before)).all()
    assert {m.to_address for m in mails} == {managers["暨南大学附属第一医院"].email,
                                             managers["广州诺和核医药科技有限公司"].email}
    assert all(policy.title_zh in m.subject and f"/platform/policies/{policy.id}" in m.body for m in mails)
    notices = db.session.scalars(select(Notice).where(Notice.event_id.is_(None))).all()
    assert db.session.scalar(select(func.count()).select_from(Notice)) == notices_before + len(notices)
    assert {n.organisation_id for n in notices} == {alliance["orgs"][name].id for name in pushed}
    assert all(n.event_id is None and "核医药" in n.text for n in notices)
    # published again after an edit: nobody is told twice
    with app.test_request_context():
        policies.update(policy, policy_data(topics=["核医药", "成果转化"]), actor=organizer)
        again = policies.review(policy, publish=True, actor=organizer)
        db.session.commit()
    assert {p.organisation.name for p in again} == {"广东省中医院"}  # its demand concerns 成果转化
    assert any("院内制剂" in r for r in again[0].reasons)
    assert len(db.session.scalars(select(MailMessage).where(MailMessage.id > before)).all()) == 3


def test_a_policy_page_finds_the_pis_demands_and_exhibitors_of_its_topics(app, alliance):
    with app.test_request_context():
        policy = policies.submit(policy_data(topics=["核医药", "成果转化"]), actor=alliance["organizer"])
    related = policies.related(policy)
    assert [(pi.name, shared) for pi, shared in related["pis"]] == [("郑小飞", ["核医药"])]
    assert [(d.title, shared) for d, shared in related["demands"]] == [("院内制剂转化为市场化产品", ["成果转化"])]
    assert {p.organisation.name for p, _shared in related["exhibitors"]} == {"暨南大学附属第一医院", "广州诺和核医药科技有限公司"}


def test_attachments_are_pdfs_by_content(app, alliance):
    organizer, gov = alliance["organizer"], alliance["managers"]["广州市卫生健康委员会"]
    with app.test_request_context():
        policy = policies.submit(policy_data(), actor=organizer)
        for data, code in ((PNG, "type"), (b"", "empty"), (b"%PD", "type"), (b"%PDF-" + b"0" * (10 * 1024 * 1024), "too_large")):
            with pytest.raises(policies.PolicyError) as bad:
                policies.attach(policy, "policy.pdf", data, actor=organizer)
            assert bad.value.code == code
        attachment = policies.attach(policy, 'a/b\\"政策.pdf', PDF, actor=organizer)
        assert attachment.filename == '政策.pdf' and attachment.content_type == "application/pdf"
        policies.review(policy, publish=True, actor=organizer)
        policy.organisation_id = alliance["orgs"]["广州市卫生健康委员会"].id
        policies.attach(policy, "more.pdf", PDF, actor=gov)  # an unreviewed file: back to review
        assert policy.status == "submitted"


def test_policy_interpretation_sessions(app, alliance):
    organizer, e2025 = alliance["organizer"], alliance["events"][1]
    with app.test_request_context():
        policy = policies.submit(policy_data(), actor=organizer)
        forum = zone.add_session(e2025, kind="forum", title_zh="主论坛", starts_at=local(2025, 5, 24, 9),
                                 ends_at=local(2025, 5, 24, 10))
        talk = zone.add_session(e2025, kind="policy", title_zh="生物医药政策解读", starts_at=local(2025, 5, 24, 14),
                                ends_at=local(2025, 5, 24, 15))
        with pytest.raises(policies.PolicyError):
            policies.link_session(policy, forum.id, actor=organizer)
        policies.link_session(policy, talk.id, actor=organizer)
        policies.link_session(policy, talk.id, actor=organizer)  # twice: one link
        db.session.commit()
    assert [s.id for s in policies.sessions_of(policy)] == [talk.id]
    assert [s.id for s in policies.interpretation_sessions()] == [talk.id]
