"""The calendar page (day, week, month), subscribing to the personal iCalendar feed, and the
feed itself (the only page here that needs no login: its secret is the key)."""

import datetime
import zoneinfo
from urllib.parse import urlencode

from csp.constants import NONCE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kehu.activities.calendar import events as calendar_events
from kehu.activities.calendar import services as calendar
from kehu.activities.exporting import can_export
from kehu.core.access import users_in_scope
from kehu.core.records import VersionConflict

#: FullCalendar's views the page may open on (`?view=`); phones open on the day
VIEWS = {"day": "timeGridDay", "week": "timeGridWeek", "month": "dayGridMonth"}


def _day_from(raw: str | None) -> datetime.date:
    """The day asked for, or today for a missing, malformed or far-off one."""
    try:
        day = datetime.date.fromisoformat(str(raw or ""))
    except ValueError:
        return timezone.localdate()
    return day if 1900 <= day.year <= 2999 else timezone.localdate()


class _Board:
    """One calendar on the page: the owners whose events it shows."""

    def __init__(self, owners: list) -> None:
        self.owners = owners

    def __str__(self) -> str:
        return ", ".join(str(o) for o in self.owners)

    @property
    def query(self) -> str:
        return urlencode([("owner", o.pk) for o in self.owners])


@login_required
@csp_update({"style-src": [NONCE], "font-src": ["data:"]})  # decision 0020
def calendar_page(request):
    """The calendar (FullCalendar: day, week, month); its events come from `calendar-events`.
    Managers and administrators choose colleagues' calendars (`users_in_scope`), overlaid in
    one calendar or side by side."""
    viewer = request.user
    chosen = calendar_events._owners(viewer, request.GET.getlist("owner"))
    side_by_side = request.GET.get("layout") == "side" and len(chosen) > 1
    boards = [_Board([o]) for o in chosen] if side_by_side else [_Board(chosen)]
    chosen_ids = {o.pk for o in chosen}
    language = translation.get_language() or ""
    context = {
        "nav": "calendar",
        "view": VIEWS.get(request.GET.get("view", ""), ""),
        "anchor": _day_from(request.GET.get("date")),
        "now": timezone.localtime(),  # the user's wall clock, for the form's default time
        "owners": [
            (u.pk, str(u), u.pk in chosen_ids)
            for u in users_in_scope(viewer, "activities")[: calendar_events.OWNER_CHOICES]
        ],
        "chosen": chosen,
        "boards": boards,
        "side_by_side": side_by_side,
        "locale": "zh-cn" if language.startswith("zh") else "en",
        "can_export": can_export(viewer),
    }
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
