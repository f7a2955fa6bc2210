"""The data set of ``showcase.py``: one event with 2,000 published exhibitor profiles (700 hospitals,
1,300 companies; Chinese names) registered at the event through the CSV import, a manager account
for each, 160 booths, 600 PIs at 200 of the hospitals and 1,000 published demands. ``--scale``
shrinks every count alike (for smoke runs); at 1 the data are those of the committed figures.
"""
import random
import secrets
import statistics
import time
from datetime import timedelta

import fixtures
import harness

from sqlalchemy import insert, select  # noqa: E402  (harness puts the project on the path)
from werkzeug.security import generate_password_hash  # noqa: E402

from eventops.accounts import services as accounts  # noqa: E402
from eventops.accounts.models import OrganisationManager, User  # noqa: E402
from eventops.core.timeutil import now_utc  # noqa: E402
from eventops.demo import data as demo  # noqa: E402
from eventops.exhibitors import services  # noqa: E402
from eventops.exhibitors.models import Booth, Demand, ExhibitorProfile  # noqa: E402
from eventops.extensions import db  # noqa: E402
from eventops.organisations.models import Organisation  # noqa: E402
from eventops.organisations.services import name_key  # noqa: E402

SLUG = "showcase-bench"
ORGANIZER = ("organizer@showcase.example.cn", "showcase-organizer-password")
SIZES = {"hospitals": 700, "companies": 1300, "pis": 600, "pi_hospitals": 200, "demands": 1000, "booths": 160,
         "booth_hospitals": 60}


def sizes(scale=1.0) -> dict:
    out = {k: max(1, round(v * scale)) for k, v in SIZES.items()}
    out["pi_hospitals"] = max(18, min(out["pi_hospitals"], out["hospitals"]))
    return out


CITIES = ["广州", "深圳", "佛山", "东莞", "珠海", "中山", "江门", "惠州", "肇庆", "汕头", "湛江", "茂名",
          "韶关", "清远", "梅州", "河源", "阳江", "潮州", "揭阳", "汕尾", "云浮"]
DISTRICTS = {"广州": "越秀 荔湾 海珠 天河 白云 黄埔 番禺 花都 南沙 从化 增城", "深圳": "福田 罗湖 南山 宝安 龙岗 龙华 光明 坪山",
             "佛山": "禅城 南海 顺德 三水 高明", "珠海": "香洲 斗门 金湾", "江门": "蓬江 江海 新会", "惠州": "惠城 惠阳",
             "汕头": "金平 龙湖 濠江 潮阳", "湛江": "赤坎 霞山 麻章", "韶关": "浈江 武江 曲江"}
NUMBERS = "一二三四五六七八"
SPECIALISED = ["中医院", "妇幼保健院", "儿童医院", "肿瘤医院", "胸科医院", "口腔医院", "眼科医院", "中西医结合医院",
               "精神卫生中心", "皮肤病医院", "骨科医院", "第二中医院"]
DISTRICT_KINDS = ["人民医院", "中医院", "妇幼保健院", "第二人民医院", "中心医院"]
UNIVERSITIES = ["中山大学", "南方医科大学", "广州医科大学", "暨南大学", "广东医科大学", "汕头大学医学院", "广州中医药大学",
                "南方科技大学", "深圳大学"]
PRIVATE = ["仁爱", "博爱", "和睦家", "协和", "华侨", "同仁", "康华", "祈福", "复大", "新安", "长安", "健桥"]
TAGS = ["临床试验", "成果转化", "创新药", "医疗器械", "体外诊断", "基因与细胞治疗", "核医药", "罕见病", "数字医疗",
        "投融资", "真实世界研究", "中医药"]
COMPANY_FIELDS = demo.COMPANY_FIELDS + [("中医药", ["中成药", "经典名方", "配方颗粒"]),
                                        ("生物制药", ["疫苗", "重组蛋白", "血液制品"])]
HOSPITAL_ITEMS = ["院内制剂", "新型诊断方法", "手术器械改良", "AI 辅助诊断模型", "生物标志物", "康复器具", "专科数据库"]
NEED_ITEMS = ["放射性药物", "手术机器人", "AI 影像诊断", "分子诊断试剂", "植介入器械", "细胞治疗产品", "可穿戴监测设备",
              "罕见病基因检测", "国产高端影像设备", "中药新药"]
