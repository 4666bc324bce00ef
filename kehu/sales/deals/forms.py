# mypy: disable-error-code="attr-defined, union-attr"
"""Forms for deals, pipelines and exchange rates. They shape input; the services validate."""

import decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kehu.customers.fields.forms import CUSTOM_PREFIX, CustomFieldsForm
from kehu.customers.forms import DateInput, owner_choices, set_company_field
from kehu.sales.assignment.services import BY_RULES, rules_choice
from kehu.sales.deals import services
from kehu.sales.deals.queries import id_or_none
from kehu.sales.lost_reasons.services import active_reasons
from kehu.sales.models import Deal, Pipeline, Stage
from kehu.web.conflicts import show_service_errors

DEAL_FORM_FIELDS = ["name", "pipeline", "stage", "amount", "currency", "expected_close", "company",
                    "next_step", "next_step_due", "lost_reason", "close_reason",
                    "owner"]  # fmt: skip


def stage_choices(pipelines) -> list[tuple[str, list[tuple[str, str]]]]:
    """Stages grouped by pipeline, for a select with <optgroup>s."""
    return [
        (p.display_name, [(str(s.pk), s.display_name) for s in p.stages.all()]) for p in pipelines
    ]


class DealForm(CustomFieldsForm):
    custom_entity = "deal"

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=200)
    pipeline = forms.ChoiceField(label=_("Pipeline"))
    stage = forms.ChoiceField(label=_("Stage"))
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=16, decimal_places=2, min_value=0, required=False
    )
    currency = forms.ChoiceField(label=_("Currency"))
    expected_close = forms.DateField(label=_("Expected close"), required=False, widget=DateInput())
    company = forms.ChoiceField(label=_("Company"), required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_step_due = forms.DateField(label=_("Next step due"), required=False, widget=DateInput())
    lost_reason = forms.ChoiceField(
        label=_("Lost reason"), required=False, help_text=_("Needed when the deal is lost.")
    )
    close_reason = forms.CharField(
        label=_("Won/lost reason"),
        max_length=200,
        required=False,
        help_text=_("Why it was won; for a lost deal, the details (needed for “Other”)."),
    )
    owner = forms.ChoiceField(label=_("Owner"))

    def __init__(self, *args, user, instance: Deal | None = None, **kwargs):
        self.user = user
        self.instance = instance
        initial = kwargs.setdefault("initial", {})
        if instance is not None:
            kwargs["initial"] = {**self.initial_from(instance), **initial}
        else:
            initial.setdefault("owner", str(user.pk))
            initial.setdefault("currency", settings.DEFAULT_CURRENCY)
        super().__init__(*args, instance=instance, **kwargs)
        pipelines = list(Pipeline.objects.filter(active=True).prefetch_related("stages"))
        if instance is not None and instance.pipeline_id not in {p.pk for p in pipelines}:
            pipelines.append(instance.pipeline)
        self.fields["pipeline"].choices = [(str(p.pk), p.display_name) for p in pipelines]
        self.fields["stage"].choices = stage_choices(pipelines)
        # a lost reason applies to lost stages, words to won and lost ones (conditional_fields.js)
        stages = [s for p in pipelines for s in p.stages.all()]
        lost = ",".join(str(s.pk) for s in stages if s.kind == Stage.Kind.LOST)
        closed = ",".join(str(s.pk) for s in stages if s.is_closed)
        self.fields["lost_reason"].widget.attrs["data-shown-when"] = f"stage={lost}"
        self.fields["close_reason"].widget.attrs["data-shown-when"] = f"stage={closed}"
        self.fields["currency"].choices = [(c, c) for c in sorted(services.known_currencies())]
        self.fields["owner"].choices = owner_choices(
            user, instance.owner if instance else None, module="sales"
        )
        if instance is None:
            self.fields["owner"].choices += rules_choice("deal")
        set_company_field(self, instance.company if instance and instance.company_id else None)
        reasons = list(active_reasons())
        kept = instance.lost_reason if instance is not None else None
        if kept is not None and kept.archived:
            reasons.append(kept)  # archived since the deal was lost for it: still the deal's
        self.fields["lost_reason"].choices = [("", "—")] + [
            (str(r.pk), r.display_name) for r in reasons
        ]
        if instance is None:
            del self.fields["version"]

    @staticmethod
    def initial_from(deal: Deal) -> dict:
        initial = {name: getattr(deal, name) for name in DEAL_FORM_FIELDS}
        for name in ("pipeline", "stage", "owner", "company", "lost_reason"):
            value = getattr(deal, f"{name}_id")
            initial[name] = str(value) if value else ""
        initial["version"] = deal.version
        return initial

    def clean(self):
        cleaned = super().clean()
        stage, pipeline = cleaned.get("stage"), cleaned.get("pipeline")
        if stage and pipeline and not Stage.objects.filter(pk=stage, pipeline_id=pipeline).exists():
            self.add_error("stage", _("Choose a stage of the deal's pipeline."))
        return cleaned

    def service_data(self, only_changed: bool = False) -> dict:
        names = set(self.changed_data) if only_changed else set(self.fields)
        if only_changed and "pipeline" in names:
            names.add("stage")  # a stage is only meaningful with its pipeline
        data = {}
        for name in names:
            if name == "version" or name not in self.cleaned_data or name.startswith(CUSTOM_PREFIX):
                continue
            value = self.cleaned_data[name]
            if name == "owner" and value == BY_RULES:
                pass
            elif name in ("owner", "company", "pipeline", "stage", "lost_reason"):
                value = id_or_none(value)
            elif value is None and name not in ("expected_close", "next_step_due"):
                value = decimal.Decimal(0) if name == "amount" else ""
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
        field = self.fields[name]
        if value in (None, "", []):
            return "—"
        choices = {}
        for key, label in getattr(field, "choices", []) or []:
            if isinstance(label, list | tuple):
                choices.update(dict(label))
            else:
                choices[key] = label
        return str(choices.get(str(value), value))


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    name_zh = forms.CharField(label=_("Name (简体中文)"), max_length=100, required=False)
    stale_days = forms.IntegerField(
        label=_("Stale after (days)"),
        min_value=1,
        max_value=3650,
        initial=30,
        help_text=_("An open deal without a change for this many days is flagged as stale."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    #: the setting's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class StageForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Stage"), max_length=100, required=False)
    name_zh = forms.CharField(label=_("简体中文"), max_length=100, required=False)
    probability = forms.IntegerField(
        label=_("Win probability (%)"), min_value=0, max_value=100, required=False, initial=0
    )
    kind = forms.ChoiceField(label=_("Type"), choices=Stage.Kind.choices, initial=Stage.Kind.OPEN)


StageFormSet = forms.formset_factory(StageForm, extra=2, max_num=30, absolute_max=30)


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(label=_("Currency"), max_length=3)
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=18,
        decimal_places=8,
        help_text=_("How much one unit is worth in the company currency."),
    )
