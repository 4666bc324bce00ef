"""The background scan that fills the duplicates queue, without comparing every pair.

Records are grouped by blocking keys, and only records sharing a key are compared by the
rules in `matching` (docs/decisions/0022-duplicate-blocking-and-undo.md):
- people: lower-cased email; E.164 phone; and, within one company, simplified name and
  pinyin key (a company's people are read together from the (company, name, id) index);
- companies: the name without legal form or city (`company_key`), its pinyin, email, phone
  and website host.
A block of up to BLOCK_ALL records is compared pair by pair; a larger one only within a window
of its neighbours in name order, so one block never costs more than WINDOW comparisons per
record; a key more than BLOCK_MAX records share (a switchboard, a generic name) tells nothing
apart and is left out (block purging), the records' other keys still count.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone

from kehu.customers.duplicates import matching
from kehu.customers.duplicates.models import DuplicatePair, DuplicateScan
from kehu.customers.models import Company, Person

BLOCK_ALL = 30
WINDOW = 4
BLOCK_MAX = 200
CHUNK = 20_000
Pairs = dict[tuple[int, int], matching.Match]


def _block_pairs(ids: list[int], order: Callable[[int], Any]) -> Iterator[tuple[int, int]]:
    """The pairs of one block worth comparing (lower id first)."""
    if len(ids) <= BLOCK_ALL:
        candidates: Iterable[tuple[int, int]] = itertools.combinations(ids, 2)
    else:
        ordered = sorted(ids, key=order)
        candidates = (
            (ordered[i], ordered[j])
            for i in range(len(ordered))
            for j in range(i + 1, min(i + 1 + WINDOW, len(ordered)))
        )
    for a, b in candidates:
        yield (a, b) if a < b else (b, a)


def _compare(
    blocks: Iterable[list[int]],
    facts: dict[int, Any],
    rule: Callable[[Any, Any], matching.Match],
    found: Pairs,
) -> None:
    for ids in blocks:
        if len(ids) < 2 or len(ids) > BLOCK_MAX:
            continue
        for a, b in _block_pairs(ids, lambda pk: (facts[pk].name, pk)):
            if (a, b) in found:
                continue
            match = rule(facts[a], facts[b])
            if match.likely:
                found[(a, b)] = match


def _shared(queryset: Any, field: str) -> list[str]:
    """Values of `field` that more than one live record holds (one grouped query)."""
    return list(
        queryset.exclude(**{field: ""})
        .values(field)
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list(field, flat=True)
    )


def _person_facts(rows: Iterable[tuple[Any, ...]]) -> dict[int, matching.PersonFacts]:
    return {
        pk: matching.PersonFacts(pk, name, email, phone, company_id)
        for pk, name, email, phone, company_id in rows
    }


COLUMNS = ("id", "name", "email", "phone", "company_id")


def scan_people(progress: Callable[[int], None] = lambda done: None) -> Pairs:
    """Likely duplicate people, by email, phone, and name within a company."""
    found: Pairs = {}
    people = Person.objects.order_by()
    # email and phone: the shared values come from grouped queries over their indexes
    emails = people.annotate(email_lower=Lower("email"))
    for field, queryset in (("email_lower", emails), ("phone", people)):
        values = _shared(queryset, field)
        blocks: dict[str, list[int]] = defaultdict(list)
        facts: dict[int, matching.PersonFacts] = {}
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            rows = queryset.filter(**{f"{field}__in": chunk}).values_list(*COLUMNS, field)
            for *row, key in rows:
                facts.update(_person_facts([tuple(row)]))
                blocks[key].append(row[0])
        _compare(blocks.values(), facts, matching.match_people, found)
    # names: each company's people, read in company order, compared by name keys
    rows = people.filter(company__isnull=False).order_by("company", "name", "id")
    done = 0
    for _company, group in itertools.groupby(
        rows.values_list(*COLUMNS).iterator(chunk_size=CHUNK), key=lambda row: row[4]
    ):
        members = list(group)
        done += len(members)
        if done // CHUNK != (done - len(members)) // CHUNK:
            progress(done)
        if len(members) < 2:
            continue
        facts = _person_facts(members)
        if len(members) <= BLOCK_ALL:
            _compare([list(facts)], facts, matching.match_people, found)
            continue
        keyed: dict[str, list[int]] = defaultdict(list)
        for pk, person in facts.items():
            keyed["n:" + matching.name_key(person.name)].append(pk)
            keyed["p:" + matching.pinyin_key(person.name)].append(pk)
        _compare(keyed.values(), facts, matching.match_people, found)
    progress(done)
    return found


def scan_companies(progress: Callable[[int], None] = lambda done: None) -> Pairs:
    """Likely duplicate companies, by name key, its pinyin, email, phone and website."""
    facts: dict[int, matching.CompanyFacts] = {}
    blocks: dict[str, list[int]] = defaultdict(list)
    rows = Company.objects.order_by().values_list("id", "name", "email", "phone", "website")
    for count, (pk, name, email, phone, website) in enumerate(rows.iterator(chunk_size=CHUNK), 1):
        company = matching.CompanyFacts(pk, name, email, phone, website)
        facts[pk] = company
        key = matching.company_key(name)
        if key:
            blocks["n:" + key].append(pk)
            blocks["p:" + matching.pinyin_key(key, False)].append(pk)
        if email:
            blocks["e:" + email.lower()].append(pk)
        if phone:
            blocks["t:" + phone].append(pk)
        site = matching.website_key(website)
        if site:
            blocks["w:" + site].append(pk)
        if count % CHUNK == 0:
            progress(count)
    found: Pairs = {}
    _compare(blocks.values(), facts, matching.match_companies, found)
    progress(len(facts))
    return found


def store_pairs(kind: str, found: Pairs) -> int:
    """Replace the open pairs of `kind` with `found`; dismissed pairs stay dismissed (their
    rows stand, and the unique pair constraint skips them). Returns the number stored."""
    first, second = f"{kind}_a_id", f"{kind}_b_id"
    now = timezone.now()
    rows = [
        DuplicatePair(
            kind=kind, **{first: a, second: b}, score=m.score, reasons=m.reasons, found_at=now
        )
        for (a, b), m in found.items()
    ]
    with transaction.atomic():
        DuplicatePair.objects.filter(kind=kind, dismissed_at__isnull=True).delete()
        DuplicatePair.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def run_scan(scan: DuplicateScan) -> DuplicateScan:
    """Scan people and companies, recording progress on `scan`."""
    total = Person.objects.order_by().count() + Company.objects.order_by().count()
    DuplicateScan.objects.filter(pk=scan.pk).update(status="running", total=total, done=0)
    base = 0

    def progress(done: int) -> None:
        DuplicateScan.objects.filter(pk=scan.pk).update(done=min(total, base + done))

    try:
        people = scan_people(progress)
        stored = store_pairs("person", people)
        base = Person.objects.order_by().count()
        companies = scan_companies(progress)
        stored += store_pairs("company", companies)
    except Exception as exc:
        DuplicateScan.objects.filter(pk=scan.pk).update(
            status="failed", error=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    DuplicateScan.objects.filter(pk=scan.pk).update(
        status="done", done=total, pairs_found=stored, finished_at=timezone.now()
    )
    scan.refresh_from_db()
    return scan
