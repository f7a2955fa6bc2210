"""``flask demo seed``: the demo event with its people, as ``make demo`` serves it."""
import random
from datetime import datetime, time, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..accounts import services as accounts
from ..accounts.models import ROLE_DOOR_STAFF, ROLE_LEDGER_CLERK, User
from ..core.timeutil import freeze_now, local_to_utc, now_utc, to_zone
from ..events import services as events
from ..extensions import db
from ..badges import services as badges
from ..badges.models import Badge
from ..checkin import services as checkin
from ..exhibitors import demands
from ..exhibitors import services as exhibitors
from ..ledger import services as ledger
from ..meetings import publishing, scheduling, zone
from ..registration.models import Registration
from ..registration.queries import event_organisations
from ..registration import services as registrations
from ..registration.validation import RegistrationData
from . import data
from . import platform as platform_demo

demo_cli = AppGroup("demo", help="The demo event.")

SLUG = "gz-hospital-industry-day"
LOGINS = [
    ("admin@eventops.demo", "demo-admin-2025", "管理员", True),
    ("organizer@eventops.demo", "demo-organizer-2025", "联盟办公室", False),
    ("door@eventops.demo", "demo-door-2025", "入口签到", False),
    ("clerk@eventops.demo", "demo-clerk-2025", "签约登记", False),
    ("exhibitor@eventops.demo", "demo-exhibitor-2025", "展商管理", False),
]


def _user(email, password, name, admin):
    user = db.session.scalar(select(User).where(User.email == email))
    return user or accounts.create_user(email, password, name=name, is_admin=admin)


def seed(people=860, seed_value=2025):
    rng = random.Random(seed_value)
    admin, organizer, door, clerk, exhibitor = (_user(*login) for login in LOGINS)
    if events.by_slug(SLUG):
        return events.by_slug(SLUG), False
    tz = "Asia/Shanghai"
    start = local_to_utc(datetime(now_utc().year + 1, 5, 24, 9, 0), tz)
    event = events.create_event(events.EventData(
        slug=SLUG, name_zh="广州研究型医院联盟第二届院企合作活动",
        name_en="Guangzhou Research Hospital Alliance: 2nd Hospital–Industry Cooperation Day",
        venue_zh="广州 · 院企合作创新生态圈展示走廊与一对一洽谈区", venue_en="Guangzhou: showcase corridor and one-to-one negotiation zone",
        description_zh="加速与协作——共创广州院企合作创新生态圈。18家联盟医院、生物医药企业、政府部门、行业协会、第三方服务机构齐聚，展示临床试验承接能力、成果转化项目与药械应用需求，并举行签约仪式。",
        description_en="Acceleration and collaboration: building Guangzhou's hospital–industry innovation ecosystem. The 18 alliance hospitals, biopharma and device companies, government departments, associations and service agencies meet for a showcase corridor, one-to-one negotiations and a signing ceremony.",
        starts_at=start, ends_at=start + timedelta(hours=8, minutes=30), timezone=tz, capacity=900,
        category_capacities={"exhibitor": 160, "broker": 40, "media": 40},
        registration_opens_at=now_utc() - timedelta(days=30), registration_closes_at=start - timedelta(hours=12),
        requires_approval=False, interest_tags=events.default_tags()), actor=organizer)
    events.grant_role(event, door.email, ROLE_DOOR_STAFF, actor=organizer)
    events.grant_role(event, clerk.email, ROLE_LEDGER_CLERK, actor=organizer)
    events.add_question(event, label_zh="是否参加一对一洽谈？", label_en="Will you take part in one-to-one negotiations?",
                        kind="yesno", required=True, actor=organizer)
    events.add_question(event, label_zh="希望对接的合作类型", label_en="Kinds of cooperation you look for",
                        kind="multi", options=["成果转化", "临床试验合作", "战略合作", "投融资", "政策咨询"], actor=organizer)
    events.add_question(event, label_zh="饮食禁忌或其他需要", label_en="Dietary or other needs", kind="text", actor=organizer)
    db.session.flush()
    questions = event.questions

    orgs = data.organisations(rng)
    weights = data.ORG_TYPE_WEIGHTS
    by_type = {}
    for name, org_type in orgs:
        by_type.setdefault(org_type, []).append(name)
    types = list(weights)
    used_mobiles = set()
    for index in range(people):
        org_type = rng.choices(types, weights=[weights[t] for t in types])[0]
        org = rng.choice(by_type[org_type])
        category = data.category_for(rng, org_type)
        mobile = None
        while mobile is None or mobile in used_mobiles:
            mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        used_mobiles.add(mobile)
        answers = {str(questions[0].id): rng.choice(["yes", "no"]),
                   str(questions[1].id): rng.sample(questions[1].options, rng.randint(0, 2))}
        registrations.register(event, RegistrationData(
            name=data.person_name(rng), organisation=org, org_type=org_type,
            position=rng.choice(data.POSITIONS.get(org_type, ["代表"])), mobile=mobile,
            email=f"guest{index + 1:04d}@example.cn", category=category,
            tags=rng.sample(event.interest_tags, rng.randint(1, 3)), answers=answers),
            source="import" if index % 4 == 0 else "web", now=now_utc() - timedelta(minutes=people - index))
    for index, (name, org, org_type, position) in enumerate(data.SPEAKERS):
        registrations.register(event, RegistrationData(
            name=name, organisation=org, org_type=org_type, position=position, mobile=f"1370000{index:04d}",
            email=f"vip{index + 1:02d}@example.cn", category="vip", tags=["成果转化"],
            answers={str(questions[0].id): "yes"}), source="import")
    _signings(event, start, clerk, organizer)
    _arrivals(event, start, door, organizer, rng)
    _corridor(event, organizer, exhibitor, rng)
    _negotiations(event, start, organizer, rng)
    platform_demo.seed(event, organizer, clerk, exhibitor)
    return event, True


