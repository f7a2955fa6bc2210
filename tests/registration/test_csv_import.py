"""The organizer's CSV import, as organizers met it (issue 11, item 4): columns for the event's
own questions, the approval rule, personal links by mail (after an import, and from the list),
a forecast of places in the preview, refused values quoted and translated, nothing to import."""
import io
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from eventops.core.mail import delivered_body
from eventops.core.models import MailMessage
from eventops.events import services as events
from eventops.extensions import db
from eventops.jobs.models import Job
from eventops.registration import csvio, personal_links, services
from eventops.registration.models import ImportBatch, Registration, RegistrationLink

from ..factories import login, make_event, person
from .test_races import form_of

HEADER = "姓名,单位,手机,邮箱,类别"


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def rows(n, start=1, extra=""):
    return [f"导入{i},广东省人民医院,137{i:08d},imp{i}@example.cn,参会者{extra}" for i in range(start, start + n)]


def upload(event, organizer, lines, header=HEADER):
    batch = csvio.upload(event, "people.csv", ("\n".join([header, *lines]) + "\n").encode(), actor=organizer)
    db.session.commit()
    return batch


def mapping_of(batch):
    return {k: int(v) for k, v in batch.mapping.items()}


def mails():
    return db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()


@pytest.fixture
def questions(event, organizer):
    made = {
        "kind": events.add_question(event, label_zh="合作意向", label_en="Cooperation", kind="choice",
                                    options=["成果转化 | Technology transfer", "投融资 | Investment"], actor=organizer),
        "areas": events.add_question(event, label_zh="关注方向", kind="multi", options=["肿瘤", "心血管", "罕见病"],
                                     actor=organizer),
        "meet": events.add_question(event, label_zh="是否参加洽谈", kind="yesno", actor=organizer),
        "note": events.add_question(event, label_zh="备注", kind="text", actor=organizer),
    }
    db.session.commit()
    return made


# --- 1. columns for the event's questions ---------------------------------------------------------

def test_question_columns_are_guessed_and_answers_stored_as_the_form_stores_them(app, event, organizer, questions):
    q = questions
    # the public form: one person answers every question
    response = app.test_client().post(f"/e/{event.slug}/register", data=form_of(
        person(1), **{f"q_{q['kind'].id}": "投融资", f"q_{q['areas'].id}": ["肿瘤", "罕见病"],
                      f"q_{q['meet'].id}": "yes", f"q_{q['note'].id}": "需要 翻译"}))
    assert response.status_code == 302
    web = db.session.scalar(select(Registration).where(Registration.source == "web"))
    # the import: the same answers as a spreadsheet writes them (an English label, another order
    # and separator, 是 for yes, spaces to squeeze)
    batch = upload(event, organizer, ["李钇媛,广东省人民医院,13800000001,li@example.cn,参会者,Investment,罕见病、肿瘤,是,需要  翻译"],
                   header=HEADER + ",合作意向,关注方向,是否参加洽谈,备注")
    assert {k: batch.mapping[k] for k in (f"q_{q['kind'].id}", f"q_{q['areas'].id}", f"q_{q['meet'].id}",
                                         f"q_{q['note'].id}")} == {
        f"q_{q['kind'].id}": 5, f"q_{q['areas'].id}": 6, f"q_{q['meet'].id}": 7, f"q_{q['note'].id}": 8}
    result = csvio.run(event, batch, mapping_of(batch), actor=organizer)
    db.session.commit()
    assert result["imported"] == 1 and result["rejected"] == 0
    imported = db.session.scalar(select(Registration).where(Registration.source == "import"))
    assert imported.answers == web.answers == {
        str(q["kind"].id): "投融资", str(q["areas"].id): ["肿瘤", "罕见病"], str(q["meet"].id): "yes",
        str(q["note"].id): "需要 翻译"}
    assert imported.import_batch_id == batch.id
    # the export shows the imported answers in the questions' columns, like the web's
    from eventops.registration.queries import Filters
    exported = "".join(csvio.export_rows(event, Filters()))
    assert exported.count("肿瘤、罕见病") == 2


