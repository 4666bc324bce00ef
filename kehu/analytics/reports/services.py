"""The only writers of saved reports and their schedules, and the one reader of which reports a
user may open.

Anyone may save reports for themselves. Sharing one with the team or everyone takes a manager's
role (as sharing a saved view does). A shared report is read by those it is shared with and
changed only by its owner (or an administrator); each viewer runs it over their own records."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.analytics.reports import definition as definitions
from kehu.analytics.reports.models import Report, ReportRun, ReportSchedule
from kehu.core import audit
from kehu.core.records import update_versioned
from kehu.core.saved_views.services import may_share

#: how many reports one user may keep
MAX_REPORTS = 200
MAX_RECIPIENTS = 50


def visible_reports(user: User) -> QuerySet[Report]:
    """The reports `user` may open: their own, those shared with their team and with everyone
    (administrators: every report)."""
    qs = Report.objects.select_related("owner")
    if user.is_admin:
        return qs
    shared = Q(sharing=Report.Sharing.EVERYONE)
    if user.team_id:
        shared |= Q(sharing=Report.Sharing.TEAM, team_id=user.team_id)
    return qs.filter(Q(owner=user) | shared)


def get_visible(user: User, pk: Any) -> Report:
    """The report `pk` if `user` may open it; Http404 otherwise (a missing one alike)."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    report = visible_reports(user).filter(pk=number).first()
    if report is None:
        raise Http404
    return report


def may_change(user: User, report: Report) -> bool:
    return report.owner_id == user.pk or user.is_admin


def _snapshot(report: Report) -> dict[str, Any]:
    return {
        "name": report.name,
        "definition": report.definition,
        "sharing": report.sharing,
        "team": report.team_id,
    }


