# mypy: disable-error-code="type-arg"
"""A list narrowed by a saved view: the one place the lists (UI and API) read `?view=`."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kehu.core import conditions
from kehu.core.saved_views import services
from kehu.core.saved_views.models import SavedView

VIEW_PARAMETER = {
    "name": "view",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    "description": "A saved view's id (GET /api/v1/views): only records matching its condition.",
}


def view_for(user: Any, list_key: str, raw: str | None) -> SavedView | None:
    """The saved view `?view=` names for this list; ValidationError (errors.view) when there is
    none the user may use."""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 19:
        raise ValidationError({"view": [_("Expected a view id.")]})
    try:
        view = services.get_visible(user, int(raw))
    except Http404:
        view = None
    if view is None or view.list_key != list_key:
        raise ValidationError({"view": [_("There is no such view of this list.")]})
    return view


def narrow_by_view(qs: QuerySet, user: Any, view: SavedView | None) -> QuerySet:
    """`qs` (visible to `user`) narrowed by the view's condition, "me" being `user`."""
    if view is None or not view.condition:
        return qs
    try:
        return conditions.narrow(qs, view.list_key, view.condition, conditions.Context(user=user))
    except conditions.ConditionError as exc:
        # a field it names was removed since (e.g. a deactivated custom field)
        raise ValidationError(
            {"view": [_("This view uses fields that no longer exist: edit it.")]}
        ) from exc