def test_a_value_outside_a_questions_choices_rejects_the_row_with_the_value_quoted(event, organizer, questions):
    q = questions
    batch = upload(event, organizer, [
        "甲,某医院,13800000001,a@example.cn,参会者,成果转化,心血管,否",
        "乙,某医院,13800000002,b@example.cn,参会者,技术合作,心血管,否",     # not a choice
        "丙,某医院,13800000003,c@example.cn,参会者,成果转化,肿瘤、眼科,否",  # one of several is not
        "丁,某医院,13800000004,d@example.cn,参会者,成果转化,,也许",          # neither yes nor no
    ], header=HEADER + ",合作意向,关注方向,是否参加洽谈")
    with force_locale("en"):
        analysis = csvio.analyse(event, batch, mapping_of(batch))
    reasons = dict(analysis.rejected)
    assert [line for line, _ in analysis.valid] == [2]
    assert reasons[3] == "Cooperation: “技术合作” is not one of the choices"
    assert "关注方向" in reasons[4] and "“眼科”" in reasons[4]
    assert "“也许”" in reasons[5] and "yes" in reasons[5]
    assert analysis.valid[0][1].answers == {str(q["kind"].id): "成果转化", str(q["areas"].id): ["心血管"],
                                            str(q["meet"].id): "no"}


def test_a_required_question_needs_its_column_and_each_row_an_answer(event, organizer):
    question = events.add_question(event, label_zh="所在科室", kind="text", required=True, actor=organizer)
    db.session.commit()
    batch = upload(event, organizer, rows(2))
    analysis, error = csvio.preview(event, batch, mapping_of(batch))
    assert analysis is None and "所在科室" in error
    batch = upload(event, organizer, ["甲,某医院,13800000001,a@example.cn,参会者,心内科",
                                      "乙,某医院,13800000002,b@example.cn,参会者,"], header=HEADER + ",所在科室")
    analysis = csvio.analyse(event, batch, mapping_of(batch))
    assert [line for line, _ in analysis.valid] == [2]
    assert analysis.rejected[0][0] == 3 and analysis.rejected[0][1].startswith("所在科室")
    assert analysis.valid[0][1].answers == {str(question.id): "心内科"}


def test_the_mapping_page_offers_each_question_and_the_import_stores_the_answers(app, event, organizer, questions):
    client = app.test_client()
    login(client, organizer)
    content = ("姓名,单位,手机,邮箱,意向\n甲,某医院,13800000001,a@example.cn,成果转化\n").encode("gbk")
    response = client.post(f"/manage/{event.slug}/import", data={"file": (io.BytesIO(content), "名单.csv")},
                           content_type="multipart/form-data")
    url = response.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    for question in questions.values():
        assert f'name="map_q_{question.id}"' in html and question.label_zh in html
    form = {"map_name": "0", "map_organisation": "1", "map_mobile": "2", "map_email": "3",
            f"map_q_{questions['kind'].id}": "4"}
    assert client.post(url, data={**form, "confirm": "1"}).status_code == 302
    assert db.session.scalar(select(Registration)).answers == {str(questions["kind"].id): "成果转化"}


# --- 2. the approval rule, capacity and the waitlist -------------------------------------------------

def test_imported_people_await_review_when_the_event_requires_approval(organizer):
    event = make_event(organizer, requires_approval=True, capacity=3)
    batch = upload(event, organizer, rows(4))
    result = csvio.run(event, batch, mapping_of(batch), actor=organizer)
    db.session.commit()
    assert (result["confirmed"], result["pending"], result["waitlisted"]) == (0, 3, 1)
    statuses = [r.status for r in db.session.scalars(select(Registration).order_by(Registration.id))]
    assert statuses == ["pending", "pending", "pending", "waitlisted"]
    assert db.session.get(type(event), event.id).places_held == 3
    # a place freed: the imported person on the waitlist awaits review too, as a web sign-up would
    first = db.session.scalar(select(Registration).order_by(Registration.id))
    services.reject(first, actor=organizer)
    db.session.commit()
    assert [r.status for r in db.session.scalars(select(Registration).order_by(Registration.id))][1:] == [
        "pending", "pending", "pending"]


