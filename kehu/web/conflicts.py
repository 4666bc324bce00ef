"""What a form shows when its save fails: the fields someone else changed first, and a
service's errors on the fields they name (the pages themselves are in `kehu.web.pages`)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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


def shown_value(field, value) -> str:
    """A form value the way a person reads it: a choice by its label, yes/no, a dash for
    nothing."""
    if value in (None, "", [], ()):
        return "—"
    if isinstance(field, forms.BooleanField):
        return _("Yes") if value else _("No")
    choices = {str(k): v for k, v in (getattr(field, "choices", None) or [])}
    if isinstance(value, list | tuple):
        return ", ".join(str(choices.get(str(v), v)) for v in value)
    if hasattr(value, "pk"):
        return str(value)
    return str(choices.get(str(value), value))


def stale_settings_form(form, current, formset=None) -> list[dict]:
    """A settings form whose record changed since the form was loaded: the fields (and rows of
    its `formset`) where the stored values (theirs) differ from what the user sent (yours); the
    form is given the current version, so sending it again overwrites theirs with the user's
    values (and only then).

    Theirs are the form's `initial_from(current)` if it has one, else its initial values: a
    settings view builds its form (and rows) from the setting as stored when the request came."""
    stored = form.initial_from(current) if hasattr(form, "initial_from") else form.initial
    rows = _differences(form, stored, lambda label: label)
    for number, row in enumerate(formset.forms if formset is not None else [], start=1):
        rows += _differences(
            row,
            row.initial or {},
            lambda label, n=number: _("Row %(n)s: %(error)s") % {"n": n, "error": label},
        )
    data = form.data.copy()
    data[form.add_prefix("version")] = str(current.version)
    form.data = data
    return rows


def _differences(form, stored: dict, labelled) -> list[dict]:
    """The fields of `form` whose value sent differs from the `stored` one, each labelled by
    `labelled(field label)`."""
    found = []
    sent = getattr(form, "cleaned_data", None) or {}
    for name, field in form.fields.items():
        if name in ("version", "DELETE", "ORDER") or (name not in sent and name not in stored):
            continue
        theirs = shown_value(field, stored.get(name))
        yours = shown_value(field, sent.get(name))
        if theirs != yours:
            found.append({"label": labelled(field.label), "theirs": theirs, "yours": yours})
    return found


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