PHASES = ["I", "II", "III", "IV"]
PI_AREAS = ["创新药", "医疗器械", "细胞治疗", "核医药", "罕见病", "真实世界研究", "AI 影像", "中医药", "抗体药物", "基因治疗"]


def hospital_names(rng, count) -> list[str]:
    combos = [f"{c}市第{n}人民医院" for c in CITIES for n in NUMBERS]
    combos += [f"{c}市{k}" for c in CITIES for k in SPECIALISED]
    combos += [f"{c}市{d}区{k}" for c, ds in DISTRICTS.items() for d in ds.split() for k in DISTRICT_KINDS]
    combos += [f"{u}附属第{n}医院" for u in UNIVERSITIES for n in NUMBERS]
    combos += [f"{c}{p}医院" for c in CITIES for p in PRIVATE]
    rng.shuffle(combos)
    names = list(demo.ALLIANCE_HOSPITALS)
    seen = set(names)
    for name in combos:
        if len(names) >= count:
            break
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def company_names(rng, count) -> list[str]:
    places = demo.CITY + ["深圳", "佛山", "东莞", "珠海", "粤海", "华南"]
    forms = ["有限公司", "股份有限公司", "（广州）有限公司", "（深圳）有限公司"]
    return fixtures.top_up(list(demo.COMPANIES), count, lambda: fixtures.company_name(rng, places, forms))


def hospital_profile(rng, name) -> dict:
    specs = rng.sample(demo.HOSPITAL_SPECIALTIES, rng.randint(4, 6))
    gcp = rng.randint(12, 46)
    return {
        "summary_zh": f"{name}是一所集医疗、教学、科研于一体的三级甲等医院，开放床位 {rng.randint(600, 3500)} 张，"
                      f"年门急诊量 {rng.randint(80, 600)} 万人次。{specs[0]}、{specs[1]}为省级临床重点专科，"
                      f"国家药物临床试验机构，GCP 认证专业 {gcp} 个。",
        "summary_en": f"{name}: tertiary teaching hospital, national drug clinical trial institution, "
                      f"GCP-certified in {gcp} specialties.",
        "specialties": specs,
        "tags": rng.sample(TAGS, rng.randint(2, 4)),
        "trial_capacity": f"近三年承接药物和医疗器械临床试验 {rng.randint(40, 400)} 项，其中 I 期 {rng.randint(0, 40)} 项；"
                          f"伦理审查平均 {rng.randint(7, 30)} 天，立项至首例入组平均 {rng.randint(25, 90)} 天。",
        "projects": f"{specs[0]}{rng.choice(HOSPITAL_ITEMS)}成果转化项目 {rng.randint(1, 9)} 项；"
                    f"{specs[1]}发明专利 {rng.randint(2, 40)} 件待转化。",
        "needs": f"寻求{rng.choice(NEED_ITEMS)}企业合作，满足{specs[1]}{rng.choice(['临床应用', '国产替代', '联合研发'])}需求。",
        "products": "",
        "strengths": f"{specs[0]}多中心临床研究牵头经验；"
                     f"{rng.choice(['真实世界数据平台', '生物样本库', '临床研究病房', 'I 期临床试验病房', '专病队列'])}。",
        "cooperation": "、".join(rng.sample(["临床试验合作", "成果转化", "联合研发", "共建实验室", "真实世界研究", "人才培养"], 3)),
    }


def company_profile(rng, name) -> dict:
    field, words = rng.choice(COMPANY_FIELDS)
    stage = rng.choice(["临床前", "I 期临床", "II 期临床", "III 期临床", "注册申报", "已上市"])
    return {
        "summary_zh": f"{name}成立于 {rng.randint(1995, 2022)} 年，专注{field}领域，核心产品包括{'、'.join(words)}。"
                      f"研发人员 {rng.randint(20, 800)} 人，"
                      f"{rng.choice(['国家高新技术企业', '专精特新“小巨人”企业', '广东省工程技术研究中心依托单位'])}。",
        "summary_en": f"{name}: {field} company.",
        "specialties": [field, *rng.sample(words, rng.randint(1, len(words)))],
        "tags": sorted({field if field in TAGS else rng.choice(TAGS), *rng.sample(TAGS, rng.randint(1, 2))}),
        "trial_capacity": "",
        "projects": f"{words[0]}项目处于{stage}阶段。",
        "needs": "",
        "products": "、".join(words) + f"；在研管线 {rng.randint(2, 20)} 个",
        "strengths": f"{field}研发与产业化；{rng.choice(['GMP 生产基地', 'CNAS 认证实验室', '自主知识产权平台', '海外注册经验'])}",
        "cooperation": f"寻求{rng.choice(demo.HOSPITAL_SPECIALTIES)}等 GCP 机构开展 {rng.choice(PHASES)} 期临床试验；"
                       f"{rng.choice(['成果转化', '联合研发', '产品进院', '真实世界研究'])}。",
    }


