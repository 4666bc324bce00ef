# mypy: disable-error-code="attr-defined"
"""Settings → Assignment rules: administrators list, order, edit and remove them."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from kehu.accounts.models import Team
from kehu.accounts.services import require_admin
from kehu.core.access import users_in_scope
from kehu.core.visibility import SCOPE_ALL
from kehu.sales import coded_values
from kehu.sales.assignment import services as assignment
from kehu.sales.models import AssignmentRule
from kehu.web.pages import setting_or_404, settings_delete, settings_page


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    entity = forms.ChoiceField(label=gettext_lazy("For"), choices=AssignmentRule.Entity.choices)
    position = forms.IntegerField(
        label=pgettext_lazy("position", "Order"), min_value=0, max_value=10000,
        help_text=gettext_lazy(
            "Rules are tried from the lowest number up; the first that matches decides."
        ),
    )  # fmt: skip
    method = forms.ChoiceField(label=gettext_lazy("Assign"), choices=AssignmentRule.Method.choices)
    user = forms.ChoiceField(label=gettext_lazy("User"), required=False,
                             help_text=gettext_lazy("For “to one user”."))  # fmt: skip
    team = forms.ChoiceField(label=gettext_lazy("Team"), required=False,
                             help_text=gettext_lazy("For “in turn” and “least loaded”: its "
                                                    "active members who may own sales "
                                                    "records."))  # fmt: skip
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    #: the setting's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, admin, **kwargs):
        super().__init__(*args, **kwargs)
        # an administrator's rule may hand records to any active user, whatever the
        # administrator's own record scope
        users = users_in_scope(admin, "sales", "edit", scope=SCOPE_ALL)
        self.fields["user"].choices = [("", "—")] + [(str(u.pk), str(u)) for u in users]
        # each way of assigning uses one of them: the other is hidden (conditional_fields.js)
        method = AssignmentRule.Method
        self.fields["user"].widget.attrs["data-shown-when"] = f"method={method.USER.value}"
        self.fields["team"].widget.attrs["data-shown-when"] = (
            f"method={method.ROUND_ROBIN.value},{method.LEAST_LOADED.value}"
        )
        self.fields["team"].choices = [("", "—")] + [
            (str(t.pk), t.name) for t in Team.objects.order_by("name")
        ]


class ConditionForm(forms.Form):
    field = forms.ChoiceField(label=gettext_lazy("Field"), required=False)
    op = forms.ChoiceField(label=gettext_lazy("Test"), required=False,
                           choices=[(k, v) for k, v in assignment.OPS.items()])  # fmt: skip
    value = forms.CharField(label=gettext_lazy("Value"), max_length=200, required=False)

    def __init__(self, *args, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "—"), *fields]


ConditionFormSet = forms.formset_factory(ConditionForm, extra=2, max_num=20, absolute_max=20)


def _conditions_text(rule: AssignmentRule) -> list[str]:
    labels = dict(assignment.field_choices(rule.entity))
    return [
        f"{labels.get(c['field'], c['field'])} {assignment.OPS.get(c['op'], c['op'])} "
        f"{coded_values.shown(c['field'], c['value'])}"
        for c in rule.conditions
    ]


@login_required
def rule_list(request):
    require_admin(request.user)
    rules = list(AssignmentRule.objects.select_related("user", "team"))
    for rule in rules:
        rule.conditions_text = _conditions_text(rule)
    context = {"nav": "assignment", "rules": rules}
    return render(request, "sales/assignment_rules.html", context)


@login_required
def rule_edit(request, pk=None):
    user = request.user
    require_admin(user)
    rule = setting_or_404(AssignmentRule, pk)
    entity = request.POST.get("entity") or (rule.entity if rule else request.GET.get("entity"))
    entity = entity if entity in AssignmentRule.Entity.values else "lead"
    initial = {"entity": entity, "position": 0, "active": True}
    if rule is not None:
        initial = {"name": rule.name, "entity": rule.entity, "position": rule.position,
                   "method": rule.method, "user": str(rule.user_id or ""),
                   "team": str(rule.team_id or ""), "active": rule.active,
                   "version": rule.version}  # fmt: skip
    else:
        last = AssignmentRule.objects.filter(entity=entity).order_by("-position").first()
        initial["position"] = last.position + 1 if last else 0
    form = RuleForm(request.POST or None, initial=initial, admin=user)
    if rule is not None:  # its conditions name the fields of leads or of deals
        form.fields["entity"].disabled = True
    formset = ConditionFormSet(
        request.POST or None,
        initial=[
            {**c, "value": coded_values.shown(c["field"], c["value"])} for c in rule.conditions
        ]
        if rule
        else [],
        prefix="conditions",
        form_kwargs={"fields": assignment.field_choices(entity)},
    )
    return settings_page(
        request,
        rule,
        form,
        formset=formset,
        rows_key="conditions",
        save=lambda form, rows: assignment.save_rule(
            user, rule, form.cleaned_data, rows, form.cleaned_data.get("version")
        ),
        template="sales/assignment_rule_form.html",
        done="assignment-rule-list",
        context={"nav": "assignment", "new_title": _("New assignment rule")},
    )


@login_required
@require_POST
def rule_delete(request, pk):
    require_admin(request.user)
    return settings_delete(
        request, AssignmentRule, pk, delete=assignment.delete_rule, done="assignment-rule-list"
    )
