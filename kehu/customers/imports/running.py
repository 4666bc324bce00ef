# mypy: disable-error-code="arg-type, assignment, return-value"
"""Importing people, companies (and what other apps register, e.g. leads) from CSV or XLSX
files, fast and resumably.

The file is streamed (never loaded whole), every row is validated with the same rules the
services apply, and good rows are written in batches: one transaction per batch holds the
records, their tag links, one audit entry each, the job's new position and the batch's
`<entity>.imported` event (`core.events`), so a crashed import resumes where the last
committed batch ended without writing or announcing anything twice.
`import_file(job)` runs a whole job without HTTP (the task and the benchmark call it).
"""

import contextlib
import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import events, leases, pinyin, visibility
from kehu.core.bulk_write import Inserter
from kehu.core.models import AuditEntry
from kehu.customers import services
from kehu.customers.imports import targets
from kehu.customers.imports.files import (
    FileProblem,
)
from kehu.customers.imports.mapping import model_for
from kehu.customers.imports.models import MAX_STORED_ERRORS, ImportJob
from kehu.customers.imports.rows import Row, RowReader, count_rows, data_rows, find_duplicates
from kehu.customers.models import Company, Person, Tag

BATCH_SIZE = 1000
# -- search documents ---------------------------------------------------------------------------


def person_document(values: dict, company_name: str) -> str:
    get = values.get
    return services.person_search_text(get("name", ""), get("email", ""), get("phone", ""),
                                       company_name)  # fmt: skip