def demand_rows(rng, hospitals, companies, event_id, actor_id, now, count) -> list[dict]:
    rows = []
    for n in range(count):
        spec = rng.choice(demo.HOSPITAL_SPECIALTIES)
        item = rng.choice(NEED_ITEMS)
        field, words = rng.choice(COMPANY_FIELDS)
        if n % 2 == 0:
            org = rng.choice(hospitals)
            kind = rng.choice(["technology_need", "cooperation_offer"])
            title = rng.choice([f"{spec}{item}国产化合作", f"寻求{field}企业联合研发{item}",
                                f"{spec}{rng.choice(HOSPITAL_ITEMS)}转化为市场化产品", f"{spec}{item}临床应用需求"]
                               if kind == "technology_need" else
                               [f"{spec}院内制剂转化为市场化产品", f"{spec}{rng.choice(HOSPITAL_ITEMS)}专利技术转让",
                                f"开放{spec}真实世界研究平台合作"])
            description = f"{org.name}{spec}{rng.choice(['希望', '计划', '寻求'])}与{field}企业合作，" \
                          f"{rng.choice(['共同研发', '开展临床验证', '推动成果转化'])}{item}。"
        else:
            org = rng.choice(companies)
            kind = rng.choice(["trial_site_need", "cooperation_offer"])
            title = rng.choice([f"{rng.choice(words)} {rng.choice(PHASES[:3])} 期临床试验机构招募",
                                f"{rng.choice(words)}注册临床试验寻求{spec} GCP 机构"]
                               if kind == "trial_site_need" else
                               [f"{rng.choice(words)}临床验证合作", f"{field}产品进院应用合作", f"{item}联合研发生产战略合作"])
            description = f"寻找{spec} GCP 机构承接{rng.choice(words)}相关临床研究，{rng.choice(['多中心', '单中心', '国际多中心'])}。"
        tags = rng.sample(TAGS, rng.randint(1, 3))
        if field in TAGS and field not in tags and rng.random() < 0.5:
            tags.append(field)
        rows.append(dict(event_id=event_id, organisation_id=org.id, kind=kind, title=title, description=description,
                         tags=tags, status="published", submitted_by_id=actor_id, reviewed_by_id=actor_id,
                         published_at=now, created_at=now - timedelta(minutes=count - n)))
    return rows



def search_text(org, values) -> str:
    """What the exhibitor service indexes for a profile (organisation name, specialties, tags, the
    text fields), folded by its public ``fold``: the profiles are inserted directly, not edited."""
    parts = [org.name, *values["specialties"], *values["tags"], *(values.get(f) or "" for f in services.TEXT_FIELDS)]
    return services.fold(" ".join(parts))


