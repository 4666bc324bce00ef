# mypy: disable-error-code="arg-type, union-attr, var-annotated"
"""Realistic bilingual demo data for `kehu demo`: teams, users, companies, people, tags, fields.

Everything is made through the services, so records carry owners, versions and audit history,
and it is deterministic: the same seed gives the same companies, people and phone numbers.
"""

import datetime
import random
from dataclasses import dataclass, field

import phonenumbers
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts import services as accounts
from kehu.accounts.models import Role, User
from kehu.core import pinyin
from kehu.core.models import AuditEntry
from kehu.core.search import SURNAME_READINGS
from kehu.customers import services
from kehu.customers.models import CustomField, Person, Tag

DEMO_PASSWORD = "kehu-demo"
SEED = 2025

EAST, NORTH_AMERICA = "华东销售", "North America"
# username, display name, role, team
USERS = [
    ("admin", "Admin", "Administrator", None),
    ("zhou.min", "周敏", "Manager", EAST),
    ("liu.yang", "刘洋", "Sales rep", EAST),
    ("emily.carter", "Emily Carter", "Sales rep", NORTH_AMERICA),
]
TAGS = [("VIP", "#b91c1c"), ("潜在客户", "#0369a1"), ("Partner", "#15803d"),
        ("老客户", "#a16207"), ("Newsletter", "#6d28d9")]  # fmt: skip

