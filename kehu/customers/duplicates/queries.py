"""Reading the duplicates queue and looking up likely duplicates of one record, always through
the user's visibility: a pair is shown only when the user can see both of its records, and a
warning names only records the user can see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Lower

from kehu.accounts.models import User
from kehu.core import search
from kehu.customers.duplicates import matching
from kehu.customers.duplicates.models import DuplicatePair, DuplicateScan
from kehu.customers.models import Company, Person

#: how many people of one company a warning compares names with
COMPANY_PEOPLE_CAP = 2000
WARNING_LIMIT = 10


def visible_pairs(user: User, kind: str, dismissed: bool = False) -> QuerySet[DuplicatePair]:
    """The pairs of `kind` whose two records `user` can see, best first."""
    model = Person if kind == "person" else Company
    visible = model.objects.visible_to(user).values("pk")
    pairs = DuplicatePair.objects.filter(
        kind=kind,
        dismissed_at__isnull=not dismissed,
        **{f"{kind}_a__in": visible, f"{kind}_b__in": visible},
    )
    return pairs.select_related(f"{kind}_a", f"{kind}_b")


def visible_pair(user: User, pk: Any) -> DuplicatePair | None:
    """One pair, open or dismissed, if the user can see both records."""
    try:
        pair = DuplicatePair.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        return None
    if pair is None:
        return None
    model = Person if pair.kind == "person" else Company
    ids = [pk for pk in (pair.first_id, pair.second_id) if pk is not None]
    if model.objects.visible_to(user).filter(pk__in=ids).count() != 2:
        return None
    return pair


def latest_scan() -> DuplicateScan | None:
    return DuplicateScan.objects.order_by("-created_at", "-id").first()


def likely_people(
    user: User, data: dict[str, Any], exclude: Any = None
) -> list[tuple[Person, matching.Match]]:
    """People `user` can see who look like the person `data` describes (form or API values:
    name, email, phone as stored, company id), best first."""
    facts = matching.PersonFacts(
        None,
        str(data.get("name") or ""),
        str(data.get("email") or ""),
        str(data.get("phone") or ""),
        _int_or_none(data.get("company")),
    )
    people = Person.objects.visible_to(user).select_related("company")
    if exclude:
        people = people.exclude(pk=exclude)
    candidates: dict[int, Person] = {}
    if facts.email:
        by_email = people.annotate(email_lower=Lower("email")).filter(
            email_lower=facts.email.lower()
        )
        candidates.update((p.pk, p) for p in by_email.order_by("pk")[:WARNING_LIMIT])
    if facts.phone:
        candidates.update(
            (p.pk, p) for p in people.filter(phone=facts.phone).order_by("pk")[:WARNING_LIMIT]
        )
    if facts.company_id and facts.name:
        colleagues = people.filter(company_id=facts.company_id).order_by("name", "id")
        candidates.update((p.pk, p) for p in colleagues[:COMPANY_PEOPLE_CAP])
    return _best(
        candidates.values(),
        lambda p: matching.match_people(
            facts, matching.PersonFacts(p.pk, p.name, p.email, p.phone, p.company_id)
        ),
    )


def likely_companies(
    user: User, data: dict[str, Any], exclude: Any = None
) -> list[tuple[Company, matching.Match]]:
    """Companies `user` can see that look like the company `data` describes."""
    facts = matching.CompanyFacts(
        None,
        str(data.get("name") or ""),
        str(data.get("email") or ""),
        str(data.get("phone") or ""),
        str(data.get("website") or ""),
    )
    companies = Company.objects.visible_to(user)
    if exclude:
        companies = companies.exclude(pk=exclude)
    candidates: dict[int, Company] = {}
    key = matching.company_key(facts.name)
    if key:
        found = search.search(companies, key, cap=200)
        candidates.update((c.pk, c) for c in found[:200])
    for field in ("email", "phone"):
        value = getattr(facts, field)
        if value:
            candidates.update(
                (c.pk, c) for c in companies.filter(**{field: value}).order_by("pk")[:WARNING_LIMIT]
            )
    return _best(
        candidates.values(),
        lambda c: matching.match_companies(
            facts, matching.CompanyFacts(c.pk, c.name, c.email, c.phone, c.website)
        ),
    )


def _best(records: Any, rule: Any) -> list[Any]:
    scored = [(record, rule(record)) for record in records]
    likely = [(r, m) for r, m in scored if m.likely]
    likely.sort(key=lambda pair: (-pair[1].score, pair[0].pk))
    return likely[:WARNING_LIMIT]


def _int_or_none(value: Any) -> int | None:
    if hasattr(value, "pk"):
        return int(value.pk)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def merges_into(kind: str, survivor_id: int, limit: int = 5) -> list[Any]:
    """The latest merges into a record that are not undone (its page offers to undo them)."""
    from kehu.customers.duplicates.models import Merge

    merges = Merge.objects.filter(kind=kind, survivor_id=survivor_id, undone_at__isnull=True)
    return list(merges.select_related("merged_by").order_by("-merged_at", "-id")[:limit])


def merged_into(record: Any) -> list[Any] | None:
    """[id, name] of the record a binned record was merged into, if that is why it is binned."""
    from kehu.core import audit

    last = audit.history(record).filter(action__in=["merge", "delete", "restore"]).first()
    if last is None or last.action != "merge":
        return None
    found: list[Any] | None = last.changes.get("_merged_into")
    return found
