"""The only writers of surveys (Settings → Surveys, /api/v1/surveys): administrators switch
the CSAT survey on or off and set up NPS surveys (who is asked, how often). Each write checks,
bumps the version and writes the audit entry in one transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit, conditions
from kehu.core.records import locked_current
from kehu.service.surveys.models import NAME_MAX_LENGTH, Survey, SurveyKind

FIELDS = ["kind", "name", "condition", "every_days", "active"]
MAX_EVERY_DAYS = 3650


def _clean(survey: Survey, data: dict[str, Any]) -> None:
    """Apply `data` to `survey`, checked; ValidationError (nothing applied) when wrong."""
    errors: dict[str, list[Any]] = {}
    kind = data.get("kind", survey.kind)
    if survey.pk and kind != survey.kind:
        errors["kind"] = [_("A survey keeps its kind.")]
    elif kind not in SurveyKind.values:
        errors["kind"] = [_("Choose CSAT or NPS.")]
    name = " ".join(str(data.get("name", survey.name) or "").split())
    if not name:
        errors["name"] = [_("Give it a name.")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("At most %(n)s characters.") % {"n": NAME_MAX_LENGTH}]
    condition = data.get("condition", survey.condition) or {}
    try:
        condition = conditions.clean("person", condition) if condition else {}
    except conditions.ConditionError as exc:
        errors["condition"] = [m for messages in exc.errors.values() for m in messages]
    try:
        every_days = int(data.get("every_days", survey.every_days))
    except (TypeError, ValueError, OverflowError):
        every_days = 0
    if not 1 <= every_days <= MAX_EVERY_DAYS:
        errors["every_days"] = [
            _("Between %(low)s and %(high)s days.") % {"low": 1, "high": MAX_EVERY_DAYS}
        ]
    active = bool(data.get("active", survey.active))
    if kind == SurveyKind.CSAT and not errors.get("kind"):
        others = Survey.objects.filter(kind=SurveyKind.CSAT).exclude(pk=survey.pk)
        if others.exists():
            errors["kind"] = [_("There is one CSAT survey: switch it on or off instead.")]
    if errors:
        raise ValidationError(errors)
    survey.kind, survey.name, survey.condition = kind, name, condition
    survey.every_days, survey.active = every_days, active


def create_survey(actor: User, data: dict[str, Any]) -> Survey:
    require_admin(actor)
    survey = Survey()
    _clean(survey, data)
    with transaction.atomic():
        survey.save()
        audit.record(actor, survey, "create", audit.diff({}, audit.snapshot(survey, FIELDS)))
    return survey


def update_survey(
    actor: User, survey: Survey, changes: dict[str, Any], expected_version: int | None = None
) -> Survey:
    """Change a survey; VersionConflict when it changed since it was read."""
    require_admin(actor)
    with transaction.atomic():
        current = locked_current(Survey, survey.pk, expected_version, changes)
        before = audit.snapshot(current, FIELDS)
        _clean(current, changes)
        after = audit.snapshot(current, FIELDS)
        if after != before:
            current.version += 1
            current.updated_at = timezone.now()
            current.save()
            audit.record(actor, current, "update", audit.diff(before, after))
    return current