# name, city, industry, web domain
CHINESE_COMPANIES = [
    ("上海星辰科技有限公司", "上海", "软件与信息服务", "xingchen-tech.cn"),
    ("深圳华信电子有限公司", "深圳", "电子制造", "huaxin-elec.com"),
    ("北京云途数据技术有限公司", "北京", "大数据", "yuntu-data.cn"),
    ("杭州绿源茶业有限公司", "杭州", "食品饮料", "lvyuan-tea.com"),
    ("广州南方物流集团", "广州", "物流", "nanfang-logistics.com"),
    ("苏州精工机械制造有限公司", "苏州", "机械制造", "jinggong-mach.com"),
    ("南京金陵医药有限公司", "南京", "医药", "jinling-pharma.cn"),
    ("成都天府软件园发展有限公司", "成都", "园区运营", "tianfu-park.cn"),
    ("武汉光谷激光技术有限公司", "武汉", "激光设备", "ggl-laser.com"),
    ("上海东方明珠文化传媒有限公司", "上海", "传媒", "dfmz-media.cn"),
    ("深圳前海金融服务有限公司", "深圳", "金融服务", "qianhai-fin.com"),
    ("北京中关村创新投资有限公司", "北京", "投资", "zgc-invest.cn"),
    ("杭州西湖电子商务有限公司", "杭州", "电子商务", "xihu-ec.com"),
    ("上海浦江汽车零部件有限公司", "上海", "汽车零部件", "pujiang-auto.com"),
    ("宁波海港国际贸易有限公司", "宁波", "国际贸易", "haigang-trade.com"),
    ("无锡太湖新能源有限公司", "无锡", "新能源", "taihu-energy.cn"),
    ("深圳速达无人机科技有限公司", "深圳", "无人机", "suda-uav.com"),
    ("北京华夏建筑设计研究院", "北京", "建筑设计", "huaxia-arch.cn"),
    ("上海锦江酒店管理有限公司", "上海", "酒店", "jinjiang-hm.com"),
    ("广州白云化妆品有限公司", "广州", "日化", "baiyun-cosmetics.com"),
    ("南京紫金云计算有限公司", "南京", "云计算", "zijin-cloud.cn"),
    ("合肥科大智能语音有限公司", "合肥", "人工智能", "kd-voice.cn"),
    ("厦门鹭岛海洋科技有限公司", "厦门", "海洋科技", "ludao-ocean.com"),
    ("青岛海尔森家电销售有限公司", "青岛", "家电", "haiersen.com"),
    ("上海联创教育科技有限公司", "上海", "教育", "lianchuang-edu.cn"),
    ("苏州工业园区智造服务中心", "苏州", "工业服务", "sip-zhizao.cn"),
    ("深圳华南供应链管理有限公司", "深圳", "供应链", "huanan-scm.com"),
    ("杭州数智医疗科技有限公司", "杭州", "医疗科技", "shuzhi-med.cn"),
    ("北京京东方显示技术有限公司", "北京", "显示面板", "jdf-display.com"),
    ("上海申通快递服务有限公司", "上海", "快递", "shentong-ex.com"),
    ("成都熊猫网络游戏有限公司", "成都", "游戏", "panda-games.cn"),
    ("武汉长江船舶设计院", "武汉", "船舶设计", "cj-ship.cn"),
    ("西安秦岭航空材料有限公司", "西安", "航空材料", "qinling-aero.com"),
    ("上海徐汇律师事务所", "上海", "法律服务", "xuhui-law.cn"),
    ("深圳鹏城智能家居有限公司", "深圳", "智能家居", "pengcheng-home.com"),
    ("温州瓯江鞋业有限公司", "温州", "鞋服", "oujiang-shoes.com"),
    ("天津渤海化工集团有限公司", "天津", "化工", "bohai-chem.com"),
    ("上海张江生物医药有限公司", "上海", "生物医药", "zhangjiang-bio.cn"),
]
ENGLISH_COMPANIES = [
    ("Acme Corp", "Boston", "Manufacturing", "acme.example.com"),
    ("Globex Corporation", "New York", "Conglomerate", "globex.com"),
    ("Initech", "Austin", "Software", "initech.io"),
    ("Umbrella Health", "Chicago", "Healthcare", "umbrellahealth.com"),
    ("Stark Industries", "New York", "Defense & aerospace", "starkindustries.com"),
    ("Wayne Enterprises", "Chicago", "Holding", "wayne-enterprises.com"),
    ("Blue Harbor Logistics", "Seattle", "Logistics", "blueharbor.com"),
    ("Northwind Traders", "Seattle", "Wholesale", "northwindtraders.com"),
    ("Contoso Ltd", "Boston", "IT services", "contoso.com"),
    ("Fabrikam Inc", "San Francisco", "Textiles", "fabrikam.com"),
    ("Pinecrest Capital", "Boston", "Financial services", "pinecrestcap.com"),
    ("Redwood Analytics", "San Francisco", "Analytics", "redwoodanalytics.io"),
    ("Summit Outdoor Gear", "Denver", "Retail", "summitgear.com"),
    ("Brightline Solar", "Austin", "Renewable energy", "brightlinesolar.com"),
    ("Harborview Hotels", "San Francisco", "Hospitality", "harborviewhotels.com"),
    ("Maple Leaf Foods Trading", "Toronto", "Food distribution", "mapleleaftrading.ca"),
    ("Cobalt Robotics Lab", "Boston", "Robotics", "cobaltrobotics.ai"),
    ("Evergreen Learning", "Seattle", "Education", "evergreenlearning.org"),
    ("Lighthouse Legal LLP", "New York", "Legal services", "lighthouselegal.com"),
    ("Keystone Construction", "Chicago", "Construction", "keystonebuild.com"),
    ("Silverline Media", "Los Angeles", "Media", "silverlinemedia.com"),
    ("Atlas Freight", "Chicago", "Freight", "atlasfreight.com"),
]
# area code (without the trunk 0) per Chinese city, for landlines
CN_AREA = {"上海": "21", "北京": "10", "深圳": "755", "广州": "20", "杭州": "571", "南京": "25",
           "苏州": "512", "成都": "28", "武汉": "27", "宁波": "574", "无锡": "510", "合肥": "551",
           "厦门": "592", "青岛": "532", "西安": "29", "温州": "577", "天津": "22"}  # fmt: skip
US_AREA = {"Boston": "617", "New York": "212", "Austin": "512", "Chicago": "312",
           "Seattle": "206", "San Francisco": "415", "Denver": "303", "Los Angeles": "213",
           "Toronto": "416"}  # fmt: skip
MOBILE_PREFIXES = ["138", "139", "186", "135", "136", "137", "150", "151", "158", "159",
                   "188", "189", "133", "153", "177", "180", "181", "199"]  # fmt: skip

SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
            "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯",
            "邓", "曹", "彭", "曾", "萧", "田", "董", "潘", "袁", "蔡", "蒋", "余", "叶", "杜",
            "单", "解", "区", "欧阳", "司马"]  # fmt: skip
