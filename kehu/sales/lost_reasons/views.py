"""Settings → Lost reasons: administrators add, rename, reorder and archive the reasons a deal
can be lost for, on one page (a row a reason; the order numbers sort them)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kehu.accounts.services import require_admin
from kehu.sales.lost_reasons import services
from kehu.sales.lost_reasons.models import LostReason
from kehu.web.pages import settings_page


class ReasonRowForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    position = forms.IntegerField(
        label=pgettext_lazy("position", "Order"), required=False, min_value=0, max_value=10000
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False)
    name_zh = forms.CharField(label=gettext_lazy("Name (简体中文)"), max_length=100, required=False)
    archived = forms.BooleanField(label=gettext_lazy("Archived"), required=False)


ReasonFormSet = forms.formset_factory(ReasonRowForm, extra=2, max_num=100, absolute_max=100)


class NoFields(forms.Form):
    """The page's own form: the rows are the whole setting."""


def _ordered(rows: list[dict]) -> list[dict]:
    """Rows by their order number (a row without one stays where it is among the others)."""
    keyed = []
    for index, row in enumerate(rows):
        position = row.get("position")
        keyed.append((position if position is not None else index, index, row))
    return [row for _p, _i, row in sorted(keyed, key=lambda item: (item[0], item[1]))]


@login_required
def lost_reason_settings(request):
    user = request.user
    require_admin(user)
    reasons = list(LostReason.objects.all())
    initial = [
        {"id": r.pk, "position": i, "name": r.name, "name_zh": r.name_zh, "archived": r.archived}
        for i, r in enumerate(reasons)
    ]
    formset = ReasonFormSet(request.POST or None, initial=initial, prefix="reasons")
    for form, reason in zip(formset.forms, reasons, strict=False):
        form.reason = reason  # type: ignore[attr-defined]  # for the template
    return settings_page(
        request,
        None,
        NoFields(request.POST or None),
        formset=formset,
        rows_key="reasons",
        save=lambda _form, rows: services.save_reasons(user, _ordered(rows or [])),
        message=lambda _saved: _("The lost reasons are saved."),
        template="sales/lost_reasons.html",
        done="lost-reason-settings",
        context={"nav": "lost-reasons", "heading": _("Lost reasons")},
    )
