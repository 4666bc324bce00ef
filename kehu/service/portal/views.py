"""The customer's screens: the public support form (embeddable, like the lead form) and a
ticket's portal page, reached by its signed link; and the agents' revoking of that link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kehu.core.access import get_visible_or_404
from kehu.core.client_address import client_address as visitor_address
from kehu.sales.leads.views import with_web_form_policy
from kehu.service.kb import services as kb
from kehu.service.kb.views import with_help_centre_policy
from kehu.service.portal import services
from kehu.service.portal.forms import PortalReplyForm, SupportForm
from kehu.service.tickets.models import Ticket, TicketMessage
from kehu.web.conflicts import show_service_errors

SUGGESTIONS = 5


def customer_status(ticket: Ticket) -> str:
    """The ticket's status as the customer reads it (the agents' words name their queues)."""
    shown: dict[str, str] = {
        Ticket.Status.NEW: pgettext("customer ticket status", "Received"),
        Ticket.Status.OPEN: _("Being worked on"),
        Ticket.Status.PENDING: _("Waiting for your reply"),
        Ticket.Status.ON_HOLD: _("Being worked on"),
        Ticket.Status.SOLVED: _("Solved"),
        Ticket.Status.CLOSED: pgettext("ticket status", "Closed"),
    }
    return shown.get(ticket.status) or ticket.get_status_display()


def _suggestions(subject: str) -> list:
    subject = " ".join((subject or "").split())[:200]
    return kb.suggest(subject, public_only=True, limit=SUGGESTIONS) if subject else []


@csrf_exempt  # anonymous, creates only; the honeypot and the rate limit stand in for CSRF
@xframe_options_exempt  # embeddable as the lead form is: frame-ancestors says by whom
@with_web_form_policy
def support_form(request):
    """The public support form. Its "Find answers first" button (or ?subject=) shows the public
    articles matching the subject, without sending anything."""
    status, articles, searched = 200, [], False
    if request.method == "POST" and "suggest" in request.POST:
        fields = ("name", "email", "subject", "description")
        form = SupportForm(initial={name: request.POST.get(name, "") for name in fields})
        articles, searched = _suggestions(request.POST.get("subject", "")), True
    elif request.method == "POST":
        form = SupportForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.open_web_ticket(
                    data, visitor_address(request), honeypot=data.get("website", "")
                )
            except services.SpamRefused as refused:
                if str(refused) == "rate":
                    form.add_error(None, _("Too many requests from your network; try again later."))
                    status = 429
                else:  # a bot: it is told what people are told, and nothing is saved
                    return render(request, "service/portal/support_thanks.html", {})
            except PermissionDenied:
                form.add_error(None, _("The support form is not ready yet; try again later."))
                status = 503
            except ValidationError as exc:
                show_service_errors(form, exc)
            else:
                return render(request, "service/portal/support_thanks.html", {"ticket": ticket})
    else:
        subject = request.GET.get("subject", "")
        form = SupportForm(initial={"subject": subject[:200]})
        if subject.strip():
            articles, searched = _suggestions(subject), True
    context = {"form": form, "articles": articles, "searched": searched}
    return render(request, "service/portal/support_form.html", context, status=status)


def _portal_ticket(token: str) -> Ticket:
    ticket = services.ticket_for_token(token)
    if ticket is None:
        raise Http404
    return ticket


def _page(request, token, ticket, form=None, status=200):
    thread = (
        TicketMessage.objects.filter(ticket=ticket, kind=TicketMessage.Kind.REPLY)
        .only("body", "created_at", "author_id", "person_id")
        .order_by("created_at", "id")
    )
    context = {
        "ticket": ticket,
        "status": customer_status(ticket),
        "token": token,
        "thread": thread,
        "closed": ticket.status == Ticket.Status.CLOSED,
        "solved": ticket.status == Ticket.Status.SOLVED,
        "form": form or PortalReplyForm(),
    }
    return render(request, "service/portal/portal.html", context, status=status)


@never_cache
@with_help_centre_policy
def portal(request, token):
    """A ticket as its requester sees it: the public thread, never the internal notes."""
    return _page(request, token, _portal_ticket(token))


@never_cache
@require_POST
@with_help_centre_policy
def portal_reply(request, token):
    ticket = _portal_ticket(token)
    form = PortalReplyForm(request.POST)
    if form.is_valid():
        try:
            services.add_portal_reply(ticket, form.cleaned_data["body"])
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("support-portal", token)
    return _page(request, token, ticket, form=form, status=400)


@never_cache
@require_POST
@with_help_centre_policy
def portal_solve(request, token):
    ticket = _portal_ticket(token)
    try:
        services.solve_by_customer(ticket)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Thank you: your request is marked as solved."))
    return redirect("support-portal", token)


@login_required
@require_POST
def portal_revoke(request, pk):
    """An agent ends every portal link sent for the ticket; the page shows the new one."""
    ticket = get_visible_or_404(Ticket, request.user, pk)
    services.revoke_link(request.user, ticket)
    messages.success(request, _("The old customer links no longer work. Send the new one."))
    return redirect(ticket.get_absolute_url())
