"""The registration form as a person meets it: every error at once, ids that are unique, an expired
form that keeps what was typed, limits that are shown, text kept as typed, a full category named
before submitting, the organisation search without JavaScript."""
import re
from collections import Counter

import pytest
from sqlalchemy import select

from eventops.events import services as events
from eventops.extensions import db
from eventops.registration.models import Registration

from ..factories import make_event, person
from .test_races import form_of


def ids_of(html):
    return re.findall(r'\sid="([^"]+)"', html)


@pytest.fixture
def with_question(event, organizer):
    question = events.add_question(event, label_zh="是否参加一对一洽谈？", label_en="One-to-one meetings?",
                                   kind="yesno", required=True, actor=organizer)
    db.session.commit()
    return question


def test_every_error_comes_in_one_round_with_a_summary(client, event, with_question):
    # a missing name, a bad mobile, a bad e-mail and the unanswered question, all at once
    response = client.post(f"/e/{event.slug}/register", data=form_of(
        person(1, name="", mobile="123", email="nope")))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    links = re.findall(r'href="#([^"]+)"', summary)
    assert links == ["name", "mobile", "email", f"q_{with_question.id}-0"]
    for field in ("name", "mobile", "email"):
        tag = re.search(rf'<input[^>]*\bid="{field}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag
        described = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
        assert f"{field}-error" in described
        assert f'id="{field}-error"' in html
    radio = re.search(rf'<input[^>]*id="q_{with_question.id}-0"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in radio
    assert "请输入您的姓名" in summary and "手机号码" in summary
    assert db.session.scalar(select(Registration)) is None


def test_ids_are_unique_on_the_page(client, event, with_question):
    for response in (client.get(f"/e/{event.slug}/register"),
                     client.post(f"/e/{event.slug}/register", data={"name": ""})):
        counts = Counter(ids_of(response.get_data(as_text=True)))
        assert [i for i, n in counts.items() if n > 1] == []
        html = response.get_data(as_text=True)
        assert 'id="resend-email"' in html and 'for="resend-email"' in html


def test_limits_are_shown_and_a_long_paste_is_kept_with_a_message(client, event):
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert not re.search(r"\smaxlength=", html)  # the browser never cuts a paste short
    assert 'data-maxlength="50"' in html and "最多 50 个字" in html
    long_name = "欧阳" * 30                   # 60 characters
    response = client.post(f"/e/{event.slug}/register", data=form_of(person(1, name=long_name)))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'value="{long_name}"' in html    # all of it comes back, to be shortened by the person
    assert "最多 50 个字" in html and "姓名过长" in html


def test_text_is_kept_as_typed_and_only_matching_is_folded(client, event):
    response = client.post(f"/e/{event.slug}/register", data=form_of(person(
        1, name="欧阳𠮷", organisation="中山大学附属第一医院（南沙院区）", position="主任（兼）",
        mobile="１３９ ００００ ０００１", email="ＯＵＹＡＮＧ@Example.cn")))
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert registration.name == "欧阳𠮷"
    assert registration.position == "主任（兼）"
    assert registration.organisation.name == "中山大学附属第一医院（南沙院区）"
    assert registration.mobile == "13900000001"
    assert registration.email_key == "ouyang@example.cn"
    # the same organisation typed with ASCII brackets is matched to it
    client.post(f"/e/{event.slug}/register", data=form_of(person(2, organisation="中山大学附属第一医院(南沙院区)")))
    second = db.session.scalars(select(Registration).order_by(Registration.id.desc())).first()
    assert second.organisation_id == registration.organisation_id


def test_an_expired_form_comes_back_with_what_was_typed_and_a_fresh_token(app, event, with_question):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    typed = form_of(person(1, name="欧阳钇媛", position="主任（兼）"), csrf_token="expired-or-forged")
    typed[f"q_{with_question.id}"] = "yes"
    response = client.post(f"/e/{event.slug}/register", data=typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="expired-notice"' in html
    assert 'value="欧阳钇媛"' in html and 'value="主任（兼）"' in html and 'value="p1@example.cn"' in html
    assert re.search(rf'id="q_{with_question.id}-0"[^>]*checked|checked[^>]*id="q_{with_question.id}-0"', html)
    assert db.session.scalar(select(Registration)) is None
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    again = client.post(f"/e/{event.slug}/register", data={**typed, "csrf_token": fresh})
    assert again.status_code == 302
    assert db.session.scalar(select(Registration)).name == "欧阳钇媛"


def test_an_expired_edit_form_keeps_what_was_typed(app, event):
    client = app.test_client()
    location = client.post(f"/e/{event.slug}/register", data=form_of(person(1))).headers["Location"]
    token = re.search(r"/r/([^?]+)", location).group(1)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/r/{token}/edit", data=form_of(person(1, position="新职务"), csrf_token="old"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="expired-notice"' in html and 'value="新职务"' in html


def test_a_full_category_is_named_before_submitting(client, organizer):
    event = make_event(organizer, category_capacities={"exhibitor": 1})
    assert "候补" not in client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    client.post(f"/e/{event.slug}/register", data=form_of(person(1, category="exhibitor")))
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    option = re.search(r'<option value="exhibitor"[^>]*>[^<]*</option>', html).group(0)
    assert 'data-full="1"' in option and "已满" in option
    assert 'data-category="exhibitor"' in html and "将进入候补名单" in html
    assert 'id="event-full-notice"' not in html


def test_a_full_event_says_so_for_every_category(client, organizer):
    event = make_event(organizer, capacity=1)
    client.post(f"/e/{event.slug}/register", data=form_of(person(1)))
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert 'id="event-full-notice"' in html
    client.get("/lang/en?next=/")
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "you will join the waitlist" in html


def test_the_organisation_field_is_a_search_not_a_list_of_every_name(client, event):
    for n, name in enumerate(["广东省人民医院", "广州医科大学附属第一医院", "中山大学附属第一医院", "广州医药集团有限公司"]):
        client.post(f"/e/{event.slug}/register", data=form_of(person(n + 1, organisation=name)))
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "<datalist" not in html and "广州医药集团有限公司" not in html
    found = client.get(f"/e/{event.slug}/organisations?q=广州医").get_json()
    assert [o["name"] for o in found] == ["广州医科大学附属第一医院", "广州医药集团有限公司"]
    assert found[0]["type"] == "hospital"
    assert client.get(f"/e/{event.slug}/organisations?q=").get_json() == []
    assert client.get(f"/e/{event.slug}/organisations?q=%25").get_json() == []


def test_the_organisation_search_works_without_javascript(client, event):
    client.post(f"/e/{event.slug}/register", data=form_of(person(1, organisation="广州医科大学附属第一医院")))
    typed = form_of(person(2, name="李媛", organisation="医科大学", org_type="other"))
    # the search button: the form comes back with the matches and everything typed, nothing saved
    response = client.post(f"/e/{event.slug}/register", data={**typed, "org_search": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'name="org_pick" value="广州医科大学附属第一医院"', html)
    assert 'value="李媛"' in html
    assert db.session.scalar(select(Registration).where(Registration.name == "李媛")) is None
    # picking one puts it in the field (and its type in the select), still nothing saved
    response = client.post(f"/e/{event.slug}/register", data={**typed, "org_pick": "广州医科大学附属第一医院"})
    html = response.get_data(as_text=True)
    assert re.search(r'id="organisation"[^>]*value="广州医科大学附属第一医院"', html)
    assert re.search(r'<option selected value="hospital">|<option value="hospital" selected', html)
    # then the registration itself
    done = client.post(f"/e/{event.slug}/register", data={**typed, "organisation": "广州医科大学附属第一医院"})
    assert done.status_code == 302


def test_english_labels_of_tags_options_and_categories(client, event, organizer):
    events.update_event(event, events.EventData(**{
        **{k: getattr(event, k) for k in ("slug", "name_zh", "name_en", "venue_zh", "venue_en", "starts_at", "ends_at",
                                          "registration_opens_at", "registration_closes_at")},
        "interest_tags": ["临床试验 | Clinical trials", "成果转化"], "interest_tags_en": {}}), actor=organizer)
    question = events.add_question(event, label_zh="合作类型", label_en="Kind of cooperation", kind="multi",
                                   options=["成果转化 | Technology transfer", "投融资"], actor=organizer)
    db.session.commit()
    client.get("/lang/en?next=/")
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "<span>Clinical trials</span>" in html and "<span>临床试验</span>" not in html
    assert "<span>成果转化</span>" in html  # no English label given: the Chinese one
    assert "Kind of cooperation" in html and "Technology transfer" in html
    assert ">Exhibitor<" in html and "展商" not in html
    response = client.post(f"/e/{event.slug}/register", data={
        **form_of(person(1)), "tags": ["临床试验"], f"q_{question.id}": ["成果转化"]})
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert registration.tags == ["临床试验"] and registration.answers == {str(question.id): ["成果转化"]}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Clinical trials" in page and "Technology transfer" in page
    client.get("/lang/zh?next=/")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "临床试验" in page and "Clinical trials" not in page