def test_imported_people_are_confirmed_without_approval_and_follow_category_limits(organizer):
    event = make_event(organizer)
    from eventops.events.models import CategoryCapacity
    db.session.add(CategoryCapacity(event_id=event.id, category="media", capacity=1))
    db.session.commit()
    services.register(event, person(1, category="media"), source="web")
    db.session.commit()
    batch = upload(event, organizer, [*rows(2), "记者,某报社,13700000009,m@example.cn,媒体"])
    result = csvio.run(event, batch, mapping_of(batch), actor=organizer)
    db.session.commit()
    assert (result["confirmed"], result["pending"], result["waitlisted"]) == (2, 0, 1)
    assert db.session.scalar(select(Registration.status).where(Registration.email == "m@example.cn")) == "waitlisted"


# --- 4. the preview's forecast ------------------------------------------------------------------------

def test_the_preview_counts_confirmed_pending_waitlisted_duplicates_and_rejected(app, organizer):
    event = make_event(organizer, requires_approval=True, capacity=3)
    services.register(event, person(1, mobile="13700000001", email="first@example.cn"), source="organizer")
    db.session.commit()
    lines = [*rows(4, start=1),                                   # line 2 is the organizer's person: known
             "重复,某医院,13700000002,again@example.cn,参会者",    # line 6: repeats line 3's mobile
             "坏,某医院,12345,bad@example.cn,参会者"]              # line 7: rejected
    batch = upload(event, organizer, lines)
    analysis, error = csvio.preview(event, batch, mapping_of(batch))
    assert error is None
    # 1 place held by the organizer's entry: 2 await review, 1 waits, 1 known, 1 repeated, 1 rejected
    assert analysis.counts() == {"approved": 0, "pending": 2, "waitlisted": 1}
    assert (len(analysis.skipped), len(analysis.repeated), analysis.duplicates, len(analysis.rejected)) == (1, 1, 2, 1)
    client = app.test_client()
    login(client, organizer)
    html = client.get(f"/manage/{event.slug}/import/{batch.id}").get_data(as_text=True)

    def stat(name):
        return int(re.search(rf'id="forecast-{name}"><span class="n">(\d+)<', html).group(1))
    assert [stat(n) for n in ("confirmed", "pending", "waitlisted", "duplicates", "rejected")] == [0, 2, 1, 2, 1]
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1  # a preview writes nothing
    # the import does what the preview said
    result = csvio.run(event, batch, mapping_of(batch), actor=organizer)
    assert (result["confirmed"], result["pending"], result["waitlisted"], result["duplicates"], result["rejected"]) == (
        0, 2, 1, 2, 1)


# --- 5. refused values quoted, translated ---------------------------------------------------------------

@pytest.mark.parametrize("locale, words", [("zh", "未知类别“VIP嘉宾”"), ("en", "unknown category “VIP嘉宾”")])
def test_a_refused_value_is_quoted_in_its_translated_reason(event, organizer, locale, words):
    batch = upload(event, organizer, [
        "甲,某医院,13800000001,a@example.cn,VIP嘉宾",
        "乙,某医院,138-abc,b@example.cn,参会者",
        "丙,某医院,13800000003,c@@example,参会者",
    ])
    with force_locale(locale):
        reasons = dict(csvio.analyse(event, batch, mapping_of(batch)).rejected)
    assert reasons[2] == words
    assert "“138-abc”" in reasons[3] and "“c@@example”" in reasons[4]
    assert ("手机" in reasons[3]) == (locale == "zh")