def company_document(values: dict) -> str:
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
        self._pending = None
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
            company_ids, missing = self.companies_for(names)
            missing = sorted(missing)
            if missing:
                new_ids = self.companies.insert(
                    [{"name": n, "search_text": company_document({"name": n})} for n in missing],
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

    def _audit(self, pk: int, content_type_id: int, now, shown: dict) -> dict:
        changes = {k: [None, _display(v)] for k, v in shown.items()}
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


def _display(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


# -- running a job ------------------------------------------------------------------------------


def _record_errors(job: ImportJob, rows: list[Row]) -> None:
    for row in rows:
        job.error_count += 1
        if len(job.errors) < MAX_STORED_ERRORS:
            job.errors.append({"line": row.line, "reason": row.reason})


def process_batch(job: ImportJob, reader: RowReader, writer: BatchWriter, batch: list) -> None:
    """Validate and write one batch of (line, cells); commit it with the job's position and a
    renewed lease. Raises LostLease (and commits nothing) when the job is no longer ours: its
    lease ran out and another worker took it over, or it was stopped."""
    rows = [reader.read(line, cells) for line, cells in batch if any(c.strip() for c in cells)]
    find_duplicates(writer.model, job.user, rows, job.entity)
    good = [r for r in rows if not r.errors]
    bad = [r for r in rows if r.errors]
    with transaction.atomic():
        written, companies = writer.write(good)
        bad += [r for r in good if r.errors]  # refused while writing (leads, row by row)
        job.imported += written
        job.companies_created += companies
        job.skipped += len(bad)
        _record_errors(job, bad)
        job.processed += len(batch)
        job.position = batch[-1][0]
        leases.heartbeat(
            ImportJob.objects.filter(status=ImportJob.Status.RUNNING),
            job.pk,
            job.lease_token,
            imported=job.imported,
            companies_created=job.companies_created,
            skipped=job.skipped,
            errors=job.errors,
            error_count=job.error_count,
            processed=job.processed,
            position=job.position,
        )
        writer.announce()  # last: a subscriber that fails rolls the whole batch back
    writer.committed()


def _current_status(job: ImportJob) -> str:
    return ImportJob.objects.filter(pk=job.pk).values_list("status", flat=True).first()


def import_file(job: ImportJob, batch_size: int = BATCH_SIZE, max_batches: int | None = None,
                token: str | None = None) -> ImportJob:  # fmt: skip
    """Run (or resume) an import job to the end; returns the job.

    The job is leased first (`kehu.core.leases`): while a live worker holds it, another run
    returns at once, so two workers never import the same file together. Rows up to
    `job.position` were committed by an earlier run and are skipped. `max_batches` stops
    early, leaving the job running with its lease given up, as a worker that died leaves it
    once its lease has run out: that is how tests simulate a crash.
    """
    job.refresh_from_db()
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.CANCELLED):
        return job
    if not visibility.can(job.user, model_for(job.entity).module, "create"):
        _finish(job, ImportJob.Status.FAILED, _("You are not allowed to create these records."))
        return job
    started_at = job.started_at or timezone.now()
    total_rows = job.total_rows
    if total_rows is None:
        try:
            total_rows = count_rows(job)
        except FileProblem as exc:  # refused whole, before any row is written
            _finish(job, ImportJob.Status.FAILED, str(exc))
            return job
    token = leases.claim(
        ImportJob.objects.exclude(status__in=[ImportJob.Status.DONE, ImportJob.Status.CANCELLED]),
        job.pk,
        token=token,
        status=ImportJob.Status.RUNNING,
        started_at=started_at,
        total_rows=total_rows,
        version=F("version") + 1,
    )
    job.refresh_from_db()  # the position is final now: only the lease holder moves it
    if token is None:
        return job  # finished, stopped, or a live worker runs it
    job.lease_token = token
    reader = RowReader(job)
    writer = (targets.get(job.entity).writer or BatchWriter)(job)
    try:
        pinyin.prepare()  # its one-off load peaks before the batches take their memory
        with _small_page_cache():
            return _run_batches(job, reader, writer, batch_size, max_batches)
    except leases.LostLease:
        job.refresh_from_db()  # another worker goes on from the last committed batch
        return job
    except FileProblem as exc:
        _finish(job, ImportJob.Status.FAILED, str(exc))
        return job
    except Exception:
        job.refresh_from_db()
        job.lease_token = token  # fail it only while it is ours
        _finish(job, ImportJob.Status.FAILED, _("The import stopped because of an unexpected "
                                                "error. Start it again to continue."))  # fmt: skip
        raise


@contextlib.contextmanager
def _small_page_cache():
    """Run with a 16 MB SQLite page cache instead of the connection's usual 64 MB.

    An import touches index pages all over the tables and would fill the whole cache; the
    smaller one costs little speed and keeps the import within its memory budget.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        usual = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -16000")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(usual)}")


def _run_batches(job: ImportJob, reader: RowReader, writer: BatchWriter, batch_size: int,
                 max_batches: int | None) -> ImportJob:  # fmt: skip
    """Validate and write the file's rows batch by batch, stopping if the job is cancelled."""
    batches = 0
    batch: list = []
    for line, cells in data_rows(job, after_line=job.position):
        batch.append((line, cells))
        if len(batch) >= batch_size:
            if _current_status(job) == ImportJob.Status.CANCELLED:
                job.status = ImportJob.Status.CANCELLED
                return job
            process_batch(job, reader, writer, batch)
            batch = []
            batches += 1
            if max_batches is not None and batches >= max_batches:
                leases.release(ImportJob.objects, job.pk, job.lease_token)
                job.lease_until, job.lease_token = None, ""
                return job
    if batch:
        if _current_status(job) == ImportJob.Status.CANCELLED:
            job.status = ImportJob.Status.CANCELLED
            return job
        process_batch(job, reader, writer, batch)
    if job.total_rows is None or job.total_rows != job.processed:
        job.total_rows = job.processed
    _finish(job, ImportJob.Status.DONE, "")
    return job


def _finish(job: ImportJob, status: str, message: str) -> None:
    """Mark the job finished and end its lease, unless someone cancelled it meanwhile (or,
    for a job we lease, another worker took it over)."""
    finished_at = timezone.now()
    updated = leases.release(
        ImportJob.objects.exclude(status=ImportJob.Status.CANCELLED),
        job.pk,
        job.lease_token or None,
        status=status,
        message=message,
        finished_at=finished_at,
        total_rows=job.total_rows,
        version=F("version") + 1,
    )
    if updated:
        job.status, job.message, job.finished_at = status, message, finished_at
        job.lease_until, job.lease_token = None, ""
        job.refresh_from_db(fields=["version"])
    else:  # cancelled, or finished by the worker that took it over
        job.refresh_from_db(fields=["status", "message", "finished_at", "version"])


# -- preview ------------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    line: int
    cells: list
    errors: list
    company_note: str = ""


def preview(job: ImportJob, mapping: list[str], limit: int = 10) -> list[PreviewRow]:
    """How the first rows would be read with `mapping`, and which would fail and why."""
    reader = RowReader(job, mapping)
    raw = []
    for line, cells in data_rows(job):
        if any(c.strip() for c in cells):
            raw.append((line, cells))
        if len(raw) >= limit:
            break
    rows = [reader.read(line, cells) for line, cells in raw]
    model = model_for(job.entity)
    find_duplicates(model, job.user, rows, job.entity)
    names = {r.company_name for r in rows if r.company_name}
    existing, _missing = BatchWriter(job).companies_for(names) if names else ({}, set())
    result = []
    for (_line, cells), row in zip(raw, rows, strict=True):
        note = ""
        if row.company_name:
            if row.company_name in existing:
                note = _("links to the existing company “%(name)s”") % {"name": row.company_name}
            else:
                note = _("creates the company “%(name)s”") % {"name": row.company_name}
        shown = [cells[i] if i < len(cells) else "" for i in range(len(mapping))]
        result.append(PreviewRow(row.line, shown, row.errors, note))
    return result
