"""Quote screens: the list, building a quote from products with running totals, its page,
the printable view and PDF, sending, accepting or rejecting, and new versions."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.activities import timeline
from kehu.core import visibility
from kehu.core.access import get_visible_or_404
from kehu.core.conditions import Context
from kehu.core.conditions.params import narrow_by_params
from kehu.core.records import VersionConflict
from kehu.customers.fields.values import active_fields
from kehu.customers.models import Company
from kehu.sales.condition_fields import param_rules
from kehu.sales.deals.currencies import known_currencies
from kehu.sales.deals.queries import id_or_none
from kehu.sales.models import Deal, Order, Quote
from kehu.sales.quotes import services as quotes
from kehu.sales.quotes.capitals import total_in_words
from kehu.sales.quotes.forms import (
    QuoteForm,
    QuoteLineFormSet,
    initial_lines,
    line_rows,
    product_choices,
    split_errors,
)
from kehu.sales.quotes.lines import preview_lines
from kehu.sales.seller.services import current_seller
from kehu.web.pages import chosen_sort, delete_page, list_page, restore_page

QUOTE_SORTS = ["-updated_at", "updated_at", "-total", "total"]


def status_and_owner(qs, params, user, list_key: str) -> tuple:
    """The status and owner filters, through the condition language (`param_rules`)."""
    rules = param_rules(list_key, params)
    return narrow_by_params(qs, list_key, rules, Context(user=user))


def filter_quotes(qs, params, user) -> tuple:
    """The quote list's filters (status, owner, number), shared with its export: the latest
    versions only, unless superseded ones are asked for."""
    qs, errors = status_and_owner(qs, params, user, "quote")
    if params.get("status") != Quote.Status.SUPERSEDED:
        qs = qs.filter(is_latest=True)
    number = (params.get("q") or "").strip().upper()[:20]
    if number:
        qs = qs.filter(number__startswith=number)
    return qs, errors


@login_required
def quote_list(request):
    user = request.user
    visibility.require(user, "sales", "read")
    base = Quote.objects.visible_to(user).select_related("owner", "company")
    qs, errors = filter_quotes(base, request.GET, user)
    context = {
        "nav": "quotes",
        "errors": errors,
        "statuses": Quote.Status.choices,
        "can_create": visibility.can(user, "sales", "create"),
        "can_export": visibility.can(user, "sales", "export"),
    }
    return list_page(
        request,
        qs,
        template="sales/quotes.html",
        sort=chosen_sort(request, QUOTE_SORTS),
        base=base,
        filter_keys=("q", "status", "owner"),
        context=context,
        list_key="quote",
        sorts=lambda sort: sort if sort in QUOTE_SORTS else QUOTE_SORTS[0],
        totals=("total", "currency"),
    )


def _quote_form_page(request, quote: Quote | None, deal: Deal | None = None):
    """New and edit share this page: the quote's fields and its lines in one form."""
    user = request.user
    form = QuoteForm(request.POST or None, user=user, instance=quote, deal=deal)
    lines = initial_lines(quote) if quote is not None else []
    current = [int(row["product"]) for row in lines if row["product"]]
    formset = QuoteLineFormSet(
        request.POST or None,
        initial=lines,
        prefix="lines",
        form_kwargs={"products": product_choices(current)},
    )
    line_errors: list[str] = []
    context = {"nav": "quotes", "form": form, "formset": formset, "quote": quote, "deal": deal}
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {**form.service_data(), "lines": line_rows(formset)}
        try:
            if quote is None:
                if deal is not None:
                    data["deal"] = deal.pk
                saved = quotes.create_quote(user, data)
            else:
                saved = quotes.update_quote(user, quote, data, form.cleaned_data["version"])
        except VersionConflict:
            form.add_error(
                None, _("Someone changed this quote meanwhile. Reload it and try again.")
            )
        except ValidationError as exc:
            line_errors, rest = split_errors(exc, "lines")
            if rest is not None:
                form.add_service_errors(rest)
        else:
            messages.success(request, _("“%(name)s” is saved.") % {"name": saved})
            return redirect(saved.get_absolute_url())
    context["line_errors"] = line_errors
    return render(request, "sales/quote_form.html", context)


