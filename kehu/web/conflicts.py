"""What a form shows when its save fails: the fields someone else changed first, and a
service's errors on the fields they name (the pages themselves are in `kehu.web.pages`)."""

from django.core.exceptions import ValidationError


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
