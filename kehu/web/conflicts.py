"""What an edit form shows when someone else saved the record first."""


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
