"""The pages every domain has, written once: a list, a create form, an edit form that never
overwrites someone else's change, a delete confirmation, a restore, and a settings form.

A view loads its record through the read door (`kehu.core.access.get_visible_or_404`), builds
its form, and hands both to a helper with the service function that writes; no helper saves a
model itself.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.core import audit, visibility
from kehu.core.access import get_visible_or_404
from kehu.core.pagination import BadCursor, capped_count, paginate
from kehu.core.records import VersionConflict
from kehu.web import undo
from kehu.web.conflicts import conflict_rows, show_service_errors, stale_settings_form

PAGE_SIZE = 50


def chosen_sort(request, sorts) -> str:
    """The list's `?sort=` if it is one of `sorts`, else the first (the default)."""
    sort = request.GET.get("sort")
    return sort if sort in sorts else sorts[0]


def keyset_page(request, qs, sort: str, page_size: int = PAGE_SIZE) -> dict:
    """One keyset page of `qs` from the request's `?cursor=`, as template context. A cursor
    that does not decode shows the first page and sets `cursor_error`, never a 500."""
    cursor = request.GET.get("cursor") or None
    cursor_error = False
    try:
        page = paginate(qs, sort, cursor, page_size)
    except BadCursor:
        cursor_error, cursor = True, None
        page = paginate(qs, sort, None, page_size)
    return {
        "page": page,
        "rows": page.items,
        "sort": sort,
        "cursor": cursor,
        "cursor_error": cursor_error,
    }


def list_page(
    request,
    qs,
    *,
    template: str,
    sort: str,
    context: dict,
    base=None,
    filter_keys=(),
    count: bool = True,
    page_size: int = PAGE_SIZE,
    list_key: str = "",
    sorts: Callable[[str], str] | None = None,
    totals: tuple[str, str] | None = None,
    custom_fields: list | None = None,
    bulk: str | None = None,
) -> HttpResponse:
    """A list: one keyset page of `qs` sorted by `sort`, its capped count, which of
    `filter_keys` are set (`filtering`, `params`), and, given `base` (the list before
    filters), whether there is anything to list at all (`has_records`).

    With `list_key`, the list has a views menu (`list_toolbar`): `?view=` narrows `qs` by a
    saved view, whose sort applies (through `sorts`, which cleans it) when the request names
    none, and the columns shown are the person's choice (`{% list_header %}`, `{% list_cells %}`;
    `custom_fields`: the record type's, offered as columns). `totals` (amount field, currency
    field): the sums per currency (`list_totals`). Given `bulk` (a record type of
    kehu/core/bulk), the bulk bar's context (`bulk`)."""
    params = request.GET
    tools = None
    if list_key:
        from kehu.core.saved_views.toolbar import toolbar

        tools = toolbar(request, list_key, custom_fields)
        qs = tools.narrow(qs, request.user)
        if tools.sort and sorts is not None and not params.get("sort"):
            sort = sorts(tools.sort)
    found = keyset_page(request, qs, sort, page_size)
    found["filtering"] = any(params.get(key) for key in filter_keys) or bool(tools and tools.view)
    found["params"] = {key: params.get(key, "") for key in filter_keys}
    found["list_toolbar"] = tools
    found["list_custom_fields"] = custom_fields or []
    if count:
        found["count"], found["more"] = capped_count(qs)
        if totals is not None:
            from kehu.core.saved_views.totals import money_totals

            found["list_totals"] = money_totals(qs, *totals, found["count"], found["more"])
    if bulk is not None:
        from kehu.core import search
        from kehu.core.bulk.bar import bulk_bar

        more = found.get("more", True)
        if params.get("q") and found.get("count", 0) >= search.LIST_MATCH_CAP:
            more = True  # a list's search keeps its first matches; the bulk action takes all
        found["bulk"] = bulk_bar(request, bulk, None if more else found.get("count"))
    if base is not None:
        found["has_records"] = bool(found["rows"]) or (found["filtering"] and base.exists())
    return render(request, template, {**found, **context})


def _show_errors(form, exc: ValidationError) -> None:
    if hasattr(form, "add_service_errors"):
        form.add_service_errors(exc)
    else:
        show_service_errors(form, exc)


def create_page(
    request, form, *, create: Callable, template: str, list_url: str, context: dict
) -> HttpResponse:
    """GET shows the empty `form`; POST creates the record through `create(user, data)` (its
    service, with the form's `service_data()`) and goes on to it, or shows the form again
    with each error on its field."""
    if request.method == "POST" and form.is_valid():
        try:
            record = create(request.user, form.service_data())
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            return created_page(request, record, list_url)
    context = {**context, "form": form, "record": None, "cancel_url": reverse(list_url)}
    return render(request, template, context)


def created_page(request, record, list_url: str) -> HttpResponse:
    """After creating a record: on to it, or, if the assignment rules gave it to someone
    outside the creator's scope, back to the list, saying who has it now."""
    if visibility.in_scope(request.user, record):
        messages.success(request, _("“%(name)s” is created.") % {"name": record})
        return redirect(record.get_absolute_url())
    messages.success(
        request,
        _("“%(name)s” is created and assigned to %(owner)s.")
        % {"name": record, "owner": record.owner},
    )
    return redirect(list_url)