GIVEN_NAMES = ["伟", "芳", "娜", "洋", "静", "敏", "强", "磊", "军", "洁", "勇", "艳", "杰",
               "娟", "涛", "明", "超", "霞", "平", "刚", "秀英", "建华", "晓东", "雨桐", "子涵",
               "浩然", "思远", "欣怡", "一鸣", "文博", "嘉怡", "志强", "海燕", "丽华", "国庆",
               "春梅", "俊杰", "梦琪", "宇航", "佳琪", "晨", "鹏", "琳", "婷", "凯", "倩", "雪",
               "博文", "天宇", "晓燕", "红梅", "建国", "立新", "美玲"]  # fmt: skip
# names a Chinese user will try first, including surnames pypinyin misreads (单, 曾, 解)
FAMOUS_CHINESE = ["张伟", "王芳", "李娜", "刘洋", "陈静", "单雄信", "曾国强", "解小东", "王秀英",
                  "李强", "欧阳娜娜"]  # fmt: skip
FIRST_NAMES = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
               "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
               "Thomas", "Sarah", "Daniel", "Karen", "Matthew", "Emily", "Anthony", "Olivia",
               "Mark", "Sophia", "Kevin", "Grace", "Brian", "Chloe", "Ryan", "Hannah"]  # fmt: skip
LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
              "Rodriguez", "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore",
              "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
              "Walker", "Young", "Allen", "King", "Wright", "Scott", "Nguyen",
              "O'Brien"]  # fmt: skip
CHINESE_TITLES = ["销售经理", "采购经理", "总经理", "技术总监", "财务总监", "市场专员",
                  "人力资源经理", "产品经理", "高级工程师", "行政主管", "董事长", "CTO", "副总裁",
                  "项目经理", "客户经理", "运营总监"]  # fmt: skip
ENGLISH_TITLES = ["CTO", "CEO", "VP Sales", "Head of Procurement", "Operations Manager",
                  "Software Engineer", "Marketing Director", "Office Manager", "CFO",
                  "Account Executive", "IT Director", "Purchasing Agent"]  # fmt: skip
CHINESE_SOURCES = ["展会", "官网", "老客户推荐", "微信", "百度推广", "电话开发"]
ENGLISH_SOURCES = ["Website", "Trade show", "Referral", "LinkedIn", "Cold call", "Webinar"]
CHINESE_CITIES = list(CN_AREA)
ENGLISH_CITIES = list(US_AREA)
MAIL_PROVIDERS = ["163.com", "qq.com", "126.com", "sina.com", "foxmail.com"]
CHINESE_NOTES = ["年底有采购预算，关注价格。", "偏好微信沟通，周三下午方便。",
                 "上次展会认识，对集成方案感兴趣。", "需要英文版合同。",
                 "决策人之一，注意跟进节奏。"]  # fmt: skip
ENGLISH_NOTES = ["Budget approved for Q3; wants a pilot first.", "Prefers email over calls.",
                 "Met at the Boston trade show.", "Champion inside the account.",
                 "Asked for a Chinese-language quote for their Shanghai office."]  # fmt: skip


@dataclass
class Plan:
    companies: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)


def _pinyin(name: str) -> list[str]:
    syllables = pinyin.romanize(name)
    if name[0] in SURNAME_READINGS:
        syllables[0] = SURNAME_READINGS[name[0]]
    return syllables


def _valid(number: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(number, None))


def _phone(rng: random.Random, used: set, make) -> str:
    while True:
        number = make()
        if number not in used and _valid(number):
            used.add(number)
            return number


def _cn_mobile(rng: random.Random, used: set) -> str:
    def make():
        return f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99999999):08d}"

    return _phone(rng, used, make)


def _cn_landline(rng: random.Random, used: set, city: str) -> str:
    area = CN_AREA.get(city, "21")

    def make():
        rest = rng.choice([7, 7, 6])  # local numbers have 8 digits, in a few cities 7
        return f"+86{area}{rng.randint(2, 8)}{rng.randint(0, 10**rest - 1):0{rest}d}"

    return _phone(rng, used, make)


def _us_phone(rng: random.Random, used: set, city: str) -> str:
    area = US_AREA.get(city, "617")

    def make():
        return f"+1{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"

    return _phone(rng, used, make)


def _chinese_names(rng: random.Random, n: int) -> list[str]:
    names = list(FAMOUS_CHINESE)
    seen = set(names)
    while len(names) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        if name not in seen:
            seen.add(name)
            names.append(name)
    names.append("张伟")  # the most common name in China: a second one, at another company
    return names


