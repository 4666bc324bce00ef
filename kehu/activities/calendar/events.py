"""The calendar page's JSON: the events of a visible range (FullCalendar's event source),
planning a meeting or task on a slot, and moving or resizing one.

Times travel as wall-clock times in the user's time zone without an offset
(`2027-03-10T09:30:00`): FullCalendar has no named-zone support of its own, so the page runs it
in "UTC" and the server, which knows the user's zone, converts. Reads go through
`calendar.items` (the read door); writes through the activities services (permission,
version, audit, events).
"""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kehu.activities import services
from kehu.activities.calendar import services as calendar
from kehu.activities.models import Activity
from kehu.activities.visibility import parent_models
from kehu.core.access import get_visible_or_404, users_in_scope
from kehu.core.records import VersionConflict

#: the widest range one request may ask for (a month view shows six weeks)
MAX_RANGE = datetime.timedelta(days=62)
#: how many calendars may be overlaid at once
MAX_OWNERS = 8
#: how many colleagues the "Whose calendar" list offers
OWNER_CHOICES = 200
#: a task has a due time, no length: it is drawn this long
TASK_MINUTES = 30
Kind = Activity.Kind


def _error(detail: str, status: int, errors: dict | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": errors or {}}, status=status)


def _wall_time(raw: str | None) -> datetime.datetime | None:
    """A wall-clock time in the user's zone from FullCalendar's string (any offset it adds is
    ignored: the page runs FullCalendar in UTC-coerced time); None when it is not a time a
    calendar can hold."""
    try:
        value = datetime.datetime.fromisoformat(str(raw or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if not 1900 <= value.year <= 2999:
        return None
    return timezone.make_aware(value.replace(tzinfo=None, microsecond=0))


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).replace(tzinfo=None).isoformat(timespec="minutes")


def _owners(viewer, raw: list[str]) -> list:
    """The calendars asked for that the viewer may open (`users_in_scope`), in the order
    asked; the viewer's own when none is."""
    ids = [int(r) for r in raw if r.isascii() and r.isdigit() and len(r) < 19][:MAX_OWNERS]
    found = {u.pk: u for u in users_in_scope(viewer, "activities").filter(pk__in=ids)}
    owners = [found[i] for i in dict.fromkeys(ids) if i in found]
    return owners or [viewer]


def _editable(viewer, found: list[calendar.Item]) -> set[int]:
    """The activities among `found` the viewer may move: their own, and those on records
    they may edit (one query per kind of record, whatever the number of events)."""
    mine = {i.activity.pk for i in found if i.activity.owner_id == viewer.pk and not i.hidden}
    others: dict = {}
    for item in found:
        if item.hidden or item.activity.pk in mine:
            continue
        others.setdefault(item.activity.content_type_id, []).append(item.activity)
    if not others:
        return mine
    from django.contrib.contenttypes.models import ContentType

    for model in parent_models():
        activities = others.get(ContentType.objects.get_for_model(model).pk, [])
        if not activities:
            continue
        ids = {a.object_id for a in activities}
        may = set(
            model.objects.visible_to(viewer, "edit").filter(pk__in=ids).values_list("pk", flat=True)
        )
        mine |= {a.pk for a in activities if a.object_id in may}
    return mine


def _event(item: calendar.Item, index: int, editable: bool) -> dict:
    activity = item.activity
    end = item.end or item.start + datetime.timedelta(minutes=TASK_MINUTES)
    classes = [f"cal-owner-{index}", f"cal-{activity.kind}"]
    if item.done:
        classes.append("cal-done")
    if item.hidden:
        classes.append("cal-busy")
    return {
        "id": str(activity.pk),
        "title": _("Busy") if item.hidden else activity.subject,
        "start": _local(item.start),
        "end": _local(max(end, item.start)),
        "url": item.url,
        "classNames": classes,
        "editable": editable and not item.hidden,
        "durationEditable": editable and item.is_meeting and not item.hidden,
        "extendedProps": {
            "kind": activity.kind,
            "version": activity.version,
            "owner": activity.owner_id,
            "ownerName": str(activity.owner),
            "place": "" if item.hidden else activity.place,
            "done": item.done,
            "busy": item.hidden,
            "moveUrl": reverse("calendar-event-move", args=[activity.pk]),
        },
    }


@login_required
@require_GET
def calendar_events(request):
    """The events between `start` and `end` (at most 62 days; this week by default) on the
    calendars of `owner` (repeatable; the viewer's own by default), as FullCalendar reads
    them."""
    monday, _days = calendar.week_of(timezone.localdate())
    start = _wall_time(request.GET.get("start", monday.isoformat()))
    end = _wall_time(request.GET.get("end")) if "end" in request.GET else None
    if end is None and "end" not in request.GET and start is not None:
        end = start + datetime.timedelta(days=7)  # without a range: this week
    errors = {}
    if start is None:
        errors["start"] = [_("Enter a date and time.")]
    if end is None:
        errors["end"] = [_("Enter a date and time.")]
    if start and end and not datetime.timedelta(0) < end - start <= MAX_RANGE:
        errors["end"] = [_("Ask for at most 62 days, ending after the start.")]
    if errors:
        return _error(_("Check the dates."), 422, errors)
    assert start is not None and end is not None
    viewer = request.user
    events = []
    for index, owner in enumerate(_owners(viewer, request.GET.getlist("owner"))):
        found = calendar.items(viewer, owner, start, end)
        editable = _editable(viewer, found)
        events += [_event(i, index, i.activity.pk in editable) for i in found]
    return JsonResponse(events, safe=False)


def _record(user, raw: str):
    """A record the user may see from `person:12`, or None."""
    target, _sep, pk = str(raw or "").partition(":")
    model = {m._meta.model_name: m for m in parent_models()}.get(target)
    if model is None or not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
        return None
    try:
        return get_visible_or_404(model, user, int(pk))
    except Http404:
        return None


def _validation_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for e in errs for m in e.messages] for field, errs in
                error.error_dict.items()}  # fmt: skip
    return {"__all__": list(error.messages)}