def build(app, log, seed=2025, scale=1.0) -> dict:
    """The event and its showcase; returns ids and counts."""
    n = sizes(scale)
    rng = random.Random(seed)
    t0 = time.perf_counter()
    harness.fresh_schema(app)
    with app.test_request_context(base_url="http://127.0.0.1"):
        organizer = accounts.create_user(ORGANIZER[0], ORGANIZER[1], name="主办方")
        now = now_utc()
        event = fixtures.create_event(organizer, SLUG, "广州研究型医院联盟院企合作活动（展示走廊压测）", "Showcase benchmark",
                                     registration_opens_at=now - timedelta(days=10))
        db.session.commit()

        # organisations: one exhibitor contact each, through the CSV import
        hospitals, companies = hospital_names(rng, n["hospitals"]), company_names(rng, n["companies"])
        orgs = [(name, "医院") for name in hospitals] + [(name, "企业") for name in companies]
        content = fixtures.csv_bytes([[demo.person_name(rng), name, word,
                                      rng.choice(demo.POSITIONS["hospital" if word == "医院" else "enterprise"]),
                                      f"139{index:08d}", f"exhibitor{index:05d}@example.cn", "展商"]
                                     for index, (name, word) in enumerate(orgs)])
        result = fixtures.import_csv(event, "showcase-exhibitors.csv", content, actor=organizer)
        if result["imported"] != len(orgs):
            raise RuntimeError(f"import: {result}")
        by_key = {o.name_key: o for o in db.session.scalars(select(Organisation))}
        hospital_orgs = [by_key[name_key(n)] for n in hospitals]
        company_orgs = [by_key[name_key(n)] for n in companies]
        log(f"    event + CSV import of {len(orgs)} exhibitor contacts: {time.perf_counter() - t0:.1f} s")

        # a manager account for each organisation (the recipients of the targeted push)
        password_hash = generate_password_hash("showcase-manager-password")
        all_orgs = hospital_orgs + company_orgs
        db.session.execute(insert(User), [dict(email=f"manager{i:05d}@example.cn", name=f"展商管理{i}",
                                                password_hash=password_hash, is_admin=False, active=True,
                                                session_token=secrets.token_hex(16), created_at=now)
                                           for i in range(len(all_orgs))])
        users = dict(db.session.execute(select(User.email, User.id).where(User.email.like("manager%"))).all())
        db.session.execute(insert(OrganisationManager), [dict(user_id=users[f"manager{i:05d}@example.cn"],
                                                              organisation_id=o.id) for i, o in enumerate(all_orgs)])

        # 2,000 published profiles; search_text as the service builds it
        rows = []
        for org in all_orgs:
            values = hospital_profile(rng, org.name) if org.org_type == "hospital" else company_profile(rng, org.name)
            rows.append(dict(event_id=event.id, organisation_id=org.id, status="published",
                             search_text=search_text(org, values), reviewed_by_id=organizer.id, reviewed_at=now,
                             updated_at=now, review_note="", **values))
        db.session.execute(insert(ExhibitorProfile), rows)
        profile_ids = dict(db.session.execute(select(ExhibitorProfile.organisation_id, ExhibitorProfile.id)).all())

        # booths along the corridor, given to some of the exhibitors
        nh = n["booth_hospitals"]
        booths, sampled_h, sampled_c = [], rng.sample(hospital_orgs, nh), rng.sample(company_orgs, n["booths"] - nh)
        for index, org in enumerate(sampled_h + sampled_c):
            zone, code = ("hospitals", f"H{index + 1:03d}") if index < nh else ("companies", f"C{index - nh + 1:03d}")
            booths.append(dict(event_id=event.id, code=code, zone=zone, x=(index % 20) * 3.5, y=(index // 20) * 2.5,
                               width=3.0, depth=2.0, label="", profile_id=profile_ids[org.id]))
        db.session.execute(insert(Booth), booths)
        db.session.commit()
        log(f"    managers, {len(rows)} profiles, {len(booths)} booths: {time.perf_counter() - t0:.1f} s")

        # 600 PIs at 200 hospitals, through the service
        pi_hospitals = hospital_orgs[:18] + rng.sample(hospital_orgs[18:], n["pi_hospitals"] - 18)
        for i in range(n["pis"]):
            hospital = pi_hospitals[i % len(pi_hospitals)]
            specialty = rng.choice(demo.HOSPITAL_SPECIALTIES)
            services.add_pi(event, hospital, name=demo.person_name(rng), department=specialty, specialty=specialty,
                            research_areas=rng.sample(PI_AREAS, 2),
                            trial_experience=f"主持或参与临床试验 {rng.randint(3, 60)} 项，"
                                             f"其中国际多中心 {rng.randint(0, 12)} 项；{rng.choice(PI_AREAS)}方向。")
        db.session.commit()

        # 1,000 published demands
        db.session.execute(insert(Demand), demand_rows(rng, hospital_orgs, company_orgs, event.id, organizer.id, now,
                                                         n["demands"]))
        db.session.commit()
        out = {"event_id": event.id, "organizer_id": organizer.id,
               "hospitals": len(hospital_orgs), "companies": len(company_orgs),
               "profiles": db.session.scalar(select(db.func.count()).select_from(ExhibitorProfile)),
               "pis": n["pis"], "demands": db.session.scalar(select(db.func.count()).select_from(Demand)),
               "registrations": result["imported"], "booths": len(booths),
               "pi_hospital_ids": [h.id for h in pi_hospitals[:5]],
               "avg_search_text": statistics.mean(len(r["search_text"]) for r in rows)}
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        harness.analyze(app)  # this server runs with autovacuum off; production's analyses after a bulk load
    harness.release(app)
    out["build_s"] = time.perf_counter() - t0
    return out

