"""What the demo's customers are made of: Chinese and English company names, people's names,
cities with their phone area codes, titles, sources and notes, and valid phone numbers."""

import random

import phonenumbers

from kehu.core import pinyin
from kehu.core.search import SURNAME_READINGS

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


def pinyin_of(name: str) -> list[str]:
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


def cn_mobile(rng: random.Random, used: set) -> str:
    def make():
        return f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99999999):08d}"

    return _phone(rng, used, make)


def cn_landline(rng: random.Random, used: set, city: str) -> str:
    area = CN_AREA.get(city, "21")

    def make():
        rest = rng.choice([7, 7, 6])  # local numbers have 8 digits, in a few cities 7
        return f"+86{area}{rng.randint(2, 8)}{rng.randint(0, 10**rest - 1):0{rest}d}"

    return _phone(rng, used, make)


def us_phone(rng: random.Random, used: set, city: str) -> str:
    area = US_AREA.get(city, "617")

    def make():
        return f"+1{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"

    return _phone(rng, used, make)


def chinese_names(rng: random.Random, n: int) -> list[str]:
    names = list(FAMOUS_CHINESE)
    seen = set(names)
    while len(names) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        if name not in seen:
            seen.add(name)
            names.append(name)
    names.append("张伟")  # the most common name in China: a second one, at another company
    return names


def english_names(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
