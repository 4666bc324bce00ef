# mypy: disable-error-code="arg-type, assignment, attr-defined, index, misc"
# mypy: disable-error-code="operator, union-attr, var-annotated"
"""Forms for people and companies. They only shape input; the services validate and save."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kehu.core.access import users_in_scope
from kehu.core.contact import display_phone, normalize_email, normalize_phone
from kehu.customers.fields.forms import CUSTOM_PREFIX as CUSTOM_PREFIX
from kehu.customers.fields.forms import CustomFieldsForm
from kehu.customers.models import Company
from kehu.web.widgets import DateInput as DateInput

TAG_SEPARATORS = re.compile(r"[,，;；、]")


def company_named(user, value, current: Company | None = None) -> Company | None:
    """The company a posted id names, if `user` can see it or it is the record's own
    (`current`); None otherwise, so a page never names a company the user cannot see."""
    if not (isinstance(value, int) or (str(value or "").isascii() and str(value).isdigit())):
        return None
    pk = int(value)
    if current is not None and current.pk == pk:
        return current
    if not 0 < pk < 2**63:
        return None
    return Company.objects.visible_to(user).filter(pk=pk).order_by().first()


class TypedCompanyName(str):
    """What was typed in the company box when no suggestion was picked (no JavaScript, or a
    name typed in full): the field looks it up by exact name."""


class CompanyLookupField(forms.CharField):
    """The type-ahead company field: a posted id is accepted only if it names a company the
    user can see (or the record's own); a typed name without an id, only if exactly one
    company the user can see bears it."""

    def __init__(self, *, user, current: Company | None = None, **kwargs):
        self.user, self.current = user, current
        super().__init__(widget=CompanyLookupWidget(), **kwargs)

    def to_python(self, value):
        if isinstance(value, TypedCompanyName):
            return value
        return super().to_python(value)

    def clean(self, value):
        if isinstance(value, TypedCompanyName):
            return self._by_name(value.strip()[:200])
        value = super().clean(value)
        if value and company_named(self.user, value, self.current) is None:
            raise ValidationError(_("Choose a company you can see."), code="invalid_choice")
        return value

    def _by_name(self, name: str) -> str:
        named = Company.objects.visible_to(self.user).filter(name=name).order_by("id")
        found = list(named.values_list("pk", flat=True)[:2])
        if len(found) == 1:
            return str(found[0])
        if found:
            message = _("Several companies are called “%(name)s”: choose one from the list.")
        else:
            message = _("No company you can see is called “%(name)s”: choose one from the list.")
        raise ValidationError(message, code="invalid_choice", params={"name": name})


class CompanyLookupWidget(forms.Widget):
    """A hidden company id plus a text box that searches visible companies as you type and
    offers to create the company typed (`customers/_company_picker.html`)."""

    template_name = "customers/widgets/company_lookup.html"
    selected_label = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["selected_label"] = self.selected_label
        return context

    def value_from_datadict(self, data, files, name):
        chosen = data.get(name) or ""
        typed = (data.get(f"{name}_search") or "").strip()
        if not chosen and typed:
            return TypedCompanyName(typed)
        return chosen

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_search" not in data


def split_tags(text: str) -> list[str]:
    """Tag names from a comma-separated text (Chinese commas too), without duplicates."""
    names = []
    for part in TAG_SEPARATORS.split(text or ""):
        name = part.strip()
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


def owner_choices(user, current_owner=None, module: str = "customers") -> list[tuple[str, str]]:
    """The users `user` may give a record of `module` to, as the services allow it; the
    current owner stays listed (an edit must not change the owner unasked)."""
    action = "create" if current_owner is None else "edit"
    choices = [(str(u.pk), str(u)) for u in users_in_scope(user, module, action)]
    if current_owner is not None and str(current_owner.pk) not in dict(choices):
        choices.append((str(current_owner.pk), str(current_owner)))
    return choices


class RecordForm(CustomFieldsForm):
    """Shared by people and companies: built for one entity, one user and maybe one record."""

    entity = ""

    def __init__(self, *args, user, instance=None, **kwargs):
        self.user = user
        self.instance = instance
        self.custom_entity = self.entity
        kwargs.setdefault("initial", {})
        if instance is not None:
            kwargs["initial"] = {**self.initial_from(instance), **kwargs["initial"]}
        else:
            kwargs["initial"].setdefault("owner", str(user.pk))
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["owner"].choices = owner_choices(user, instance.owner if instance else None)
        if instance is None:
            del self.fields["version"]

    def initial_from(self, instance) -> dict:
        initial = {name: getattr(instance, name) for name in self.plain_fields}
        initial["phone"] = display_phone(instance.phone)
        initial["owner"] = str(instance.owner_id)
        initial["version"] = instance.version
        initial["tags"] = ", ".join(sorted(t.name for t in instance.tags.all()))
        return initial

    def clean(self):
        """Check contact details (and custom values) with the services' own rules, so every
        mistake shows at once; the services check again when saving."""
        cleaned = super().clean()
        checks = {"email": normalize_email, "phone": normalize_phone}
        for name, check in checks.items():
            if cleaned.get(name):
                try:
                    check(cleaned[name])
                except ValidationError as exc:
                    self.add_error(name, exc.messages)
        return cleaned

    def service_data(self, only_changed: bool = False) -> dict:
        """The cleaned input as the services take it (all fields, or only the changed ones)."""
        names = set(self.changed_data) if only_changed else set(self.fields)
        data = {}
        for name in names:
            if name == "version" or name not in self.cleaned_data or name.startswith(CUSTOM_PREFIX):
                continue
            value = self.cleaned_data[name]
            if name == "tags":
                data["tags"] = split_tags(value)
            elif name in ("owner", "company"):
                data[name] = int(value) if str(value or "").isdigit() else (value or None)
            else:
                data[name] = value if value is not None else ("" if name != "birthday" else None)
        custom = self.custom_service_data(names)
        if custom:
            data["custom"] = custom
        return data

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ValidationError on the matching form fields."""
        exc = self.custom_errors_as_fields(exc)
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for key, messages in exc.message_dict.items():
            name = key
            if name not in self.fields or name == "version":
                name = None
                messages = [
                    f"{key}: {m}" if key not in ("__all__", "custom") else m for m in messages
                ]
            for message in messages:
                if name and name in self.errors and message in self.errors[name]:
                    continue
                self.add_error(name, message)

    def display(self, name: str, value) -> str:
        """A submitted or stored form value the way a person reads it."""
        field = self.fields[name]
        if value in (None, "", []):
            return "—"
        if isinstance(field, forms.BooleanField):
            return gettext("Yes") if value else gettext("No")
        choices = dict(getattr(field, "choices", []) or [])
        if name == "company" and not choices:
            company = company_named(self.user, value, getattr(self.instance, "company", None))
            return company.name if company else str(value)
        if isinstance(value, list | tuple):
            return ", ".join(str(choices.get(v, v)) for v in value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(choices.get(str(value), value))


def _text(label, max_length, required=False, widget=None):
    return forms.CharField(label=label, max_length=max_length, required=required, widget=widget)


class PersonForm(RecordForm):
    entity = "person"
    plain_fields = ["name", "email", "title", "company", "birthday", "city", "address", "notes"]

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = _text(_("Name"), 150, required=True)
    company = forms.ChoiceField(label=_("Company"), required=False)
    title = _text(_("Job title"), 100)
    email = _text(_("Email"), 254, widget=forms.EmailInput)
    phone = _text(_("Phone"), 40, widget=forms.TextInput(attrs={"type": "tel"}))
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=DateInput())
    city = _text(_("City"), 100)
    address = _text(_("Address"), 300)
    tags = _text(_("Tags"), 1000)
    owner = forms.ChoiceField(label=_("Owner"))
    notes = _text(_("Background"), 10000, widget=forms.Textarea(attrs={"rows": 4}))

    def initial_from(self, instance) -> dict:
        initial = super().initial_from(instance)
        initial["company"] = str(instance.company_id) if instance.company_id else ""
        return initial

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].help_text = _("Separate tags with commas.")
        current = self.instance.company if self.instance and self.instance.company_id else None
        set_company_field(self, current)


