from sqlalchemy import func, select

from eventops.demo import cli as demo
from eventops.checkin import services as checkin
from eventops.checkin import stats
from eventops.exhibitors import demands
from eventops.exhibitors import services as exhibitors
from eventops.extensions import db
from eventops.meetings import placing, publishing, scheduling, zone
from eventops.meetings.models import MeetingRequest
from eventops.meetings.solver import check
from eventops.ledger import services as ledger
from eventops.organisations.models import Organisation
from eventops.registration.models import Registration


def test_demo_event_is_the_alliance_day(app):
    with app.test_request_context():
        event, created = demo.seed()
        db.session.commit()
    assert created
    count = db.session.scalar(select(func.count()).select_from(Registration).where(Registration.event_id == event.id))
    assert count >= 800
    hospitals = db.session.scalars(select(Organisation.name).where(Organisation.org_type == "hospital")).all()
    for name in ["广东省中医院", "暨南大学附属第一医院", "广州医科大学附属妇女儿童医疗中心", "中山大学附属第一医院", "广东省人民医院"]:
        assert name in hospitals
    types = set(db.session.scalars(select(Organisation.org_type).join(Registration)).all())
    assert {"hospital", "enterprise", "government", "association", "service_agency", "media"} <= types
    summary = ledger.summary(event)
    assert summary["total_fen"] > 150_000_000 * 100 and summary["contracts"] == 5
    assert ledger.verify(event) == []
    assert 300 <= stats.arrived(event) <= 320 and len(checkin.gates_of(event)) == 3
    booths = exhibitors.booths_of(event)
    hospital_booths = [b for b in booths if b.zone == "hospitals" and b.profile_id]
    assert len(hospital_booths) == 18
    assert {b.label for b in booths if b.zone == "districts"} == {"越秀区", "荔湾区", "黄埔区", "南沙区"}
    assert exhibitors.search_pis(event)[1] == 600
    assert len(demands.published(event)) >= 5
    placed = placing.meetings_of(event)
    assert len(placed) >= 100
    assert publishing.pending_announcements(event) == 0 and all(m.published_status == "scheduled" for m in placed)
    assert {t.zone for t in zone.tables_of(event)} == {"A", "B"}
    # requests only between people who answered "yes" to 是否参加一对一洽谈？ (the zone's opt-in)
    asked = db.session.scalars(select(MeetingRequest).where(MeetingRequest.event_id == event.id,
                                                            MeetingRequest.from_registration_id.is_not(None))).all()
    assert asked and all(zone.takes_part(r.from_registration) and zone.takes_part(r.to_registration) for r in asked)
    opted = zone.participants(event, opted_in=True)
    assert 0 < len(opted) < count * 0.8
    assert check(scheduling.build_instance(event), {
        "meetings": [{"request": f"r{m.request_id}", "slot": m.slot.code, "table": m.table.code,
                      "broker": f"b{m.broker_id}" if m.broker_id else None} for m in placed],
        "unscheduled": [r["id"] for r in scheduling.build_instance(event)["requests"]
                        if r["id"] not in {f"r{m.request_id}" for m in placed}],
        "objective": sum(r["weight"] for r in scheduling.build_instance(event)["requests"]
                         if r["id"] in {f"r{m.request_id}" for m in placed})}) == []
    with app.test_request_context():
        _event, again = demo.seed()
    assert not again


def test_demo_seed_command_prints_the_logins(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--people", "20"])
    assert result.exit_code == 0, result.output
    assert "organizer@eventops.demo" in result.output and "door@eventops.demo" in result.output


def test_the_demo_prints_and_mails_the_address_it_is_served_on(app):
    """`make demo PORT=5101` sets EVENTOPS_BASE_URL to the address it serves: printed addresses
    and mailed links use it, and notices on the site carry paths that work on any port."""
    from eventops.core.models import MailMessage
    from eventops.exhibitors.models import Notice
    app.config["BASE_URL"] = "http://127.0.0.1:5101"
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--people", "20"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5101/e/" in result.output and ":5000" not in result.output
    bodies = db.session.scalars(db.select(MailMessage.body)).all()
    assert any("http://127.0.0.1:5101/" in body for body in bodies)
    assert not any("127.0.0.1:5000" in body or "localhost" in body for body in bodies)
    links = db.session.scalars(db.select(Notice.link)).all()
    assert links and all(link.startswith(("/e/", "/platform/")) for link in links)
