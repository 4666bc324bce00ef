"""Who sees the ROI page and the only writer of its inputs. Administrators see and change
them; managers (record scope team or all) see the page read-only, over the records they may
see; reps not at all."""

from __future__ import annotations

import decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.analytics.roi.models import RoiInputs
from kehu.core import audit, visibility
from kehu.core.records import check_version

MONEY_FIELDS = ("hosting_monthly", "hourly_rate", "training_monthly")
FIELDS = [*MONEY_FIELDS, "staff_hours_monthly", "gross_margin_percent"]
MAX_MONEY = decimal.Decimal("999999999999.99")
MAX_HOURS = decimal.Decimal("99999999.99")
CENT = decimal.Decimal("0.01")


def may_see(user: User) -> bool:
    return bool(
        visibility._is_live(user)
        and (user.is_admin or visibility.scope_of(user) in (visibility.SCOPE_TEAM,
                                                             visibility.SCOPE_ALL))
        and visibility.can(user, "sales", "read")
    )  # fmt: skip


def may_change(user: User) -> bool:
    return bool(visibility._is_live(user) and user.is_admin)


def current_inputs(viewer: User) -> RoiInputs:
    """The saved inputs (zeros before anyone entered them); PermissionDenied for a viewer who
    may not see the page."""
    if not may_see(viewer):
        raise PermissionDenied(_("Only administrators and managers see the ROI page."))
    return RoiInputs.objects.order_by("pk").first() or RoiInputs()


def _number(
    value: Any, field: str, most: decimal.Decimal, errors: dict[str, list[str]]
) -> decimal.Decimal | None:
    try:
        number = decimal.Decimal(str(value).strip().replace(",", "")).quantize(CENT)
        if not number.is_finite() or not 0 <= number <= most:
            raise ValueError
        return number
    except (decimal.InvalidOperation, ValueError, TypeError):
        errors[field] = [_("Enter a number from 0 to %(most)s.") % {"most": f"{most:,}"}]
        return None


def clean(data: dict[str, Any], inputs: RoiInputs) -> dict[str, Any]:
    """The values of `data` (missing ones keep `inputs`'), checked: ValidationError naming
    each bad field."""
    errors: dict[str, list[str]] = {}
    found: dict[str, Any] = {}
    for field in FIELDS:
        given = data.get(field, getattr(inputs, field))
        if field == "gross_margin_percent":
            if given in (None, ""):
                found[field] = None
                continue
            most = decimal.Decimal(100)
        else:
            given = 0 if given in (None, "") else given
            most = MAX_HOURS if field == "staff_hours_monthly" else MAX_MONEY
        found[field] = _number(given, field, most, errors)
    if errors:
        raise ValidationError(errors)
    return found


def save_inputs(
    actor: User, data: dict[str, Any], expected_version: int | None = None
) -> RoiInputs:
    """Save the ROI inputs (administrators only), audited; VersionConflict, and nothing
    saved, when someone saved them since `expected_version`."""
    if not may_change(actor):
        raise PermissionDenied(_("Only administrators change the ROI inputs."))
    with transaction.atomic():
        current = RoiInputs.objects.select_for_update().order_by("pk").first()
        if current is None:
            current = RoiInputs()
            check_version(current, expected_version, data)
            values = clean(data, current)
            for field, value in values.items():
                setattr(current, field, value)
            # version 1 was the zeros shown before anyone saved: a form read then is stale now
            current.version = 2
            current.updated_by, current.updated_at = actor, timezone.now()
            current.save()
            audit.record(actor, current, "create",
                         audit.diff({}, audit.snapshot(current, FIELDS)))  # fmt: skip
            return current
        check_version(current, expected_version, data)
        before = audit.snapshot(current, FIELDS)
        for field, value in clean(data, current).items():
            setattr(current, field, value)
        after = audit.snapshot(current, FIELDS)
        if after != before:
            current.version += 1
            current.updated_by, current.updated_at = actor, timezone.now()
            current.save()
            audit.record(actor, current, "update", audit.diff(before, after))
    return current