def _english_names(rng: random.Random, n: int) -> list[str]:
    names, seen = [], set()
    while len(names) < n:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def build_plan(seed: int = SEED) -> Plan:
    """The demo records as plain dicts (owner as a username, company as an index)."""
    rng = random.Random(seed)
    plan = Plan()
    phones: set[str] = set()
    east_owners, na_owners = ["zhou.min", "liu.yang", "liu.yang"], ["emily.carter"]
    for name, city, industry, domain in CHINESE_COMPANIES:
        plan.companies.append(
            {"name": name, "city": city, "industry": industry, "website": f"https://www.{domain}",
             "email": f"{rng.choice(['info', 'contact', 'sales'])}@{domain}",
             "phone": _cn_landline(rng, phones, city), "owner": rng.choice(east_owners),
             "tags": rng.sample(["VIP", "潜在客户", "Partner", "老客户"], rng.randint(0, 2)),
             "chinese": True, "domain": domain}
        )  # fmt: skip
    for name, city, industry, domain in ENGLISH_COMPANIES:
        plan.companies.append(
            {"name": name, "city": city, "industry": industry, "website": f"https://{domain}",
             "email": f"hello@{domain}", "phone": _us_phone(rng, phones, city),
             "owner": rng.choice(na_owners + ["admin"]),
             "tags": rng.sample(["VIP", "Partner", "Newsletter"], rng.randint(0, 2)),
             "chinese": False, "domain": domain}
        )  # fmt: skip
    chinese_companies = [i for i, c in enumerate(plan.companies) if c["chinese"]]
    english_companies = [i for i, c in enumerate(plan.companies) if not c["chinese"]]

    for name in _chinese_names(rng, 200):
        company = rng.choice(chinese_companies) if rng.random() < 0.85 else None
        owner = plan.companies[company]["owner"] if company is not None else rng.choice(east_owners)
        syllables = _pinyin(name)
        given, surname = "".join(syllables[1:]), syllables[0]
        if company is not None and rng.random() < 0.7:
            domain = plan.companies[company]["domain"]
            email = f"{rng.choice([f'{given}.{surname}', f'{surname}{given}', f'{surname}.{given}'])}@{domain}"  # noqa: E501
        elif rng.random() < 0.8:
            email = f"{surname}{given}{rng.randint(70, 99)}@{rng.choice(MAIL_PROVIDERS)}"
        else:
            email = ""
        city = (
            plan.companies[company]["city"] if company is not None else rng.choice(CHINESE_CITIES)
        )
        plan.people.append(_person(rng, phones, name, email, company, owner, city, chinese=True))

    for name in _english_names(rng, 100):
        company = rng.choice(english_companies) if rng.random() < 0.85 else None
        owner = plan.companies[company]["owner"] if company is not None else "emily.carter"
        first, last = name.lower().replace("'", "").split(" ", 1)
        domain = plan.companies[company]["domain"] if company is not None else "gmail.com"
        email = f"{first}.{last}@{domain}" if rng.random() < 0.9 else ""
        city = (
            plan.companies[company]["city"] if company is not None else rng.choice(ENGLISH_CITIES)
        )
        plan.people.append(_person(rng, phones, name, email, company, owner, city, chinese=False))
    return plan


def _person(rng, phones, name, email, company, owner, city, chinese: bool) -> dict:
    if chinese:
        phone = _cn_mobile(rng, phones) if rng.random() < 0.9 else ""
        if phone and rng.random() < 0.5:
            phone = f"{phone[3:6]} {phone[6:10]} {phone[10:]}"  # typed national-style
    else:
        phone = _us_phone(rng, phones, city) if rng.random() < 0.8 else ""
    birthday = None
    if rng.random() < 0.4:
        birthday = datetime.date(1962, 1, 1) + datetime.timedelta(days=rng.randint(0, 13500))
    person = {
        "name": name,
        "email": email,
        "phone": phone,
        "title": rng.choice(CHINESE_TITLES if chinese else ENGLISH_TITLES),
        "company": company,
        "owner": owner,
        "city": city,
        "birthday": birthday,
        "tags": rng.sample(
            ["VIP", "潜在客户", "Partner", "Newsletter"], rng.choice([0, 0, 1, 1, 2])
        ),
        "custom": {
            "level": rng.choices(["A", "B", "C"], weights=[2, 5, 3])[0],
            "source": rng.choice(CHINESE_SOURCES if chinese else ENGLISH_SOURCES),
        },
        "notes": rng.choice(CHINESE_NOTES if chinese else ENGLISH_NOTES)
        if rng.random() < 0.2
        else "",
    }
    return person


