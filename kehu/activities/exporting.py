"""Exporting activities (tasks, calls, meetings, notes) as CSV or XLSX: the ones the user may
see (never another's private ones), narrowed by kind, owner, open tasks and a date range,
streamed by the customers' exporter."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.activities.models import Activity
from kehu.activities.visibility import parent_models
from kehu.core import visibility
from kehu.core.access import users_in_scope
from kehu.customers.exporting import Column, bad_filters, download, table, when
from kehu.sales.deals.queries import id_or_none

FILTER_KEYS = ("kind", "owner", "open", "after", "before")

COLUMNS = [
    Column("id", lambda a: a.pk),
    Column("kind", lambda a: a.kind),
    Column("subject", lambda a: a.subject),
    Column("details", lambda a: a.body),
    Column("record_type", lambda a: a.content_type.model),
    Column("record", lambda a: str(a.record) if a.record is not None else ""),
    Column("when", lambda a: when(a.at)),
    Column("due", lambda a: when(a.due_at)),
    Column("done", lambda a: when(a.done_at)),
    Column("priority", lambda a: a.priority),
    Column("direction", lambda a: a.direction),
    Column("outcome", lambda a: a.outcome),
    Column("duration_minutes", lambda a: a.duration_minutes or ""),
    Column("ends", lambda a: when(a.ends_at)),
    Column("place", lambda a: a.place),
    Column("private", lambda a: "yes" if a.private else "no"),
    Column("owner", lambda a: a.owner.username),
    Column("created", lambda a: when(a.created_at)),
]


def _day_start(value: str, name: str, errors: dict) -> datetime.datetime | None:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filter_activities(qs, params, user) -> tuple:
    """Narrow activities by the export's filters; (queryset, errors by filter)."""
    errors: dict[str, list[str]] = {}
    kind = params.get("kind")
    if kind:
        if kind in Activity.Kind.values:
            qs = qs.filter(kind=kind)
        else:
            errors["kind"] = [_("Choose a kind from the list.")]
    owner = params.get("owner")
    if owner:
        owner_id = user.pk if owner == "me" else id_or_none(owner)
        if owner_id is None:
            errors["owner"] = [_("Expected a number.")]
        else:
            qs = qs.filter(owner_id=owner_id)
    if params.get("open"):
        qs = qs.open_tasks()
    after, before = params.get("after"), params.get("before")
    if after and (start := _day_start(after, "after", errors)):
        qs = qs.filter(at__gte=start)
    if before and (end := _day_start(before, "before", errors)):
        qs = qs.filter(at__lt=end + datetime.timedelta(days=1))
    return qs, errors


def can_export(user) -> bool:
    return any(visibility.can(user, m.module, "export") for m in parent_models())


@login_required
def activity_export(request):
    """The export page; with `?format=csv|xlsx`, the file: the activities on the records the
    user may export (customers' and sales' rights each count for their own records)."""
    user = request.user
    if not can_export(user):
        raise PermissionDenied
    exportable = Activity.objects.visible_to(user, "export")
    qs, errors = filter_activities(exportable, request.GET, user)
    if request.GET.get("format") in ("csv", "xlsx"):
        if errors:
            return bad_filters(errors)
        qs = qs.select_related("owner", "content_type").prefetch_related("record")
        return download(request, table(qs, COLUMNS), "activities")
    context = {
        "nav": "calendar",
        "errors": errors,
        "params": {key: request.GET.get(key, "") for key in FILTER_KEYS},
        "kinds": Activity.Kind.choices,
        "owners": [(str(u.pk), str(u)) for u in users_in_scope(user, "activities", "read")[:200]],
    }
    return render(request, "activities/export.html", context, status=400 if errors else 200)