def test_an_unknown_type_of_organisation_and_interest_are_quoted(event, organizer):
    batch = upload(event, organizer, ["甲,某医院,13800000001,a@example.cn,外星机构,火星探索"],
                   header="姓名,单位,手机,邮箱,单位类型,关注领域")
    with force_locale("zh"):
        reason = csvio.analyse(event, batch, mapping_of(batch)).rejected[0][1]
    assert "“外星机构”" in reason and "“火星探索”" in reason


# --- 6. nothing to import ------------------------------------------------------------------------------

def test_nothing_to_import_shows_a_message_and_no_import_button(app, event, organizer):
    client = app.test_client()
    login(client, organizer)
    services.register(event, person(1, mobile="13700000001", email="imp1@example.cn"), source="organizer")
    db.session.commit()
    batch = upload(event, organizer, [rows(1)[0], "坏,某医院,12345,bad@example.cn,参会者"])
    page = client.get(f"/manage/{event.slug}/import/{batch.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="nothing-to-import"' in html and "没有可导入" in html
    assert 'id="run-import"' not in html and 'name="send_links"' not in html
    # with a row to import, the button (and the choice to mail the links) is there
    other = upload(event, organizer, rows(1, start=5))
    html = client.get(f"/manage/{event.slug}/import/{other.id}").get_data(as_text=True)
    assert 'id="run-import"' in html and 'name="send_links"' in html and "nothing-to-import" not in html


# --- 3. personal links by mail ---------------------------------------------------------------------------

def _import_through_the_page(client, event, lines, **extra):
    content = ("\n".join([HEADER, *lines]) + "\n").encode()
    response = client.post(f"/manage/{event.slug}/import", data={"file": (io.BytesIO(content), "x.csv")},
                           content_type="multipart/form-data")
    url = response.headers["Location"]
    form = {f"map_{k}": str(v) for k, v in csvio.guess_mapping(HEADER.split(",")).items()}
    done = client.post(url, data={**form, "confirm": "1", **extra})
    assert done.status_code == 302 and "/jobs/" in done.headers["Location"]
    return int(url.rsplit("/", 1)[1])


def test_an_import_can_mail_each_person_their_personal_link(app, event, organizer):
    client = app.test_client()
    login(client, organizer)
    batch_id = _import_through_the_page(client, event, rows(3), send_links="1")
    people = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    sent = mails()
    assert sorted(m.to_address for m in sent) == sorted(p.email for p in people)
    assert all("主办方已为您报名" in m.body or "organizers have registered you" in m.body for m in sent)
    assert all("⟪secret:0⟫" in m.body for m in sent)  # the link is sealed in the outbox
    # each mailed link opens its person's registration (the first link stays as it was)
    for message in sent:
        token = re.search(r"/r/([A-Za-z0-9_\-]+)", delivered_body(message)).group(1)
        assert services.by_token(token).email == message.to_address
    assert db.session.scalar(select(func.count()).select_from(RegistrationLink).where(RegistrationLink.kind == "sent")) == 3
    # the mail job, run again (a retry), writes no second mail and no second link
    links_job = db.session.get(Job, db.session.get(ImportBatch, batch_id).result["links_job_id"])
    assert links_job.state == "done" and links_job.result["recipients"] == 3
    from eventops.registration import jobs as registration_jobs
    registration_jobs.run_send_links(type("Ctx", (), {"event_id": event.id, "params": links_job.params, "job": links_job,
                                                       "actor": organizer, "progress": staticmethod(lambda *a: None)})())
    db.session.commit()
    assert len(mails()) == 3
    assert db.session.scalar(select(func.count()).select_from(RegistrationLink)) == 3
    done_page = client.get(f"/manage/{event.slug}/import/{batch_id}").get_data(as_text=True)
    assert f"/jobs/{links_job.id}" in done_page


def test_an_import_mails_nothing_unless_asked(app, event, organizer):
    client = app.test_client()
    login(client, organizer)
    _import_through_the_page(client, event, rows(3))
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 3
    assert mails() == []


def test_a_failed_import_mails_nothing(app, event, organizer, monkeypatch):
    batch = upload(event, organizer, rows(2))
    from eventops.registration import jobs as registration_jobs
    from eventops.jobs import services as jobs

    real_record = csvio.audit.record

    def explode(actor, action, *args, **kwargs):
        if action == "registration.import":  # at the very end of the import's transaction
            raise RuntimeError("disk full")
        return real_record(actor, action, *args, **kwargs)

    monkeypatch.setattr(csvio.audit, "record", explode)
    job = jobs.start(event, registration_jobs.IMPORT.name,
                     {"batch_id": batch.id, "mapping": mapping_of(batch), "send_links": True}, actor=organizer)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Job, job.id).state != "done"
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert mails() == [] and db.session.scalar(select(func.count()).select_from(Job)) == 1


