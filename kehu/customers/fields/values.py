"""Validating and converting custom field values (stored as JSON in the record's `custom`)."""

import datetime
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from kehu.core.contact import normalize_email, normalize_phone
from kehu.customers.models import CustomField

EMPTY: tuple[object, ...] = (None, "", [])
#: what `custom` stores for one field: text (dates, decimals, URLs … too), a whole number,
#: yes or no, the choices of a multiple choice; None is no value (the key is dropped)
CustomValue = str | int | bool | list[str] | None


def active_fields(entity: str) -> list[CustomField]:
    return list(CustomField.objects.filter(entity=entity, active=True))


def clean_value(definition: CustomField, value: Any) -> CustomValue:
    """The JSON-storable value for `definition`, or ValidationError with a clear message."""
    kind = CustomField.Type
    if value in EMPTY:
        if definition.required:
            raise ValidationError(_("This field is required."))
        return None
    if definition.type in (kind.TEXT, kind.LONG_TEXT):
        text = str(value).strip()
        limit = 255 if definition.type == kind.TEXT else 10000
        if len(text) > limit:
            raise ValidationError(_("At most %(n)d characters.") % {"n": limit})
        return text
    if definition.type == kind.NUMBER:
        try:
            number = int(str(value).strip())
        except ValueError as exc:
            raise ValidationError(_("Enter a whole number.")) from exc
        if abs(number) > 2**53:
            raise ValidationError(_("This number is too large."))
        return number
    if definition.type == kind.DECIMAL:
        try:
            amount = decimal.Decimal(str(value).strip())
        except decimal.InvalidOperation as exc:
            raise ValidationError(_("Enter a number.")) from exc
        if not amount.is_finite() or abs(amount) >= 10**15:
            raise ValidationError(_("Enter a number."))
        return str(amount)
    if definition.type == kind.DATE:
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError as exc:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc
    if definition.type == kind.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "y", "on", "是"}:
            return True
        if text in {"0", "false", "no", "n", "off", "否"}:
            return False
        raise ValidationError(_("Enter yes or no."))
    if definition.type == kind.CHOICE:
        if str(value) not in definition.choices:
            raise ValidationError(
                _("“%(value)s” is not one of the choices."), params={"value": value}
            )
        return str(value)
    if definition.type == kind.MULTI_CHOICE:
        values = value if isinstance(value, list) else [v.strip() for v in str(value).split(",")]
        values = [str(v) for v in values if str(v)]
        wrong = [v for v in values if v not in definition.choices]
        if wrong:
            raise ValidationError(
                _("“%(value)s” is not one of the choices."), params={"value": ", ".join(wrong)}
            )
        if definition.required and not values:
            raise ValidationError(_("This field is required."))
        return values
    if definition.type == kind.URL:
        url = str(value).strip()
        URLValidator(schemes=["http", "https"])(url)
        return url
    if definition.type == kind.EMAIL:
        return normalize_email(str(value))
    if definition.type == kind.PHONE:
        return normalize_phone(str(value))
    raise ValidationError(_("Unknown field type."))


def clean_custom(
    entity: str, values: object, current: dict[str, Any] | None = None, required: bool = True
) -> dict[str, Any]:
    """Merge `values` into `current`, validating each; unknown keys are an error. `required`
    False: a missing required value is no error (values carried over from another record)."""
    if not isinstance(values, dict):
        raise ValidationError({"custom": [_("Expected an object of custom field values.")]})
    definitions = {d.key: d for d in active_fields(entity)}
    result = dict(current or {})
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom.{key}"] = [_("There is no custom field “%(key)s”.") % {"key": key}]
            continue
        try:
            cleaned = clean_value(definition, value) if required or value not in EMPTY else None
        except ValidationError as exc:
            errors[f"custom.{key}"] = exc.messages
            continue
        if cleaned is None:
            result.pop(key, None)
        else:
            result[key] = cleaned
    for key, definition in definitions.items():
        missing = result.get(key) in EMPTY and f"custom.{key}" not in errors
        if required and definition.required and missing:
            errors[f"custom.{key}"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    return result


def carried_over(values: dict[str, Any], from_entity: str, to_entity: str) -> dict[str, Any]:
    """The custom values of a `from_entity` record that a `to_entity` record made from it takes:
    those of the active fields both record types have with the same key and type, when the
    target field accepts the value (a choice must be one of its choices); the rest are left."""
    targets = {d.key: d for d in active_fields(to_entity)}
    sources = {d.key: d.type for d in active_fields(from_entity)}
    carried: dict[str, Any] = {}
    for key, value in (values or {}).items():
        target = targets.get(key)
        if target is None or sources.get(key) != target.type or value in EMPTY:
            continue
        try:
            carried[key] = clean_value(target, value)
        except ValidationError:
            continue
    return carried
