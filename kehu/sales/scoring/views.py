# mypy: disable-error-code="attr-defined"
"""Settings → Lead scoring: the rules' points, and the learned model's state."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.accounts.services import require_admin
from kehu.sales import coded_values
from kehu.sales.assignment import services as assignment
from kehu.sales.models import Lead, ScoringRule
from kehu.sales.scoring import services as scoring
from kehu.web.pages import setting_or_404, settings_delete, settings_page


class ScoringRuleForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Shown as the reason, e.g. “Company email”."),
    )
    field = forms.ChoiceField(label=gettext_lazy("Field"))
    op = forms.ChoiceField(label=gettext_lazy("Test"),
                           choices=[(k, v) for k, v in assignment.OPS.items()])  # fmt: skip
    value = forms.CharField(
        label=gettext_lazy("Value"),
        max_length=200,
        # the labels of coded values, in the reader's language (see sales.coded_values)
        help_text="",
    )
    points = forms.IntegerField(label=gettext_lazy("Points"), min_value=-100, max_value=100)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    #: the setting's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = scoring.field_choices()
        self.fields["value"].help_text = _(
            "Sources: %(sources)s. Statuses: %(statuses)s. For “has a phone”: %(yes_no)s. "
            "For the email: %(kinds)s. Or a number of days."
        ) % {
            "sources": coded_values.labels("source"),
            "statuses": coded_values.labels("status"),
            "yes_no": coded_values.labels("has_phone"),
            "kinds": coded_values.labels("email_kind"),
        }


@login_required
def scoring_settings(request, pk=None):
    user = request.user
    require_admin(user)
    rule = setting_or_404(ScoringRule, pk)
    initial = None
    if rule is not None:
        initial = {
            n: getattr(rule, n)
            for n in ("name", "field", "op", "value", "points", "active", "version")
        }
        initial["value"] = coded_values.shown(rule.field, rule.value)
    labels = dict(scoring.field_choices())
    rules = list(ScoringRule.objects.all())
    for item in rules:
        item.field_label = labels.get(item.field, item.field)
        item.op_label = assignment.OPS.get(item.op, item.op)
        item.value_label = coded_values.shown(item.field, item.value)
    model = scoring.current_model()
    weights = []
    if model is not None:
        strongest = sorted(model.weights.items(), key=lambda kv: -abs(kv[1]))[:8]
        weights = [{"label": scoring.feature_label(k), "weight": w} for k, w in strongest]
    context = {
        "nav": "scoring",
        "rule": rule,
        "rules": rules,
        "model": model,
        "weights": weights,
        "decided": Lead.objects.filter(status__in=["converted", "disqualified"]).count(),
        "min_examples": scoring.MIN_EXAMPLES,
    }
    return settings_page(
        request,
        rule,
        ScoringRuleForm(request.POST or None, initial=initial),
        save=lambda form, _rows: scoring.save_rule(
            user, rule, form.cleaned_data, form.cleaned_data.get("version")
        ),
        message=lambda saved: (
            _("“%(name)s” is saved; open leads are being scored again.") % {"name": saved}
        ),
        template="sales/scoring.html",
        done="scoring-settings",
        context=context,
    )


@login_required
@require_POST
def scoring_rule_delete(request, pk):
    require_admin(request.user)
    return settings_delete(
        request, ScoringRule, pk, delete=scoring.delete_rule, done="scoring-settings"
    )


@login_required
@require_POST
def scoring_train(request):
    require_admin(request.user)
    from kehu.sales.tasks import train_lead_score

    transaction.on_commit(train_lead_score.enqueue)
    messages.success(
        request, _("Training has started in the background; reload this page in a minute.")
    )
    return redirect("scoring-settings")