def _people(event, organizer, n, **kwargs):
    batch = upload(event, organizer, rows(n, **kwargs))
    csvio.run(event, batch, mapping_of(batch), actor=organizer)
    db.session.commit()
    return db.session.scalars(select(Registration).order_by(Registration.id)).all()


def test_the_list_sends_links_to_the_ticked_rows_after_a_confirmation(app, event, organizer):
    people = _people(event, organizer, 4)
    services.cancel(people[1], actor=organizer)
    db.session.commit()
    before = len(mails())  # the cancellation's own mail
    client = app.test_client()
    login(client, organizer)
    listing = client.get(f"/manage/{event.slug}/registrations").get_data(as_text=True)
    assert 'id="send-links-form"' in listing and f'name="ids" value="{people[0].id}"' in listing
    elsewhere, _token = services.register(make_event(organizer), person(77), source="organizer")
    db.session.commit()
    before = len(mails())
    ticked = {"scope": "selected", "ids": [str(people[0].id), str(people[1].id), str(people[2].id), str(elsewhere.id)]}
    confirm = client.post(f"/manage/{event.slug}/registrations/links?status=", data=ticked)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "2" in re.search(r'id="links-count">(.*?)</p>', html, re.S).group(1)
    assert len(mails()) == before  # nothing is sent before the confirmation
    done = client.post(f"/manage/{event.slug}/registrations/links?status=", data={**ticked, "confirm": "1"})
    assert done.status_code == 302 and "/registrations" in done.headers["Location"]
    sent = mails()[before:]
    assert sorted(m.to_address for m in sent) == sorted([people[0].email, people[2].email])  # not the cancelled one
    assert all("主办方向您发送" in m.body for m in sent)
    assert db.session.scalar(select(func.count()).select_from(RegistrationLink).where(RegistrationLink.kind == "sent")) == 2
    # nobody ticked: a message, nothing sent
    nobody = client.post(f"/manage/{event.slug}/registrations/links", data={"scope": "selected", "confirm": "1"},
                         follow_redirects=True)
    assert "请先勾选" in nobody.get_data(as_text=True) and len(mails()) == before + 2


def test_the_list_sends_links_to_everyone_the_filters_match_as_a_job_when_many(app, event, organizer):
    people = _people(event, organizer, personal_links.INLINE_MAX + 10)
    _people(event, organizer, 3, start=900, extra="")  # three more, in another category below
    db.session.execute(Registration.__table__.update().where(Registration.email.like("imp90%"))
                       .values(category="media"))
    db.session.commit()
    client = app.test_client()
    login(client, organizer)
    query = "?category=attendee&sort=name"
    confirm = client.post(f"/manage/{event.slug}/registrations/links{query}", data={"scope": "filtered"})
    assert str(len(people)) in re.search(r'id="links-count">(.*?)</p>', confirm.get_data(as_text=True), re.S).group(1)
    done = client.post(f"/manage/{event.slug}/registrations/links{query}", data={"scope": "filtered", "confirm": "1"})
    assert done.status_code == 302 and "/jobs/" in done.headers["Location"]
    job = db.session.scalar(select(Job).where(Job.kind == "registrations.links"))
    assert job.state == "done" and job.params == {"filters": {"q": "", "category": "attendee", "org_type": "",
                                                               "status": "", "sort": "name"}}
    assert sorted(m.to_address for m in mails()) == sorted(p.email for p in people)


