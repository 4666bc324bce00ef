# mypy: disable-error-code="union-attr"
"""The demo's sales: two pipelines with deals (one in a foreign currency), leads in every state
scored by a few rules, a small catalogue with price lists, and quotes in every state."""

import datetime
import random

import time_machine
from django.utils import timezone

from kehu.customers.models import Tag
from kehu.demo.accounts import USERS, users_by_id
from kehu.sales.catalog import services as catalog
from kehu.sales.deals import services as sales
from kehu.sales.leads import services as leads
from kehu.sales.models import Deal, Pipeline
from kehu.sales.quotes import services as quotes
from kehu.sales.scoring import services as scoring

DEAL_SUBJECTS_ZH = ["年度框架协议", "云服务采购", "设备更新", "培训项目", "系统集成", "续约"]
DEAL_SUBJECTS_EN = ["Annual licence", "Cloud migration", "Hardware refresh", "Training",
                    "Integration project", "Renewal"]  # fmt: skip
LOST_REASONS = ["价格太高", "选了竞争对手", "预算取消", "Chose a competitor", "No budget"]


def add_deals(rng: random.Random, users: dict, companies: list) -> int:
    """Deals in two pipelines (and one foreign currency), so the board and totals look real."""
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
            "amount": str(rng.randrange(20, 300) * 500),  # as the history's: 10,000–150,000
            "currency": "CNY" if chinese else rng.choice(["USD", "CNY"]),
            "expected_close": today + datetime.timedelta(days=rng.randint(5, 120)),
            "next_step": rng.choice(["电话回访", "发送报价", "Demo", "Send contract", ""]),
            "next_step_due": due,
        }
        # opened some weeks ago and moved since, so that this month's wins have a real sales
        # cycle on the dashboards instead of one afternoon
        now = timezone.now()
        opened = now - datetime.timedelta(days=rng.randint(7, 75), hours=rng.randint(0, 8))
        with time_machine.travel(opened, tick=False):
            deal = sales.create_deal(owner, data)
        if stage != deal.stage:
            reason = rng.choice(LOST_REASONS) if stage.kind == "lost" else None
            with time_machine.travel(opened + (now - opened) * rng.uniform(0.3, 0.95), tick=False):
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


def add_leads(rng: random.Random, users: dict) -> None:
    """Leads in every state, so the list and conversion can be tried at once; scored by a
    few rules, so the list sorts by score."""
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


def add_quotes(rng: random.Random, users: dict) -> int:
    """A small catalogue with a volume price list, and quotes in every state on open deals."""
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
