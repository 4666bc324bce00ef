# mypy: disable-error-code="attr-defined"
"""Settings → Ticket categories: administrators add, rename, nest (two levels) and archive."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext_lazy

from kehu.accounts.services import require_admin
from kehu.service.categories import services
from kehu.service.categories.models import TicketCategory
from kehu.web.pages import setting_or_404, settings_page


class CategoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    name_zh = forms.CharField(label=gettext_lazy("Name (简体中文)"), max_length=100, required=False)
    parent = forms.ChoiceField(label=gettext_lazy("Under"), required=False)
    position = forms.IntegerField(label=gettext_lazy("Position"), min_value=0, max_value=10000,
                                  initial=0)  # fmt: skip
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, category=None, **kwargs):
        super().__init__(*args, **kwargs)
        tops = TicketCategory.objects.filter(parent__isnull=True)
        if category is not None:
            tops = tops.exclude(pk=category.pk)
        self.fields["parent"].choices = [("", gettext_lazy("— top level —"))] + [
            (str(c.pk), c.display_name) for c in tops
        ]


@login_required
def category_list(request):
    return category_edit(request)


@login_required
def category_edit(request, pk=None):
    user = request.user
    require_admin(user)
    category = setting_or_404(TicketCategory, pk)
    initial = None
    if category is not None:
        initial = {n: getattr(category, n) for n in ("name", "name_zh", "position", "active",
                                                     "version")}  # fmt: skip
        initial["parent"] = str(category.parent_id or "")
    rows = list(TicketCategory.objects.select_related("parent"))
    tops = [c for c in rows if c.parent_id is None]
    tree = [(top, [c for c in rows if c.parent_id == top.pk]) for top in tops]
    return settings_page(
        request,
        category,
        CategoryForm(request.POST or None, initial=initial, category=category),
        save=lambda form, _rows: (
            services.update_category(
                user, category, form.cleaned_data, form.cleaned_data.get("version")
            )  # fmt: skip
            if category is not None
            else services.create_category(user, form.cleaned_data)
        ),
        template="service/categories.html",
        done="ticket-categories",
        context={"nav": "ticket_categories", "category": category, "tree": tree},
    )
