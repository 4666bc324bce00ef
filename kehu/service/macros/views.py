# mypy: disable-error-code="attr-defined"
"""Macros: Settings → Macros for administrators; on a ticket, applying one in one click or
putting its reply into the reply box to edit first."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.accounts.services import require_admin
from kehu.core import visibility
from kehu.core.access import get_visible_or_404, users_in_scope
from kehu.core.records import VersionConflict
from kehu.mail import templating
from kehu.service.macros import services
from kehu.service.macros.models import Macro
from kehu.service.tickets.models import Ticket
from kehu.web.pages import setting_or_404, settings_page


class MacroForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    body = forms.CharField(
        label=gettext_lazy("Reply"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )  # fmt: skip
    set_status = forms.ChoiceField(label=gettext_lazy("Then set the status to"), required=False)
    set_priority = forms.ChoiceField(label=gettext_lazy("Set the priority to"), required=False)
    add_tags = forms.CharField(label=gettext_lazy("Add the tags"), required=False, max_length=500)
    assign = forms.ChoiceField(label=gettext_lazy("Assign"), required=False)
    assignee = forms.ChoiceField(label=gettext_lazy("Assign to"), required=False)
    position = forms.IntegerField(
        label=gettext_lazy("Position"), min_value=0, max_value=10000, initial=0
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        keep = [("", _("Leave as it is"))]
        self.fields["set_status"].choices = keep + list(Ticket.Status.choices)
        self.fields["set_priority"].choices = keep + list(Ticket.Priority.choices)
        self.fields["assign"].choices = keep + [
            ("me", _("To whoever applies the macro")),
            ("user", _("To the colleague below")),
        ]
        agents = users_in_scope(user, "service", "edit")[:200]
        self.fields["assignee"].choices = [("", "—")] + [(str(u.pk), str(u)) for u in agents]
        self.fields["body"].help_text = _("Markdown. Placeholders: %(list)s") % {
            "list": ", ".join(templating.code(k) for k in services.PLACEHOLDERS)
        }


@login_required
def macro_edit(request, pk=None):
    user = request.user
    require_admin(user)
    macro = setting_or_404(Macro, pk)
    initial = None
    if macro is not None:
        names = ("name", "body", "set_status", "set_priority", "assign", "position", "active",
                 "version")  # fmt: skip
        initial = {n: getattr(macro, n) for n in names}
        initial["add_tags"] = ", ".join(macro.add_tags or [])
        initial["assignee"] = str(macro.assignee_id or "")
    return settings_page(
        request,
        macro,
        MacroForm(request.POST or None, initial=initial, user=user),
        save=lambda form, _rows: services.save_macro(
            user, macro, form.cleaned_data, form.cleaned_data.get("version")
        ),
        template="service/macros.html",
        done="macro-settings",
        context={"nav": "macros", "macro": macro, "macros": list(Macro.objects.all())},
    )


def _ticket_and_macro(request, pk, macro_id):
    ticket = get_visible_or_404(Ticket, request.user, pk)
    visibility.require_record(request.user, ticket, "edit")
    return ticket, get_object_or_404(Macro, pk=macro_id, active=True)


@login_required
@require_POST
def macro_apply(request, pk, macro_id):
    """One click: the macro's reply and changes on the ticket."""
    ticket, macro = _ticket_and_macro(request, pk, macro_id)
    try:
        version = int(request.POST.get("version") or 0) or None
        services.apply_macro(request.user, ticket, macro, version)
    except VersionConflict:
        messages.error(request, _("Someone changed this ticket in the meantime: nothing was sent. "
                                  "Read what is new and apply the macro again."))  # fmt: skip
    except (ValidationError, ValueError) as exc:
        for message in getattr(exc, "messages", [str(exc)]):
            messages.error(request, message)
    else:
        messages.success(request, _("Macro “%(name)s” applied.") % {"name": macro})
    return redirect(ticket.get_absolute_url())


@login_required
def macro_text(request, pk, macro_id):
    """The macro's reply for this ticket as plain text, for the reply box to edit."""
    ticket, macro = _ticket_and_macro(request, pk, macro_id)
    return HttpResponse(
        services.rendered(macro, ticket, request.user), content_type="text/plain; charset=utf-8"
    )
