# mypy: disable-error-code="attr-defined, union-attr"
"""Forms for the settings screens; they parse input, the services validate and write."""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import ACTION_LABELS, MODULES, Role, Team, User
from kehu.accounts.time_zones import name_field, time_zone_field
from kehu.core.visibility import ACTIONS


class UserForm(forms.ModelForm):
    name = name_field()
    time_zone = time_zone_field()

    class Meta:
        model = User
        fields = ["username", "email", "team", "role", "language", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["name"].initial = self.instance.get_full_name()
        self.order_fields(["username", "name"])
        self.fields["role"].required = True
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["role"].queryset = Role.objects.order_by("name")

    def _post_clean(self):
        # the service validates the model (uniqueness, lengths); don't do it twice here
        pass

    def data_for_service(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        # one name field: the whole name in first_name (decision: one name field)
        data["first_name"], data["last_name"] = self.cleaned_data.get("name") or "", ""
        return data


class PasswordFields(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data.get("password1"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class UserCreateForm(UserForm):
    password1 = PasswordFields.base_fields["password1"]
    password2 = PasswordFields.base_fields["password2"]

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data.get("password1"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class PasswordResetForm(PasswordFields):
    pass


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    #: the team's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


def permission_field_name(module: str, action: str) -> str:
    return f"perm__{module}__{action}"


class RoleForm(forms.Form):
    """Name, record scope, administrator flag and a module × action grid of checkboxes."""

    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(label=_("Record scope"), choices=Role.Scope.choices)
    is_admin = forms.BooleanField(
        label=_("Administrator"),
        required=False,
        help_text=_("May manage users, teams, roles and custom fields."),
    )
    #: the role's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, role: Role | None = None, **kwargs):
        if role is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(role)
        super().__init__(*args, **kwargs)
        for module, module_label in MODULES.items():
            label = f"{module_label}: {_('record scope')}"
            self.fields[f"scope_{module}"] = forms.ChoiceField(
                required=False,
                label=label,
                choices=[("", _("As the role"))] + list(Role.Scope.choices),
                widget=forms.Select(attrs={"aria-label": label}),
            )
            for action in ACTIONS:
                label = f"{module_label}: {ACTION_LABELS[action]}"
                self.fields[permission_field_name(module, action)] = forms.BooleanField(
                    required=False,
                    label=label,
                    widget=forms.CheckboxInput(attrs={"aria-label": label}),
                )

    def grid(self) -> list[dict]:
        """Rows for the template: a module and its checkboxes in ACTIONS order."""
        return [
            {
                "module": module,
                "label": label,
                "cells": [self[permission_field_name(module, a)] for a in ACTIONS],
                "scope": self[f"scope_{module}"],
            }
            for module, label in MODULES.items()
        ]

    @staticmethod
    def initial_from(role: Role) -> dict:
        """The form's values for a stored role."""
        initial = {"name": role.name, "scope": role.scope, "is_admin": role.is_admin,
                   "version": role.version}  # fmt: skip
        for module in MODULES:
            initial[f"scope_{module}"] = (role.scopes or {}).get(module, "")
            for action in ACTIONS:
                initial[permission_field_name(module, action)] = role.allows(module, action)
        return initial

    @staticmethod
    def action_labels() -> list:
        return [ACTION_LABELS[a] for a in ACTIONS]

    def data_for_service(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "scope": data["scope"],
            "is_admin": data["is_admin"],
            "permissions": {
                module: [a for a in ACTIONS if data.get(permission_field_name(module, a))]
                for module in MODULES
            },
            "scopes": {module: data.get(f"scope_{module}") or "" for module in MODULES},
        }


def add_service_errors(form: forms.Form, exc: ValidationError, aliases: dict | None = None):
    """Show a service's ValidationError on the form: per field where it has one, else on top."""
    aliases = {"first_name": "name", "last_name": "name", **(aliases or {})}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        field = aliases.get(field, field)
        form.add_error(field if field in form.fields else None, messages)
