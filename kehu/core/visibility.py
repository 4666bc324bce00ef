"""Who may see and change which records: role rights per module × record scope.

Every list, detail, search, export and API route filters through `filter_visible`
(via `Model.objects.visible_to(user)`); every service checks `require` / `require_record`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

if TYPE_CHECKING:
    from kehu.accounts.models import User

ACTIONS = ("read", "create", "edit", "delete", "export")
SCOPE_OWN, SCOPE_TEAM, SCOPE_ALL = "own", "team", "all"


def _is_live(user: User) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can(user: User, module: str, action: str) -> bool:
    """Whether the user's role grants `action` on `module` (scope aside)."""
    if not _is_live(user):
        return False
    if user.is_superuser:
        return True
    role = user.role
    return bool(role and action in role.permissions.get(module, []))


def scope_of(user: User, module: str | None = None) -> str:
    """The user's record scope, on `module`'s records when the role sets one for it."""
    if user.is_superuser:
        return SCOPE_ALL
    role = user.role
    if role is None:
        return SCOPE_OWN
    if module is not None and role.scopes:
        return role.scopes.get(module) or role.scope
    return role.scope


_Rows = TypeVar("_Rows", bound=QuerySet[Any])


def filter_visible(qs: _Rows, user: User, action: str = "read") -> _Rows:
    module = qs.model.module
    if not can(user, module, action):
        return qs.none()
    owners = owners_in_scope(user, module)
    if owners is None:
        return qs
    owned = Q(owner_id=owners) if isinstance(owners, int) else Q(owner_id__in=owners)
    widen = getattr(qs.model, "also_in_scope", None)
    if widen is not None:
        # a record kept by more than its owner (a ticket: its team, who opened it)
        return qs.filter(owned | widen(user))
    return qs.filter(owned)


def owners_in_scope(user: User, module: str | None = None) -> int | QuerySet[Any] | None:
    """The owners of every record (of `module`) `user` may see, as an id or a query of ids;
    None for all."""
    scope = scope_of(user, module)
    if scope == SCOPE_ALL:
        return None
    if scope == SCOPE_TEAM and user.team_id:
        from kehu.accounts.models import User

        return User.objects.filter(team_id=user.team_id).values("id")
    return user.pk


def in_scope(user: User, record: Any) -> bool:
    """Whether `record` falls inside the user's record scope (role rights aside)."""
    scope = scope_of(user, record.module)
    if scope == SCOPE_ALL:
        return True
    if record.owner_id == user.pk:
        return True
    if hasattr(record, "is_also_in_scope") and record.is_also_in_scope(user):
        return True
    if scope == SCOPE_TEAM and user.team_id and record.owner_id is not None:
        from kehu.accounts.models import User

        return User.objects.filter(pk=record.owner_id, team_id=user.team_id).exists()
    return False


def require(user: User, module: str, action: str) -> None:
    if not can(user, module, action):
        raise PermissionDenied(f"{action} on {module}")


def require_record(user: User, record: Any, action: str) -> None:
    """Raise 404 for a record the user cannot see, PermissionDenied when seen but not allowed."""
    if not (can(user, record.module, "read") and in_scope(user, record)):
        raise Http404
    require(user, record.module, action)
