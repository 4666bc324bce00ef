"""The calendar page (week and month), subscribing to the personal iCalendar feed, and the
feed itself (the only page here that needs no login: its secret is the key)."""

import datetime
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kehu.activities.calendar import services as calendar
from kehu.activities.exporting import can_export
from kehu.core.access import users_in_scope
from kehu.core.records import VersionConflict

VIEWS = ("week", "month")
#: the hours the week grid shows at least; it grows to fit earlier or later meetings
DAY_START, DAY_END = 8, 19
MONTH_CELL_ITEMS = 4


def _day_from(raw: str | None) -> datetime.date:
    """The day asked for, or today for a missing, malformed or far-off one (the years 1 and
    9999 would overflow the week's and month's edges)."""
    try:
        day = datetime.date.fromisoformat(str(raw or ""))
    except ValueError:
        return timezone.localdate()
    return day if 1900 <= day.year <= 2999 else timezone.localdate()


def _link(view: str, day: datetime.date, owner, viewer) -> str:
    params = {"view": view, "date": day.isoformat()}
    if owner.pk != viewer.pk:
        params["owner"] = owner.pk
    return f"{reverse('calendar')}?{urlencode(params)}"


def _hours(found: list[calendar.Item]) -> tuple[int, int]:
    start, end = DAY_START, DAY_END
    for item in found:
        if item.is_meeting:
            local_start = timezone.localtime(item.start)
            local_end = timezone.localtime(item.end or item.start)
            if local_start.date() == local_end.date():
                start = min(start, local_start.hour)
                end = max(end, local_end.hour + (1 if local_end.minute else 0))
    return start, max(end, start + 1)


def _week_columns(days, grouped, first_hour: int, last_hour: int) -> list[dict]:
    """Per day: its tasks, and its meetings placed on the hour grid (top and height in % of
    the shown hours); a meeting outside the shown hours is clipped to them."""
    span = (last_hour - first_hour) * 60
    columns = []
    for day in days:
        midnight = calendar.local_midnight(day)
        grid_start = midnight + datetime.timedelta(hours=first_hour)
        grid_end = midnight + datetime.timedelta(hours=last_hour)
        meetings, tasks = [], []
        for item in grouped[day]:
            if not item.is_meeting:
                tasks.append(item)
                continue
            start = max(item.start, grid_start)
            end = min(item.end or item.start, grid_end)
            if end <= start:  # outside the shown hours of this day: list it with the tasks
                tasks.append(item)
                continue
            top = (start - grid_start).total_seconds() / 60 / span * 100
            height = max((end - start).total_seconds() / 60 / span * 100, 2.5)
            meetings.append({"item": item, "top": f"{top:.2f}", "height": f"{height:.2f}"})
        columns.append({"day": day, "meetings": meetings, "tasks": tasks})
    return columns