@login_required
@require_POST
def quote_lines_preview(request):
    """The running totals of the quote form's lines as the user types (htmx): priced by the
    server as a save would price them, saving nothing."""
    user = request.user
    visibility.require(user, "sales", "read")
    quote = Quote()
    quote_id = id_or_none(request.GET.get("quote"))
    if quote_id:
        quote = get_visible_or_404(Quote, user, quote_id)
    currency = request.POST.get("currency", "")
    quote.currency = currency if currency in known_currencies() else settings.DEFAULT_CURRENCY
    # a company the user cannot see prices as no company: its customer group is not told
    company_id = id_or_none(request.POST.get("company"))
    quote.company = (
        Company.objects.visible_to(user).filter(pk=company_id).first() if company_id else None
    )
    unknown_company = bool(request.POST.get("company")) and quote.company is None
    current = list(quote.lines.values_list("product_id", flat=True)) if quote.pk else []
    formset = QuoteLineFormSet(
        request.POST, prefix="lines", form_kwargs={"products": product_choices(current)}
    )
    # rows that do not parse yet (a half-typed number) are left out until they do
    rows = [
        {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        for form in formset.forms
        if form.is_valid() and not form.is_blank
    ]
    lines, totals, errors = preview_lines(quote, rows)
    if unknown_company:
        errors = [_("Choose a company from the list; prices are shown as for any customer."),
                  *errors]  # fmt: skip
    context = {"lines": lines, "totals": totals, "errors": errors, "currency": quote.currency,
               "in_words": total_in_words(_Total(quote.currency, totals.total))}  # fmt: skip
    return render(request, "sales/_quote_totals.html", context)


class _Total:
    def __init__(self, currency, total):
        self.currency, self.total = currency, total


@login_required
def quote_create(request):
    user = request.user
    visibility.require(user, "sales", "create")
    deal = None
    deal_id = id_or_none(request.GET.get("deal"))
    if deal_id:
        deal = get_visible_or_404(
            Deal, user, deal_id, queryset=Deal.objects.select_related("company")
        )
    return _quote_form_page(request, None, deal)


@login_required
def quote_edit(request, pk):
    user = request.user
    quote = get_visible_or_404(
        Quote, user, pk, queryset=Quote.objects.select_related("owner", "company")
    )
    visibility.require_record(user, quote, "edit")
    if not quote.is_editable:
        messages.error(request, _("Only a draft can be changed; make a new version instead."))
        return redirect(quote.get_absolute_url())
    return _quote_form_page(request, quote, quote.deal if quote.deal_id else None)


@login_required
def quote_detail(request, pk):
    user = request.user
    quote = get_visible_or_404(
        Quote,
        user,
        pk,
        include_bin=True,
        queryset=Quote.all_objects.select_related("owner", "company", "deal", "person"),
    )
    if request.htmx and "before" in request.GET:
        items = {"timeline": timeline.page(quote, request.GET.get("before"), kinds=["changes"])}
        return render(request, "customers/_timeline_items.html", items)
    versions = (
        Quote.objects.visible_to(user).filter(number=quote.number).order_by("-revision")
        .only("pk", "number", "revision", "status", "total", "currency", "updated_at")
    )  # fmt: skip
    can_edit = visibility.can(user, "sales", "edit")
    context = {
        "nav": "quotes",
        "quote": quote,
        "record": quote,
        "lines": quote.lines.all(),
        "versions": versions,
        "order": Order.objects.visible_to(user).filter(quote=quote).first(),
        "timeline": timeline.page(quote, request.GET.get("before"), kinds=["changes"]),
        "can_edit": can_edit,
        "can_create": visibility.can(user, "sales", "create"),
        "can_delete": visibility.can(user, "sales", "delete"),
        "email_ready": quotes.email_configured(),
        "custom_fields": active_fields("quote"),
    }
    return render(request, "sales/quote_detail.html", context)


@login_required
def quote_print(request, pk):
    quote = get_visible_or_404(
        Quote, request.user, pk, queryset=Quote.objects.select_related("owner", "company", "person")
    )
    context = {
        "quote": quote,
        "lines": quote.lines.all(),
        "seller": current_seller(),
        "in_words": total_in_words(quote),
    }
    return render(request, "sales/quote_print.html", context)


@login_required
def quote_pdf_download(request, pk):
    quote = get_visible_or_404(
        Quote, request.user, pk, queryset=Quote.objects.select_related("owner", "company", "person")
    )
    from kehu.sales.quotes.pdf import quote_pdf  # reportlab is slow to import: only when used

    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    filename = f"{quote.label.replace(' ', '-')}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _act(request, quote: Quote, action, success: str):
    """Run a quote action from a POST, then back to the quote with its outcome."""
    try:
        result = action()
    except VersionConflict:
        messages.error(request, _("Someone changed this quote meanwhile; here it is as it is now."))
        return redirect(quote.get_absolute_url())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(quote.get_absolute_url())
    messages.success(request, success % {"name": result})
    return redirect(result.get_absolute_url())


def _posted_quote(request, pk) -> tuple[Quote, int | None]:
    quote = get_visible_or_404(
        Quote, request.user, pk, queryset=Quote.objects.select_related("owner", "company")
    )
    visibility.require_record(request.user, quote, "edit")
    return quote, id_or_none(request.POST.get("version"))


@login_required
def quote_send(request, pk):
    user = request.user
    quote = get_visible_or_404(
        Quote, user, pk, queryset=Quote.objects.select_related("owner", "company", "person")
    )
    visibility.require_record(user, quote, "edit")
    person = quote.person if quote.person_id else None
    seller = current_seller().name
    subject = _("Quote %(number)s: %(title)s") % {"number": quote.label, "title": quote.title}
    values = {
        "to": request.POST.get("to", person.email if person else ""),
        "subject": request.POST.get("subject", subject),
        "message": request.POST.get(
            "message",
            _("Hello,\n\nPlease find our quote %(number)s attached.\n\nBest regards,\n%(name)s")
            % {"number": quote.label, "name": user.get_full_name() or user.username},
        ),
    }
    errors: dict = {}
    if request.method == "POST":
        to = "" if request.POST.get("mark_only") else values["to"]
        if not to and not request.POST.get("mark_only"):
            errors["to"] = [_("Enter the address to send the quote to.")]
        else:
            version = id_or_none(request.POST.get("version"))
            try:
                sent = quotes.send_quote(user, quote, to, values["subject"], values["message"],
                                         version)  # fmt: skip
            except VersionConflict:
                errors["general"] = [_("Someone changed this quote meanwhile. Reload it.")]
            except ValidationError as exc:
                found = exc.message_dict if hasattr(exc, "error_dict") else {}
                errors = {"to": found.get("to", [])}
                errors["general"] = [m for k, v in found.items() if k != "to" for m in v]
                errors["general"] += [] if found else exc.messages
            else:
                if to:
                    messages.success(request, _("%(name)s is being emailed to %(to)s.") % {
                        "name": sent, "to": to})  # fmt: skip
                else:
                    messages.success(request, _("%(name)s is marked as sent.") % {"name": sent})
                return redirect(sent.get_absolute_url())
    context = {
        "nav": "quotes",
        "quote": quote,
        "values": values,
        "errors": errors,
        "email_ready": quotes.email_configured(),
        "seller": seller,
    }
    return render(request, "sales/quote_send.html", context, status=400 if errors else 200)


@login_required
@require_POST
def quote_accept(request, pk):
    quote, version = _posted_quote(request, pk)
    note = request.POST.get("note", "")
    return _act(
        request,
        quote,
        lambda: quotes.accept_quote(request.user, quote, note, version),
        _("%(name)s is accepted and its order is made."),
    )


@login_required
@require_POST
def quote_reject(request, pk):
    quote, version = _posted_quote(request, pk)
    reason = request.POST.get("reason", "")
    return _act(
        request,
        quote,
        lambda: quotes.reject_quote(request.user, quote, reason, version),
        _("%(name)s is marked as rejected."),
    )


@login_required
@require_POST
def quote_revise(request, pk):
    quote, version = _posted_quote(request, pk)
    return _act(
        request,
        quote,
        lambda: quotes.revise_quote(request.user, quote, version),
        _("%(name)s is a new draft: change it and send it again."),
    )


@login_required
def quote_delete(request, pk):
    quote = get_visible_or_404(
        Quote, request.user, pk, queryset=Quote.objects.select_related("owner", "company")
    )
    if quote.status == Quote.Status.ACCEPTED:
        messages.error(request, _("An accepted quote has an order: cancel the order instead."))
        return redirect(quote.get_absolute_url())
    return delete_page(request, quote, delete=quotes.delete_quote, list_url="quote-list",
                       nav="quotes")  # fmt: skip


@login_required
@require_POST
def quote_restore(request, pk):
    return restore_page(request, Quote, pk, restore=quotes.restore_quote)