def is_empty() -> bool:
    return not User.objects.exists() and not Person.all_objects.exists()


def load(seed: int = SEED, log=print) -> bool:
    """Fill an empty database with the demo; returns False (and changes nothing) otherwise."""
    if not is_empty():
        return False
    plan = build_plan(seed)
    rng = random.Random(seed + 1)
    now = timezone.now()
    with transaction.atomic():
        users = _create_users()
        for name, color in TAGS:
            Tag.objects.get_or_create(name=name, defaults={"color": color})
        _create_custom_fields()
        companies = []
        for data in plan.companies:
            owner = users[data["owner"]]
            record = {k: v for k, v in data.items() if k not in ("chinese", "domain")}
            companies.append(services.create_company(owner, {**record, "owner": owner}))
        log("  " + _("%(n)d companies") % {"n": len(companies)})
        people = []
        for data in plan.people:
            owner = users[data["owner"]]
            company = companies[data["company"]] if data["company"] is not None else None
            people.append(
                services.create_person(owner, {**data, "owner": owner, "company": company})
            )
        log("  " + _("%(n)d people") % {"n": len(people)})
        _add_history(rng, users, people)
        _spread_dates(rng, now, companies + people)
        _add_notes(rng, users, people)
        _add_emails(rng, users, people, now)
        deals = _add_deals(rng, users, companies)
        log("  " + _("%(n)d deals") % {"n": deals})
        _add_leads(rng, users)
        quotes = _add_quotes(rng, users)
        log("  " + _("%(n)d quotes") % {"n": quotes})
    return True


def _create_users() -> dict[str, User]:
    teams = {name: accounts.create_team(None, {"name": name}) for name in (EAST, NORTH_AMERICA)}
    users = {}
    for username, display, role, team in USERS:
        first, _sep, last = display.partition(" ")
        users[username] = accounts.create_user(
            None,
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "email": f"{username}@kehu.example.com",
                "first_name": first,
                "last_name": last,
                "role": Role.objects.get(name=role),
                "team": teams[team] if team else None,
            },
        )
    return users


def _create_custom_fields() -> None:
    CustomField.objects.get_or_create(
        entity="person", key="level",
        defaults={"label": "Customer level", "label_zh": "客户等级", "type": "choice",
                  "choices": ["A", "B", "C"], "position": 1},
    )  # fmt: skip
    CustomField.objects.get_or_create(
        entity="person", key="source",
        defaults={"label": "Source", "label_zh": "来源", "type": "text", "position": 2},
    )  # fmt: skip


def _add_history(rng: random.Random, users: dict, people: list[Person]) -> None:
    """Some later edits, as their owners would make them, so history shows changes."""
    for person in rng.sample(people, 40):
        owner = users_by_id(users)[person.owner_id]
        changes = {"custom": {**person.custom, "level": rng.choice(["A", "B"])}}
        if rng.random() < 0.5:
            changes["title"] = rng.choice(
                CHINESE_TITLES if person.city in CN_AREA else ENGLISH_TITLES
            )
        services.update_person(owner, person, changes, expected_version=person.version)


def users_by_id(users: dict) -> dict[int, User]:
    return {u.pk: u for u in users.values()}


def _spread_dates(rng: random.Random, now, records: list) -> None:
    """Spread creation over the last 18 months so lists, sorts and date filters look real."""
    for record in records:
        created = now - datetime.timedelta(minutes=rng.randint(60 * 24 * 7, 60 * 24 * 540))
        updated = created + (now - created) * rng.random() * 0.5
        type(record).all_objects.filter(pk=record.pk).update(created_at=created, updated_at=updated)
        entries = AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )
        entries.filter(action="create").update(at=created)
        entries.exclude(action="create").update(at=updated)


