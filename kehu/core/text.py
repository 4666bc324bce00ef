"""One-line text fields hold one line: control characters are refused where records are saved.

A name, title, email, phone or tag with a line break (or another control character) breaks
exports, email headers, search and every list it is shown in, and cannot be seen in a form.
Multi-line fields (TextField: notes, descriptions, addresses) keep their line breaks.
Tab is refused too: in a one-line field it is invisible, and it splits tab-separated exports.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

#: C0 and C1 control characters (tab, CR and LF included), DEL, and Unicode's line and
#: paragraph separators
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


#: what a multi-line text (a reply, an article) may not hold: the control characters but
#: tab, line feed and carriage return (NUL among them, which PostgreSQL cannot store)
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(value: Any) -> bool:
    return isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None


def has_unprintable_characters(value: Any) -> bool:
    """For multi-line text: control characters other than tab and line breaks."""
    return isinstance(value, str) and UNPRINTABLE.search(value) is not None


def one_line_message() -> str:
    return _("Line breaks and other control characters are not allowed here.")


def validate_one_line(value: Any) -> None:
    """A validator for one-line text: refuses control characters with a clear message."""
    if has_control_characters(value):
        raise ValidationError(one_line_message(), code="control_characters")


def one_line_errors(instance: models.Model, exclude: Any = None) -> dict[str, list[str]]:
    """`{field: [message]}` for every one-line text field (CharField and its kinds: email, slug,
    URL …) of `instance` that holds a control character."""
    exclude = set(exclude or ())
    errors = {}
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.CharField) or field.name in exclude:
            continue
        if has_control_characters(getattr(instance, field.attname)):
            errors[field.name] = [one_line_message()]
    return errors
