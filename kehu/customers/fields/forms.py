# mypy: disable-error-code="misc, union-attr, arg-type"
"""Custom fields on a record's form, the same way on every record type that has them (people,
companies, leads, deals, quotes): a form field per active definition, named `cf_<key>`."""

import datetime
import decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from kehu.core.contact import display_phone
from kehu.customers.fields.values import active_fields, clean_value
from kehu.customers.models import CustomField
from kehu.web.widgets import DateInput

#: form fields (and list filters) of custom fields are named `cf_<key>`
CUSTOM_PREFIX = "cf_"


def custom_form_field(definition: CustomField) -> forms.Field:
    """A form field of the right kind for one custom field definition."""
    kind = CustomField.Type
    label = definition.display_label
    required = definition.required and definition.type != kind.BOOLEAN
    common: dict[str, Any] = {"label": label, "required": required}
    choices = [(c, c) for c in definition.choices or []]
    if definition.type == kind.TEXT:
        return forms.CharField(max_length=255, **common)
    if definition.type == kind.LONG_TEXT:
        return forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if definition.type == kind.NUMBER:
        return forms.IntegerField(**common)
    if definition.type == kind.DECIMAL:
        return forms.DecimalField(max_digits=30, decimal_places=10, **common)
    if definition.type == kind.DATE:
        return forms.DateField(widget=DateInput(), **common)
    if definition.type == kind.BOOLEAN:
        return forms.BooleanField(**common)
    if definition.type == kind.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + choices, **common)
    if definition.type == kind.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if definition.type == kind.URL:
        return forms.CharField(widget=forms.URLInput, max_length=500, **common)
    if definition.type == kind.EMAIL:
        return forms.CharField(widget=forms.EmailInput, max_length=254, **common)
    return forms.CharField(widget=forms.TextInput(attrs={"type": "tel"}), max_length=40, **common)


def custom_initial(definition: CustomField, value):
    if value is None:
        return None
    if definition.type == CustomField.Type.PHONE:
        return display_phone(str(value))
    return value


def custom_for_service(value):
    if value in (None, "", []):
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


class CustomFieldsForm(forms.Form):
    """A record form with `custom_entity`'s active custom fields: filled from the record, checked
    with the services' own rules, handed to the service as `custom`, and the service's
    `custom.<key>` errors shown on their fields."""

    custom_entity = ""

    def __init__(self, *args, instance=None, **kwargs):
        self.custom_definitions = active_fields(self.custom_entity)
        if instance is not None:
            kwargs["initial"] = {**self.custom_initial_from(instance), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        for definition in self.custom_definitions:
            field = custom_form_field(definition)
            stored = (instance.custom or {}).get(definition.key) if instance else None
            if isinstance(field, forms.ChoiceField) and stored not in (None, "", []):
                # keep a stored value that is no longer a choice, so saving does not drop it
                known = {str(value) for value, _label in field.choices}
                extra = stored if isinstance(stored, list) else [stored]
                field.choices = list(field.choices) + [
                    (str(v), str(v)) for v in extra if str(v) not in known
                ]
            self.fields[CUSTOM_PREFIX + definition.key] = field

    def custom_initial_from(self, instance) -> dict:
        stored = instance.custom or {}
        return {
            CUSTOM_PREFIX + d.key: custom_initial(d, stored.get(d.key))
            for d in self.custom_definitions
        }

    @property
    def custom_field_names(self) -> list[str]:
        return [CUSTOM_PREFIX + d.key for d in self.custom_definitions]

    def clean(self):
        """Every bad custom value at once (the services check again when saving); on an edit
        only the changed ones, so a stored value a later rule rejects does not block others."""
        cleaned = super().clean() or self.cleaned_data
        editing = getattr(self, "instance", None) is not None
        for definition in self.custom_definitions:
            name = CUSTOM_PREFIX + definition.key
            if name in cleaned and (not editing or name in self.changed_data):
                try:
                    clean_value(definition, custom_for_service(cleaned[name]))
                except ValidationError as exc:
                    self.add_error(name, exc.messages)
        return cleaned

    def custom_service_data(self, names) -> dict[str, Any]:
        """The `custom` changes the services take, from the named form fields."""
        return {
            name[len(CUSTOM_PREFIX) :]: custom_for_service(self.cleaned_data[name])
            for name in names
            if name.startswith(CUSTOM_PREFIX) and name in self.cleaned_data
        }

    @staticmethod
    def custom_errors_as_fields(exc: ValidationError) -> ValidationError:
        """A service's error with `custom.<key>` renamed to the form's `cf_<key>`."""
        if not hasattr(exc, "error_dict"):
            return exc
        return ValidationError(
            {
                CUSTOM_PREFIX + k.removeprefix("custom.") if k.startswith("custom.") else k: v
                for k, v in exc.message_dict.items()
            }
        )

    def custom_display(self, name: str, value) -> str:
        """A submitted or stored custom value the way a person reads it."""
        if value in (None, "", []):
            return "—"
        if isinstance(self.fields[name], forms.BooleanField):
            return gettext("Yes") if value else gettext("No")
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)