def _add_notes(rng: random.Random, users: dict, people: list[Person]) -> None:
    """Notes, calls, meetings and tasks on some people: a timeline and a day to look at."""
    from kehu.activities import services as activities

    by_id = users_by_id(users)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for person in rng.sample(people, 40):
        owner = by_id[person.owner_id]
        chinese = person.city in CN_AREA
        text = rng.choice(CHINESE_NOTES if chinese else ENGLISH_NOTES)
        activities.add_note(owner, person, text)
        outcome = rng.choice(["connected", "no_answer", "voicemail"])
        call = {"subject": "电话回访" if chinese else "Follow-up call", "outcome": outcome,
                "direction": "out", "at": now - datetime.timedelta(days=rng.randint(1, 40)),
                "duration_minutes": rng.randint(2, 30) if outcome == "connected" else 0,
                }  # fmt: skip
        activities.log_activity(owner, person, "call", call)
        due = now + datetime.timedelta(days=rng.randint(-3, 10), hours=rng.randint(0, 6))
        task = {"subject": "发送报价" if chinese else "Send the quote", "due_at": due,
                "priority": rng.choice(["normal", "normal", "high"]), "remind_minutes": 60,
                }  # fmt: skip
        activities.log_activity(owner, person, "task", task)
        if rng.random() < 0.4:
            start = now + datetime.timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 5))
            meeting = {"subject": "上门拜访" if chinese else "Visit", "at": start,
                       "ends_at": start + datetime.timedelta(hours=1),
                       "place": person.city or "", "attendee_people": [person.pk],
                       "remind_minutes": 30}  # fmt: skip
            activities.log_activity(owner, person, "meeting", meeting)


EMAIL_THREADS_ZH = [
    (
        "关于报价的问题",
        "您好，报价单已收到。请问年付是否有折扣？",
        "您好，年付可以优惠 8%，我稍后发正式报价。",
    ),
    (
        "下周拜访时间",
        "下周二下午方便吗？我们想当面聊一下实施计划。",
        "周二下午三点可以，我带上方案过去。",
    ),
    ("发票信息", "请把发票抬头改为我们的新公司名称。", "已更新，新发票会在本周内寄出。"),
]
EMAIL_THREADS_EN = [
    (
        "Question about the quote",
        "Thanks for the quote. Is there a discount for paying yearly?",
        "Yes, 8% off for a yearly plan. I will send the revised quote today.",
    ),
    (
        "Next week's visit",
        "Does Tuesday afternoon work for you? We'd like to go over the rollout.",
        "Tuesday at 3 pm works; I will bring the plan.",
    ),
]
#: mail from addresses no one in Kehu has: the review list has something to decide
UNKNOWN_SENDERS = [
    ("陈静", "chen.jing@newclient.example", "咨询产品试用", "您好，想了解一下贵公司的试用政策。"),
    (
        "Mark Davis",
        "mark.davis@prospect.example",
        "Pricing for 50 seats",
        "Hi, could you send pricing for 50 seats?",
    ),
]