@login_required
def calendar_page(request):
    viewer = request.user
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "week"
    day = _day_from(request.GET.get("date"))
    owner = calendar.owner_for(viewer, request.GET.get("owner"))
    today = timezone.localdate()
    if view == "week":
        first, days = calendar.week_of(day)
        weeks = [days]
        previous, following = first - datetime.timedelta(days=7), first + datetime.timedelta(7)
        title = _("Week of %(day)s") % {"day": first.isoformat()}
    else:
        weeks = calendar.month_grid(day)
        days = [d for week in weeks for d in week]
        first = day.replace(day=1)
        previous = (first - datetime.timedelta(days=1)).replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        title = formats.date_format(first, "YEAR_MONTH_FORMAT")
    start = calendar.local_midnight(days[0])
    end = calendar.local_midnight(days[-1] + datetime.timedelta(days=1))
    found = calendar.items(viewer, owner, start, end)
    grouped = calendar.by_day(found, days)
    context = {
        "nav": "calendar",
        "view": view,
        "title": title,
        "owner": owner,
        "owners": [
            (u.pk, str(u), u.pk == owner.pk) for u in users_in_scope(viewer, "activities")[:200]
        ],
        "own": owner.pk == viewer.pk,
        "can_export": can_export(viewer),
        "today": today,
        "anchor": day,
        "empty": not found,
        "links": {
            "previous": _link(view, previous, owner, viewer),
            "next": _link(view, following, owner, viewer),
            "today": _link(view, today, owner, viewer),
            "week": _link("week", day, owner, viewer),
            "month": _link("month", day, owner, viewer),
        },
        "list_days": [(d, grouped[d]) for d in days if view == "week" or d.month == day.month],
    }
    if view == "week":
        first_hour, last_hour = _hours(found)
        context["hours"] = [f"{h:02d}:00" for h in range(first_hour, last_hour)]
        context["columns"] = _week_columns(days, grouped, first_hour, last_hour)
        for column in context["columns"]:
            column["link"] = _link("week", column["day"], owner, viewer)
        context["grid_height"] = (last_hour - first_hour) * 44
    else:
        context["weeks"] = [
            [
                {
                    "day": d,
                    "items": grouped[d][:MONTH_CELL_ITEMS],
                    "more": max(len(grouped[d]) - MONTH_CELL_ITEMS, 0),
                    "outside": d.month != day.month,
                    "link": _link("week", d, owner, viewer),
                }
                for d in week
            ]
            for week in weeks
        ]
    return render(request, "activities/calendar.html", context)


def _feed_url(request, secret: str) -> str:
    """The feed's address as the user reaches Kehu now (their calendar app will too)."""
    return request.build_absolute_uri(reverse("calendar-feed", kwargs={"secret": secret}))


def _shown_feed(request):
    """The (feed id, version) the page showed when its button was pressed, (None, None) when
    it showed no feed; None when the form does not say (no check)."""
    version = request.POST.get("version")
    if version is None:
        return None
    feed = request.POST.get("feed", "")
    try:
        return (int(feed) if feed else None, int(version))
    except ValueError:
        return (-1, -1)  # matches no feed: the page is shown as it is now


def _subscribe_page(request, new_url=None, conflict: bool = False):
    context = {
        "nav": "calendar",
        "feed": calendar.active_feed(request.user),
        "new_url": new_url,
        "webcal_url": new_url.replace("https://", "webcal://").replace("http://", "webcal://")
        if new_url
        else None,
        "conflict": conflict,
    }
    status = 409 if conflict else 200
    return render(request, "activities/calendar_subscribe.html", context, status=status)


@login_required
def calendar_subscribe(request):
    """How to subscribe; POST makes a new feed URL (any earlier one stops working) and shows it
    once — only its hash is kept. A page loaded before the feed changed elsewhere (another
    tab) is shown again as it is now, and nothing changes."""
    new_url = None
    if request.method == "POST":
        try:
            _feed, secret = calendar.issue_feed(request.user, _shown_feed(request))
        except VersionConflict:
            return _subscribe_page(request, conflict=True)
        new_url = _feed_url(request, secret)
    return _subscribe_page(request, new_url)


@login_required
@require_POST
def calendar_unsubscribe(request):
    try:
        revoked = calendar.revoke_feeds(request.user, _shown_feed(request))
    except VersionConflict:
        return _subscribe_page(request, conflict=True)
    if revoked:
        messages.success(request, _("The feed URL is revoked; calendars using it get nothing now."))
    return redirect("calendar-subscribe")


@never_cache
def calendar_feed(request, secret: str):
    """The personal iCalendar feed: no session, the secret in the URL is the key; an unknown or
    revoked secret, or an inactive user's, is 404 like any unknown page."""
    user = calendar.feed_user(secret)
    if user is None:
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        zone = zoneinfo.ZoneInfo(user.zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    with timezone.override(zone), translation.override(user.language or settings.LANGUAGE_CODE):
        body = calendar.feed_calendar(user)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kehu.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
