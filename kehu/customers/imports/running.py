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
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import leases, pinyin, visibility
from kehu.customers.duplicates.importing import find_look_alikes
from kehu.customers.imports import targets
from kehu.customers.imports.files import FileProblem
from kehu.customers.imports.mapping import model_for
from kehu.customers.imports.models import MAX_STORED_ERRORS, ImportJob
from kehu.customers.imports.rows import Row, RowReader, count_rows, data_rows, find_duplicates
from kehu.customers.imports.writing import BatchWriter

BATCH_SIZE = 1000
#: one data row of the file: its line number and its cells
Line = tuple[int, list[str]]

# -- running a job ------------------------------------------------------------------------------


#: rows of an import checked for look-alikes of existing records (docs/duplicates.md)
LOOK_ALIKE_ROWS = 20_000


def _record_errors(job: ImportJob, rows: list[Row]) -> None:
    for row in rows:
        job.error_count += 1
        if len(job.errors) < MAX_STORED_ERRORS:
            job.errors.append({"line": row.line, "reason": row.reason})


def process_batch(
    job: ImportJob, reader: RowReader, writer: BatchWriter, batch: list[Line]
) -> None:
    """Validate and write one batch of (line, cells); commit it with the job's position and a
    renewed lease. Raises LostLease (and commits nothing) when the job is no longer ours: its
    lease ran out and another worker took it over, or it was stopped."""
    rows = [reader.read(line, cells) for line, cells in batch if any(c.strip() for c in cells)]
    find_duplicates(writer.model, job.user, rows, job.entity)
    good = [r for r in rows if not r.errors]
    bad = [r for r in rows if r.errors]
    # the report covers the first LOOK_ALIKE_ROWS rows, so a large import keeps its pace
    checked = good if job.processed < LOOK_ALIKE_ROWS else []
    look_alikes = find_look_alikes(job.user, checked, job.entity)
    with transaction.atomic():
        written, companies = writer.write(good)
        bad += [r for r in good if r.errors]  # refused while writing (leads, row by row)
        refused = {r.line for r in bad}
        look_alikes = [entry for entry in look_alikes if entry["line"] not in refused]
        job.look_alike_count += len(look_alikes)
        job.look_alikes += look_alikes[: max(0, MAX_STORED_ERRORS - len(job.look_alikes))]
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
            look_alikes=job.look_alikes,
            look_alike_count=job.look_alike_count,
            processed=job.processed,
            position=job.position,
        )
        writer.announce()  # last: a subscriber that fails rolls the whole batch back
    writer.committed()


def _current_status(job: ImportJob) -> str | None:
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
def _small_page_cache() -> Iterator[None]:
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
    batch: list[Line] = []
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
                leases.release(ImportJob.objects.all(), job.pk, job.lease_token)
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
    cells: list[str]
    errors: list[str]
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
