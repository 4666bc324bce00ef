"""The only writers of ticket categories (administrators): two levels, names unique among
their siblings; a category is archived (`active` off), never deleted, so tickets keep it."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit, text
from kehu.core.records import locked_current
from kehu.service.categories.models import TicketCategory

FIELDS = ["name", "name_zh", "parent", "position", "active"]
MAX_POSITION = 10_000


def offered() -> QuerySet[TicketCategory]:
    """The active categories, parents before their children, for pickers."""
    return TicketCategory.objects.filter(active=True).select_related("parent")


def choices() -> list[tuple[int, str]]:
    """(id, "Parent › Child") of the active categories, each parent followed by its children."""
    rows = list(offered())
    tops = [c for c in rows if c.parent_id is None]
    result = []
    for top in tops:
        result.append((top.pk, top.path))
        result += [(c.pk, c.path) for c in rows if c.parent_id == top.pk]
    return result


def _name(value: Any, field: str, required: bool) -> str:
    name = " ".join(str(value or "").split())
    if required and not name:
        raise ValidationError({field: [_("This field is required.")]})
    if len(name) > 100:
        raise ValidationError({field: [_("Use at most 100 characters.")]})
    if text.has_control_characters(name):
        raise ValidationError({field: [text.one_line_message()]})
    return name


def _clean(category: TicketCategory, data: dict[str, Any]) -> None:
    """Apply `data` to `category`, checked; ValidationError (nothing applied) when wrong."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for field, required in (("name", True), ("name_zh", False)):
        try:
            values[field] = _name(data.get(field, getattr(category, field)), field, required)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    parent = category.parent
    if "parent" in data:
        parent = None
        if data["parent"] not in (None, ""):
            try:
                parent = TicketCategory.objects.filter(pk=int(data["parent"])).first()
            except (TypeError, ValueError, OverflowError):
                parent = None
            if parent is None:
                errors["parent"] = [_("Choose a category.")]
            elif parent.parent_id is not None or parent.pk == category.pk:
                errors["parent"] = [_("Choose a top-level category: categories have two levels.")]
            elif category.pk and category.children.exists():
                errors["parent"] = [_("This category has subcategories: it stays at the top.")]
    try:
        position = int(data.get("position", category.position) or 0)
        if not 0 <= position <= MAX_POSITION:
            raise ValueError
    except (TypeError, ValueError):
        errors["position"] = [_("Enter a number from 0 to 10000.")]
        position = category.position
    name = values.get("name", category.name)
    siblings = TicketCategory.objects.filter(parent=parent, name__iexact=name)
    if "name" not in errors and siblings.exclude(pk=category.pk).exists():
        errors["name"] = [_("A category with this name already exists here.")]
    if errors:
        raise ValidationError(errors)
    category.name, category.name_zh = values["name"], values["name_zh"]
    category.parent, category.position = parent, position
    category.active = bool(data.get("active", category.active))


def create_category(actor: User, data: dict[str, Any]) -> TicketCategory:
    require_admin(actor)
    category = TicketCategory()
    _clean(category, data)
    with transaction.atomic():
        category.save()
        audit.record(actor, category, "create", audit.diff({}, audit.snapshot(category, FIELDS)))
    return category


def update_category(
    actor: User,
    category: TicketCategory,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> TicketCategory:
    """Rename, move or archive a category; VersionConflict when it changed since it was read."""
    require_admin(actor)
    with transaction.atomic():
        current = locked_current(TicketCategory, category.pk, expected_version, changes)
        before = audit.snapshot(current, FIELDS)
        _clean(current, changes)
        after = audit.snapshot(current, FIELDS)
        if after != before:
            current.version += 1
            current.save()
            audit.record(actor, current, "update", audit.diff(before, after))
    return current
