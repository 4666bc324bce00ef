"""The read door for pages, forms, API routes and tasks: one record by id, and the colleagues
a user may list or pick. Both rest on `visible_to` and the role's record scope
(kehu/core/visibility.py), so a record or a colleague outside the user's reach is never named.
tests/core/test_read_door.py fails when a view, form, API or task module reads records past it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

from kehu.core import visibility

if TYPE_CHECKING:
    from kehu.accounts.models import User
    from kehu.core.models import Record, RecordQuerySet

RecordT = TypeVar("RecordT", bound="Record")

#: modules whose records follow the record they are logged on and have no role right of
#: their own (activities: decision 0014); for them the record scope alone decides
SCOPE_ONLY_MODULES = frozenset({"activities"})


def get_visible_or_404(
    model: type[RecordT],
    user: User,
    pk: object,
    action: str = "read",
    *,
    include_bin: bool = False,
    queryset: models.QuerySet[Any] | None = None,
) -> RecordT:
    """The record `pk` of `model` if `user` may `action` it, else Http404 (never 403: a
    record one may not see does not exist for them). Binned records only with `include_bin`;
    `queryset` (of `model`) adds joins or narrows further, and is filtered by the door too."""
    if queryset is None:
        queryset = model.all_objects.all() if include_bin else model.objects.all()
    elif queryset.model is not model:
        raise TypeError(f"queryset of {queryset.model.__name__}, not {model.__name__}")
    elif not include_bin:
        queryset = queryset.filter(deleted_at__isnull=True)
    try:
        # a Record's querysets are RecordQuerySets, which the stubs cannot tell from the model
        visible = cast("RecordQuerySet[RecordT]", queryset).visible_to(user, action)
        found: RecordT | None = visible.filter(pk=pk).first()
    except (TypeError, ValueError, ValidationError, OverflowError):
        found = None  # not an id at all
    if found is None:
        raise Http404(f"No {model._meta.object_name} matches the given query.")
    return found


def users_in_scope(
    user: User, module: str, action: str = "read", *, scope: str | None = None
) -> models.QuerySet[User]:
    """The active colleagues `user` may list or pick for `action` on `module` (filters, owner
    and assignee pickers, calendars, My day), by username: own scope → themself, team → their
    team (themself without one), all → everyone; nobody without the right.

    `scope` replaces the role's scope (and its right on `module`) for a picker whose reach
    does not come from the user's record rights: an administrator's settings, meeting
    attendees. Say why at the call."""
    from kehu.accounts.models import User

    users = User.objects.filter(is_active=True).order_by("username")
    reach = _reach(user, module, action, scope)
    if reach is None:
        return users.none()
    if reach == visibility.SCOPE_ALL:
        return users
    if reach == visibility.SCOPE_TEAM and user.team_id:
        return users.filter(team_id=user.team_id)
    return users.filter(pk=user.pk)


def _reach(user: User, module: str, action: str, scope: str | None) -> str | None:
    """Whose names `users_in_scope` lists: everyone (all), the user's team (team), only the
    user (own), or nobody (None)."""
    if not visibility._is_live(user):
        return None
    if scope is None:
        if module not in SCOPE_ONLY_MODULES and not visibility.can(user, module, action):
            return None
        scope = visibility.scope_of(user, module)
    if scope == visibility.SCOPE_ALL:
        return scope
    if scope == visibility.SCOPE_TEAM and user.team_id:
        return scope
    return visibility.SCOPE_OWN


#: how many colleagues a picker lists
CHOICE_LIMIT = 200


def colleague_choices(user: User, module: str, action: str = "read") -> list[tuple[int, str]]:
    """(id, name) of the first CHOICE_LIMIT of `users_in_scope`, for pickers. Kept on the
    user object, which lives for one request: a list page's owner filter and its bulk bar
    name the same colleagues, so the second asks no query."""
    key = _reach(user, module, action, None)
    if key is None:
        return []
    if key == visibility.SCOPE_OWN:
        return [(user.pk, str(user))]  # a live user (`_reach`) reaches only themself
    memo: dict[str, list[tuple[int, str]]] = user.__dict__.setdefault("_colleague_choices", {})
    if key not in memo:
        users = users_in_scope(user, module, action).only(
            "id", "username", "first_name", "last_name"
        )
        memo[key] = [(u.pk, str(u)) for u in users[:CHOICE_LIMIT]]
    return memo[key]
