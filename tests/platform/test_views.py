"""The platform's pages through the test client: public pages, the back office, managers."""
import io
import re

from sqlalchemy import select

from eventops.extensions import db
from eventops.ledger import services as ledger
from eventops.platform import policies, reports, results
from eventops.platform.models import ClinicalTrial, Policy

from ..factories import login
from .conftest import PDF, PNG, policy_data


def _published_policy(app, alliance, **overrides):
    with app.test_request_context():
        policy = policies.submit(policy_data(**overrides), actor=alliance["organizer"])
        policies.attach(policy, "措施.pdf", PDF, actor=alliance["organizer"])
        policies.review(policy, publish=True, actor=alliance["organizer"])
        db.session.commit()
    return policy


def test_public_pages(app, client, alliance):
    policy = _published_policy(app, alliance)
    hospital = alliance["orgs"]["暨南大学附属第一医院"]
    for url in ["/platform/", "/platform/policies", f"/platform/policies/{policy.id}", "/platform/results",
                f"/platform/results/{hospital.id}", "/platform/reports", "/platform/results/contracts",
                f"/platform/policies?level=municipal&topic=核医药&validity=current&q=生物医药&issuer={policy.issuer}",
                "/platform/policies?level=nonsense&validity=whatever&page=-3", "/platform/?lang=en"]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/platform/policies/{policy.id}").get_data(as_text=True)
    assert "郑小飞" in page and "广州诺和核医药科技有限公司" in page and "穗府办〔2024〕1号" in page
    assert "Pushed to" not in page and "推送" not in page  # the push list is for reviewers
    for url in ["/platform/policies/999999", "/platform/results/999999", "/platform/reports/1",
                "/platform/results/contracts?org=999999", "/platform/results/contracts?category=nope"]:
        assert client.get(url).status_code == 404, url


def test_attachment_download(app, client, alliance):
    policy = _published_policy(app, alliance)
    attachment = policy.attachments[0]
    response = client.get(f"/platform/policies/{policy.id}/files/{attachment.id}/x.pdf")
    assert response.status_code == 200 and response.data == PDF and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/platform/policies/{policy.id + 1}/files/{attachment.id}/x.pdf").status_code == 404
    with app.test_request_context():
        policies.update(policy, policy_data(title_zh="改"), actor=alliance["organizer"])  # back to review
        db.session.commit()
    assert client.get(f"/platform/policies/{policy.id}/files/{attachment.id}/x.pdf").status_code == 404
    assert client.get(f"/platform/policies/{policy.id}").status_code == 404


def test_search_from_the_home_page(app, client, alliance):
    _published_policy(app, alliance)
    page = client.get("/platform/?q=核医药").get_data(as_text=True)
    for section in ("found-policies", "found-pis", "found-exhibitors", "found-results"):
        assert f'id="{section}"' in page, section
    assert "郑小飞" in page and "广州市促进生物医药产业高质量发展若干政策措施" in page
    page = client.get("/platform/?q=" + "不存在的词" * 30).get_data(as_text=True)
    assert 'id="search-nothing"' in page
    assert client.get("/platform/?q=%00%25_").status_code == 400  # control characters: refused everywhere


def test_the_results_figures_link_to_the_entries_they_add_up(app, client, alliance):
    with app.test_request_context():
        ledger.reverse(alliance["events"][0], alliance["entries"]["a"].id, actor=alliance["organizer"],
                       key="key-reverse-a")
        db.session.commit()
    page = client.get("/platform/results").get_data(as_text=True)
    assert "<svg" in page and page.count('class="bar"') >= 5
    hrefs = set(re.findall(r'href="(/platform/results/contracts[^"]*)"', page))
    assert "/platform/results/contracts?year=2025" in {h.replace("&amp;", "&") for h in hrefs}
    for href in hrefs:
        trace = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        fen = [int(v) for v in re.findall(r'data-fen="(\d+)"', trace)]
        shown = re.search(r'id="trace-sum">([^<]+)<', trace).group(1)
        assert shown == f"{sum(fen) / 100:,.2f}", href
        assert alliance["entries"]["a"].title not in trace  # reversed
    english = client.get("/platform/results?lang=en").get_data(as_text=True)
    assert "By hospital" in english and "By year" in english
    chinese = client.get("/platform/results?lang=zh").get_data(as_text=True)
    assert "按医院" in chinese


