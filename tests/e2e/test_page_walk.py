"""The walk through every main page (issue 14, "done when"): on a desktop (1440×900) and on a
phone (390×844), in English and in Chinese, each page opens, does not scroll sideways, axe-core
finds no serious or critical accessibility problem, and a Chinese page shows no English words
the catalogue should have translated.

One browser context per language and screen, one login each. axe runs on every other page per
language, the other half on the other screen, so every page is checked by axe in both
languages and each walk of ~45 pages stays under a minute. A page that fails is saved as a
screenshot in KEHU_E2E_ARTIFACTS (default /tmp/kehu-e2e-artifacts), whose path the failure
message prints.

The untranslated-English check reads the visible text (and placeholders) of a rendered page:
any word of three or more Latin letters that is not in ALLOWED is reported. The data seeded
below is Chinese (names, companies, products), so only interface words can trip it.
"""

import datetime
import os
import re
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.activities import services as activity_services
from kehu.analytics.goals import services as goals
from kehu.sales.catalog import services as catalog
from kehu.sales.leads import services as leads
from kehu.sales.models import Order
from kehu.sales.quotes import services as quotes
from tests.cli_support import ON_POSTGRES
from tests.e2e.accessibility import serious_violations
from tests.e2e.helpers import TIMEOUT_MS
from tests.factories import PASSWORD, make_company, make_deal, make_person, make_team, make_user

ARTIFACTS = Path(os.environ.get("KEHU_E2E_ARTIFACTS") or "/tmp/kehu-e2e-artifacts")  # noqa: S108
SCREENS = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}

#: whether the page scrolls sideways (and the element that sticks out furthest on the right,
#: to say which one), or a table is wider than the screen inside a box that scrolls
OVERFLOW = """() => {
  const width = window.innerWidth;
  const out = document.documentElement.scrollWidth;
  const tables = [...document.querySelectorAll("table")].filter(
    (t) => t.getBoundingClientRect().right > width + 1);
  if (tables.length) return `table ${tables[0].className}: ${tables[0].textContent.slice(0, 60)}`;
  if (out <= width) return null;
  let worst = null;
  for (const el of document.querySelectorAll("body *")) {
    const right = el.getBoundingClientRect().right;
    if (right > width + 1 && (!worst || right > worst.right)) worst = {right, el};
  }
  const what = worst ? `${worst.el.tagName}.${worst.el.className}` : "?";
  return `page is ${out}px wide, ${what} sticks out`;
}"""

#: Latin words a Chinese page may show: names, brands, formats, codes and units, not interface
ALLOWED = {
    "Kehu", "API", "CSV", "XLSX", "Excel", "PDF", "URL", "SKU", "CNY", "USD", "EUR", "HKD",
    "JPY", "GBP", "UTC", "CSAT", "NPS", "SLA", "ROI", "RFM", "CRM", "vCard", "iCalendar", "ics",
    "ETag",
    "English",  # the language switch names each language in its own words
    "Token", "Bearer", "JSON", "IMAP", "SMTP", "HTTP", "HTTPS", "Webhook", "pcs", "REST",
    "Markdown", "UTF", "GBK", "Big", "Windows", "xlsx", "eml", "JPEG", "PNG", "SVG", "WPS",
}  # fmt: skip
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
#: what a page shows that is data, not interface: email addresses, web addresses, file names
DATA_TOKENS = re.compile(r"\S+@\S+|\w+://\S+|\S+\.(?:csv|xlsx|pdf|ics|vcf)\b", re.IGNORECASE)

VISIBLE_TEXT = """() => {
  const skip = "script, style, noscript, code, kbd, pre, svg, select, [translate=no]";
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const element = node.parentElement;
    if (!element || element.closest(skip) || !node.textContent.trim()) continue;
    if (!element.checkVisibility({ visibilityProperty: true })) continue;
    texts.push(node.textContent);
  }
  for (const field of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    if (field.checkVisibility()) texts.push(field.placeholder);
  }
  return texts.join("\\n");
}"""


def sign_in(page, username: str) -> None:
    """The login form in whatever language the browser asks for."""
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").first.click()
    page.wait_for_url(lambda url: "/login/" not in url)


def untranslated_words(text: str) -> list[str]:
    words = LATIN_WORD.findall(DATA_TOKENS.sub(" ", text))
    return sorted({w for w in words if w not in ALLOWED})