def _mail(sender: str, to: str, subject: str, body: str, at, message_id: str,
          in_reply_to: str = "") -> bytes:  # fmt: skip
    from email.message import EmailMessage
    from email.utils import format_datetime

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = message["References"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


def _add_emails(rng: random.Random, users: dict, people: list[Person], now) -> None:
    """Conversations with customers, taken in as mail from the owners' mailboxes would be (a
    customer's message and the owner's answer, on the timeline), and two messages from
    strangers in the review list. Nothing is sent: the demo never talks to a mail server."""
    from email.utils import formataddr

    from kehu.mail import receiving as mail_receive

    by_id = users_by_id(users)
    with_email = [p for p in people if p.email]
    for number, person in enumerate(rng.sample(with_email, min(20, len(with_email)))):
        owner = by_id[person.owner_id]
        chinese = person.city in CN_AREA
        subject, question, answer = rng.choice(EMAIL_THREADS_ZH if chinese else EMAIL_THREADS_EN)
        asked = now - datetime.timedelta(days=rng.randint(1, 30), hours=rng.randint(1, 8))
        first = f"<demo-{number}-q@customer.example>"
        customer = formataddr((person.name, person.email))
        mail_receive.receive(_mail(customer, owner.email, subject, question, asked, first),
                             owner=owner, source="imap")  # fmt: skip
        answered = asked + datetime.timedelta(hours=rng.randint(1, 20))
        colleague = formataddr((owner.get_full_name() or owner.username, owner.email))
        reply = _mail(colleague, customer, ("回复：" if chinese else "Re: ") + subject, answer,
                      min(answered, now), f"<demo-{number}-a@kehu.example.com>", first)  # fmt: skip
        mail_receive.receive(reply, owner=owner, source="imap")
    for number, (name, address, subject, body) in enumerate(UNKNOWN_SENDERS):
        at = now - datetime.timedelta(hours=rng.randint(2, 48))
        owner = users["liu.yang"] if number == 0 else users["emily.carter"]
        raw = _mail(formataddr((name, address)), owner.email, subject, body, at,
                    f"<demo-unknown-{number}@stranger.example>")  # fmt: skip
        mail_receive.receive(raw, owner=owner, source="imap")


DEAL_SUBJECTS_ZH = ["年度框架协议", "云服务采购", "设备更新", "培训项目", "系统集成", "续约"]
DEAL_SUBJECTS_EN = ["Annual licence", "Cloud migration", "Hardware refresh", "Training",
                    "Integration project", "Renewal"]  # fmt: skip
LOST_REASONS = ["价格太高", "选了竞争对手", "预算取消", "Chose a competitor", "No budget"]


def _add_deals(rng: random.Random, users: dict, companies: list) -> int:
    """Deals in two pipelines (and one foreign currency), so the board and totals look real."""
    from kehu.sales.deals import services as sales
    from kehu.sales.models import Pipeline

    admin = users["admin"]
    sales.set_exchange_rate(admin, "USD", "7.20")
    renewals = sales.save_pipeline(
        admin,
        None,
        {"name": "Renewals", "name_zh": "老客户续约", "stale_days": 45},
        [
            {"name": "Due", "name_zh": "待续约", "probability": 60, "kind": "open"},
            {"name": "Quoted", "name_zh": "已报价", "probability": 80, "kind": "open"},
            {"name": "Renewed", "name_zh": "已续约", "probability": 100, "kind": "won"},
            {"name": "Churned", "name_zh": "流失", "probability": 0, "kind": "lost"},
        ],
    )
    by_id = users_by_id(users)
    pipelines = [Pipeline.objects.order_by("position", "id").first(), renewals]
    today = timezone.localdate()
    made = 0
    for i in range(90):
        company = rng.choice(companies)
        owner = by_id[company.owner_id]
        pipeline = pipelines[0] if i % 3 else pipelines[1]
        stages = list(pipeline.stages.all())
        stage = rng.choices(stages, weights=[5, 4, 3, 2, 2][: len(stages)])[0]
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in company.name)
        subject = rng.choice(DEAL_SUBJECTS_ZH if chinese else DEAL_SUBJECTS_EN)
        due = today + datetime.timedelta(days=rng.randint(-10, 20))
        data = {
            "name": f"{company.name} · {subject}",
            "pipeline": pipeline,
            "company": company,
            "owner": owner,
            "amount": str(rng.randrange(20, 2000) * 500),
            "currency": "CNY" if chinese else rng.choice(["USD", "CNY"]),
            "expected_close": today + datetime.timedelta(days=rng.randint(5, 120)),
            "next_step": rng.choice(["电话回访", "发送报价", "Demo", "Send contract", ""]),
            "next_step_due": due,
        }
        deal = sales.create_deal(owner, data)
        if stage != deal.stage:
            reason = rng.choice(LOST_REASONS) if stage.kind == "lost" else None
            sales.move_deal(owner, deal, stage, reason=reason)
        made += 1
    return made


DEMO_LEADS = [
    ("欧阳娜", "杭州青禾教育科技有限公司", "event"), ("司马磊", "成都蜀锦文化传媒", "web"),
    ("诸葛明", "重庆山城物流有限公司", "referral"), ("Olivia Brown", "Brightside Dental", "web"),
    ("Liam Wilson", "Northpeak Outdoor", "ads"), ("上官静", "苏州园林设计院", "call"),
    ("夏雨", "厦门海湾酒店", "web"), ("Noah Davis", "Cobalt Analytics", "event"),
    ("解晓东", "青岛啤酒花园餐饮", "referral"), ("单雄", "西安古城旅游服务", "other"),
]  # fmt: skip


DEMO_SCORING = [
    ("公司邮箱 Company email", "email_kind", "equals", "company", 10),
    ("免费邮箱 Free email", "email_kind", "equals", "free", -5),
    ("转介绍 Referral", "source", "equals", "referral", 15),
    ("展会 Event", "source", "equals", "event", 10),
    ("有电话 Has a phone", "has_phone", "equals", "yes", 5),
    ("30 天未联系 Quiet for 30 days", "days_since_contact", "gt", "30", -10),
]


