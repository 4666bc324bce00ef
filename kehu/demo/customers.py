# mypy: disable-error-code="union-attr, var-annotated"
"""The demo's customers: companies and people planned from a seed (deterministic: the same seed
gives the same companies, people and phone numbers), tags, custom fields, and a history of
later edits spread over eighteen months."""

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core.models import AuditEntry
from kehu.customers import services
from kehu.customers.models import Company, CustomField, Person, Tag
from kehu.demo.accounts import users_by_id
from kehu.demo.names import (
    CHINESE_CITIES,
    CHINESE_COMPANIES,
    CHINESE_NOTES,
    CHINESE_SOURCES,
    CHINESE_TITLES,
    CN_AREA,
    ENGLISH_CITIES,
    ENGLISH_COMPANIES,
    ENGLISH_NOTES,
    ENGLISH_SOURCES,
    ENGLISH_TITLES,
    MAIL_PROVIDERS,
    chinese_names,
    cn_landline,
    cn_mobile,
    english_names,
    pinyin_of,
    us_phone,
)

SEED = 2025
TAGS = [("VIP", "#b91c1c"), ("潜在客户", "#0369a1"), ("Partner", "#15803d"),
        ("老客户", "#a16207"), ("Newsletter", "#6d28d9")]  # fmt: skip


@dataclass
class Plan:
    companies: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)


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
             "phone": cn_landline(rng, phones, city), "owner": rng.choice(east_owners),
             "tags": rng.sample(["VIP", "潜在客户", "Partner", "老客户"], rng.randint(0, 2)),
             "chinese": True, "domain": domain}
        )  # fmt: skip
    for name, city, industry, domain in ENGLISH_COMPANIES:
        plan.companies.append(
            {"name": name, "city": city, "industry": industry, "website": f"https://{domain}",
             "email": f"hello@{domain}", "phone": us_phone(rng, phones, city),
             "owner": rng.choice(na_owners + ["admin"]),
             "tags": rng.sample(["VIP", "Partner", "Newsletter"], rng.randint(0, 2)),
             "chinese": False, "domain": domain}
        )  # fmt: skip
    chinese_companies = [i for i, c in enumerate(plan.companies) if c["chinese"]]
    english_companies = [i for i, c in enumerate(plan.companies) if not c["chinese"]]

    for name in chinese_names(rng, 200):
        company = rng.choice(chinese_companies) if rng.random() < 0.85 else None
        owner = plan.companies[company]["owner"] if company is not None else rng.choice(east_owners)
        syllables = pinyin_of(name)
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

    for name in english_names(rng, 100):
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
        phone = cn_mobile(rng, phones) if rng.random() < 0.9 else ""
        if phone and rng.random() < 0.5:
            phone = f"{phone[3:6]} {phone[6:10]} {phone[10:]}"  # typed national-style
    else:
        phone = us_phone(rng, phones, city) if rng.random() < 0.8 else ""
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


def load(
    plan: Plan, users: dict[str, User], rng: random.Random, now, log
) -> tuple[list[Company], list[Person]]:
    """Tags, custom fields, the plan's companies and people (made by their owners), some later
    edits and spread dates."""
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
        people.append(services.create_person(owner, {**data, "owner": owner, "company": company}))
    log("  " + _("%(n)d people") % {"n": len(people)})
    _add_history(rng, users, people)
    _spread_dates(rng, now, companies + people)
    return companies, people


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
        changes: dict[str, Any] = {"custom": {**person.custom, "level": rng.choice(["A", "B"])}}
        if rng.random() < 0.5:
            changes["title"] = rng.choice(
                CHINESE_TITLES if person.city in CN_AREA else ENGLISH_TITLES
            )
        services.update_person(owner, person, changes, expected_version=person.version)


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