def seed() -> dict[str, str]:
    """Records of every kind the walk opens (Chinese names), and the detail pages' addresses."""
    team = make_team("华东大区")
    admin_en = make_user("wu.yi", role="Administrator", team=team, language="en")
    admin_en.first_name = "王小明"
    admin_en.save(update_fields=["first_name"])
    make_user("li.na", role="Administrator", team=team, language="zh-hans", first_name="李娜")
    company = make_company(admin_en, "上海云海科技有限公司", city="上海")
    person = make_person(
        admin_en,
        "张伟",
        company=company.pk,
        title="华东区大客户采购部总经理",
        phone="02168889999",
        email="zhang.wei.with.a.rather.long.address@example-company.com.cn",
    )
    make_person(admin_en, "张伟", company=company.pk, phone="13912345678")  # a duplicate
    deal = make_deal(admin_en, "云海 2027 年框架协议", company=company.pk, amount="120000")
    lead = leads.create_lead(
        admin_en, {"name": "陈静", "company_name": "杭州明湖贸易有限公司", "source": "web"}
    )
    product = catalog.save_product(
        admin_en,
        None,
        {"sku": "YH001", "name": "客户管理系统年度许可", "unit": "年", "price": "1200.00",
         "tax_rate": "6"},
    )  # fmt: skip
    quote = quotes.create_quote(
        admin_en, {"deal": deal.pk, "lines": [{"product": product.pk, "quantity": "20"}]}
    )
    accepted = quotes.create_quote(
        admin_en, {"deal": deal.pk, "lines": [{"product": product.pk, "quantity": "5"}]}
    )
    quotes.accept_quote(admin_en, accepted, "客户已签字")
    order = Order.objects.get(quote=accepted)
    activity = activity_services.log_activity(
        admin_en,
        person,
        "task",
        {"subject": "电话回访张伟", "due_at": timezone.now() + datetime.timedelta(hours=2)},
    )
    goal = goals.create_goal(admin_en, {"metric": "revenue_won", "user": admin_en.pk,
                                        "period": "month", "start": timezone.localdate(),
                                        "target": "100000"})  # fmt: skip
    return {
        "dashboard (customising)": reverse("home") + "?edit=1",
        "goal": reverse("goal-detail", args=[goal.pk]),
        "person": person.get_absolute_url(),
        "company": company.get_absolute_url(),
        "deal": deal.get_absolute_url(),
        "lead": lead.get_absolute_url(),
        "quote": quote.get_absolute_url(),
        "quote-edit": reverse("quote-edit", args=[quote.pk]),
        "order": order.get_absolute_url(),
        "activity": activity.get_absolute_url(),
    }


LIST_PAGES = [
    "home", "my-day", "person-list", "company-list", "lead-list", "deal-list", "deal-board",
    "my-pipeline", "deal-forecast", "quote-list", "order-list", "product-list",
    "price-list-list", "calendar", "activity-quick-add", "notification-list", "recycle-bin",
    "duplicates-person", "import-start", "mail-review", "profile", "token-list",
    "user-list", "team-list", "role-list", "customfield-list", "pipeline-list",
    "exchange-rates", "seller-settings", "assignment-rule-list", "email-template-list",
    "scoring-settings", "lost-reason-settings", "person-create", "deal-create", "help-index",
    "feedback-list", "feedback-create", "goal-list", "goal-new", "adoption", "roi",
]  # fmt: skip


#: the PostgreSQL run walks the desktop size only: what the phone walk adds (layout at 390 px)
#: does not depend on the database, and the SQLite run walks both
WALKED = [
    pytest.param(
        screen,
        marks=pytest.mark.skipif(
            screen == "phone" and ON_POSTGRES, reason="layout: the SQLite run walks the phone"
        ),
    )
    for screen in SCREENS
]


@pytest.mark.parametrize("screen", WALKED)
def test_every_main_page_fits_is_accessible_and_speaks_the_readers_language(
    browser, site, server_errors, screen
):
    details = seed()
    addresses = [reverse(name) for name in LIST_PAGES] + list(details.values())
    problems: list[str] = []
    timings: dict[str, float] = {"pages": 0.0, "axe": 0.0, "words": 0.0}
    for turn, (username, language) in enumerate((("wu.yi", "en"), ("li.na", "zh-hans"))):
        context = browser.new_context(
            base_url=site, locale=language, service_workers="block", **SCREENS[screen]
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        script_errors: list[str] = []
        page.on("pageerror", lambda exc, errors=script_errors: errors.append(str(exc)))
        sign_in(page, username)
        for index, address in enumerate(addresses):
            found = []
            started = time.monotonic()
            response = page.goto(address)
            if response is None or response.status != 200:
                found.append(f"answered {response.status if response else 'nothing'}")
            checked = time.monotonic()
            timings["pages"] += checked - started
            wide = page.evaluate(OVERFLOW)
            if wide:
                found.append(f"scrolls sideways: {wide}")
            # axe once per page and screen: every other page in each language, the other
            # half on the other screen, so each page is checked in both languages
            if index % 2 == (turn + (screen == "phone")) % 2:
                found += serious_violations(page)
            timings["axe"] += time.monotonic() - checked
            if language != "en":
                checked = time.monotonic()
                words = untranslated_words(page.evaluate(VISIBLE_TEXT))
                timings["words"] += time.monotonic() - checked
                if words:
                    found.append("untranslated English: " + ", ".join(words))
            found += [f"JavaScript error: {e}" for e in script_errors]
            script_errors.clear()
            if found:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                name = address.strip("/").replace("/", "_") or "home"
                shot = ARTIFACTS / f"{screen}-{language}-{name}.png"
                page.screenshot(path=str(shot), full_page=True)
                problems += [f"[{screen} {language}] {address}: {line}" for line in found]
        context.close()
    print({k: round(v, 1) for k, v in timings.items()})
    assert len(addresses) >= 40, "the walk should cover every main page"
    assert not problems, f"screenshots in {ARTIFACTS}\n" + "\n".join(problems)