def _negotiations(event, start, organizer, rng, requests=180):
    """The 1,500 m² one-to-one zone: 30 tables in two zones, 20-minute slots, brokers from the
    service agencies, requests between hospitals and companies that answered "yes" to "是否参加
    一对一洽谈？" (the zone's opt-in question), scheduled and announced; and the day's programme."""
    tz = event.timezone
    day = to_zone(start, tz).date()
    zone.generate_slots(event, day, time(10, 0), time(17, 0), length=20, gap=5, breaks=[(time(12, 0), time(13, 30))],
                        actor=organizer)
    zone.add_tables(event, 18, zone="A", actor=organizer)
    zone.add_tables(event, 12, zone="B", actor=organizer)
    optin = next(q for q in event.questions if q.kind == "yesno")
    zone.save_settings(event, optin_question_id=optin.id, at_risk_minutes=15, actor=organizer)
    people = [p for p in db.session.scalars(select(Registration).where(Registration.event_id == event.id,
                                                                       Registration.status == "approved"))
              if zone.takes_part(p)]
    brokers = [p for p in people if p.category == "broker"][:12]
    topics = ["成果转化", "临床试验", "核医药", "医疗器械", "投融资"]
    for index, person in enumerate(brokers):
        zone.set_broker(event, person, specialties=rng.sample(topics, 2), languages=["普通话", "粤语"],
                        max_meetings=10, actor=organizer)
    hospitals = [p for p in people if p.organisation.org_type == "hospital" and p.category != "broker"]
    companies = [p for p in people if p.organisation.org_type == "enterprise" and p.category != "broker"]
    asked = set()
    for _ in range(requests):
        a, b = rng.choice(companies), rng.choice(hospitals[:60])  # a few popular hospital teams
        if (a.id, b.id) in asked:
            continue
        asked.add((a.id, b.id))
        needs = rng.random() < 0.4
        zone.ask(event, a, b, topic=rng.choice(topics) if needs else "", needs_broker=needs,
                 weight=rng.choice([1, 1, 2]), actor=organizer)
    scheduling.run(event, actor=organizer, time_limit=5)
    publishing.announce(event, actor=organizer)
    for title, kind, begin, end, room, speakers in [
        ("开幕式暨院企合作主论坛", "forum", time(9, 0), time(10, 0), "主会场", ["张忠德", "郑小飞"]),
        ("成果转化与战略合作项目签约仪式", "signing", time(10, 0), time(10, 45), "主会场", []),
        ("院企资源交互数字平台发布", "keynote", time(10, 45), time(11, 15), "主会场", ["任珊珊"]),
        ("临床试验能力提升分论坛", "forum", time(13, 30), time(15, 0), "分会场一", ["周文浩"]),
        ("创新药械入院应用分论坛", "forum", time(15, 0), time(16, 30), "分会场二", ["黄艺凤"]),
        ("一对一洽谈", "matchmaking", time(10, 0), time(17, 0), "一对一洽谈区", []),
    ]:
        zone.add_session(event, kind=kind, title_zh=title, room=room, speakers=speakers,
                         starts_at=local_to_utc(datetime.combine(day, begin), tz),
                         ends_at=local_to_utc(datetime.combine(day, end), tz))