def edit_page(
    request, record, *, form_class, update: Callable, template: str, context: dict
) -> HttpResponse:
    """GET shows `form_class(user=, instance=record)`; POST saves the changed fields through
    `update(user, record, changes, version)` and goes to the record, or shows field errors,
    or, when someone saved the record since the form was loaded, the form again with both
    versions side by side (nothing is overwritten until the user says so).

    The form carries `version` and has `service_data`, `display` and `add_service_errors`.
    """
    user = request.user
    visibility.require_record(user, record, "edit")
    form = form_class(request.POST or None, user=user, instance=record)
    context = {**context, "record": record, "cancel_url": record.get_absolute_url()}
    if request.method == "POST":
        if form.is_valid():
            changes = form.service_data(only_changed=True)
            try:
                saved = update(user, record, changes, form.cleaned_data["version"])
            except VersionConflict as conflict:
                data = request.POST.copy()
                data["version"] = str(conflict.current.version)
                form = form_class(data, user=user, instance=conflict.current)
                form.is_valid()
                context["conflict"] = conflict_rows(form)
                context["conflict_by"] = audit.history(conflict.current).first()
            except ValidationError as exc:
                _show_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” is saved.") % {"name": saved})
                return redirect(saved.get_absolute_url())
        elif "version" in form.errors:
            form.add_error(None, _("This form is out of date. Reload the page and try again."))
    context["form"] = form
    return render(request, template, context)


def delete_page(
    request, record, *, delete: Callable, list_url: str, nav: str, note: str = ""
) -> HttpResponse:
    """GET asks “Move <kind> “<name>” to the recycle bin?” (with `note` on what else happens);
    POST moves `record` there through `delete(user, record)` and goes to the list."""
    visibility.require_record(request.user, record, "delete")
    if request.method != "POST":
        context = {
            "record": record,
            "kind": record._meta.verbose_name,
            "note": note,
            "nav": nav,
        }
        return render(request, "web/confirm_delete.html", context)
    delete(request.user, record)
    said = _("“%(name)s” is moved to the recycle bin.") % {"name": record}
    undo.offer(request, said, "delete", record)  # Undo brings it back from the bin
    return redirect(list_url)


def restore_page(request, model, pk: int, *, restore: Callable) -> HttpResponse:
    """Bring back a binned record the user can see; on to the bin or to the record."""
    record = get_visible_or_404(
        model, request.user, pk, include_bin=True, queryset=model.all_objects.in_recycle_bin()
    )
    restore(request.user, record)
    messages.success(request, _("“%(name)s” is restored.") % {"name": record})
    if request.POST.get("next") == "bin":
        return redirect("recycle-bin")
    return redirect(record.get_absolute_url())


# --- settings: what administrators configure (pipelines, rules, templates, catalogue …) -------


def setting_or_404(model, pk):
    """The configuration row `pk` of `model` (or None for a new one): settings are not owned
    records, so every administrator sees them all; the caller checks the admin right."""
    return get_object_or_404(model, pk=pk) if pk else None


def settings_page(
    request,
    record,
    form,
    *,
    save: Callable,
    template: str,
    done: str | Callable,
    context: dict,
    formset=None,
    rows_key: str = "",
    message: Callable | None = None,
    error_status: int = 200,
) -> HttpResponse:
    """A settings form (one pipeline, rule, template, product …), maybe with a `formset` of
    rows: POST saves through `save(form, rows)` (the caller's service call) and goes back to
    `done` (a URL name, or a function of the saved object) saying “… is saved.”. A service
    error lands on its field, on the rows (under `rows_key`), or above the form.
    `message(saved)` says more than “… is saved.” where there is more to say.

    A form that carries the setting's `version` and a `save` that passes it on: when someone
    saved the setting since the form was loaded, the service raises VersionConflict and the
    page shows both values side by side (status 409), saving nothing until the user sends
    the form again."""
    row_errors: list[str] = []
    posted = request.method == "POST"
    conflict = None
    if posted and form.is_valid() and (formset is None or formset.is_valid()):
        rows = None
        if formset is not None:
            rows = [f.cleaned_data for f in formset.forms if f.cleaned_data]
        try:
            saved = save(form, rows)
        except VersionConflict as stale:
            conflict = stale_settings_form(form, stale.current, formset)
            context = {
                **context,
                "conflict_by": audit.history(stale.current).first(),
                "conflict_discard_url": request.get_full_path(),
            }
        except ValidationError as exc:
            rest: ValidationError | None = exc
            if rows_key and hasattr(exc, "error_dict"):
                errors = exc.message_dict
                row_errors = errors.pop(rows_key, [])
                rest = ValidationError(errors) if errors else None
            if rest is not None:
                _show_errors(form, rest)
        else:
            said = message(saved) if message else _("“%(name)s” is saved.") % {"name": saved}
            messages.success(request, said)
            return redirect(done(saved) if callable(done) else done)
    context = {
        "heading": str(record) if record is not None else context.get("new_title", ""),
        "cancel_url": reverse(done) if isinstance(done, str) else "",
        **context,
        "form": form,
        "formset": formset,
        "record": record,
        "row_errors": row_errors,
        "conflict": conflict,
    }
    if conflict is not None:
        return render(request, template, context, status=409)
    failed = posted and bool(
        form.errors or row_errors or (formset is not None and formset.total_error_count())
    )
    return render(request, template, context, status=error_status if failed else 200)


def settings_delete(request, model, pk, *, delete: Callable, done: str) -> HttpResponse:
    """Remove setting `pk` of `model` through `delete(user, record)`; back to `done` saying
    so (POST only: the list's button asks first)."""
    record = setting_or_404(model, pk)
    delete(request.user, record)
    messages.success(request, _("“%(name)s” is removed.") % {"name": record})
    return redirect(done)
