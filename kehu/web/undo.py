# mypy: disable-error-code="attr-defined"
"""Undo after a save: the confirmation of a stage move, of a task marked done and of a record
moved to the recycle bin carries an Undo button (docs/record-pages.md).

What an Undo undoes is kept in the session under a random token, never in the page, so a
button only ever undoes what this user just did. The undo goes through the record's service
with the version the record had right after the change: if someone changed the record since,
nothing is overwritten and the answer says so. The services check the permission again.
"""

import secrets
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.access import get_visible_or_404
from kehu.core.records import VersionConflict

SESSION_KEY = "kehu_undo"
#: how many undoable changes a session remembers (the newest)
KEEP = 10
#: a message's extra tag naming its undo token
TAG_PREFIX = "undo-"


def remember(request, kind: str, record, **data: Any) -> str:
    """Keep what undoes `kind` (see UNDOERS) on `record` as it is now (after the change);
    return the token an Undo button sends."""
    token = secrets.token_urlsafe(12)
    entries = dict(request.session.get(SESSION_KEY) or {})
    entries[token] = {
        "kind": kind,
        "model": record._meta.label_lower,
        "pk": record.pk,
        "version": record.version,
        **data,
    }
    while len(entries) > KEEP:  # dicts keep their order: the oldest goes first
        entries.pop(next(iter(entries)))
    request.session[SESSION_KEY] = entries
    return token


def offer(request, text: str, kind: str, record, **data: Any) -> str:
    """A confirmation (a flash message) with an Undo button for the change just made."""
    token = remember(request, kind, record, **data)
    messages.success(request, text, extra_tags=f"{TAG_PREFIX}{token}")
    return token


def token_of(message) -> str:
    """The undo token a flash message carries, or ""."""
    for tag in (getattr(message, "extra_tags", "") or "").split():
        if tag.startswith(TAG_PREFIX):
            return tag[len(TAG_PREFIX) :]
    return ""


# --- what each kind of undo does -------------------------------------------------------------


def _undo_stage(user, entry: dict):
    """Back to the stage the deal was in (with its won/lost reason, and the lost reason chosen
    from the list), reopening it if needed."""
    from kehu.sales.deals import services
    from kehu.sales.models import Deal, Stage

    deal = get_visible_or_404(
        Deal, user, entry["pk"], queryset=Deal.objects.select_related("stage")
    )
    stage = Stage.objects.filter(pk=entry["stage"], pipeline_id=deal.pipeline_id).first()
    if stage is None:
        raise ValidationError(_("That stage is no longer in the deal's pipeline."))
    changes: dict[str, Any] = {"stage": stage.pk}
    if stage.is_closed:
        changes["close_reason"] = entry.get("reason") or ""
        if entry.get("lost_reason"):
            changes["lost_reason"] = entry["lost_reason"]
    elif deal.is_closed:
        changes["reopen"] = True
    saved = services.update_deal(user, deal, changes, expected_version=entry["version"])
    return saved, _("“%(name)s” is back in %(stage)s.") % {
        "name": saved,
        "stage": stage.display_name,
    }


def _undo_done(user, entry: dict):
    from kehu.activities import services
    from kehu.activities.models import Activity

    task = get_visible_or_404(Activity, user, entry["pk"])
    saved = services.undo_done(user, task, entry["version"])
    return saved, _("“%(name)s” is open again.") % {"name": saved}


def _restorers() -> dict[str, Callable]:
    from kehu.activities.services import restore_activity
    from kehu.customers.services import restore_company, restore_person
    from kehu.sales.deals.services import restore_deal
    from kehu.sales.leads.services import restore_lead
    from kehu.sales.quotes.services import restore_quote

    return {
        "customers.person": restore_person,
        "customers.company": restore_company,
        "sales.deal": restore_deal,
        "sales.lead": restore_lead,
        "sales.quote": restore_quote,
        "activities.activity": restore_activity,
    }


def _undo_delete(user, entry: dict):
    """Out of the recycle bin again, if nobody restored (or changed) it meanwhile."""
    restore = _restorers().get(entry["model"])
    if restore is None:
        raise Http404
    model = apps.get_model(entry["model"])
    record = get_visible_or_404(model, user, entry["pk"], include_bin=True)
    if model._meta.label_lower == "activities.activity" and record.record is None:
        raise Http404  # its record is gone (the read door's rule for binned activities)
    saved = restore(user, record, expected_version=entry["version"])
    return saved, _("“%(name)s” is restored.") % {"name": saved}


UNDOERS: dict[str, Callable] = {"stage": _undo_stage, "done": _undo_done, "delete": _undo_delete}


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return fallback


@login_required
@require_POST
def undo(request) -> HttpResponse:
    """The Undo button: undo the change its token names, once. An unknown token (undone
    already, too old, another session's) answers 404; a record changed since, 409."""
    entries = dict(request.session.get(SESSION_KEY) or {})
    token = request.POST.get("token") or ""
    entry = entries.get(token)
    if entry is None or entry.get("kind") not in UNDOERS:
        if _wants_json(request):
            return JsonResponse({"error": _("There is nothing to undo.")}, status=404)
        raise Http404
    status, level, record = 200, messages.SUCCESS, None
    try:
        record, text = UNDOERS[entry["kind"]](request.user, entry)
    except VersionConflict as conflict:
        status, level = 409, messages.WARNING
        text = _(
            "“%(name)s” was changed by someone since, so nothing was undone. "
            "It is left as it is now."
        ) % {"name": conflict.current if conflict.current is not None else "—"}
    except ValidationError as exc:
        status, level = 400, messages.ERROR
        text = " ".join(exc.messages)
    entries.pop(token, None)  # undone, or no longer undoable
    request.session[SESSION_KEY] = entries
    if _wants_json(request):
        return JsonResponse({"ok": status == 200, "message": text}, status=status)
    messages.add_message(request, level, text)
    fallback = "/"
    if record is not None and not getattr(record, "deleted_at", None):
        fallback = record.get_absolute_url()
    if entry["kind"] == "delete" and record is not None:
        return redirect(fallback)  # the record is back: to its page, not the list it left
    return redirect(_back(request, fallback))
