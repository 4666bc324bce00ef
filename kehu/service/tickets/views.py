# mypy: disable-error-code="union-attr"
"""Ticket screens: the queues, a ticket's page with its thread, the ticket form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core import visibility
from kehu.core.access import get_visible_or_404
from kehu.core.records import VersionConflict
from kehu.customers.fields.values import active_fields
from kehu.service.categories.services import choices as category_choices
from kehu.service.kb import services as kb
from kehu.service.macros import services as macros
from kehu.service.tickets import queries, services
from kehu.service.tickets.forms import MessageForm, TicketForm
from kehu.service.tickets.models import Ticket
from kehu.web.pages import chosen_sort, create_page, delete_page, edit_page, list_page, restore_page

FILTER_KEYS = ("q", "queue", "status", "priority", "category", "owner", "requester", "company")


@login_required
def ticket_list(request):
    """The agents' queues (mine, my team's unassigned, pending customer, all open) and the
    filtered list of every ticket the user can see."""
    user = request.user
    visibility.require(user, "service", "read")
    base = Ticket.objects.visible_to(user)
    params = request.GET.copy()
    if "queue" not in params and not any(params.get(k) for k in FILTER_KEYS):
        params["queue"] = "mine" if visibility.can(user, "service", "edit") else "open"
    errors: dict = {}
    try:
        qs = queries.apply_filters(base, params, user)
    except ValidationError as exc:
        errors, qs = exc.message_dict, base.none()
    request.GET = params  # the page shows the queue it chose
    context = {
        "nav": "tickets",
        "errors": errors,
        "queues": [(key, label) for key, label in queries.QUEUES.items()],
        "queue_counts": queries.queue_counts(base, user),
        "statuses": Ticket.Status.choices,
        "priorities": Ticket.Priority.choices,
        "categories": category_choices(),
        "can_create": visibility.can(user, "service", "create"),
    }
    return list_page(
        request,
        qs.select_related("requester", "owner", "category", "category__parent"),
        template="service/tickets.html",
        sort=chosen_sort(request, queries.SORTS),
        base=base,
        filter_keys=FILTER_KEYS,
        context=context,
    )


def _ticket(request, pk, include_bin=False):
    related = ("requester", "company", "owner", "team", "category", "category__parent",
               "sla_policy")  # fmt: skip
    if include_bin:
        return get_visible_or_404(
            Ticket,
            request.user,
            pk,
            include_bin=True,
            queryset=Ticket.all_objects.select_related(*related),
        )
    return get_visible_or_404(
        Ticket, request.user, pk, queryset=Ticket.objects.select_related(*related)
    )


def _detail_page(request, ticket, form=None, status=200):
    user = request.user
    can_edit = visibility.can(user, "service", "edit") and visibility.in_scope(user, ticket)
    if form is None and can_edit and not ticket.deleted_at:
        form = MessageForm(ticket=ticket)
    context = {
        "nav": "tickets",
        "ticket": ticket,
        "record": ticket,
        "thread": list(
            ticket.messages.select_related("author", "person", "delivery").prefetch_related(
                "attachments"
            )
        ),
        "kb_suggestions": kb.suggestions_for_ticket(user, ticket) if can_edit else [],
        "form": form,
        "custom_fields": active_fields("ticket"),
        "macros": list(macros.offered()) if can_edit and not ticket.deleted_at else [],
        "can_edit": can_edit,
        "can_delete": visibility.can(user, "service", "delete"),
        # the requester's page links only for those who may open it
        "person_visible": visibility.can(user, "customers", "read")
        and visibility.in_scope(user, ticket.requester),
    }
    return render(request, "service/ticket_detail.html", context, status=status)


@login_required
def ticket_detail(request, pk):
    return _detail_page(request, _ticket(request, pk, include_bin=True))


@login_required
@require_POST
def ticket_reply(request, pk):
    """A reply to the customer or an internal note, maybe with a new status."""
    user = request.user
    ticket = _ticket(request, pk)
    visibility.require_record(user, ticket, "edit")
    form = MessageForm(request.POST, ticket=ticket)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_message(
                user,
                ticket,
                data["body"],
                public=data["kind"] == "reply",
                status=data["status"] or None,
                expected_version=data["version"],
            )
        except VersionConflict:
            form.add_error(
                None,
                _("Someone changed this ticket while you wrote. Read what is new, then send."),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            said = _("Reply sent.") if data["kind"] == "reply" else _("Note added.")
            messages.success(request, said)
            return redirect(ticket.get_absolute_url())
    return _detail_page(request, _ticket(request, pk), form, status=400)


@login_required
def ticket_create(request):
    user = request.user
    visibility.require(user, "service", "create")
    initial = {}
    if request.GET.get("requester"):
        initial["requester"] = request.GET["requester"]
    return create_page(
        request,
        TicketForm(request.POST or None, user=user, initial=initial),
        create=services.create_ticket,
        template="web/record_form.html",
        list_url="ticket-list",
        context={"nav": "tickets", "new_title": _("New ticket")},
    )


@login_required
def ticket_edit(request, pk):
    return edit_page(
        request,
        _ticket(request, pk),
        form_class=TicketForm,
        update=services.update_ticket,
        template="web/record_form.html",
        context={"nav": "tickets"},
    )


@login_required
def ticket_delete(request, pk):
    return delete_page(
        request,
        _ticket(request, pk),
        delete=services.delete_ticket,
        list_url="ticket-list",
        nav="tickets",
    )


@login_required
@require_POST
def ticket_restore(request, pk):
    return restore_page(request, Ticket, pk, restore=services.restore_ticket)