def test_a_hospital_page_shows_its_results_and_articles(app, client, alliance):
    organizer = alliance["organizer"]
    hospital = alliance["orgs"]["广东省中医院"]
    with app.test_request_context():
        article = reports.create({"title_zh": "院企合作巡礼：院内制剂走向市场", "body": "<script>alert(1)</script>**合作**",
                                  "organisations": ["广东省中医院"]}, actor=organizer, submit=True)
        reports.review(article, publish=True, actor=organizer)
        db.session.commit()
    page = client.get(f"/platform/results/{hospital.id}").get_data(as_text=True)
    assert "院企合作巡礼：院内制剂走向市场" in page and "院内制剂转化合作协议" in page
    assert "4,800.00万元" in page  # 38m + 10m
    body = client.get(f"/platform/reports/{article.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "<strong>合作</strong>" in body


def test_back_office_needs_an_organizer(app, client, alliance):
    assert client.get("/platform/manage/").status_code == 302
    login(client, alliance["managers"]["广东省中医院"])
    assert client.get("/platform/manage/").status_code == 403
    assert client.post("/platform/manage/policies/new", data={}).status_code == 403


def test_organizer_creates_reviews_and_publishes_a_policy(app, client, alliance):
    login(client, alliance["organizer"])
    assert client.get("/platform/manage/").status_code == 200
    bad = client.post("/platform/manage/policies/new", data={"title_zh": "x", "issuer": "广州市科学技术局",
                                                            "issued_on": "2025-99-01", "level": "municipal"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.get_data(as_text=True)
    assert db.session.scalar(select(Policy.id)) is None
    response = client.post("/platform/manage/policies/new", data={
        "title_zh": "广州市提升临床试验能力行动方案（2025-2027）", "issuer": "广州市卫生健康委员会、广州市科学技术局",
        "level": "municipal", "issued_on": "2025-05-24", "valid_from": "2025-05-24", "valid_until": "2027-12-31",
        "topics": ["临床试验", "成果转化"], "summary_zh": "组建“1+N+X”临床试验区域研联体。"})
    assert response.status_code == 302
    policy = db.session.scalar(select(Policy))
    assert policy.status == "submitted"
    assert client.get(f"/platform/policies/{policy.id}").status_code == 200  # a reviewer's preview
    upload = client.post(f"/platform/manage/policies/{policy.id}/attachments",
                         data={"file": (io.BytesIO(PNG), "fake.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 302
    refusal = client.get(f"/platform/manage/policies/{policy.id}").get_data(as_text=True)
    assert "附件必须是 PDF 文件。" in refusal  # the flashed refusal
    db.session.refresh(policy)
    assert policy.attachments == []
    client.post(f"/platform/manage/policies/{policy.id}/review", data={"decision": "publish"})
    db.session.refresh(policy)
    assert policy.status == "published"
    page = client.get(f"/platform/manage/policies/{policy.id}").get_data(as_text=True)
    assert 'id="pushes"' in page and "广东省中医院" in page  # its demand concerns 成果转化
    client.post("/logout")
    assert client.get(f"/platform/policies/{policy.id}").status_code == 200


def test_a_department_manager_submits_a_policy_and_a_hospital_manager_a_trial(app, client, alliance):
    gov_org = alliance["orgs"]["广州市卫生健康委员会"]
    hospital = alliance["orgs"]["广东省中医院"]
    login(client, alliance["managers"]["广州市卫生健康委员会"])
    page = client.get("/platform/mine/").get_data(as_text=True)
    assert "广州市卫生健康委员会" in page
    response = client.post(f"/platform/mine/{gov_org.id}/policies", data={
        "title_zh": "越秀区支持医疗机构开展临床研究若干措施", "issuer": "广州市越秀区卫生健康局", "level": "district",
        "district": "越秀", "issued_on": "2025-01-10", "topics": ["临床试验"]})
    assert response.status_code == 302
    policy = db.session.scalar(select(Policy))
    assert policy.organisation_id == gov_org.id and policy.status == "submitted"
    assert client.post(f"/platform/mine/{hospital.id}/trials", data={"title": "x", "phase": "I"}).status_code == 403
    upload = client.post(f"/platform/mine/{gov_org.id}/policies/{policy.id}/attachments",
                         data={"file": (io.BytesIO(PDF), "越秀.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 302
    db.session.refresh(policy)
    assert [a.filename for a in policy.attachments] == ["越秀.pdf"]
    client.post("/logout")

    login(client, alliance["managers"]["广东省中医院"])
    assert client.post(f"/platform/mine/{hospital.id}/policies", data={"title_zh": "x"}).status_code == 403
    bad = client.post(f"/platform/mine/{hospital.id}/trials", data={"title": "", "phase": "V"})
    assert bad.status_code == 400
    ok = client.post(f"/platform/mine/{hospital.id}/trials", data={
        "title": "某中药复方 III 期临床试验", "phase": "III", "registration_no": "CTR20251234", "topics": ["临床试验"]})
    assert ok.status_code == 302
    trial = db.session.scalar(select(ClinicalTrial))
    assert trial.status == "submitted" and results.trials_of(hospital) == []
    assert "某中药复方" not in client.get(f"/platform/results/{hospital.id}").get_data(as_text=True)


def test_policy_notices_reach_the_managers_pages(app, client, alliance):
    _published_policy(app, alliance, topics=["核医药"])
    login(client, alliance["managers"]["暨南大学附属第一医院"])
    page = client.get("/platform/mine/").get_data(as_text=True)
    assert "广州市促进生物医药产业高质量发展若干政策措施" in page and "核医药" in page
    org = alliance["orgs"]["暨南大学附属第一医院"]
    portal = client.get(f"/exhibitor/{alliance['events'][1].slug}/{org.id}/").get_data(as_text=True)
    assert "广州市促进生物医药产业高质量发展若干政策措施" in portal  # the event portal shows platform notices too
    client.post("/logout")
    login(client, alliance["managers"]["广东省中医院"])
    assert "广州市促进生物医药产业高质量发展若干政策措施" not in client.get("/platform/mine/").get_data(as_text=True)


def test_articles_through_the_back_office(app, client, alliance):
    login(client, alliance["organizer"])
    entry = alliance["entries"]["a"]
    response = client.post("/platform/manage/articles/new", data={
        "title_zh": "院企合作巡礼", "body": "# 正文\n\n<script>alert(1)</script>", "organisations": "广东省中医院\n",
        "contracts": [str(entry.id)], "submit_for_review": "y"})
    assert response.status_code == 302
    article = db.session.scalar(select(reports.Article))
    assert article.status == "submitted" and [link.kind for link in article.links] == ["organisation", "contract"]
    edit = client.get(f"/platform/manage/articles/{article.id}").get_data(as_text=True)
    assert "&lt;script&gt;" in edit and "<script>alert" not in edit
    client.post(f"/platform/manage/articles/{article.id}/review", data={"decision": "publish"})
    db.session.refresh(article)
    assert article.status == "published"
    bad = client.post(f"/platform/manage/articles/{article.id}", data={"title_zh": "", "body": "",
                                                                       "organisations": "不存在"})
    assert bad.status_code == 400
    db.session.refresh(article)
    assert article.title_zh == "院企合作巡礼" and article.status == "published"


def test_achievements_through_the_back_office(app, client, alliance):
    login(client, alliance["organizer"])
    e2025 = alliance["events"][1]
    response = client.post("/platform/manage/achievements", data={
        "event_id": str(e2025.id), "organisation": "广东省中医院", "title_zh": "院内制剂转化上市", "stage": "market",
        "topics": ["成果转化"]})
    assert response.status_code == 302
    bad = client.post("/platform/manage/achievements", data={"event_id": str(e2025.id), "organisation": "无此单位",
                                                             "title_zh": "x", "stage": "market"})
    assert bad.status_code == 400
    item = results.achievements_of(alliance["orgs"]["广东省中医院"])[0]
    client.post(f"/platform/achievements/{item.id}/stage", data={"stage": "licensed"})
    db.session.refresh(item)
    assert item.stage == "licensed"
    client.post("/logout")
    login(client, alliance["managers"]["广州医药集团有限公司"])
    client.post(f"/platform/achievements/{item.id}/stage", data={"stage": "research"})
    db.session.refresh(item)
    assert item.stage == "licensed"


def test_a_department_manager_lands_on_the_platform_after_login(app, client, alliance):
    login(client, alliance["managers"]["广州市卫生健康委员会"])
    assert client.get("/home").headers["Location"].endswith("/platform/mine/")
    page = client.get("/platform/").get_data(as_text=True)
    assert "/platform/mine/" in page and "/platform/manage/" not in page
