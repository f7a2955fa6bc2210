"""Organisations and people for the demo event. The hospitals, the companies and the media named
in the seed articles are real; the rest of the names are generated (the alliance's full list of
18 is completed with other tertiary hospitals in Guangzhou for the demo)."""
import random

ALLIANCE_HOSPITALS = [
    "中山大学附属第一医院", "广东省人民医院", "广东省中医院", "暨南大学附属第一医院",
    "广州医科大学附属妇女儿童医疗中心", "中山大学孙逸仙纪念医院", "中山大学附属第三医院",
    "中山大学肿瘤防治中心", "中山大学中山眼科中心", "南方医科大学南方医院", "南方医科大学珠江医院",
    "广州医科大学附属第一医院", "广州医科大学附属第二医院", "广州中医药大学第一附属医院",
    "广州市第一人民医院", "广州市红十字会医院", "广州市胸科医院", "广东省第二人民医院",
]
COMPANIES = ["广州医药集团有限公司", "百济神州（广州）生物科技有限公司"]
GOVERNMENT = ["广州市卫生健康委员会", "广州市科学技术局", "广州市工业和信息化局", "广州市医疗保障局",
              "广州市越秀区人民政府", "广州市荔湾区人民政府", "广州市黄埔区人民政府", "广州市南沙区人民政府"]
ASSOCIATIONS = ["粤港澳大湾区生物医药创新联合会（筹备组）", "广州市生物医药行业协会", "广东省医疗器械管理学会",
                "广州市医师协会"]
MEDIA = ["广州日报报业集团（广州日报社）", "南方日报", "新花城客户端", "健康有约工作室"]
UNIVERSITIES = ["广州实验室", "暨南大学", "华南理工大学", "广州医科大学"]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤") + ["欧阳", "司马", "上官"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力俊鹏飞宇浩然子涵欣怡梓轩雨萱思远嘉怡晓东志强海燕慧敏婷婷媛媛瑶琳琪晨曦博文泽宇")
CITY = ["广州", "穗港", "湾区", "珠江", "南粤", "越秀", "黄埔", "南沙", "天河", "番禺", "岭南", "羊城"]
FIELDS = ["生物科技", "医药科技", "医疗器械", "基因科技", "细胞治疗", "诊断技术", "核医药", "数字医疗", "制药"]
AGENCY_KIND = ["知识产权代理有限公司", "技术转移服务有限公司", "科技成果转化中心", "医药咨询有限公司", "投资管理有限公司"]
POSITIONS = {
    "hospital": ["院长", "副院长", "科研处处长", "临床试验机构办公室主任", "主任医师", "成果转化办主任", "PI"],
    "enterprise": ["总经理", "副总裁", "研发总监", "医学事务经理", "商务拓展经理", "注册总监"],
    "government": ["处长", "副处长", "科长", "主任科员"],
    "association": ["秘书长", "副秘书长", "会长"],
    "service_agency": ["专业经纪人", "技术经理人", "合伙人", "项目经理"],
    "university": ["教授", "研究员", "副研究员"],
    "media": ["记者", "编辑", "主编"],
}


#: how the people of a hospital–industry day spread over organisation types (demo and benchmarks)
ORG_TYPE_WEIGHTS = {"hospital": 30, "enterprise": 40, "government": 4, "association": 3,
                    "service_agency": 10, "university": 4, "media": 3}


def category_for(rng: random.Random, org_type: str) -> str:
    """A likely category for someone of an organisation of ``org_type``: brokers from the service
    agencies, media from the media, some exhibitors, VIPs from government, a few speakers."""
    category = {"service_agency": "broker", "media": "media"}.get(org_type, "attendee")
    if org_type in ("hospital", "enterprise") and rng.random() < 0.18:
        category = "exhibitor"
    if org_type == "government" and rng.random() < 0.3:
        category = "vip"
    if rng.random() < 0.02:
        category = "speaker"
    return category


def person_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return surname + given


def organisations(rng: random.Random) -> list[tuple[str, str]]:
    orgs = [(n, "hospital") for n in ALLIANCE_HOSPITALS]
    orgs += [(n, "enterprise") for n in COMPANIES]
    seen = set(COMPANIES)
    while len(seen) < 200:
        name = f"{rng.choice(CITY)}{rng.choice(['康', '瑞', '华', '信', '泰', '诺', '安', '达', '源', '科'])}" \
               f"{rng.choice(['恒', '明', '联', '博', '健', '生', '和', '新', '云', '中'])}{rng.choice(FIELDS)}有限公司"
        if name not in seen:
            seen.add(name)
            orgs.append((name, "enterprise"))
    orgs += [(n, "government") for n in GOVERNMENT]
    orgs += [(n, "association") for n in ASSOCIATIONS]
    orgs += [(n, "media") for n in MEDIA]
    orgs += [(n, "university") for n in UNIVERSITIES]
    agencies = set()
    while len(agencies) < 60:
        agencies.add(f"{rng.choice(CITY)}{rng.choice(['智', '汇', '创', '融', '合'])}{rng.choice(['桥', '远', '信', '成', '达'])}{rng.choice(AGENCY_KIND)}")
    orgs += [(n, "service_agency") for n in sorted(agencies)]
    return orgs

