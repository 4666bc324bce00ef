"""Starting a bulk action: check what was asked (type, action, field, value, rows), make the
job, and run it in the request when it is small or queue it for a worker when it is large.

Bad input raises ValidationError by input name (`type`, `action`, `field`, `value`, `ids`,
`filters`) before anything is written; the API answers it 422, the page shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from kehu.core import text
from kehu.core.access import users_in_scope
from kehu.core.bulk import registry
from kehu.core.bulk.models import BulkJob

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from kehu.accounts.models import User

#: the most rows one request may name by id (a page holds 50; the API a few thousand)
MAX_IDS = 5000
#: list parameters that page or sort a list, never narrow it
NOT_FILTERS = ("cursor", "sort", "format", "page", "columns")
TAG_MAX_LENGTH = 50


def own_job(user: User, pk: int) -> BulkJob:
    """A bulk action the user started; anyone else's answers 404 (a job is its starter's own,
    whatever their role: its filters and counts describe what they can see)."""
    job = BulkJob.objects.filter(pk=pk, user=user).first()
    if job is None:
        raise Http404
    return job


def clean_filters(params: Any) -> dict[str, str]:
    """A list's query string (QueryDict or dict) as the filters a job keeps: one value each,
    without paging and sorting."""
    getter = params.get
    kept = {
        str(key)[:60]: str(getter(key) or "")[:500]
        for key in list(params)[:60]
        if key not in NOT_FILTERS and getter(key) not in (None, "")
    }
    if any("\x00" in key or "\x00" in value for key, value in kept.items()):
        raise ValidationError({"filters": [_("Text may not contain NUL characters.")]})
    return kept


def matching_rows(kind: registry.BulkKind, user: User, filters: dict[str, str]) -> QuerySet[Any]:
    """The visible rows a list shows with these filters, its saved view (`view`) included, so
    that "all matching rows" are the rows the list counted. ValidationError for a bad filter."""
    from kehu.core.saved_views.lists import narrow_by_view, view_for

    view = view_for(user, kind.key, filters.get("view"))
    rows = kind.matching(user, {k: v for k, v in filters.items() if k != "view"})
    return narrow_by_view(rows, user, view)


def _clean_ids(ids: Any, limit: int | None = MAX_IDS) -> list[int]:
    if not isinstance(ids, (list, tuple)):
        raise ValidationError({"ids": [_("Send a list of record ids.")]})
    try:
        cleaned = sorted({int(i) for i in ids})
    except (TypeError, ValueError) as exc:
        raise ValidationError({"ids": [_("Each id must be a whole number.")]}) from exc
    cleaned = [i for i in cleaned if 0 < i < 2**63]
    if not cleaned:
        raise ValidationError({"ids": [_("Choose at least one row.")]})
    if limit is not None and len(cleaned) > limit:
        raise ValidationError(
            {"ids": [_("Choose at most %(n)s rows, or act on all matching rows.") % {"n": MAX_IDS}]}
        )
    return cleaned


def _one_line(value: Any, name: str, max_length: int, required: bool = True) -> str:
    cleaned = ("" if value is None else str(value)).strip()
    if required and not cleaned:
        raise ValidationError({name: [_("This field is required.")]})
    if len(cleaned) > max_length:
        raise ValidationError({name: [_("Use at most %(n)s characters.") % {"n": max_length}]})
    if text.has_control_characters(cleaned):
        raise ValidationError({name: [text.one_line_message()]})
    return cleaned


def clean_value(
    actor: User, kind: registry.BulkKind, action: str, field: str, value: Any
) -> tuple[str, Any, str]:
    """(field, value, label) for `action`, or ValidationError naming `field` or `value`."""
    if action == registry.ASSIGN_OWNER:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = None
        users = users_in_scope(actor, kind.right_module, "edit")
        owner = users.filter(pk=pk).first() if pk and 0 < pk < 2**63 else None
        if owner is None:
            raise ValidationError({"value": [_("Choose a colleague you may hand records to.")]})
        return "", owner.pk, str(owner)
    if action == registry.ADD_TAG:
        name = _one_line(value, "value", TAG_MAX_LENGTH)
        return "", name, name
    if action == registry.REMOVE_TAG:
        from django.apps import apps

        name = _one_line(value, "value", TAG_MAX_LENGTH)
        tag_model = apps.get_model("customers", "Tag")
        if not tag_model.objects.filter(name=name).exists():
            raise ValidationError({"value": [_("There is no tag “%(name)s”.") % {"name": name}]})
        return "", name, name
    if action == registry.SET_FIELD:
        spec = kind.field(str(field or ""))
        if spec is None:
            raise ValidationError({"field": [_("Choose a field from the list.")]})
        if spec.choices is not None:
            labels = dict(spec.choices())
            chosen = "" if value is None else str(value)
            if chosen not in labels:
                raise ValidationError({"value": [_("Choose a value from the list.")]})
            return spec.name, chosen, f"{spec.label}: {labels[chosen]}"
        cleaned = _one_line(value, "value", spec.max_length, required=False)
        return spec.name, cleaned, f"{spec.label}: {cleaned or '—'}"
    return "", None, ""  # delete, restore: no value


@dataclass
class Plan:
    """A checked bulk request: what the confirmation shows and the job is made from."""

    kind: registry.BulkKind
    action: str
    field: str
    value: Any
    label: str
    ids: list[int] | None
    filters: dict[str, str]
    total: int


def check(
    actor: User,
    kind_key: str,
    action: str,
    *,
    ids: Any = None,
    filters: Any = None,
    field: str = "",
    value: Any = None,
    undo: bool = False,
) -> Plan:
    """Check a bulk request: `ids`, or else every visible row the list `filters` match.
    Raises ValidationError by input name; reads only."""
    kind = registry.get(str(kind_key or ""))
    if kind is None:
        raise ValidationError({"type": [_("Choose a record type bulk actions work on.")]})
    allowed = kind.actions() + ([registry.RESTORE] if undo else [])
    if action not in allowed:
        raise ValidationError({"action": [_("Choose an action this record type offers.")]})
    field, value, label = clean_value(actor, kind, action, field, value)
    if ids is not None:
        # an undo names the rows its delete binned, however many they were
        chosen: list[int] | None = _clean_ids(ids, None if undo else MAX_IDS)
        kept_filters: dict[str, str] = {}
    else:
        if filters is None:
            raise ValidationError({"ids": [_("Choose rows, or act on all matching rows.")]})
        if not isinstance(filters, dict) and not hasattr(filters, "getlist"):
            raise ValidationError({"filters": [_("Send the list's filters as an object.")]})
        chosen, kept_filters = None, clean_filters(filters)
    if chosen is not None:
        total = len(chosen)
    else:
        try:
            total = matching_rows(kind, actor, kept_filters).count()
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"q": exc.messages}
            raise ValidationError(
                {"filters": [f"{name}: {m}" for name, found in messages.items() for m in found]}
            ) from exc
    return Plan(kind, action, field, value, label, chosen, kept_filters, total)


def start(actor: User, kind_key: str, action: str, *, undoes: BulkJob | None = None,
          **request: Any) -> BulkJob:  # fmt: skip
    """Check the request (`check`) and make its job, not yet run. Raises ValidationError;
    writes nothing then."""
    plan = check(actor, kind_key, action, undo=undoes is not None, **request)
    return BulkJob.objects.create(
        user=actor,
        kind=plan.kind.key,
        action=plan.action,
        field=plan.field,
        value=plan.value,
        value_label=plan.label[:200],
        ids=plan.ids,
        filters=plan.filters,
        total=plan.total,
        in_worker=plan.total > int(settings.BULK_IN_REQUEST_MAX),
        undoes=undoes,
    )


def launch(job: BulkJob) -> BulkJob:
    """Run a small job now, in the request; queue a large one for a worker."""
    if job.in_worker:
        from kehu.core.bulk.tasks import run_bulk_job

        transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
        return job
    from kehu.core.bulk.running import run

    run(job)
    job.refresh_from_db()
    return job


def start_undo(actor: User, job: BulkJob) -> BulkJob:
    """A job that brings back from the recycle bin what the delete `job` put there."""
    # not while it runs: the worker would go on deleting after the restore
    if (
        job.action != registry.DELETE
        or job.user_id != actor.pk
        or not job.finished
        or not job.changed_ids
    ):
        raise ValidationError({"action": [_("Only a finished delete can be undone.")]})
    return start(actor, job.kind, registry.RESTORE, undoes=job, ids=job.changed_ids)