@login_required
@require_POST
def calendar_event_create(request):
    """Plan a meeting (start–end) or a task (due at start) on a record from the calendar."""
    kind = request.POST.get("kind")
    start, end = _wall_time(request.POST.get("start")), _wall_time(request.POST.get("end"))
    record = _record(request.user, request.POST.get("record", ""))
    errors: dict[str, list[str]] = {}
    if kind not in (Kind.MEETING, Kind.TASK):
        errors["kind"] = [_("Choose a meeting or a task.")]
    if record is None:
        errors["record"] = [_("Choose who it is about.")]
    if start is None:
        errors["start"] = [_("Enter a date and time.")]
    if kind == Kind.MEETING and (end is None or (start and end <= start)):
        errors["end"] = [_("The end must be after the start.")]
    if errors:
        return _error(_("Check the form."), 422, errors)
    data = {"subject": request.POST.get("subject", "").strip()}
    if kind == Kind.MEETING:
        data |= {"at": start, "ends_at": end}
    else:
        data |= {"due_at": start}
    try:
        saved = services.log_activity(request.user, record, kind, data)
    except ValidationError as error:
        return _error(_("Check the form."), 422, _validation_errors(error))
    except PermissionDenied:
        return _error(_("You may not plan activities on this record."), 403)
    return JsonResponse({"id": saved.pk, "version": saved.version}, status=201)


@login_required
@require_POST
def calendar_event_move(request, pk: int):
    """Move (or resize) a meeting or task to a new time, at the version the page showed: a
    stale version answers 409 with nothing changed."""
    activity = get_visible_or_404(Activity, request.user, pk)
    if activity.kind not in (Kind.MEETING, Kind.TASK):
        raise Http404
    start, end = _wall_time(request.POST.get("start")), _wall_time(request.POST.get("end"))
    version = request.POST.get("version", "")
    if start is None or not version.isdigit() or len(version) > 9:
        return _error(_("Check the form."), 422, {"start": [_("Enter a date and time.")]})
    if activity.kind == Kind.MEETING:
        if end is None or end <= start:
            return _error(
                _("Check the form."), 422, {"end": [_("The end must be after the start.")]}
            )
        changes = {"at": start, "ends_at": end}
    else:
        changes = {"due_at": start}
    try:
        saved = services.update_activity(request.user, activity, changes, int(version))
    except PermissionDenied:
        return _error(_("You may not move this activity."), 403)
    except VersionConflict:
        return _error(_("Someone else changed this activity; the calendar is reloaded."), 409)
    except ValidationError as error:
        return _error(_("Check the form."), 422, _validation_errors(error))
    return JsonResponse({"id": saved.pk, "version": saved.version})


@login_required
@require_GET
def calendar_pick(request):
    """Records matching `q` to plan on, as radio buttons for the calendar's form."""
    from kehu.activities.views import _matches

    q = (request.GET.get("q") or "").strip()[:100]
    return render(
        request,
        "activities/_calendar_pick.html",
        {"q": q, "matches": _matches(request.user, q) if q else []},
    )
