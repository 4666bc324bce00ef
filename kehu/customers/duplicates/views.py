"""The duplicates pages: the queue (pairs the scan found, best first, with the scan's
progress), the merge page (records side by side, a value chosen per field) and undo."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core import visibility
from kehu.core.records import VersionConflict
from kehu.customers.duplicates import fields as merge_fields
from kehu.customers.duplicates import matching, queries, scans
from kehu.customers.duplicates import services as merging
from kehu.customers.duplicates.moving import movers_for
from kehu.web.pages import keyset_page

NAV = {"person": "people", "company": "companies"}


@login_required
def queue(request, kind: str):
    """The likely duplicates among the records the user can see."""
    user = request.user
    if not visibility.can(user, "customers", "read"):
        raise PermissionDenied
    dismissed = request.GET.get("dismissed") == "1"
    found = keyset_page(request, queries.visible_pairs(user, kind, dismissed), "-score")
    for pair in found["rows"]:
        pair.first = getattr(pair, f"{kind}_a")
        pair.second = getattr(pair, f"{kind}_b")
        pair.reason_labels = matching.reason_labels(pair.reasons)
    context = {
        **found,
        "kind": kind,
        "dismissed": dismissed,
        "nav": "duplicates",
        "scan": queries.latest_scan(),
        "can_scan": user.is_admin,
        "can_edit": visibility.can(user, "customers", "edit"),
    }
    return render(request, "customers/duplicates/queue.html", context)


@login_required
def scan_status(request):
    """The scan's progress, polled by the queue page while it runs."""
    if not visibility.can(request.user, "customers", "read"):
        raise PermissionDenied
    return render(
        request,
        "customers/duplicates/_scan.html",
        {"scan": queries.latest_scan(), "kind": "person"},
    )


@login_required
@require_POST
def start_scan(request):
    scans.start_scan(request.user)
    messages.success(request, _("The scan has started; this page shows its progress."))
    kind = "company" if request.POST.get("kind") == "company" else "person"
    return redirect(reverse(f"duplicates-{kind}"))


@login_required
@require_POST
def dismiss(request, pk: int):
    pair = queries.visible_pair(request.user, pk)
    if pair is None:
        raise Http404
    merging.dismiss_pair(request.user, pair)
    messages.success(request, _("Marked as not a duplicate."))
    return redirect(reverse(f"duplicates-{pair.kind}"))


def _ids(raw: str) -> list[int]:
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise Http404 from exc


@login_required
def merge_page(request, kind: str, pk: int):
    """The record `pk` side by side with the records `?with=2,3` names (a form asks for them
    when none is named); POST merges them."""
    user = request.user
    others = _ids(request.POST.get("with") or request.GET.get("with") or "")
    ids = [pk, *(other for other in others if other != pk)]
    if len(ids) > merging.MAX_MERGED or len(set(ids)) != len(ids):
        raise Http404
    records = merging.load_for_merge(kind, user, ids)
    survivor_id = _survivor(request, ids)
    errors: list[str] = []
    if request.method == "POST" and len(ids) < 2:
        errors.append(_("Choose at least one other record to merge."))
    elif request.method == "POST":
        others = [pk for pk in ids if pk != survivor_id]
        names = merge_fields.choice_names(kind, records)
        choices = {name: request.POST[f"f_{name}"] for name in names if f"f_{name}" in request.POST}
        versions = {pk: request.POST.get(f"v_{pk}") for pk in ids if request.POST.get(f"v_{pk}")}
        try:
            entry = merging.merge(kind, user, survivor_id, others, choices, versions)
        except VersionConflict:
            errors.append(
                _("One of the records changed since you opened this page; check the values again.")
            )
            records = merging.load_for_merge(kind, user, ids)
        except ValidationError as exc:
            errors.extend(m for ms in exc.message_dict.values() for m in ms)
        else:
            messages.success(
                request,
                _("Merged %(n)s records into “%(name)s”. You can undo it from its page.")
                % {"n": len(others), "name": records[ids.index(survivor_id)].name},
            )
            return redirect(merge_fields.MODELS[kind](pk=entry.survivor_id).get_absolute_url())
    chosen = merging.default_choices(kind, records)
    rows = []
    for name in merge_fields.choice_names(kind, records):
        label = _field_label(kind, name)
        cells = [
            {"record": r, "value": _shown(r, name), "checked": chosen[name] == r.pk}
            for r in records
        ]
        rows.append({"name": name, "label": label, "cells": cells})
    counts = _related_counts(kind, ids)
    context = {
        "kind": kind,
        "records": records,
        "rows": rows,
        "with": ",".join(map(str, ids[1:])),
        "survivor_id": survivor_id,
        "counts": counts,
        "errors": errors,
        "nav": NAV[kind],
    }
    return render(request, "customers/duplicates/merge.html", context)


def _survivor(request, ids: list[int]) -> int:
    try:
        chosen = int(request.POST.get("survivor") or request.GET.get("survivor") or ids[0])
    except ValueError:
        chosen = ids[0]
    return chosen if chosen in ids else ids[0]


def _field_label(kind: str, name: str) -> str:
    if name.startswith("custom."):
        from kehu.customers.fields.values import active_fields

        key = name.removeprefix("custom.")
        for definition in active_fields(kind):
            if definition.key == key:
                return definition.display_label
        return key
    field = merge_fields.MODELS[kind]._meta.get_field(name)
    return str(getattr(field, "verbose_name", name)).capitalize()


def _shown(record, name: str) -> str:
    if name in ("company", "owner"):
        value = getattr(record, name)
        return str(value) if value else ""
    value = merge_fields.raw_value(record, name)
    return "" if value is None else str(value)


def _related_counts(kind: str, ids: list[int]) -> list[dict]:
    """How many rows each registered mover would move, per record (the page says what moves)."""
    totals = {pk: 0 for pk in ids}
    for mover in movers_for(kind):
        for pk, n in mover.count(kind, ids).items():
            totals[pk] += n
    return [{"id": pk, "rows": totals[pk]} for pk in ids]


@login_required
@require_POST
def undo(request, kind: str, pk: int):
    try:
        survivor = merging.undo_merge(kind, request.user, pk)
    except ValidationError as exc:
        for message in (m for ms in exc.message_dict.values() for m in ms):
            messages.error(request, message)
        entry = merging.merge_of(kind, request.user, pk)
        return redirect(merge_fields.MODELS[kind](pk=entry.survivor_id).get_absolute_url())
    messages.success(request, _("The merge is undone; the merged records are back."))
    return redirect(survivor.get_absolute_url())
