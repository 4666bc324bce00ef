"""Edit forms that never overwrite someone else's change: the one way every record's edit
page saves, and what it shows when someone else saved the record first."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kehu.core import audit, visibility
from kehu.core.records import VersionConflict


def conflict_rows(form) -> list[dict]:
    """The fields where the stored record (theirs) differs from what the user sent (yours).

    `form` is bound to the user's input with the stored record as its initial values, and has a
    `display(name, value)` that shows a value the way a person reads it.
    """
    rows = []
    for name in form.changed_data:
        if name == "version" or name not in form.cleaned_data:
            continue
        rows.append(
            {
                "label": form.fields[name].label,
                "theirs": form.display(name, form.get_initial_for_field(form.fields[name], name)),
                "yours": form.display(name, form.cleaned_data[name]),
            }
        )
    return rows


def edit_page(request, record, *, make_form, save, template: str, context: dict):
    """GET shows the form; POST saves through `save(form)` (which calls the record's service
    with the form's version) and goes to the record, or shows field errors, or, when someone
    changed the record meanwhile, the form again with both versions side by side.

    `make_form(data, instance)` builds the form; the form has `service_data`, `display` and
    `add_service_errors`.
    """
    form = make_form(request.POST or None, record)
    context = {**context, "record": record}
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = save(form)
            except VersionConflict as conflict:
                data = request.POST.copy()
                data["version"] = str(conflict.current.version)
                form = make_form(data, conflict.current)
                form.is_valid()
                context["conflict"] = conflict_rows(form)
                context["conflict_by"] = audit.history(conflict.current).first()
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("“%(name)s” is saved.") % {"name": saved})
                return redirect(saved.get_absolute_url())
        elif "version" in form.errors:
            form.add_error(None, _("This form is out of date. Reload the page and try again."))
    context["form"] = form
    return render(request, template, context)


def created_page(request, record, list_url: str):
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


def show_service_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names, or above the form."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, found in exc.message_dict.items():
        name = key if key in form.fields and key != "version" else None
        for message in found:
            form.add_error(name, message if name else f"{key}: {message}")
