# mypy: disable-error-code="attr-defined"
"""Forms for leads; the lead services validate and save."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core.contact import display_phone
from kehu.customers.fields.forms import CUSTOM_PREFIX, CustomFieldsForm
from kehu.customers.forms import DateInput, owner_choices
from kehu.sales.assignment.services import BY_RULES, rules_choice
from kehu.sales.deals.queries import id_or_none
from kehu.sales.models import Lead
from kehu.sales.quotes.forms import product_choices
from kehu.web.conflicts import show_service_errors

FIELDS = ["name", "company_name", "title", "email", "phone", "region", "product_interest",
          "source", "status", "disqualify_reason", "next_step", "next_step_due", "owner",
          "notes"]  # fmt: skip


class LeadForm(CustomFieldsForm):
    custom_entity = "lead"

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=150)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False,
                            widget=forms.EmailInput)  # fmt: skip
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))  # fmt: skip
    region = forms.CharField(label=_("Region"), max_length=100, required=False,
                             help_text=_("e.g. 华东, North America"))  # fmt: skip
    product_interest = forms.ChoiceField(label=_("Product interest"), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=Lead.Source.choices)
    status = forms.ChoiceField(label=_("Status"))
    disqualify_reason = forms.CharField(
        label=_("Disqualification reason"), max_length=200, required=False,
        help_text=_("Needed when the lead is disqualified."),
    )  # fmt: skip
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_step_due = forms.DateField(label=_("Next step due"), required=False, widget=DateInput())
    owner = forms.ChoiceField(label=_("Owner"))
    notes = forms.CharField(label=_("Notes"), max_length=10000, required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip

    def __init__(self, *args, user, instance: Lead | None = None, **kwargs):
        self.user, self.instance = user, instance
        initial = kwargs.setdefault("initial", {})
        if instance is not None:
            values = {name: getattr(instance, name) for name in FIELDS if name != "owner"}
            values.update(owner=str(instance.owner_id), version=instance.version,
                          phone=display_phone(instance.phone),
                          product_interest=str(instance.product_interest_id or ""))  # fmt: skip
            kwargs["initial"] = {**values, **initial}
        else:
            initial.setdefault("owner", str(user.pk))
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["owner"].choices = owner_choices(
            user, instance.owner if instance else None, module="sales"
        )
        if instance is None:
            self.fields["owner"].choices += rules_choice("lead")
        current = (
            [instance.product_interest_id] if instance and instance.product_interest_id else []
        )
        self.fields["product_interest"].choices = [("", "—")] + product_choices(current)[1:]
        statuses = [c for c in Lead.Status.choices if c[0] != Lead.Status.CONVERTED]
        if instance is not None and instance.status == Lead.Status.CONVERTED:
            statuses = [c for c in Lead.Status.choices if c[0] == Lead.Status.CONVERTED]
        self.fields["status"].choices = statuses
        if instance is None:
            del self.fields["version"]

    def service_data(self, only_changed: bool = False) -> dict:
        names = set(self.changed_data) if only_changed else set(self.fields)
        data = {}
        for name in names - {"version"}:
            if name not in self.cleaned_data or name.startswith(CUSTOM_PREFIX):
                continue
            value = self.cleaned_data[name]
            if name == "owner":
                value = value if value == BY_RULES else id_or_none(value)
            elif name == "product_interest":
                value = id_or_none(value)
            elif value is None and name != "next_step_due":
                value = ""
            data[name] = value
        custom = self.custom_service_data(names)
        if custom:
            data["custom"] = custom
        return data

    def add_service_errors(self, exc) -> None:
        show_service_errors(self, self.custom_errors_as_fields(exc))

    def display(self, name: str, value) -> str:
        if name.startswith(CUSTOM_PREFIX):
            return self.custom_display(name, value)
        if value in (None, ""):
            return "—"
        return str(dict(getattr(self.fields[name], "choices", []) or []).get(str(value), value))


class ConvertForm(forms.Form):
    make_deal = forms.BooleanField(label=_("Create a deal"), required=False, initial=True)
    deal_name = forms.CharField(label=_("Deal name"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=16, decimal_places=2, min_value=0, required=False
    )
    expected_close = forms.DateField(label=_("Expected close"), required=False, widget=DateInput())


class WebLeadForm(forms.Form):
    """The public form: what a visitor tells about themselves, and a field only bots fill in."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False,
                            widget=forms.EmailInput)  # fmt: skip
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))  # fmt: skip
    notes = forms.CharField(label=_("How can we help?"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip
    website = forms.CharField(required=False, label=_("Leave this empty"),
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))  # fmt: skip
