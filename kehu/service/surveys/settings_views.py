# mypy: disable-error-code="attr-defined"
"""Settings → Surveys: administrators switch the CSAT survey (after a solved ticket) on or off
and set up NPS surveys: who is asked (the people of a saved view of the people list, or
everyone with an email) and how often."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy

from kehu.accounts.services import require_admin
from kehu.core.saved_views.services import visible_views
from kehu.service.surveys import setup
from kehu.service.surveys.models import Survey, SurveyKind
from kehu.web.pages import setting_or_404, settings_page

KEEP, EVERYONE = "keep", "everyone"


class SurveyForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SurveyKind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    audience = forms.ChoiceField(
        label=gettext_lazy("Who is asked (NPS)"),
        required=False,
        help_text=gettext_lazy(
            "The people of a saved view of the people list, as it filters them when the survey "
            "goes out; only those with an email, and each at most once in 90 days."
        ),
    )
    every_days = forms.IntegerField(
        label=gettext_lazy("Send every (days)"), min_value=1, max_value=setup.MAX_EVERY_DAYS,
        initial=90,
    )  # fmt: skip
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user, survey=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [(EVERYONE, gettext_lazy("Everyone with an email"))]
        if survey is not None:
            choices.insert(0, (KEEP, gettext_lazy("— keep who is asked now —")))
            self.fields["kind"].disabled = True
        views = visible_views(user).filter(list_key="person").order_by("name", "id")
        choices += [(str(v.pk), v.name) for v in views]
        self.fields["audience"].choices = choices
        self.views = {str(v.pk): v for v in views}

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        audience = data.pop("audience", KEEP) or KEEP
        if audience == EVERYONE:
            data["condition"] = {}
        elif audience in self.views:
            data["condition"] = self.views[audience].condition
        return data


@login_required
def survey_list(request):
    return survey_edit(request)


@login_required
def survey_edit(request, pk=None):
    user = request.user
    require_admin(user)
    survey = setting_or_404(Survey, pk)
    initial = None
    if survey is not None:
        initial = {n: getattr(survey, n) for n in ("kind", "name", "every_days", "active",
                                                   "version")}  # fmt: skip
        initial["audience"] = KEEP
    answered = Q(responses__answered_at__isnull=False)
    rows = Survey.objects.annotate(
        sent=Count("responses"),
        answers=Count("responses", filter=answered),
        average=Avg("responses__score", filter=answered),
    )
    form = SurveyForm(request.POST or None, initial=initial, user=user, survey=survey)
    return settings_page(
        request,
        survey,
        form,
        save=lambda form, _rows: (
            setup.update_survey(user, survey, form.changes(), form.cleaned_data.get("version"))
            if survey is not None
            else setup.create_survey(user, form.changes())
        ),
        template="service/surveys/settings.html",
        done="survey-settings",
        context={"nav": "surveys", "survey": survey, "rows": rows},
    )
