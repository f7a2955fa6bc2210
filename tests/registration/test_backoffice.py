"""The back office's list: keyset pages in every order, search by name, organisation and mobile
digits, filters, totals from the counters or counted (and said to be capped)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventops.core.timeutil import now_utc
from eventops.extensions import db
from eventops.registration import queries, services
from eventops.registration.models import Registration

from ..factories import login, make_event, person

ORGS = ["广东省人民医院", "中山大学附属第一医院", "广州医药集团有限公司", "暨南大学附属第一医院"]


@pytest.fixture
def crowd(app, organizer):
    """23 people over four organisations, registered a minute apart; media limited to 2."""
    event = make_event(organizer, category_capacities={"media": 2})
    start = now_utc() - timedelta(hours=1)
    with app.test_request_context():
        for n in range(23):
            services.register(event, person(n + 1, name=f"{'欧阳' if n % 5 == 0 else '李'}{n:02d}",
                                            organisation=ORGS[n % 4], org_type="hospital" if n % 4 != 2 else "enterprise",
                                            category="media" if n % 6 == 0 else "attendee"),
                              now=start + timedelta(minutes=n))
        db.session.commit()
    return event


def walk(event, filters, per_page):
    """Every page forwards, then every page backwards from the last: ids in order."""
    seen, page, forward_pages = [], queries.keyset_page(event, filters, per_page=per_page), []
    while True:
        forward_pages.append([r.id for r in page.items])
        seen += forward_pages[-1]
        if page.is_last:
            break
        page = queries.keyset_page(event, filters, after=page.after, per_page=per_page)
    backward_pages = []
    page = queries.keyset_page(event, filters, last=True, per_page=per_page)
    while True:
        backward_pages.insert(0, [r.id for r in page.items])
        if page.is_first:
            break
        page = queries.keyset_page(event, filters, before=page.before, per_page=per_page)
    return seen, forward_pages, backward_pages


@pytest.mark.parametrize("sort", list(queries.SORTS))
@pytest.mark.parametrize("q", ["", "医院"])
def test_keyset_pages_cover_every_row_once_in_order_both_ways(crowd, sort, q):
    filters = queries.Filters(q=q, sort=sort)
    seen, forward, backward = walk(crowd, filters, per_page=5)
    column, direction = queries.SORTS[sort]
    rows = db.session.scalars(queries.filtered(crowd, filters)).all()
    key = (lambda r: (r.organisation.name, r.id)) if sort == "organisation" else (lambda r: (getattr(r, column.key), r.id))
    expected = [r.id for r in sorted(rows, key=key, reverse=direction == "desc")]
    assert seen == expected
    # from the last page backwards, the pages are the same ones, except that the first is short
    assert sum(backward, []) == expected
    assert all(len(p) == 5 for p in forward[:-1])


def test_search_by_name_organisation_and_mobile_digits(crowd):
    def names(q):
        return sorted(r.name for r in queries.keyset_page(crowd, queries.Filters(q=q)).items)
    assert names("欧阳") == ["欧阳00", "欧阳05", "欧阳10", "欧阳15", "欧阳20"]
    assert len(names("中山大学")) == 6
    assert names("139 0000 0012") == ["李11"]            # typed with spaces, found by its digits
    assert names("00000012") == ["李11"]
    assert names("p7@EXAMPLE") == ["李06"]               # e-mail, any case
    assert names("广东省 人民") == names("广东省人民")   # an organisation typed with a space
    assert names("%") == [] and names("_") == []          # wildcards taken literally


def test_totals_from_counters_and_counted(crowd, monkeypatch):
    assert queries.total(crowd, queries.Filters()).n == 23
    media = queries.total(crowd, queries.Filters(category="media", status="waitlisted"))
    assert (media.n, media.capped) == (2, False)
    assert queries.total(crowd, queries.Filters(org_type="enterprise")).n == 6
    page = queries.keyset_page(crowd, queries.Filters(q="医院"), per_page=5)
    assert page.total.n == 17 and not page.total.capped
    # above the cap the count stops and says so, and the pages still work
    monkeypatch.setattr(queries, "COUNT_CAP", 10)
    capped = queries.keyset_page(crowd, queries.Filters(q="医院"), per_page=5)
    assert (capped.total.n, capped.total.capped) == (10, True)
    seen, _f, _b = walk(crowd, queries.Filters(q="医院"), per_page=5)
    assert len(seen) == 17


def test_the_page_shows_totals_and_navigates(client, crowd, organizer, app):
    login(client, organizer)
    app.config["PAGE_SIZE"] = 10
    html = client.get(f"/manage/{crowd.slug}/registrations").get_data(as_text=True)
    assert re.search(r'id="total"[^>]*>\(23\)', html)
    assert 'id="page-next"' in html and 'id="page-prev"' not in html
    second = re.search(r'id="page-next"[^>]*|href="([^"]+)" id="page-next"', html)
    href = re.search(r'href="([^"]+)" id="page-next"', html).group(1).replace("&amp;", "&")
    html2 = client.get(href).get_data(as_text=True)
    assert 'id="page-prev"' in html2 and 'id="page-first"' in html2
    assert second
    last = client.get(f"/manage/{crowd.slug}/registrations?last=1").get_data(as_text=True)
    assert 'id="page-next"' not in last and last.count('href="/manage/') > 3
    # a search keeps its words in the page links; a malformed cursor is the first page
    html = client.get(f"/manage/{crowd.slug}/registrations?q=医院&sort=name").get_data(as_text=True)
    assert re.search(r'id="total"[^>]*>\(17\)', html)
    for bad in ["x", "%00", "eyJ0IjoxfQ", "W1siYSJdLCJiIl0", "A" * 700]:
        response = client.get(f"/manage/{crowd.slug}/registrations", query_string={"after": bad, "before": bad})
        assert response.status_code == 200


def test_the_total_says_when_it_is_capped(client, crowd, organizer, monkeypatch):
    login(client, organizer)
    monkeypatch.setattr(queries, "COUNT_CAP", 10)
    html = client.get(f"/manage/{crowd.slug}/registrations?q=医院").get_data(as_text=True)
    assert re.search(r'id="total"[^>]*>\(超过 10\)', html)


def test_search_text_follows_changes(app, crowd, organizer):
    registration = db.session.scalars(select(Registration).order_by(Registration.id)).first()
    with app.test_request_context():
        services.update_details(registration, person(1, name="王芳芳", organisation="新成立的生物科技公司",
                                                     email="wang@example.cn", mobile="13700137000"), actor=organizer)
        db.session.commit()
    assert [r.id for r in queries.keyset_page(crowd, queries.Filters(q="王芳芳")).items] == [registration.id]
    assert [r.id for r in queries.keyset_page(crowd, queries.Filters(q="生物科技")).items] == [registration.id]
    assert [r.id for r in queries.keyset_page(crowd, queries.Filters(q="13700")).items] == [registration.id]
    assert queries.keyset_page(crowd, queries.Filters(q="欧阳00")).items == []
