"""The one door for an import job's state: who may see and change a job, and each change of
its state (mapping, encoding, start, stop, resume, refusal). An import job is its uploader's
alone: anyone else is told it does not exist.

Each change of state is written in the job's audit trail and sent as an `import_job.<state>`
event (`created`, `pending`, `failed`, `cancelled`, ...), and adds one to the job's `version`
(so does the worker when it starts and finishes the job; its progress within a run does not).
The mapping page sends the version it showed, and a page that is out of date (the job was
changed in another tab) is refused with VersionConflict. Moves of the status are conditional
too (only a mapping job is refused, only a failed one resumed), which keeps two requests, or
a request and the worker, from both moving it."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from kehu.accounts.models import User
from kehu.core import audit, events, visibility
from kehu.core.records import check_version
from kehu.customers.imports import files as import_files
from kehu.customers.imports import mapping as import_mapping
from kehu.customers.imports.models import ImportJob

#: the module whose "create" right an import of each kind needs
MODULE_OF = {"person": "customers", "company": "customers", "lead": "sales"}


def may_import(user: User, entity: str | None = None) -> bool:
    """May create what an import makes: any importable kind, or the given one."""
    modules = {MODULE_OF[entity]} if entity else set(MODULE_OF.values())
    return any(visibility.can(user, module, "create") for module in modules)


def require_import(user: User, entity: str | None = None) -> None:
    if not may_import(user, entity):
        raise PermissionDenied


def own_job(user: User, pk: int) -> ImportJob:
    """The user's job `pk` (anyone else's answers 404) whose kind they may import."""
    job = ImportJob.objects.select_related("user").filter(pk=pk, user=user).first()
    if job is None:
        raise Http404
    require_import(user, job.entity)
    return job


def recent_jobs(user: User, limit: int = 20) -> QuerySet[ImportJob]:
    """The user's latest jobs, without their JSON (a legacy job's header could be huge)."""
    return ImportJob.objects.filter(user=user).defer("headers", "mapping", "errors")[:limit]


def create_job(actor: User, entity: str, **file_facts: Any) -> ImportJob:
    """A job for an uploaded, inspected file, its columns guessed, waiting for the mapping."""
    from kehu.customers.fields.values import active_fields

    require_import(actor, entity)
    mapping = import_mapping.guess_mapping(file_facts["headers"], entity, active_fields(entity))
    with transaction.atomic():
        job = ImportJob.objects.create(user=actor, entity=entity, mapping=mapping, **file_facts)
        changes = {"entity": [None, entity], "status": [None, job.status]}
        audit.record(actor, job, "create", changes)
        events.emit("import_job.created", actor=actor, job=job, changes=changes)
    return job


def _changed(actor: User, job: ImportJob, changes: dict[str, Any]) -> None:
    """Write the audit entry and send the event for a change the caller has just made."""
    audit.record(actor, job, "update", changes)
    state = changes["status"][1] if "status" in changes else "updated"
    events.emit(f"import_job.{state}", actor=actor, job=job, changes=changes)


def _move(actor: User, job: ImportJob, before: Sequence[str], after: str, **fields: Any) -> bool:
    """Move the job from one of the states `before` to `after` if it is still in one; True if
    it moved (then versioned, audited and announced)."""
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().filter(pk=job.pk).first()
        if current is None or current.status not in before:
            return False
        version = current.version + 1
        ImportJob.objects.filter(pk=job.pk).update(status=after, version=version, **fields)
        job.status, job.version = after, version
        for name, value in fields.items():
            setattr(job, name, value)
        _changed(actor, job, {"status": [current.status, after]})
    return True


def _locked(job: ImportJob, expected_version: int | None) -> ImportJob:
    """The job's row, locked until the transaction ends; VersionConflict when it changed
    since the caller read it at `expected_version`."""
    current = ImportJob.objects.select_for_update().filter(pk=job.pk).first()
    if current is None:
        raise Http404
    check_version(current, expected_version)
    return current


def _check(actor: User, job: ImportJob) -> None:
    if job.user_id != actor.pk:
        raise Http404
    require_import(actor, job.entity)


def refuse(actor: User, job: ImportJob, problem: str) -> None:
    """A file found past a limit or unreadable while mapping: the job fails with the reason
    (shown on its status page) instead of waiting for a mapping forever."""
    _check(actor, job)
    _move(
        actor,
        job,
        [ImportJob.Status.MAPPING],
        ImportJob.Status.FAILED,
        message=problem,
        finished_at=timezone.now(),
    )


def change_encoding(
    actor: User,
    job: ImportJob,
    chosen: str,
    offered: dict[str, Any],
    definitions: Any,
    expected_version: int | None = None,
) -> bool:
    """Read a CSV again in the encoding the user picked (one of `offered`); True if its header
    changed (the columns are then guessed anew). Raises importing's FileProblem or
    EncodingProblem for a file that cannot be read so, and VersionConflict (whether or not the
    encoding changes) when the job changed since the user read it at `expected_version`."""
    _check(actor, job)
    if expected_version is not None:
        with transaction.atomic():
            _locked(job, expected_version)
    if job.format != ImportJob.Format.CSV or chosen == job.encoding or chosen not in offered:
        return False
    info = import_files.inspect_file(job.path, job.format, encoding=chosen)
    changed = info["headers"] != job.headers
    before = job.encoding
    with transaction.atomic():
        current = _locked(job, job.version if expected_version is not None else None)
        job.encoding, job.delimiter = info["encoding"], info["delimiter"]
        job.headers = info["headers"]
        if changed:
            job.mapping = import_mapping.guess_mapping(job.headers, job.entity, definitions)
        job.version = current.version + 1
        job.save(update_fields=["encoding", "delimiter", "headers", "mapping", "version"])
        if before != job.encoding:
            _changed(actor, job, {"encoding": [before, job.encoding]})
    return bool(changed)


def save_mapping(
    actor: User,
    job: ImportJob,
    mapping: list[str],
    start: bool = False,
    expected_version: int | None = None,
) -> None:
    """Keep the user's column mapping; with `start`, queue the import (after the commit).
    VersionConflict, and nothing saved, when the job changed since the user read it at
    `expected_version`."""
    _check(actor, job)
    with transaction.atomic():
        current = _locked(job, expected_version)
        before = {"mapping": current.mapping, "status": current.status}
        job.mapping, job.status, job.version = mapping, current.status, current.version
        fields = ["mapping", "version"]
        if start:
            job.status = ImportJob.Status.PENDING
            fields.append("status")
        changes = audit.diff(before, {"mapping": job.mapping, "status": job.status})
        if changes:
            job.version += 1
            job.save(update_fields=fields)
            _changed(actor, job, changes)
    if start:
        _enqueue(job)


def cancel(actor: User, job: ImportJob) -> None:
    """Stop a job that has not finished: its worker stops before the next batch."""
    _check(actor, job)
    unfinished = [ImportJob.Status.MAPPING, ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
    _move(actor, job, unfinished, ImportJob.Status.CANCELLED, finished_at=timezone.now())


def resume(actor: User, job: ImportJob) -> None:
    """Start a failed or interrupted import again (its worker was killed: the lease ran out);
    it continues after the last committed row. One that a live worker runs is left alone."""
    from kehu.customers.tasks import resume as queue_run

    _check(actor, job)
    if job.status == ImportJob.Status.FAILED:
        failed = [ImportJob.Status.FAILED]
        if _move(actor, job, failed, ImportJob.Status.PENDING, message="", finished_at=None):
            _enqueue(job)
    elif job.interrupted:
        transaction.on_commit(lambda: queue_run(job.pk))  # unless the recovery sweep queued it


def _enqueue(job: ImportJob) -> None:
    from kehu.customers.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job.pk))