def set_company_field(form: forms.Form, current: Company | None) -> None:
    """`form.fields["company"]`: a type-ahead search of the companies `form.user` can see,
    whatever their number, with "create company …" for those who may create one; `current`
    (the record's own company) stays accepted even if the user no longer sees it."""
    field = CompanyLookupField(label=_("Company"), required=False, user=form.user, current=current)
    value = form.data.get("company") if form.is_bound else form.initial.get("company")
    chosen = company_named(form.user, value, current)
    if chosen is not None:
        field.widget.selected_label = chosen.name
    elif form.is_bound:
        field.widget.selected_label = (form.data.get("company_search") or "")[:200]
    form.fields["company"] = field


class CompanyForm(RecordForm):
    entity = "company"
    plain_fields = ["name", "website", "email", "industry", "city", "address", "notes"]

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = _text(_("Name"), 200, required=True)
    website = _text(_("Website"), 300, widget=forms.URLInput)
    email = _text(_("Email"), 254, widget=forms.EmailInput)
    phone = _text(_("Phone"), 40, widget=forms.TextInput(attrs={"type": "tel"}))
    industry = _text(_("Industry"), 100)
    city = _text(_("City"), 100)
    address = _text(_("Address"), 300)
    tags = _text(_("Tags"), 1000)
    owner = forms.ChoiceField(label=_("Owner"))
    notes = _text(_("Description"), 10000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].help_text = _("Separate tags with commas.")
