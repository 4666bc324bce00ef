"""The only writers of SLA policies and working calendars (administrators). A change to either
moves the due times of every unsolved ticket it touches: a task recomputes them after the
commit (`tasks.recompute_sla`)."""

import datetime
import re
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import Team, User
from kehu.accounts.services import require_admin
from kehu.core import audit, visibility
from kehu.core.records import locked_current
from kehu.customers.models import Tag
from kehu.service.sla.calendar import (
    WorkingCalendar,
    china_has_data,
    default_hours,
    validate_hours,
)
from kehu.service.sla.models import BusinessCalendar, SlaPolicy, hours_from_json, hours_to_json
from kehu.service.tickets.models import Ticket

POLICY_FIELDS = ["name", "priority", "tier_tag", "first_response_minutes", "resolution_minutes",
                 "warn_minutes", "escalate_to", "raise_priority", "position", "active"]  # fmt: skip
CALENDAR_FIELDS = ["name", "team", "time_zone", "hours", "china_holidays", "holidays", "workdays"]
MAX_MINUTES = 365 * 24 * 60


def _out_of_order() -> str:
    return _("Working periods of a day must be in order, must not overlap and must last some time.")


PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")


def _minutes(value: Any, field: str, allow_zero: bool = False) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = -1
    if not (0 if allow_zero else 1) <= minutes <= MAX_MINUTES:
        raise ValidationError({field: [_("Enter a number of minutes from 1 to 525600.")]})
    return minutes


def _clean_policy(policy: SlaPolicy, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}

    def check(field: str, clean: Any) -> None:
        if field in data:
            try:
                setattr(policy, field, clean(data[field]))
            except ValidationError as exc:
                errors.update(exc.message_dict)

    def name(value: Any) -> str:
        text = " ".join(str(value or "").split())
        if not text or len(text) > 100:
            raise ValidationError({"name": [_("Give a name of up to 100 characters.")]})
        return text

    def priority(value: Any) -> str:
        if value in (None, ""):
            return ""
        if value not in Ticket.Priority.values:
            raise ValidationError({"priority": [_("Choose one of the offered values.")]})
        return str(value)

    def tag(value: Any) -> Tag | None:
        if value in (None, ""):
            return None
        found = Tag.objects.filter(pk=value).first() if str(value).isdigit() else None
        if found is None:
            raise ValidationError({"tier_tag": [_("Choose a tag.")]})
        return found

    def escalate(value: Any) -> User | None:
        if value in (None, ""):
            return None
        found = (
            User.objects.filter(pk=value, is_active=True).first() if str(value).isdigit() else None
        )
        if found is None or not visibility.can(found, "service", "edit"):
            raise ValidationError(
                {"escalate_to": [_("Choose an active colleague who works tickets.")]}
            )
        return found

    check("name", name)
    check("priority", priority)
    check("tier_tag", tag)
    check("first_response_minutes", lambda v: _minutes(v, "first_response_minutes"))
    check("resolution_minutes", lambda v: _minutes(v, "resolution_minutes"))
    check("warn_minutes", lambda v: _minutes(v, "warn_minutes", allow_zero=True))
    check("escalate_to", escalate)
    check("raise_priority", bool)
    check("position", lambda v: _minutes(v or 0, "position", allow_zero=True))
    check("active", bool)
    if not errors and policy.resolution_minutes < policy.first_response_minutes:
        errors["resolution_minutes"] = [
            _("The resolution cannot be due before the first response.")
        ]
    if errors:
        raise ValidationError(errors)


def _recompute_later(team_ids: list[int | None] | None) -> None:
    from kehu.service.sla.tasks import recompute_sla

    transaction.on_commit(lambda: recompute_sla.enqueue(team_ids))


def save_policy(
    actor: User, policy: SlaPolicy | None, data: dict[str, Any], expected_version: int | None = None
) -> SlaPolicy:
    """Add or change a policy; every unsolved ticket gets its policy and due times again."""
    require_admin(actor)
    with transaction.atomic():
        if policy is None:
            current = SlaPolicy()
            before: dict[str, Any] = {}
        else:
            current = locked_current(SlaPolicy, policy.pk, expected_version, data)
            before = audit.snapshot(current, POLICY_FIELDS)
        _clean_policy(current, data)
        after = audit.snapshot(current, POLICY_FIELDS)
        if after != before:
            if current.pk:
                current.version += 1
            current.save()
            audit.record(
                actor, current, "update" if before else "create", audit.diff(before, after)
            )
            _recompute_later(None)
    return current


