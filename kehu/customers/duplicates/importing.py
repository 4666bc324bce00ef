"""Rows of an import that look like records the importing user can already see, reported (not
skipped: the same email or phone already skips a row, see imports/rows.py `find_duplicates`).

One indexed query per batch, so the bulk writer keeps its pace: people whose name (as written,
or in simplified characters) is already used at the same company; companies whose name, once
legal form and city are set aside, is that of a visible company written with one of the common
legal forms (上海星辰科技有限公司 in the file, 星辰科技股份有限公司 in Kehu).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Min, Q

from kehu.core.simplified import to_simplified
from kehu.customers.duplicates import matching
from kehu.customers.models import Company, Person

#: how a company is commonly written around its key; the batch query asks for these names
COMMON_FORMS = ("{}", "{}有限公司", "{}股份有限公司", "{}有限责任公司", "{}集团", "{} Co., Ltd.",
                "{} Inc.")  # fmt: skip
CHUNK = 500


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def find_look_alikes(user: Any, rows: list[Any], entity: str) -> list[dict[str, Any]]:
    """[{line, id, name, reasons}] for the rows of a batch (without errors) that look like a
    visible live record."""
    rows = [row for row in rows if not row.errors and row.values.get("name")]
    if not rows or entity not in ("person", "company"):
        return []
    if entity == "person":
        return _people(user, rows)
    return _companies(user, rows)


def _people(user: Any, rows: list[Any]) -> list[dict[str, Any]]:
    rows = [row for row in rows if row.company_name]
    if not rows:
        return []
    # the companies first (by their name index), then each (company, name) pair the batch
    # the company each row will be linked to: the oldest visible one of its name, as the
    # bulk writer picks it (imports/writing.py `companies_for`)
    company_ids: dict[str, list[int]] = {}
    for chunk in _chunks(sorted({row.company_name for row in rows})):
        oldest = (
            Company.objects.visible_to(user)
            .filter(name__in=chunk)
            .order_by()
            .values("name")
            .annotate(first=Min("id"))
            .values_list("name", "first")
        )
        for name, pk in oldest:
            company_ids[name] = [pk]
    wanted: dict[int, set[str]] = {}
    for row in rows:
        for company_id in company_ids.get(row.company_name, ()):
            names = wanted.setdefault(company_id, set())
            names.update((row.values["name"], to_simplified(row.values["name"])))
    names_of = {pk: name for name, pks in company_ids.items() for pk in pks}
    found: dict[tuple[str, str], list[tuple[int, str]]] = {}
    companies = sorted(wanted)
    for start in range(0, len(companies), 100):
        # one term per company, each answered by the (company, name, id) index
        condition = Q()
        for company_id in companies[start : start + 100]:
            condition |= Q(company_id=company_id, name__in=sorted(wanted[company_id]))
        people = Person.objects.visible_to(user).filter(condition)
        for pk, name, company_id in people.values_list("pk", "name", "company_id"):
            found.setdefault((matching.name_key(name), names_of[company_id]), []).append((pk, name))
    report = []
    for row in rows:
        for pk, name in found.get((matching.name_key(row.values["name"]), row.company_name), [])[
            :1
        ]:
            report.append(_entry(row, pk, name, "same_name_same_company"))
    return report


def _companies(user: Any, rows: list[Any]) -> list[dict[str, Any]]:
    keys = {
        matching.company_key(row.values["name"], strip_industry)
        for row in rows
        for strip_industry in (True, False)
    } - {""}
    names = {form.format(key) for key in keys for form in COMMON_FORMS}
    names |= {row.values["name"] for row in rows}
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(sorted(names)):
        for pk, name in (
            Company.objects.visible_to(user).filter(name__in=chunk).values_list("pk", "name")
        ):
            found.setdefault(matching.company_key(name), (pk, name))
    report = []
    for row in rows:
        hit = found.get(matching.company_key(row.values["name"]))
        if hit:
            report.append(_entry(row, hit[0], hit[1], "same_company_name"))
    return report


def _entry(row: Any, pk: int, name: str, reason: str) -> dict[str, Any]:
    return {"line": row.line, "id": pk, "name": name, "reasons": [reason]}
