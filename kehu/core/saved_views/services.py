"""The only writers of saved views and chosen columns.

Anyone may save views for themselves. Sharing a view with one's team takes a manager's role:
a record scope of the team or everyone (or an administrator). A shared view is read by the
team and changed only by its owner (or an administrator)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import audit, conditions, visibility
from kehu.core.records import update_versioned
from kehu.core.saved_views import columns as list_columns
from kehu.core.saved_views.models import LISTS, ListColumns, SavedView

LIST_KEYS = [key for key, _label in LISTS]
#: how many views one user may keep per list
MAX_VIEWS = 100


def may_share(user: User) -> bool:
    """A manager's right: their role sees the team's records or everyone's."""
    return user.is_admin or visibility.scope_of(user) in (
        visibility.SCOPE_TEAM,
        visibility.SCOPE_ALL,
    )


def visible_views(user: User) -> QuerySet[SavedView]:
    """The views `user` may use: their own and those shared with their team (administrators:
    every view)."""
    qs = SavedView.objects.all()
    if user.is_admin:
        return qs
    shared = Q(team_id=user.team_id) if user.team_id else Q(pk__in=[])
    return qs.filter(Q(owner=user) | shared)


def get_visible(user: User, pk: int) -> SavedView:
    view = visible_views(user).filter(pk=pk).select_related("owner").first()
    if view is None:
        raise Http404
    return view


def may_change(user: User, view: SavedView) -> bool:
    return view.owner_id == user.pk or user.is_admin


def _snapshot(view: SavedView) -> dict[str, Any]:
    return {
        "name": view.name,
        "condition": view.condition,
        "columns": view.columns,
        "sort": view.sort,
        "team": view.team_id,
    }


def _apply(actor: User, view: SavedView, data: dict[str, Any]) -> None:
    """Set and check the fields `data` names; ValidationError with every problem."""
    errors: dict[str, list[str]] = {}
    if "list" in data:
        if data["list"] not in LIST_KEYS:
            errors["list"] = [_("Unknown list.")]
        else:
            view.list_key = data["list"]
    if "name" in data:
        view.name = str(data["name"] or "").strip()
        if not view.name:
            errors["name"] = [_("Give the view a name.")]
        elif len(view.name) > 100:
            errors["name"] = [_("Use at most 100 characters.")]
    if errors.get("list"):
        raise ValidationError(errors)
    if "condition" in data:
        try:
            view.condition = conditions.clean(view.list_key, data["condition"])
        except conditions.ConditionError as exc:
            for where, messages in exc.errors.items():
                errors[f"condition.{where}" if where else "condition"] = messages
    if "columns" in data:
        chosen = data["columns"] or []
        try:
            view.columns = list_columns.clean(view.list_key, chosen) if chosen else []
        except ValueError as exc:
            errors["columns"] = [_("Unknown columns: %(keys)s.") % {"keys": str(exc)}]
    if "sort" in data:
        sort = str(data["sort"] or "")
        if len(sort) > 60 or (sort and not sort.lstrip("-").replace("_", "").isalnum()):
            errors["sort"] = [_("Unknown sort.")]
        view.sort = sort
    if "shared" in data:
        if data["shared"]:
            if not may_share(actor):
                raise PermissionDenied("sharing views takes a manager's role")
            if not view.owner.team_id:
                errors["shared"] = [_("The view's owner is in no team to share it with.")]
            view.team_id = view.owner.team_id
        else:
            view.team_id = None
    if errors:
        raise ValidationError(errors)


def create_view(actor: User, data: dict[str, Any]) -> SavedView:
    """Save a view for `actor`. Raises ValidationError (bad input) or PermissionDenied."""
    view = SavedView(owner=actor, list_key="")
    if "list" not in data:
        raise ValidationError({"list": [_("This field is required.")]})
    _apply(actor, view, {"name": "", **data})
    if SavedView.objects.filter(owner=actor, list_key=view.list_key).count() >= MAX_VIEWS:
        raise ValidationError(
            {"name": [_("You have too many views of this list; delete one first.")]}
        )
    with transaction.atomic():
        view.save()
        audit.record(actor, view, "create", audit.diff({}, _snapshot(view)))
    return view


def update_view(
    actor: User, view: SavedView, changes: dict[str, Any], expected_version: int | None = None
) -> SavedView:
    """Change a view its owner (or an administrator) may change; 412-style VersionConflict when
    it changed since `expected_version`."""
    if not may_change(actor, view):
        raise PermissionDenied("only the owner changes a view")
    if "list" in changes and changes["list"] != view.list_key:
        raise ValidationError({"list": [_("A view cannot move to another list.")]})
    return update_versioned(actor, view, changes, expected_version, _apply, _snapshot)


def delete_view(actor: User, view: SavedView) -> None:
    if not may_change(actor, view):
        raise PermissionDenied("only the owner deletes a view")
    with transaction.atomic():
        audit.record(actor, view, "delete", audit.diff(_snapshot(view), {}))
        view.delete()


def chosen_columns(user: User, list_key: str) -> list[str] | None:
    """The columns `user` chose for the list, or None (the list's default)."""
    row = (
        ListColumns.objects.filter(user=user, list_key=list_key)
        .values_list("columns", flat=True)
        .first()
    )
    return list(row) if row else None


def choose_columns(user: User, list_key: str, chosen: list[str] | None) -> list[str]:
    """Keep `user`'s columns for the list (empty or None: back to the default)."""
    if list_key not in LIST_KEYS:
        raise ValidationError({"list": [_("Unknown list.")]})
    if not chosen:
        ListColumns.objects.filter(user=user, list_key=list_key).delete()
        return list_columns.defaults(list_key)
    try:
        cleaned = list_columns.clean(list_key, chosen)
    except ValueError as exc:
        raise ValidationError(
            {"columns": [_("Unknown columns: %(keys)s.") % {"keys": str(exc)}]}
        ) from None
    ListColumns.objects.update_or_create(
        user=user, list_key=list_key, defaults={"columns": cleaned, "updated_at": timezone.now()}
    )
    return cleaned