def _apply(actor: User, report: Report, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "name" in data:
        report.name = str(data["name"] or "").strip()
        if not report.name:
            errors["name"] = [_("Give the report a name.")]
        elif len(report.name) > 100:
            errors["name"] = [_("Use at most 100 characters.")]
    if "definition" in data:
        try:
            report.definition = definitions.clean(data["definition"])
        except ValidationError as exc:
            for where, messages in exc.message_dict.items():
                errors[f"definition.{where}" if where != "definition" else where] = messages
    if "sharing" in data:
        sharing = data["sharing"]
        if sharing not in Report.Sharing.values:
            errors["sharing"] = [_("Choose one of: %(values)s.") % {
                "values": ", ".join(Report.Sharing.values)}]  # fmt: skip
        elif sharing == Report.Sharing.PRIVATE:
            report.sharing, report.team_id = sharing, None
        else:
            if not may_share(actor):
                raise PermissionDenied("sharing reports takes a manager's role")
            if sharing == Report.Sharing.TEAM and not report.owner.team_id:
                errors["sharing"] = [_("The report's owner is in no team to share it with.")]
            report.sharing = sharing
            report.team_id = report.owner.team_id if sharing == Report.Sharing.TEAM else None
    if errors:
        raise ValidationError(errors)


def create_report(actor: User, data: dict[str, Any]) -> Report:
    """Save a report for `actor`; ValidationError naming each bad field, PermissionDenied for
    sharing without a manager's role."""
    report = Report(owner=actor)
    if "definition" not in data:
        raise ValidationError({"definition": [_("This field is required.")]})
    _apply(actor, report, {"name": "", **data})
    if Report.objects.filter(owner=actor).count() >= MAX_REPORTS:
        raise ValidationError({"name": [_("You have too many reports; delete one first.")]})
    with transaction.atomic():
        report.save()
        audit.record(actor, report, "create", audit.diff({}, _snapshot(report)))
    return report


def update_report(
    actor: User, report: Report, changes: dict[str, Any], expected_version: int | None = None
) -> Report:
    """Change a report its owner (or an administrator) may change; VersionConflict (412) when it
    changed since `expected_version`."""
    if not may_change(actor, report):
        raise PermissionDenied("only the owner changes a report")
    return update_versioned(actor, report, changes, expected_version, _apply, _snapshot)


def delete_report(actor: User, report: Report) -> None:
    """Delete a report (its owner or an administrator), its schedule with it."""
    if not may_change(actor, report):
        raise PermissionDenied("only the owner deletes a report")
    with transaction.atomic():
        audit.record(actor, report, "delete", audit.diff(_snapshot(report), {}))
        report.delete()


# ---------------------------------------------------------------------- schedules


def _recipients(raw: Any) -> list[User]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError({"recipients": [_("Choose at least one recipient.")]})
    if len(raw) > MAX_RECIPIENTS:
        raise ValidationError(
            {"recipients": [_("At most %(n)s recipients.") % {"n": MAX_RECIPIENTS}]}
        )
    ids = []
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise ValidationError({"recipients": [_("Expected user ids.")]})
        text = str(item).strip()
        if not text.isdigit() or len(text) > 18:
            raise ValidationError({"recipients": [_("Expected user ids.")]})
        ids.append(int(text))
    users = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(users) != len(set(ids)):
        raise ValidationError({"recipients": [_("Recipients must be active users.")]})
    return users


def _number(data: dict[str, Any], key: str, low: int, high: int, default: int) -> int:
    raw = data.get(key, default)
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise ValidationError({key: [_("Enter a whole number from %(a)s to %(b)s.") % {
            "a": low, "b": high}]})  # fmt: skip
    number = int(raw)
    if not low <= number <= high:
        raise ValidationError({key: [_("Enter a whole number from %(a)s to %(b)s.") % {
            "a": low, "b": high}]})  # fmt: skip
    return number


def set_schedule(actor: User, report: Report, data: dict[str, Any] | None) -> ReportSchedule | None:
    """Email `report` on a schedule (`data`: frequency, hour, weekday, day, recipients), or
    stop emailing it (`data` None). Its owner (or an administrator) only; recipients must be
    active users."""
    from kehu.analytics.reports.schedules import next_run

    if not may_change(actor, report):
        raise PermissionDenied("only the owner schedules a report")
    if data is None:
        with transaction.atomic():
            found = ReportSchedule.objects.filter(report=report).first()
            if found is not None:
                audit.record(actor, report, "update", {"schedule": [found.frequency, None]})
                found.delete()
        return None
    frequency = data.get("frequency")
    if frequency not in ReportSchedule.Frequency.values:
        raise ValidationError({"frequency": [_("Choose daily, weekly or monthly.")]})
    hour = _number(data, "hour", 0, 23, 8)
    weekday = _number(data, "weekday", 0, 6, 0)
    day = _number(data, "day", 1, 28, 1)
    recipients = _recipients(data.get("recipients"))
    with transaction.atomic():
        schedule = ReportSchedule.objects.filter(report=report).first() or ReportSchedule(
            report=report
        )
        before = schedule.frequency if schedule.pk else None
        schedule.frequency, schedule.hour = frequency, hour
        schedule.weekday, schedule.day = weekday, day
        schedule.active = True
        schedule.next_run_at = next_run(schedule, report.owner)
        if schedule.pk:
            schedule.version += 1
        schedule.updated_at = timezone.now()
        schedule.save()
        schedule.recipients.set(recipients)
        audit.record(
            actor,
            report,
            "update",
            {"schedule": [before, f"{frequency} {hour}:00 → {sorted(u.pk for u in recipients)}"]},
        )
    return schedule


def start_run(viewer: User, report: Report | None, parsed: Any) -> ReportRun:
    """A run of `parsed` for `viewer` to be made in the worker (too many records for a page):
    the row the page polls, not yet run."""
    return ReportRun.objects.create(viewer=viewer, report=report, definition=parsed.as_json())


#: how long a worker run of the same definition is reused for the same viewer (a reload)
REUSE = datetime.timedelta(minutes=10)


def recent_run(viewer: User, parsed: Any) -> ReportRun | None:
    """The viewer's run of the same definition made in the worker in the last REUSE, if any."""
    return (
        ReportRun.objects.filter(
            viewer=viewer, definition=parsed.as_json(), created_at__gte=timezone.now() - REUSE
        )
        .exclude(status=ReportRun.Status.FAILED)
        .order_by("-created_at")
        .first()
    )


def run_in_worker(viewer: User, report: Report | None, parsed: Any) -> ReportRun:
    """The viewer's worker run of `parsed`: the one made in the last REUSE (a reload, an
    export after viewing), else a new one queued for the worker."""
    recent = recent_run(viewer, parsed)
    if recent is not None:
        return recent
    from kehu.analytics.reports.tasks import run_report_in_background

    run = start_run(viewer, report, parsed)
    run_report_in_background.enqueue(str(run.pk))
    run.refresh_from_db()  # an immediate backend (tests, one machine) has run it already
    return run


def own_run(viewer: User, run_id: Any) -> ReportRun:
    """A run the viewer asked for; anyone else's (or no run) answers 404."""
    try:
        return ReportRun.objects.get(pk=run_id, viewer=viewer)
    except (ReportRun.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def schedule_of(report: Report) -> ReportSchedule | None:
    """The report's email schedule (a report the caller has already loaded through the door)."""
    return ReportSchedule.objects.filter(report=report).first()


def recipient_choices() -> QuerySet[User]:
    """Who a schedule may send to: every active user of the instance (each gets the report
    run as themself, so naming a colleague shows them nothing of the owner's records)."""
    return User.objects.filter(is_active=True).order_by("username")