def test_a_few_links_are_sent_in_the_request_without_a_job(app, event, organizer):
    people = _people(event, organizer, 3)
    client = app.test_client()
    login(client, organizer)
    done = client.post(f"/manage/{event.slug}/registrations/links",
                       data={"scope": "filtered", "confirm": "1"}, follow_redirects=True)
    assert "3 个个人链接" in done.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert len(mails()) == len(people)


def test_one_confirmation_page_sends_once(app, event, organizer):
    """The same confirmation pressed twice (a second tab, a reload, a double click) writes the
    links once; a new confirmation page is a new decision."""
    people = _people(event, organizer, 2)
    client = app.test_client()
    login(client, organizer)
    page = client.post(f"/manage/{event.slug}/registrations/links", data={"scope": "filtered"}).get_data(as_text=True)
    key = re.search(r'name="send_key" value="([^"]+)"', page).group(1)
    for _attempt in range(2):
        done = client.post(f"/manage/{event.slug}/registrations/links",
                           data={"scope": "filtered", "confirm": "1", "send_key": key}, follow_redirects=True)
    assert "已经从此页面发送" in done.get_data(as_text=True)
    assert len(mails()) == len(people)
    again = client.post(f"/manage/{event.slug}/registrations/links", data={"scope": "filtered"}).get_data(as_text=True)
    other = re.search(r'name="send_key" value="([^"]+)"', again).group(1)
    assert other != key
    client.post(f"/manage/{event.slug}/registrations/links", data={"scope": "filtered", "confirm": "1", "send_key": other})
    assert len(mails()) == 2 * len(people)


def test_only_the_events_organizers_may_send_links(app, event, organizer):
    from ..factories import make_user
    people = _people(event, organizer, 1)
    stranger = make_user("stranger@example.cn")
    make_event(stranger)
    client = app.test_client()
    login(client, stranger)
    answer = client.post(f"/manage/{event.slug}/registrations/links",
                         data={"scope": "selected", "ids": [str(people[0].id)], "confirm": "1"})
    assert answer.status_code == 403 and mails() == []


# --- fast: no query per row --------------------------------------------------------------------------------

def _statements_of_an_import(event, organizer, n, start):
    batch = upload(event, organizer, [f"{line},成果转化,肿瘤、心血管,是,备注{i}"
                                      for i, line in enumerate(rows(n, start=start))],
                   header=HEADER + ",合作意向,关注方向,是否参加洽谈,备注")
    mapping = mapping_of(batch)
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement.split("\n")[0][:90])
    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        csvio.preview(event, batch, mapping)
        result = csvio.run(event, batch, mapping, actor=organizer)
        db.session.commit()
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert result["imported"] == n and result["rejected"] == 0
    return seen


def test_the_import_with_questions_makes_no_query_per_row(event, organizer, questions):
    _statements_of_an_import(event, organizer, 5, start=1)  # the organisation is created once
    small = _statements_of_an_import(event, organizer, 50, start=100)
    large = _statements_of_an_import(event, organizer, 1500, start=1000)
    # the same statements whatever the number of rows, but for the INSERT's pages (of up to 1,000 rows)
    def inserts(seen):
        return [q for q in seen if q.startswith("INSERT INTO registrations")]
    assert [q for q in large if q not in inserts(large)] == [q for q in small if q not in inserts(small)]
    assert len(inserts(small)) == 1 and len(inserts(large)) <= 2