# people quoted in the seed article
SPEAKERS = [
    ("张忠德", "广东省中医院", "hospital", "院长"),
    ("刘宏", "广州医药集团有限公司", "enterprise", "科研项目管理部副部长"),
    ("郑小飞", "暨南大学附属第一医院", "hospital", "院长"),
    ("周文浩", "广州医科大学附属妇女儿童医疗中心", "hospital", "院长"),
    ("黄艺凤", "百济神州（广州）生物科技有限公司", "enterprise", "副总裁"),
    ("任珊珊", "广州日报报业集团（广州日报社）", "media", "健康有约工作室副总监"),
    ("陈钇媛", "粤港澳大湾区生物医药创新联合会（筹备组）", "association", "秘书长"),
    ("王媛媛", "中山大学附属第一医院", "hospital", "临床试验机构办公室主任"),
]

# the signings of the seed article (amounts are the demo's; the article gives only the total)
CONTRACTS = [
    ("院内制剂转化为市场化产品合作协议", "technology_transfer", "38000000.00",
     ["广东省中医院", "广州医药集团有限公司"], ["张忠德", "刘宏"]),
    ("核医药（钇90等）诊疗药物联合研发生产战略合作协议", "strategic_cooperation", "52000000.00",
     ["暨南大学附属第一医院", "广州医药集团有限公司"], ["郑小飞"]),
    ("核医药产业化战略合作协议", "strategic_cooperation", "31500000.00",
     ["暨南大学附属第一医院", "百济神州（广州）生物科技有限公司"], ["郑小飞", "黄艺凤"]),
    ("粤港澳罕见病创新药转化促进中心共建协议", "technology_transfer", "29800000.00",
     ["广州医科大学附属妇女儿童医疗中心", "粤港澳大湾区生物医药创新联合会（筹备组）"], ["周文浩"]),
    ("创新药临床试验合作协议", "clinical_trial", None,
     ["中山大学附属第一医院", "百济神州（广州）生物科技有限公司"], ["黄艺凤"]),
]

# the showcase corridor
HOSPITAL_SPECIALTIES = ["肿瘤科", "心血管内科", "神经内科", "内分泌科", "呼吸内科", "消化内科", "儿科", "妇产科", "眼科",
                        "核医学科", "血液科", "风湿免疫科", "中医内科", "骨科", "感染科", "精神科", "皮肤科", "麻醉科"]
COMPANY_FIELDS = [("创新药", ["小分子", "抗体药物", "ADC"]), ("医疗器械", ["影像设备", "手术机器人", "植介入器械"]),
                  ("体外诊断", ["分子诊断", "POCT"]), ("核医药", ["放射性药物", "钇90"]),
                  ("细胞与基因治疗", ["CAR-T", "基因编辑"]), ("数字医疗", ["AI 辅助诊断", "医疗大数据"])]
DISTRICTS = ["越秀", "荔湾", "黄埔", "南沙"]
DEMANDS = [
    ("technology_need", "钇90 放射性药物国产化合作", "暨南大学附属第一医院", ["核医药", "成果转化"],
     "寻求放射性药物企业共同研发生产钇90等核医药，降低成本至原来的1/5。"),
    ("cooperation_offer", "院内制剂转化为市场化产品", "广东省中医院", ["成果转化", "创新药"],
     "多个成熟院内制剂寻求药企合作转化上市。"),
    ("trial_site_need", "创新抗体药物 II 期临床试验机构招募", "百济神州（广州）生物科技有限公司", ["临床试验", "创新药"],
     "寻找肿瘤科 GCP 机构承接 II 期临床试验。"),
    ("technology_need", "罕见病基因诊断试剂联合研发", "广州医科大学附属妇女儿童医疗中心", ["罕见病", "体外诊断", "基因与细胞治疗"],
     "围绕罕见病诊断试剂、基因治疗开展联合研发。"),
    ("cooperation_offer", "手术机器人临床验证合作", None, ["医疗器械", "临床试验"], "寻求三甲医院骨科、普外科开展临床验证。"),
    ("technology_need", "AI 辅助影像诊断落地应用", "中山大学附属第一医院", ["数字医疗"], "寻找 AI 影像企业在放射科落地应用。"),
]