def parse_periods(text: str) -> list[list[str]]:
    """ "09:00-12:00, 13:00-18:00" as [["09:00", "12:00"], ["13:00", "18:00"]]; "" → none."""
    periods = []
    for part in re.split(r"[,，;；\n]+", text or ""):
        if not part.strip():
            continue
        found = PERIOD.match(part)
        if not found:
            raise ValueError(_("Write working periods like 09:00-12:00, 13:00-18:00."))
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(_("Write working periods like 09:00-12:00, 13:00-18:00."))
        periods.append([f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"])
    return periods


def _dates(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[\s,，;；]+", value)
    days = []
    for item in value or []:
        if not str(item).strip():
            continue
        try:
            days.append(datetime.date.fromisoformat(str(item).strip()).isoformat())
        except ValueError as exc:
            raise ValidationError({field: [_("Write dates as 2026-10-01, one a line.")]}) from exc
    return sorted(set(days))


def _clean_calendar(calendar: BusinessCalendar, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "name" in data:
        calendar.name = " ".join(str(data["name"] or "").split())[:100]
        if not calendar.name:
            errors["name"] = [_("This field is required.")]
    if "team" in data:
        team = Team.objects.filter(pk=data["team"]).first() if data["team"] else None
        if data["team"] and team is None:
            errors["team"] = [_("Choose a team.")]
        others = BusinessCalendar.objects.filter(team=team).exclude(pk=calendar.pk)
        if others.exists():
            errors["team"] = [_("This team has a calendar already.")]
        calendar.team = team
    if "time_zone" in data:
        calendar.time_zone = str(data["time_zone"] or "")
        try:
            zoneinfo.ZoneInfo(calendar.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = [_("Choose a time zone such as Asia/Shanghai.")]
    if "hours" in data:
        try:
            hours = hours_from_json(data["hours"])
            validate_hours(hours)
        except (ValueError, TypeError):
            # the engine's own words are English: an admin reads them in their language
            errors["hours"] = [_out_of_order()]
        else:
            if any(hours.values()):
                calendar.hours = hours_to_json(hours)
            else:
                errors["hours"] = [_("Give at least one working period.")]
    if not calendar.hours and "hours" not in data:
        calendar.hours = hours_to_json(default_hours())
    for field in ("holidays", "workdays"):
        if field in data:
            try:
                setattr(calendar, field, _dates(data[field], field))
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if "china_holidays" in data:
        calendar.china_holidays = bool(data["china_holidays"])
    if errors:
        raise ValidationError(errors)
    try:
        calendar.engine()
    except ValueError as exc:
        raise ValidationError({"hours": [_out_of_order()]}) from exc


def save_calendar(
    actor: User,
    calendar: BusinessCalendar | None,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> BusinessCalendar:
    """Add or change a working calendar; the unsolved tickets it times get new due times."""
    require_admin(actor)
    with transaction.atomic():
        if calendar is None:
            current = BusinessCalendar()
            before: dict[str, Any] = {}
        else:
            current = locked_current(BusinessCalendar, calendar.pk, expected_version, data)
            before = audit.snapshot(current, CALENDAR_FIELDS)
        old_team = current.team_id
        _clean_calendar(current, data)
        after = audit.snapshot(current, CALENDAR_FIELDS)
        if after != before:
            if current.pk:
                current.version += 1
            current.updated_at = timezone.now()
            current.save()
            audit.record(
                actor, current, "update" if before else "create", audit.diff(before, after)
            )
            teams: set[int | None] = {old_team, current.team_id}
            _recompute_later(None if None in teams else list(teams))
    return current


def holiday_warning(calendar: WorkingCalendar, today: datetime.date | None = None) -> list[int]:
    """The years (this one and the next) for which mainland China's holidays are not known yet:
    those days count as ordinary weekdays until the package is updated."""
    if not calendar.china_holidays:
        return []
    year = (today or timezone.localdate()).year
    return [y for y in (year, year + 1) if not china_has_data(y)]
