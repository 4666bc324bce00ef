# mypy: disable-error-code="arg-type"
"""The "My day" page and its one-click actions (done, reschedule), which answer htmx with the
sections again (so a repeating task's next occurrence shows) and plain forms with a redirect."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.activities import services
from kehu.activities.models import Activity
from kehu.activities.my_day import services as my_day
from kehu.core.access import get_visible_or_404, users_in_scope
from kehu.core.records import VersionConflict
from kehu.core.urls import record_url
from kehu.web import undo

TITLES = {
    "overdue": lambda: _("Overdue"),
    "today": lambda: _("Today"),
    "upcoming": lambda: _("Coming week"),
    "no_due": lambda: _("No due date"),
    "meetings": lambda: _("Today's meetings"),
}
EMPTY = {
    "overdue": lambda: _("Nothing overdue."),
    "today": lambda: _("Nothing due today."),
    "upcoming": lambda: _("Nothing due in the coming week."),
    "no_due": lambda: _("No tasks without a due date."),
    "meetings": lambda: _("No meetings today."),
}
ORDER = ("overdue", "today", "meetings", "upcoming", "no_due")


def _id(raw) -> int | None:
    raw = str(raw or "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _owner(request, source):
    """The person whose day is shown: `owner` if the viewer's scope covers them, else the
    viewer (a rep asking for a colleague's day gets their own, never the colleague's)."""
    viewer = request.user
    wanted = _id(source.get("owner"))
    if wanted and wanted != viewer.pk:
        found = users_in_scope(viewer, "activities").filter(pk=wanted).first()
        if found is not None:
            return found
    return viewer


TASK_ROW = (
    '<li data-task="{pk}"><div class="what"><span class="subject">{subject}</span>{record}'
    "{priority}{repeat}</div>{when}"
    '<form class="row-actions" method="post" action="{move}" hx-post="{move}" '
    'hx-target="#my-day" hx-swap="outerHTML">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="hidden" name="owner" value="{owner}">'
    '<button type="submit" class="button small" formaction="{done}" hx-post="{done}" '
    "data-done>{l_done}</button>"
    "<details><summary>{l_reschedule}</summary>"
    '<button type="submit" name="when" value="tomorrow" class="button small">{l_tomorrow}'
    "</button>"
    '<button type="submit" name="when" value="next_week" class="button small">{l_next_week}'
    "</button>"
    '<label class="muted">{l_new_due} <input type="datetime-local" name="due_at" '
    'value="{picker}"></label>'
    '<button type="submit" name="when" value="pick" class="button small">{l_move}</button>'
    "</details></form></li>"
)
MEETING_ROW = (
    '<li data-meeting="{pk}"><div class="what"><span class="subject">{subject}</span>{record}'
    '</div><span class="due">{when}–{until}{place}</span>{host}</li>'
)


class _Keep(dict):
    """format_map() that leaves the placeholders it has no value for as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _rows(sections: dict, key: str, owner, csrf: str) -> list:
    """The rows' HTML. Built here with format_html (every value escaped) rather than with a
    template per row: at 245 rows the template engine cost more than all the page's queries
    together (bench/my_day.py, docs/benchmarks.md)."""
    labels = {f"l_{name}": label for name, label in _labels().items()}
    # what is the same on every row goes in once (escaped, and braces doubled so the result
    # is still a format string for the row's own values)
    constants = {**labels, "csrf": csrf, "owner": owner.pk}
    escaped = {
        k: str(escape(v)).replace("{", "{{").replace("}", "}}") for k, v in constants.items()
    }
    task_row = TASK_ROW.format_map(_Keep(escaped))
    meetings = key == "meetings"
    time_format = "%H:%M" if key in ("today", "meetings") else "%Y-%m-%d %H:%M"
    rows = []
    for a in sections[key].rows:
        record = a.shown_record
        link = (
            format_html(' · <a href="{}">{}</a>', record.get_absolute_url(), record)
            if record is not None
            else ""
        )
        moment = a.at if meetings else a.due_at
        local = timezone.localtime(moment) if moment else None
        when = local.strftime(time_format) if local else ""
        values = {"pk": a.pk, "subject": a.subject or a.get_kind_display(), "record": link}
        if meetings:
            until = timezone.localtime(a.ends_at).strftime("%H:%M") if a.ends_at else ""
            values.update(
                when=when,
                until=until,
                place=format_html(" · {}", a.place) if a.place else "",
                # an invitation: whose meeting it is (its owner comes with select_related)
                host=format_html(' <span class="muted">{}</span>', a.owner)
                if a.owner_id != owner.pk
                else "",
            )
            rows.append(format_html(MEETING_ROW, **values))
            continue
        priority = ""
        if a.priority == Activity.Priority.HIGH:
            priority = format_html(' <span class="badge high">{}</span>', labels["l_high"])
        elif a.priority == Activity.Priority.LOW:
            priority = format_html(' <span class="muted">{}</span>', labels["l_low"])
        overdue = " overdue" if key == "overdue" else ""
        values.update(
            priority=priority,
            repeat=mark_safe(' <span class="muted">↻</span>') if a.repeat else "",  # noqa: S308
            when=format_html('<span class="due{}">{}</span>', overdue, when) if when else "",
            picker=(local or timezone.localtime()).strftime("%Y-%m-%dT%H:%M"),
            # record_url: reverse() once per page, not once per row
            done=record_url("my-day-done", a.pk),
            move=record_url("my-day-reschedule", a.pk),
        )
        rows.append(format_html(task_row, **values))
    return rows