def _corridor(event, organizer, manager, rng, pis=600):
    """The showcase corridor: the alliance hospitals along one side, companies opposite, the
    district boards and the achievements showcase at the end; 600 PIs; published demands."""
    organisations = {o.name: o for o in event_organisations(event)}
    hospitals = [organisations[name] for name in data.ALLIANCE_HOSPITALS if name in organisations]
    companies = sorted((o for o in organisations.values() if o.org_type == "enterprise"), key=lambda o: o.name)[:24]
    for index, hospital in enumerate(hospitals):
        specialties = rng.sample(data.HOSPITAL_SPECIALTIES, 4)
        profile = exhibitors.profile_for(event, hospital)
        exhibitors.update_profile(profile, {
            "summary_zh": f"{hospital.name}，广州研究型医院联盟成员单位，GCP 认证专业 {rng.randint(18, 46)} 个。",
            "summary_en": f"{hospital.name}, member of the Guangzhou Research Hospital Alliance.",
            "specialties": specialties, "tags": rng.sample(["临床试验", "成果转化", "创新药", "医疗器械", "核医药", "罕见病"], 3),
            "trial_capacity": f"近一年新承接临床试验 {rng.randint(40, 160)} 项，平均立项时长 {rng.randint(25, 45)} 天。",
            "projects": f"{specialties[0]}相关成果转化项目 {rng.randint(2, 9)} 项", "needs": f"{specialties[1]}创新药械应用需求"},
            actor=organizer, submit=True)
        exhibitors.review_profile(profile, publish=True, actor=organizer)
        booth = exhibitors.add_booth(event, code=f"H{index + 1:02d}", zone="hospitals", x=(index % 9) * 3.5,
                                     y=0 if index < 9 else 2.5, actor=organizer)
        exhibitors.assign_booth(event, booth.id, profile.id, actor=organizer)
    for index, company in enumerate(companies):
        field, words = data.COMPANY_FIELDS[index % len(data.COMPANY_FIELDS)]
        profile = exhibitors.profile_for(event, company)
        exhibitors.update_profile(profile, {
            "summary_zh": f"{company.name}，专注{field}。", "specialties": [field, *words], "tags": [field],
            "products": "、".join(words), "strengths": f"{field}研发与产业化", "cooperation": "临床试验合作、成果转化"},
            actor=organizer, submit=True)
        exhibitors.review_profile(profile, publish=True, actor=organizer)
        booth = exhibitors.add_booth(event, code=f"C{index + 1:02d}", zone="companies", x=(index % 12) * 3.5,
                                     y=9 if index < 12 else 11.5, actor=organizer)
        exhibitors.assign_booth(event, booth.id, profile.id, actor=organizer)
    for index, district in enumerate(data.DISTRICTS):
        exhibitors.add_booth(event, code=f"D{index + 1:02d}", zone="districts", x=33 + index * 3.5, y=0,
                             label=f"{district}区", actor=organizer)
    for index in range(4):
        exhibitors.add_booth(event, code=f"A{index + 1:02d}", zone="achievements", x=44 + index * 3.5, y=9, actor=organizer)
    exhibitors.add_manager(hospitals[2] if len(hospitals) > 2 else hospitals[0], manager, actor=organizer)
    for n in range(pis):
        hospital = hospitals[n % len(hospitals)]
        specialty = rng.choice(data.HOSPITAL_SPECIALTIES)
        exhibitors.add_pi(event, hospital, name=data.person_name(rng), department=specialty, specialty=specialty,
                          research_areas=rng.sample(["创新药", "医疗器械", "细胞治疗", "核医药", "罕见病", "真实世界研究", "AI 影像"], 2),
                          trial_experience=f"主持或参与临床试验 {rng.randint(3, 60)} 项")
    for kind, title, owner, tags, description in data.DEMANDS:
        organisation = organisations.get(owner) or companies[len(title) % len(companies)]
        demand = demands.submit(event, organisation, kind=kind, title=title, description=description, tags=tags,
                                actor=organizer)
        demands.review(demand, publish=True, actor=organizer)