def _add_leads(rng: random.Random, users: dict) -> None:
    """Leads in every state, so the list and conversion can be tried at once; scored by a
    few rules, so the list sorts by score."""
    from kehu.sales.leads import services as leads
    from kehu.sales.scoring import services as scoring

    keys = ("name", "field", "op", "value", "points")
    for values in DEMO_SCORING:
        scoring.save_rule(users["admin"], None, dict(zip(keys, values, strict=True)))

    owners = [users[u] for u, _display, role, _team in USERS if role == "Sales rep"]
    statuses = ["new", "new", "contacted", "qualified", "qualified", "disqualified"]
    for index, (name, company, source) in enumerate(DEMO_LEADS):
        status = statuses[index % len(statuses)]
        leads.create_lead(
            owners[index % len(owners)],
            {
                "name": name, "company_name": company, "source": source, "status": status,
                "disqualify_reason": "没有预算" if status == "disqualified" else "",
                "email": f"lead{index}@{'qq.com' if index % 3 == 0 else 'example.com'}",
                "next_step": rng.choice(["电话回访", ""]),
            },
        )  # fmt: skip


DEMO_PRODUCTS = [
    ("KH-STD", "CRM licence, per user per year", "客户管理系统年度许可", "user", "1200.00", "6"),
    ("KH-IMPL", "Implementation and data migration", "实施与数据迁移服务", "day", "3000.00", "6"),
    ("KH-TRAIN", "On-site training", "现场培训", "day", "2500.00", "6"),
    ("HW-SCAN", "Barcode scanner", "条码扫描枪", "pcs", "680.00", "13"),
    ("HW-PAD", "Sales tablet", "销售平板电脑", "pcs", "3299.00", "13"),
]  # fmt: skip


def _add_quotes(rng: random.Random, users: dict) -> int:
    """A small catalogue with a volume price list, and quotes in every state on open deals."""
    from kehu.sales.catalog import services as catalog
    from kehu.sales.models import Deal
    from kehu.sales.quotes import services as quotes

    admin = users["admin"]
    products = [
        catalog.save_product(
            admin,
            None,
            {
                "sku": sku,
                "name": name,
                "name_zh": name_zh,
                "unit": unit,
                "price": price,
                "tax_rate": tax,
            },
        )  # fmt: skip
        for sku, name, name_zh, unit, price, tax in DEMO_PRODUCTS
    ]
    licence, implementation, training, scanner, tablet = products
    catalog.save_price_list(
        admin, None, {"name": "批量价 Volume prices", "currency": "CNY"},
        [{"product": licence.pk, "min_quantity": "50", "unit_price": "1080.00"},
         {"product": licence.pk, "min_quantity": "200", "unit_price": "960.00"},
         {"product": scanner.pk, "min_quantity": "20", "unit_price": "620.00"}],
    )  # fmt: skip
    partner = Tag.objects.get(name="Partner")
    catalog.save_price_list(
        admin, None, {"name": "合作伙伴价 Partner prices", "currency": "CNY",
                      "customer_tag": partner.pk},
        [{"product": licence.pk, "min_quantity": "1", "unit_price": "900.00"}],
    )  # fmt: skip
    catalog.save_price_list(
        admin, None, {"name": "US list prices", "currency": "USD"},
        [{"product": licence.pk, "min_quantity": "1", "unit_price": "180.00"},
         {"product": implementation.pk, "min_quantity": "1", "unit_price": "450.00"}],
    )  # fmt: skip
    deals = Deal.objects.filter(closed_at__isnull=True, currency="CNY").select_related("owner")
    made = 0
    for index, deal in enumerate(deals.order_by("id")[:12]):
        lines = [
            {"product": licence.pk, "quantity": str(rng.choice([20, 50, 120, 250])),
             "discount_percent": rng.choice(["", "5", "10"])},
            {"product": implementation.pk, "quantity": str(rng.randint(3, 15))},
        ]  # fmt: skip
        if index % 3 == 0:
            lines.append({"product": rng.choice([scanner, tablet, training]).pk, "quantity": "5"})
        quote = quotes.create_quote(
            deal.owner,
            {"deal": deal.pk, "lines": lines, "terms": "单价不含税，税额另列；有效期 30 天。"},
        )
        made += 1
        step = index % 4
        if step >= 1:
            quote = quotes.send_quote(deal.owner, quote)
        if step == 2:
            quotes.accept_quote(deal.owner, quote, "客户已签字回传")
        elif step == 3:
            rejected = quotes.reject_quote(deal.owner, quote, "价格偏高")
            quotes.revise_quote(deal.owner, rejected)
            made += 1
    return made
