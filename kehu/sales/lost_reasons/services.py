"""The only writers of lost reasons (administrators only), and the check a deal's lost reason
passes: an existing reason, not archived (unless the deal already had it)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit
from kehu.core.records import locked_current
from kehu.sales.lost_reasons.models import OTHER, LostReason

FIELDS = ["name", "name_zh", "position", "archived"]
MAX_POSITION = 10_000


def active_reasons() -> QuerySet[LostReason]:
    """The reasons offered when a deal is marked lost, in the administrators' order."""
    return LostReason.objects.filter(archived=False)


def other_reason() -> LostReason:
    """ "Other": where a reason in the user's own words goes (old free-text reasons too)."""
    return LostReason.objects.get(key=OTHER)


def resolve_reason(value: Any, current_id: int | None = None) -> LostReason | None:
    """The reason `value` (an id or a LostReason) names; None for none. An unknown id is an
    error, and so is an archived reason, unless it is the one the deal has (`current_id`)."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, LostReason) else value
    try:
        reason = LostReason.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        reason = None
    if reason is None:
        raise ValidationError({"lost_reason": [_("Choose a lost reason from the list.")]})
    if reason.archived and reason.pk != current_id:
        # not named: a refusal says no more than one for an id no reason has
        raise ValidationError({"lost_reason": [_("This reason is archived: choose another one.")]})
    return reason


def _clean(reason: LostReason, data: dict[str, Any]) -> None:
    """Apply `data` to `reason`, checked; ValidationError (nothing applied) when wrong."""
    errors: dict[str, list[str]] = {}
    name = str(data.get("name", reason.name) or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    elif LostReason.objects.filter(name=name).exclude(pk=reason.pk).exists():
        errors["name"] = [_("There is already a reason with this name.")]
    elif len(name) > 100:
        errors["name"] = [_("Use at most 100 characters.")]
    name_zh = str(data.get("name_zh", reason.name_zh) or "").strip()
    if len(name_zh) > 100:
        errors["name_zh"] = [_("Use at most 100 characters.")]
    try:
        position = int(data.get("position", reason.position) or 0)
        if not 0 <= position <= MAX_POSITION:
            raise ValueError
    except (TypeError, ValueError):
        errors["position"] = [_("Enter a number from 0 to 10000.")]
        position = reason.position
    archived = bool(data.get("archived", reason.archived))
    if archived and reason.is_other:
        errors["archived"] = [_("“Other” stays: it takes every reason that is not on the list.")]
    if errors:
        raise ValidationError(errors)
    reason.name, reason.name_zh, reason.position, reason.archived = (
        name,
        name_zh,
        position,
        archived,
    )


def create_reason(actor: User, data: dict[str, Any]) -> LostReason:
    """A new reason of the administrator's own, shown as written (last, by default)."""
    require_admin(actor)
    data = dict(data)
    if data.get("position") in (None, ""):
        last = LostReason.objects.order_by("-position").first()
        data["position"] = min(last.position + 1, MAX_POSITION) if last else 0
    reason = LostReason()
    _clean(reason, data)
    with transaction.atomic():
        reason.save()
        audit.record(actor, reason, "create", audit.diff({}, audit.snapshot(reason, FIELDS)))
    return reason


def update_reason(
    actor: User, reason: LostReason, changes: dict[str, Any], expected_version: int | None = None
) -> LostReason:
    """Rename, move or archive (or bring back) a reason. Deals lost for it keep it.
    VersionConflict, and nothing changed, when someone changed it since `expected_version`."""
    require_admin(actor)
    with transaction.atomic():
        current = locked_current(LostReason, reason.pk, expected_version, changes)
        before = audit.snapshot(current, FIELDS)
        _clean(current, changes)
        after = audit.snapshot(current, FIELDS)
        if after != before:
            current.version += 1
            current.save()
            audit.record(actor, current, "update", audit.diff(before, after))
    return current


def save_reasons(actor: User, rows: list[dict[str, Any]]) -> list[LostReason]:
    """The settings page: every row changes its reason (`id`) or, with a name and no id, adds
    one; the rows' order is the reasons' order. All saved, or none (errors by row)."""
    require_admin(actor)
    existing = {r.pk: r for r in LostReason.objects.all()}
    errors: list[str] = []
    saved: list[LostReason] = []
    with transaction.atomic():
        for position, row in enumerate(rows):
            pk = row.get("id")
            name = str(row.get("name") or "").strip()
            data = {
                "name": name,
                "name_zh": row.get("name_zh") or "",
                "position": position,
                "archived": bool(row.get("archived")),
            }
            try:
                if pk in existing:
                    saved.append(update_reason(actor, existing[pk], data))
                elif pk:
                    errors.append(_("A reason on this page is gone: reload the page."))
                elif name:
                    saved.append(create_reason(actor, data))
            except ValidationError as exc:
                label = name or (existing[pk].name if pk in existing else "")
                errors += [f"{label}: {m}" if label else m for m in exc.messages]
        if errors:  # leaving the transaction by an exception: nothing is saved
            raise ValidationError({"reasons": errors})
    return saved
