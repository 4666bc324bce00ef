"""Writing one batch of good import rows fast: people or companies with their new companies,
tag links and one audit entry each, in a few multi-row statements (`core/bulk_write.py`),
and the batch's `<entity>.imported` event. `running.py` calls it once per batch, inside the
batch's transaction."""

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Min
from django.utils import timezone

from kehu.core import events
from kehu.core.bulk_write import Inserter
from kehu.core.models import AuditEntry
from kehu.core.sort_keys import name_sort_key
from kehu.customers import services
from kehu.customers.imports.mapping import model_for
from kehu.customers.imports.models import ImportJob
from kehu.customers.imports.rows import Row
from kehu.customers.models import Company, Person, Tag

# -- search documents ---------------------------------------------------------------------------


def person_document(values: dict[str, Any], company_name: str) -> str:
    get = values.get
    return services.person_search_text(get("name", ""), get("email", ""), get("phone", ""),
                                       company_name)  # fmt: skip


def company_document(values: dict[str, Any]) -> str:
    get = values.get
    return services.company_search_text(get("name", ""), get("email", ""), get("website", ""),
                                        get("phone", ""))  # fmt: skip


# -- writing ------------------------------------------------------------------------------------


class BatchWriter:
    """Writes the good rows of one batch, with companies, tags and audit entries."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.user = job.user
        self.model = model_for(job.entity)
        self.content_type_id = ContentType.objects.get_for_model(self.model).pk
        self.company_type_id = ContentType.objects.get_for_model(Company).pk
        self.tag_ids: dict[str, int] = {}
        self.company_ids: dict[str, int] = {}
        self._pending: tuple[dict[str, int], dict[str, int]] | None = None
        self._announce: list[tuple[str, list[int]]] = []
        skip = ("deleted_at", "deleted_by_id")
        self.records = Inserter(self.model, skip)
        self.companies = self.records if self.model is Company else Inserter(Company, skip)
        self.links = Inserter(self.model.tags.through)
        self.audits = Inserter(AuditEntry)

    def companies_for(self, names: set[str]) -> tuple[dict[str, int], set[str]]:
        """Ids of visible companies with these exact names, and the names not found."""
        found = {n: self.company_ids[n] for n in names if n in self.company_ids}
        wanted = names - set(found)
        if wanted:
            rows = (  # the oldest company of a name wins; one row per name, however many
                Company.objects.visible_to(self.user)
                .filter(name__in=wanted)
                .order_by()
                .values("name")
                .annotate(first=Min("id"))
                .values_list("name", "first")
            )
            found.update(dict(rows))
        return found, names - set(found)

    def _tags_for(self, names: set[str]) -> dict[str, int]:
        ids = {n: self.tag_ids[n] for n in names if n in self.tag_ids}
        wanted = names - set(ids)
        if wanted:
            ids.update(dict(Tag.objects.filter(name__in=wanted).values_list("name", "id")))
            missing = wanted - set(ids)
            if missing:
                Tag.objects.bulk_create([Tag(name=n) for n in missing], ignore_conflicts=True)
                ids.update(dict(Tag.objects.filter(name__in=missing).values_list("name", "id")))
        return ids

    def write(self, rows: list[Row]) -> tuple[int, int]:
        """Create records for `rows` (all valid); returns (records, companies created).
        Call inside a transaction."""
        self._announce = []
        if not rows:
            return 0, 0
        now = timezone.now()
        user_id = self.user.pk
        audits = []
        company_ids: dict[str, int] = {}
        created_companies = 0
        base = {"created_by_id": user_id, "created_at": now, "updated_at": now, "version": 1}
        same_audit = {"action": AuditEntry.Action.IMPORT.value, "actor_id": user_id, "at": now}
        is_person = self.model is Person
        if is_person:
            names = {r.company_name for r in rows if r.company_name}
            company_ids, unknown = self.companies_for(names)
            missing = sorted(unknown)
            if missing:
                new_ids = self.companies.insert(
                    [
                        {
                            "name": n,
                            "search_text": company_document({"name": n}),
                            "name_sort_key": name_sort_key(n),
                        }
                        for n in missing
                    ],
                    returning=True,
                    same={**base, "owner_id": user_id, "custom": {}},
                )
                created_companies = len(new_ids)
                for name, pk in zip(missing, new_ids, strict=True):
                    company_ids[name] = pk
                    audits.append(self._audit(pk, self.company_type_id, now, {"name": name}))
        values = []
        for row in rows:
            record = {**row.values, "custom": row.custom, "owner_id": row.owner_id}
            if is_person:
                record["company_id"] = company_ids.get(row.company_name)
                record["search_text"] = person_document(row.values, row.company_name)
            else:
                record["search_text"] = company_document(row.values)
            record["name_sort_key"] = name_sort_key(row.values.get("name", ""), person=is_person)
            values.append(record)
        ids = self.records.insert(values, returning=True, same=base)
        tag_ids = self._tags_for({name for r in rows for name in r.tags})
        link_field = "person_id" if is_person else "company_id"
        links = [
            {link_field: pk, "tag_id": tag_ids[name], "owner_id": row.owner_id}
            for pk, row in zip(ids, rows, strict=True)
            for name in row.tags
        ]
        if links:
            self.links.insert(links)
        for pk, row in zip(ids, rows, strict=True):
            shown = {k: v for k, v in row.values.items() if v not in (None, "")}
            if row.company_name:
                shown["company"] = row.company_name
            if row.tags:
                shown["tags"] = ", ".join(sorted(row.tags))
            for key, value in row.custom.items():
                shown[f"custom.{key}"] = value
            if row.owner_name:
                shown["owner"] = row.owner_name
            audits.append(self._audit(pk, self.content_type_id, now, shown))
        self.audits.insert(audits, same=same_audit)
        self._pending = (tag_ids, company_ids)
        if is_person and created_companies:
            self._announce.append(("company.imported", list(new_ids)))
        self._announce.append((f"{self.job.entity}.imported", list(ids)))
        return len(ids), created_companies

    def announce(self) -> None:
        """Emit the batch events for what `write` created (see `core.events`: one
        `<entity>.imported` per committed batch, each new record in it exactly once, instead of
        a `<entity>.created` per record). Call inside the batch's transaction, last."""
        for event, ids in self._announce:
            events.emit(event, actor=self.user, job=self.job, ids=ids)
        self._announce = []

    def _audit(
        self, pk: int, content_type_id: int, now: datetime.datetime, shown: dict[str, Any]
    ) -> dict[str, Any]:
        changes: dict[str, Any] = {k: [None, _display(v)] for k, v in shown.items()}
        changes["_import"] = self.job.pk
        return {"content_type_id": content_type_id, "object_id": pk, "changes": changes}

    def committed(self) -> None:
        """Remember the batch's tags and companies once its transaction has committed."""
        if self._pending:
            if len(self.company_ids) > 100_000:
                self.company_ids.clear()
            self.tag_ids.update(self._pending[0])
            self.company_ids.update(self._pending[1])
        self._pending = None


def _display(value: object) -> object:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value
