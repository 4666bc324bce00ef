# mypy: disable-error-code="no-untyped-def, type-arg"
"""Saved views and chosen columns in the browser: save the list as it is filtered, delete a
view, choose the list's columns. Every change goes through `saved_views.services`."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.saved_views import services

LIST_URLS = {
    "person": "person-list", "company": "company-list", "lead": "lead-list",
    "deal": "deal-list", "quote": "quote-list", "order": "order-list",
}  # fmt: skip
#: list → function (params, user) → condition: how each list's URL filters read as a condition
PARAMS_TO_CONDITION: dict[str, Callable] = {}


def _back(request, list_key: str, query: str = "") -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse(LIST_URLS[list_key]) + (f"?{query}" if query else "")
    return HttpResponseRedirect(target)


def _list_key(value: str) -> str:
    if value not in LIST_URLS:
        raise Http404
    return value


def _say(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def save_view(request, list_key: str):
    """Save the list as filtered now (`query`: its query string) under a name."""
    list_key = _list_key(list_key)
    params = QueryDict(request.POST.get("query", "")[:4000])
    translate = PARAMS_TO_CONDITION.get(list_key)
    condition = translate(params, request.user) if translate else {"all": []}
    current = params.get("view", "")
    if current.isdigit() and len(current) < 19:  # saved on top of a view: both conditions
        view = (
            services.visible_views(request.user).filter(pk=int(current), list_key=list_key).first()
        )
        if view is not None and view.condition:
            condition = {"all": [view.condition, *condition.get("all", [])]}
    chosen = services.chosen_columns(request.user, list_key) or []
    data = {
        "list": list_key,
        "name": request.POST.get("name", ""),
        "condition": condition,
        "columns": chosen,
        "sort": params.get("sort", ""),
        "shared": request.POST.get("shared") == "1",
    }
    try:
        view = services.create_view(request.user, data)
    except ValidationError as exc:
        _say(request, exc)
        return _back(request, list_key, params.urlencode())
    except PermissionDenied:
        messages.error(request, _("Only managers may share views with their team."))
        return _back(request, list_key, params.urlencode())
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return HttpResponseRedirect(f"{reverse(LIST_URLS[list_key])}?view={view.pk}")


@login_required
@require_POST
def delete_view(request, pk: int):
    view = services.get_visible(request.user, pk)
    services.delete_view(request.user, view)  # PermissionDenied (403) unless theirs
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return HttpResponseRedirect(reverse(LIST_URLS.get(view.list_key, "person-list")))


@login_required
@require_POST
def choose_columns(request, list_key: str):
    """Keep the columns ticked, in the order of their position numbers; `reset`: the default."""
    list_key = _list_key(list_key)
    chosen: list[str] = []
    if "reset" not in request.POST:
        ticked = request.POST.getlist("column")

        def position(item: tuple[int, str]) -> tuple[int, int]:
            index, key = item
            raw = request.POST.get(f"pos_{key}", "")
            return (int(raw) if raw.isdigit() and len(raw) < 4 else 999, index)

        chosen = [key for _i, key in sorted(enumerate(ticked), key=position)]
    try:
        services.choose_columns(request.user, list_key, chosen)
    except ValidationError as exc:
        _say(request, exc)
    return _back(request, list_key)