def _arrivals(event, start, door, organizer, rng, count=320):
    """Gates, badges for everyone, and the first arrivals of the morning (for the live numbers)."""
    gates = [checkin.add_gate(event, name, actor=organizer) for name in ("东门", "南门", "贵宾通道")]
    # the demo's door opens today (not on the event's day, months away), so that its scanner can be tried
    checkin.set_window(event, now_utc() - timedelta(days=1), checkin.default_window(event)[1], actor=organizer)
    badges.issue_missing(event)
    db.session.flush()
    people = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == "approved").order_by(Registration.id)).all()
    codes = dict(db.session.execute(select(Badge.registration_id, Badge.code).where(Badge.event_id == event.id)).all())
    try:
        for index, person in enumerate(rng.sample(people, min(count, len(people)))):
            minutes = min(rng.gammavariate(3, 12), 110)   # most arrive 20-50 minutes before the start
            freeze_now(start - timedelta(minutes=95 - minutes))
            gate = gates[2] if person.category == "vip" else gates[index % 2]
            checkin.scan(event, gate=gate, nonce=f"demo-arrival-{index:05d}", code=codes[person.id], user=door)
    finally:
        freeze_now(None)



def _signings(event, start, clerk, organizer):
    """The signing ceremony of the seed article: contracts over 150 million yuan."""
    ceremony = ledger.add_session(event, name_zh="成果转化与战略合作项目签约仪式",
                                  name_en="Technology transfer and strategic cooperation signing ceremony",
                                  room="主会场", starts_at=start + timedelta(hours=1), actor=organizer)
    for index, (title, category, amount, parties, signatories) in enumerate(data.CONTRACTS, 1):
        ledger.record(event, ledger.ContractData(
            title=title, category=category, amount=amount, undisclosed=amount is None, session_id=ceremony.id,
            signed_at=start + timedelta(hours=1, minutes=5 * index), parties=parties, signatories=signatories),
            actor=clerk, key=f"demo-signing-{index:04d}")


@demo_cli.command("seed")
@click.option("--people", default=860, show_default=True, help="How many registrations to generate.")
def seed_command(people):
    """Create the demo event and its accounts (does nothing if it exists)."""
    # the address the demo is served on (make demo sets EVENTOPS_BASE_URL from HOST and PORT)
    base = (current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    with current_app.test_request_context(base_url=base):
        event, created = seed(people)
        db.session.commit()
    click.echo(("created" if created else "already there") + f": {event.name_zh} ({event.slug})")
    click.echo("")
    click.echo(f"  Demo event:  {base}/e/{SLUG}")
    click.echo(f"  Big screen:  {base}/e/{SLUG}/signings/live")
    click.echo(f"  Corridor:    {base}/e/{SLUG}/corridor")
    click.echo(f"  Programme:   {base}/e/{SLUG}/programme")
    click.echo(f"  Platform:    {base}/platform/  (policies, results, reports, one search box)")
    click.echo(f"  Sign in at:  {base}/login")
    for email, password, name, _admin in LOGINS:
        click.echo(f"    {name:<6} {email:<26} password: {password}")
    for email, password, name, organisation in platform_demo.LOGINS:
        click.echo(f"    {name:<6} {email:<26} password: {password}  (manager of {organisation})")
    click.echo("")
