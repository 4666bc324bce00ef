"""Settings screens for custom field definitions (administrators only)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.accounts.admin_views import admin_required
from kehu.customers.fields import services as field_services
from kehu.customers.models import CustomField
from kehu.web.pages import setting_or_404, settings_page


class FieldForm(forms.Form):
    entity = forms.ChoiceField(label=gettext_lazy("For"), choices=CustomField.Entity.choices)
    label = forms.CharField(label=gettext_lazy("Label"), max_length=100)
    label_zh = forms.CharField(
        label=gettext_lazy("Label (简体中文)"), max_length=100, required=False
    )
    key = forms.CharField(
        label=gettext_lazy("Key"),
        max_length=40,
        required=False,
        help_text=gettext_lazy(
            "Lower-case letters, digits and underscores; used in imports, filters and the API. "
            "Leave empty to derive it from the label. It cannot change later."
        ),
    )
    type = forms.ChoiceField(
        label=gettext_lazy("Type"),
        choices=CustomField.Type.choices,
        help_text=gettext_lazy("The type cannot change after the field is created."),
    )
    choices = forms.CharField(
        label=gettext_lazy("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("For choice fields: one choice per line."),
    )
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    position = forms.IntegerField(
        label=gettext_lazy("Position"),
        min_value=0,
        max_value=2_147_483_647,
        initial=0,
        help_text=gettext_lazy("Fields are shown in this order, smallest first."),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    #: the definition's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, field: CustomField | None = None, **kwargs):
        if field is not None:
            kwargs.setdefault("initial", self.initial_from(field))
        super().__init__(*args, **kwargs)
        self.fields["label"].widget.attrs["data-key-source"] = ""
        # choices apply to choice types only: shown for them (kehu/conditional_fields.js)
        choice_types = ",".join(sorted(field_services.CHOICE_TYPES))
        self.fields["choices"].widget.attrs["data-shown-when"] = f"type={choice_types}"
        self.fields["key"].widget.attrs.update(
            {"data-key-target": "", "pattern": "[a-z][a-z0-9_]*"}
        )
        if field is not None:
            # entity and key never change; they are shown, not submitted
            self.fields["entity"].disabled = True
            self.fields["key"].disabled = True
            self.fields["key"].required = True

    @staticmethod
    def initial_from(field: CustomField) -> dict:
        """The form's values for a stored definition."""
        return {
            "entity": field.entity,
            "label": field.label,
            "label_zh": field.label_zh,
            "key": field.key,
            "type": field.type,
            "choices": "\n".join(field.choices or []),
            "required": field.required,
            "position": field.position,
            "active": field.active,
            "version": field.version,
        }

    def data_for_service(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["choices"] = field_services.parse_choices(data.get("choices") or "")
        return data


def _entity(request) -> str:
    value = request.GET.get("entity") or request.POST.get("entity")
    return value if value in CustomField.Entity.values else CustomField.Entity.PERSON


@admin_required
def field_list(request):
    entity = _entity(request)
    fields = CustomField.objects.filter(entity=entity).order_by("-active", "position", "id")
    return render(
        request,
        "customers/fields/list.html",
        {
            "entity": entity,
            "entities": CustomField.Entity.choices,
            "fields": fields,
            "nav": "fields",
        },
    )


@admin_required
def field_create(request):
    entity = _entity(request)
    form = FieldForm(
        request.POST or None, initial={"entity": entity, "position": 0, "active": True}
    )
    return _field_page(
        request,
        None,
        form,
        entity,
        lambda form: field_services.create_field(request.user, form.data_for_service()),
    )


@admin_required
def field_edit(request, pk: int):
    field = setting_or_404(CustomField, pk)

    def save(form):
        changes = form.data_for_service()
        changes.pop("entity", None)
        changes.pop("key", None)
        version = form.cleaned_data.get("version")
        return field_services.update_field(request.user, field, changes, version)

    form = FieldForm(request.POST or None, field=field)
    return _field_page(request, field, form, field.entity, save)


def _field_page(request, field, form, entity: str, save):
    return settings_page(
        request,
        field,
        form,
        save=lambda form, _rows: save(form),
        template="customers/fields/form.html",
        done=lambda saved: f"{_list_url()}?entity={saved.entity}",
        context={
            "entity": entity,
            "nav": "fields",
            "new_title": _("New custom field"),
            "cancel_url": f"{_list_url()}?entity={entity}",
        },
    )


@admin_required
@require_POST
def field_deactivate(request, pk: int):
    field = get_object_or_404(CustomField, pk=pk)
    field_services.deactivate_field(request.user, field)
    messages.success(
        request,
        _("The field “%(label)s” is deactivated; the values stay in the records.")
        % {"label": field.label},
    )
    return redirect(f"{_list_url()}?entity={field.entity}")


@admin_required
@require_POST
def field_activate(request, pk: int):
    field = get_object_or_404(CustomField, pk=pk)
    field_services.activate_field(request.user, field)
    messages.success(request, _("The field “%(label)s” is active again.") % {"label": field.label})
    return redirect(f"{_list_url()}?entity={field.entity}")


def _list_url() -> str:
    from django.urls import reverse

    return reverse("customfield-list")
