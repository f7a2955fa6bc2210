"""院企合作巡礼: Markdown rendered without raw HTML, links, review, the hospital's articles."""
import pytest

from eventops.core.errors import InvalidInput
from eventops.extensions import db
from eventops.ledger import services as ledger
from eventops.platform import policies, reports

from .conftest import policy_data


def test_markdown_renders_a_script_tag_as_text():
    html = str(reports.render("# 标题\n\n<script>alert('x')</script>\n\n**加粗** <img src=x onerror=alert(1)>\n\n"
                              "[点我](javascript:alert(1)) [官网](https://www.gz.gov.cn/) [本站](/platform/)"))
    assert "<script>" not in html and "&lt;script&gt;alert(" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<h1>标题</h1>" in html and "<strong>加粗</strong>" in html
    assert 'href="javascript' not in html and "[点我](javascript:alert(1))" in html
    assert '<a href="https://www.gz.gov.cn/">官网</a>' in html and '<a href="/platform/">本站</a>' in html


def test_markdown_tables_and_lists():
    html = str(reports.render("- 一\n- 二\n\n| 医院 | 金额 |\n|---|---|\n| 广东省中医院 | 3800万元 |"))
    assert "<li>一</li>" in html and "<td>广东省中医院</td>" in html


def test_an_article_links_and_is_public_once_reviewed(app, alliance):
    organizer = alliance["organizer"]
    entry = alliance["entries"]["a"]
    with app.test_request_context():
        policy = policies.submit(policy_data(), actor=organizer)
        policies.review(policy, publish=True, actor=organizer)
        with pytest.raises(InvalidInput) as bad:
            reports.create({"title_zh": "", "body": " ", "organisations": ["不存在的医院"], "contracts": [999999],
                            "policies": [424242]}, actor=organizer)
        assert set(bad.value.errors) == {"title_zh", "body", "organisations", "contracts", "policies"}
        with pytest.raises(InvalidInput) as bad:
            reports.create({"title_zh": "t", "body": "b", "contracts": [999999]}, actor=organizer)
        assert set(bad.value.errors) == {"contracts"}
        article = reports.create({"title_zh": "一款院内制剂的上市之路", "body": "广东省中医院与广药集团……",
                                  "organisations": ["广东省中医院", "广州医药集团有限公司", "广东省中医院"],
                                  "contracts": [entry.id], "policies": [policy.id]}, actor=organizer)
        db.session.commit()
        hospital = alliance["orgs"]["广东省中医院"]
        assert reports.about("organisation", hospital.id) == [] and reports.column() == []
        with pytest.raises(reports.ReportError):
            reports.review(article, publish=True, actor=organizer)  # a draft is not sent for review yet
        reports.update(article, reports.form_values(article), actor=organizer, submit=True)
        reports.review(article, publish=True, actor=organizer)
        db.session.commit()
        assert [a.id for a in reports.about("organisation", hospital.id)] == [article.id]
        assert [a.id for a in reports.about("policy", policy.id)] == [article.id]
        assert [a.id for a in reports.column(q="院内制剂")] == [article.id]
        assert len(article.links) == 4  # two organisations (one named twice), one contract, one policy
        ledger.reverse(alliance["events"][0], entry.id, actor=organizer, key="key-reverse-a")
        db.session.commit()
    linked = reports.linked(article)
    assert {o.name for o in linked["organisations"]} == {"广东省中医院", "广州医药集团有限公司"}
    assert [(e.id, was_reversed) for e, was_reversed in linked["contracts"]] == [(entry.id, True)]
    assert [p.id for p in linked["policies"]] == [policy.id]