def _labels() -> dict:
    return {
        "done": _("Done"),
        "reschedule": _("Reschedule"),
        "tomorrow": _("Tomorrow"),
        "next_week": _("Next week"),
        "new_due": _("New due time"),
        "move": _("Move"),
        "high": str(Activity.Priority.HIGH.label),
        "low": str(Activity.Priority.LOW.label),
    }


def _context(request, owner, notice: str = "", error: str = "") -> dict:
    viewer = request.user
    sections = my_day.my_day(viewer, owner)
    today = timezone.localdate()
    csrf = get_token(request)
    return {
        "owner": owner,
        "own": owner.pk == viewer.pk,
        "sections": [
            {
                "key": key,
                "title": TITLES[key](),
                "empty": EMPTY[key](),
                "section": sections[key],
                "rows": _rows(sections, key, owner, csrf),
                "meetings": key == "meetings",
            }
            for key in ORDER
        ],
        "all_empty": my_day.is_empty(sections),
        "today": today,
        "notice": notice,
        "error": error,
    }


@login_required
def my_day_page(request):
    """What the user (or, for a manager, a teammate) has to do today."""
    owner = _owner(request, request.GET)
    context = _context(request, owner)
    choices = list(users_in_scope(request.user, "activities")[:200])
    context.update({"nav": "my-day", "choices": choices if len(choices) > 1 else []})
    return render(request, "activities/my_day.html", context)


def _task(request, pk) -> Activity:
    return get_visible_or_404(
        Activity, request.user, pk, queryset=Activity.objects.filter(kind=Activity.Kind.TASK)
    )


def _answer(request, owner, notice: str = "", error: str = ""):
    if request.htmx:
        context = _context(request, owner, notice, error)
        return render(request, "activities/_my_day_sections.html", context)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    url = reverse("my-day")
    return redirect(url if owner.pk == request.user.pk else f"{url}?owner={owner.pk}")


def _refused(request, owner):
    """One who may see a task but not change it (a read-only role): the 403 page, or for
    htmx (which shows nothing of a 403) the sections with the reason."""
    if not request.htmx:
        raise PermissionDenied
    return _answer(request, owner, error=_("You may see this task but not change it."))


def _moment(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@login_required
@require_POST
def my_day_done(request, pk):
    """One click: the task is done (a repeating one makes its next occurrence)."""
    task = _task(request, pk)
    owner = _owner(request, request.POST)
    try:
        task, following = services.complete_task(request.user, task)
    except ValidationError as exc:
        return _answer(request, owner, error=" ".join(exc.messages))
    except PermissionDenied:
        return _refused(request, owner)
    notice = _("“%(task)s” is done.") % {"task": task}
    if following is not None and following.due_at:
        notice = _("“%(task)s” is done. The next one is due %(when)s.") % {
            "task": task,
            "when": _moment(following.due_at),
        }
    # the confirmation region, not the sections, says it: there it carries an Undo button
    undo.offer(request, notice, "done", task)
    return _answer(request, owner)


def _new_due(task: Activity, data) -> datetime.datetime:
    """tomorrow / next week (at the task's time of day, 09:00 without one), or a picked
    date and time in the viewer's time zone."""
    choice = data.get("when", "")  # "pick": the date and time in `due_at`
    today = timezone.localdate()
    at = timezone.localtime(task.due_at).time() if task.due_at else datetime.time(9, 0)
    if choice in ("tomorrow", "next_week"):
        day = today + datetime.timedelta(days=1 if choice == "tomorrow" else 7)
        return timezone.make_aware(datetime.datetime.combine(day, at))
    raw = str(data.get("due_at", "")).strip()
    try:
        picked = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("Choose tomorrow, next week or a date and time.")) from None
    if not 2000 <= picked.year <= today.year + 10:  # a typo, not a plan
        raise ValidationError(_("Choose a date within the next ten years."))
    if picked.tzinfo is None:
        picked = timezone.make_aware(picked)
    return picked


@login_required
@require_POST
def my_day_reschedule(request, pk):
    """Move a task's due time: tomorrow, next week or a picked date and time."""
    task = _task(request, pk)
    owner = _owner(request, request.POST)
    try:
        due = _new_due(task, request.POST)
        task = services.reschedule_task(request.user, task, due)
    except VersionConflict:
        return _answer(request, owner, error=_("Someone else changed this task meanwhile."))
    except PermissionDenied:
        return _refused(request, owner)
    except ValidationError as exc:
        return _answer(request, owner, error=" ".join(exc.messages))
    notice = _("“%(task)s” is now due %(when)s.") % {"task": task, "when": _moment(task.due_at)}
    return _answer(request, owner, notice)
