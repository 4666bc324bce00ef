"""Settings → Support mailboxes (administrators), and the download of a file a customer
sent with their mail (whoever sees the ticket)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.accounts.models import Team, User
from kehu.accounts.services import require_admin
from kehu.core.access import get_visible_or_404
from kehu.mail.imap import check_connection
from kehu.service.mailbox import services
from kehu.service.mailbox.models import InboundMail, SupportMailbox, TicketAttachment
from kehu.service.mailbox.tasks import account_of, state_of
from kehu.service.tickets.models import Ticket
from kehu.web.pages import setting_or_404, settings_page


@login_required
def attachment(request, pk, attachment_pk):
    """A file of a ticket the user can see (404 otherwise), always as a download: never
    shown by the browser from Kehu's own origin, whatever its type claims."""
    ticket = get_visible_or_404(Ticket, request.user, pk)
    found = get_object_or_404(TicketAttachment, pk=attachment_pk, ticket=ticket)
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=found.filename or "attachment")
    response["Content-Type"] = "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


class MailboxForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    address = forms.EmailField(label=gettext_lazy("Address customers write to"))
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team (new tickets go to its queue)"),
        queryset=Team.objects.order_by("name"),
        required=False,
    )
    person_owner = forms.ModelChoiceField(
        label=gettext_lazy("Owner of new people"),
        help_text=gettext_lazy(
            "A sender Kehu does not know becomes a new person owned by this colleague; their "
            "role must allow creating people."
        ),
        queryset=User.objects.filter(is_active=True).order_by("username"),
    )
    imap_host = forms.CharField(label=gettext_lazy("IMAP server"), max_length=255)
    imap_security = forms.ChoiceField(
        label=gettext_lazy("Connection security"), choices=SupportMailbox.Security.choices
    )
    imap_port = forms.IntegerField(
        label=gettext_lazy("IMAP port"), min_value=1, max_value=65535, initial=993
    )
    imap_user = forms.CharField(label=gettext_lazy("IMAP user"), max_length=255)
    imap_password = forms.CharField(
        label=gettext_lazy("IMAP password"),
        max_length=255,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    imap_folder = forms.CharField(label=gettext_lazy("Folder"), max_length=255, initial="INBOX")
    acknowledge = forms.BooleanField(
        label=gettext_lazy("Acknowledge new tickets (tell the customer their ticket number)"),
        required=False,
        initial=True,
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, mailbox=None, **kwargs):
        super().__init__(*args, **kwargs)
        if mailbox is not None:
            self.fields["imap_password"].help_text = gettext_lazy(
                "Leave empty to keep the current password."
            )


@login_required
def mailbox_list(request):
    return mailbox_edit(request)


@login_required
def mailbox_edit(request, pk=None):
    user = request.user
    require_admin(user)
    mailbox = setting_or_404(SupportMailbox, pk)
    initial = None
    if mailbox is not None:
        initial = {n: getattr(mailbox, n) for n in services.FIELDS if n not in
                   ("team", "person_owner")}  # fmt: skip
        initial.update(team=mailbox.team_id, person_owner=mailbox.person_owner_id,
                       version=mailbox.version)  # fmt: skip
    mailboxes = list(SupportMailbox.objects.select_related("team").order_by("name"))
    rows = [(m, state_of(m)) for m in mailboxes]
    # what the mailbox kept without making it a ticket (robots, floods, Kehu's own mail)
    kept = []
    if mailbox is not None:
        kept = list(
            InboundMail.objects.filter(mailbox=mailbox, ticket__isnull=True).order_by(
                "-received_at", "-id"
            )[:20]
        )

    def save(form, _rows):
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        if mailbox is not None:
            return services.update_mailbox(user, mailbox, data, version)
        return services.create_mailbox(user, data)

    return settings_page(
        request,
        mailbox,
        MailboxForm(request.POST or None, initial=initial, mailbox=mailbox),
        save=save,
        template="service/mailbox/mailboxes.html",
        done="support-mailboxes",
        context={"nav": "support_mailboxes", "mailbox": mailbox, "rows": rows, "kept": kept},
    )


@login_required
@require_POST
def mailbox_check(request, pk):
    """Log in to the mailbox and open its folder now, reading nothing, and say how it went."""
    require_admin(request.user)
    mailbox = get_object_or_404(SupportMailbox, pk=pk)
    error = check_connection(account_of(mailbox))
    if error:
        messages.error(
            request,
            _("Kehu cannot read “%(name)s”: %(error)s") % {"name": mailbox.name, "error": error},
        )
    else:
        messages.success(request, _("Kehu can read “%(name)s”.") % {"name": mailbox.name})
    return redirect("support-mailbox-edit", pk=mailbox.pk)
