"""The platform's demo: policies by level, the five hospitals of the seed article with contracts and
achievements, two articles, a first edition whose corrected contract counts once."""
from eventops.demo import cli as demo
from eventops.demo import platform as platform_demo
from eventops.extensions import db
from eventops.organisations.services import find_by_name
from eventops.platform import policies, reports, results


def test_the_platform_demo(app, client):
    with app.test_request_context():
        event, created = demo.seed(people=60)
        db.session.commit()
    assert created
    items, total = policies.search(per_page=100)
    assert total == 9 and {p.level for p in items} == {"national", "provincial", "municipal", "district"}
    assert {p.district for p in items if p.level == "district"} == {"越秀", "荔湾", "黄埔", "南沙"}
    assert {policies.validity(p) for p in items} >= {"current", "expiring", "expired"}
    assert any(p.attachments for p in items) and any(policies.sessions_of(p) for p in items)
    for name in platform_demo.HOSPITALS:
        out = results.organisation_results(find_by_name(name))
        assert out["contracts"] and out["achievements"], name
    figures = results.alliance()
    assert figures["events"] == 2 and set(figures["by_year"]) == {event.starts_at.year - 1, event.starts_at.year}
    corrected = [c for c in results.contracts() if c.corrects]
    assert len(corrected) == 1 and corrected[0].amount_fen == 6_800_000 * 100
    assert len(reports.column()) == 2
    hospital = find_by_name("广东省中医院")
    page = client.get(f"/platform/results/{hospital.id}").get_data(as_text=True)
    assert "一款院内制剂的上市之路" in page and "院内制剂转化为市场化产品" in page
    assert client.get("/platform/?q=钇90").status_code == 200
