"""Carrying out a bulk job: its rows in batches of `BATCH_SIZE`, each row through its record
type's service (permission, validation, version, audit, event), never around it.

Each batch costs a fixed number of reads (its ids, then its rows with what the services need,
`BulkKind.batch_reads`) whatever its size; each row then costs its service's own writes. The
batch commits with the job's progress, so a run stopped half way (a worker killed) resumes
after the last committed batch, and no row is changed twice.

A row the user cannot see is counted as "not found" whether or not it exists, so a count
never tells about another's records; a row they see but may not change is "not allowed".
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone, translation

from kehu.core import leases
from kehu.core.bulk import registry
from kehu.core.bulk.models import MAX_PROBLEMS, BulkJob

log = logging.getLogger(__name__)

BATCH_SIZE = 100
NOT_FOUND, NOT_ALLOWED = "not_found", "not_allowed"
#: how many ids of changed rows a delete job keeps for its undo
MAX_UNDO_IDS = 1_000_000


class _Tally:
    """One batch's counts, added to the job's row in the batch's transaction."""

    def __init__(self) -> None:
        self.changed = self.unchanged = self.skipped = self.failed = 0
        self.reasons: dict[str, int] = {}
        self.problems: list[dict[str, Any]] = []
        self.changed_ids: list[int] = []

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped += count
        self.reasons[reason] = self.reasons.get(reason, 0) + count

    def fail(self, record: Any, reason: str) -> None:
        self.failed += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        self.problems.append({"id": record.pk, "name": str(record)[:100], "reason": reason})


def _rows(kind: registry.BulkKind, job: BulkJob) -> QuerySet[Any]:
    """The rows the job's user may see, where its action can find them."""
    user = job.user
    rows: QuerySet[Any]
    if job.action == registry.RESTORE:
        rows = kind.model.all_objects.visible_to(user).in_recycle_bin()
    else:
        rows = kind.model.objects.visible_to(user)
    return rows


def _next_ids(kind: registry.BulkKind, job: BulkJob, batch_size: int) -> list[int]:
    if job.ids is not None:
        return [pk for pk in job.ids if pk > job.last_id][:batch_size]
    matching = kind.matching(job.user, job.filters).filter(pk__gt=job.last_id)
    return list(matching.order_by("pk").values_list("pk", flat=True)[:batch_size])


def _tag(job: BulkJob) -> Any:
    from django.apps import apps

    tag_model = apps.get_model("customers", "Tag")
    if job.action == registry.ADD_TAG:
        return tag_model.objects.get_or_create(name=job.value)[0]
    return tag_model.objects.filter(name=job.value).first()


def _apply(kind: registry.BulkKind, job: BulkJob, record: Any, tag: Any) -> bool:
    """Do the job's action on one row through its service; whether the row changed."""
    actor, action = job.user, job.action
    if action == registry.DELETE:
        kind.delete(actor, record)
        return True
    if action == registry.RESTORE:
        kind.restore(actor, record)
        return True
    if action == registry.ASSIGN_OWNER:
        if record.owner_id == job.value:
            return False
        changes: dict[str, Any] = {"owner": job.value}
    elif action in registry.TAG_ACTIONS:
        tags = list(record.tags.all())
        has = tag is not None and any(t.pk == tag.pk for t in tags)
        if (action == registry.ADD_TAG) == has or tag is None:
            return False
        changes = {"tags": [*tags, tag] if action == registry.ADD_TAG else
                   [t for t in tags if t.pk != tag.pk]}  # fmt: skip
    else:
        spec = kind.field(job.field)
        if spec is None:  # the field was unregistered since the job began
            raise ValidationError(translation.gettext("This field can no longer be changed."))
        changes = spec.to_changes(str(job.value)) if spec.to_changes else {spec.name: job.value}
    before = record.version
    after = kind.update(actor, record, changes)
    return bool(after.version != before)


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{m}" for messages in exc.message_dict.values() for m in messages)
    return "; ".join(exc.messages)


def run_batch(kind: registry.BulkKind, job: BulkJob, ids: list[int], tag: Any) -> _Tally:
    """Act on the rows `ids` (in the caller's transaction); what happened to each."""
    tally = _Tally()
    rows = {r.pk: r for r in kind.batch_reads(_rows(kind, job).filter(pk__in=ids))}
    missing = len(ids) - len(rows)
    if missing:
        tally.skip(NOT_FOUND, missing)
    for pk in ids:
        record = rows.get(pk)
        if record is None:
            continue
        try:
            with transaction.atomic():
                changed = _apply(kind, job, record, tag)
        except (PermissionDenied, Http404):
            tally.skip(NOT_ALLOWED)
        except ValidationError as exc:
            tally.fail(record, _message(exc)[:300])
        except (OperationalError, InterfaceError, leases.LostLease):
            raise  # the database is away, or another run took the job: stop, resume later
        except Exception:  # a bug in one row's service must not stop the others
            log.exception("bulk job %s: row %s of %s failed", job.pk, pk, kind.key)
            tally.fail(
                record, translation.gettext("An unexpected error; the row was left as it was.")
            )
        else:
            if changed:
                tally.changed += 1
                if job.action == registry.DELETE:
                    tally.changed_ids.append(pk)
            else:
                tally.unchanged += 1
    return tally


def _commit(job: BulkJob, ids: list[int], tally: _Tally, token: str | None) -> None:
    """Add a batch's counts to the job (locked), renewing the lease when a worker holds it."""
    current = BulkJob.objects.select_for_update().get(pk=job.pk)
    reasons = dict(current.reasons)
    for reason, count in tally.reasons.items():
        reasons[reason] = reasons.get(reason, 0) + count
    problems = (current.problems + tally.problems)[:MAX_PROBLEMS]
    changed_ids = current.changed_ids
    if tally.changed_ids and len(changed_ids) < MAX_UNDO_IDS:
        changed_ids = changed_ids + tally.changed_ids
    progress = {
        "last_id": ids[-1],
        "processed": F("processed") + len(ids),
        "changed": F("changed") + tally.changed,
        "unchanged": F("unchanged") + tally.unchanged,
        "skipped": F("skipped") + tally.skipped,
        "failed": F("failed") + tally.failed,
        "reasons": reasons,
        "problems": problems,
        "changed_ids": changed_ids,
    }
    if token is not None:
        leases.heartbeat(BulkJob.objects.all(), job.pk, token, **progress)
    else:
        BulkJob.objects.filter(pk=job.pk).update(**progress)
    job.last_id = ids[-1]


def run(job: BulkJob, token: str | None = None, batch_size: int | None = None) -> None:
    """Carry out `job` from where it stands. With `token`, a worker holding the job's lease
    runs it (see `tasks.run_bulk_job`); without, the request that made it."""
    batch_size = batch_size or BATCH_SIZE
    kind = registry.get(job.kind)
    if kind is None:
        BulkJob.objects.filter(pk=job.pk).update(
            status=BulkJob.Status.FAILED, message="unknown record type", finished_at=timezone.now()
        )
        return
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING)
    language = job.user.language
    with translation.override(language) if language else contextlib.nullcontext():
        tag = _tag(job) if job.action in registry.TAG_ACTIONS else None
        while True:
            ids = _next_ids(kind, job, batch_size)
            if not ids:
                break
            with transaction.atomic():
                tally = run_batch(kind, job, ids, tag)
                _commit(job, ids, tally, token)
    done = {"status": BulkJob.Status.DONE, "finished_at": timezone.now()}
    if token is not None:
        leases.release(BulkJob.objects.all(), job.pk, token, **done)
    else:
        BulkJob.objects.filter(pk=job.pk).update(**done)
