# mypy: disable-error-code="union-attr"
"""Lead screens: the list, a lead's page and form, and converting it."""

from functools import wraps

from csp.decorators import csp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kehu.activities.views import panel_context
from kehu.core import search, visibility
from kehu.core.access import get_visible_or_404
from kehu.core.client_address import client_address as visitor_address
from kehu.core.conditions import Context
from kehu.core.conditions.params import narrow_by_params
from kehu.customers.fields.values import active_fields
from kehu.customers.queries import CUSTOM_PREFIX, filter_by_custom
from kehu.customers.views import custom_filter_rows
from kehu.sales.condition_fields import param_rules
from kehu.sales.leads import services as leads
from kehu.sales.leads.forms import ConvertForm, LeadForm, WebLeadForm
from kehu.sales.models import Lead
from kehu.sales.scoring import services as scoring
from kehu.web.conflicts import show_service_errors
from kehu.web.pages import (
    chosen_sort,
    create_page,
    delete_page,
    edit_page,
    list_page,
    restore_page,
)

SORTS = ["-updated_at", "updated_at", "name", "-name", "-score", "score"]
FILTER_KEYS = ("q", "status", "source", "owner")


def filtered_leads(qs, params, user, capped: bool = True):
    """The lead list's filters: status, source and owner through the condition language, the
    custom fields and the search as before; (queryset, errors by filter). Export and bulk
    actions share it; bulk actions with `capped=False`: a search keeps every match, not the
    list's first LIST_MATCH_CAP."""
    rules = param_rules("lead", params)
    qs, errors = narrow_by_params(qs, "lead", rules, Context(user=user))
    qs, custom_errors = filter_by_custom(qs, params, "lead")
    errors.update(custom_errors)
    q = (params.get("q") or "").strip()
    if q:
        qs = search.search(qs, q, cap=search.LIST_MATCH_CAP if capped else None)
    return qs, errors


@login_required
def lead_list(request):
    user = request.user
    visibility.require(user, "sales", "read")
    base = Lead.objects.visible_to(user).select_related("owner")
    qs, errors = filtered_leads(base, request.GET, user)
    definitions = active_fields("lead")
    context = {
        "nav": "leads",
        "errors": errors,
        "params": {k: request.GET.get(k, "") for k in FILTER_KEYS},
        "statuses": Lead.Status.choices,
        "sources": Lead.Source.choices,
        "custom_filters": custom_filter_rows(definitions, request.GET, errors),
        "can_create": visibility.can(user, "sales", "create"),
        "can_export": visibility.can(user, "sales", "export"),
    }
    return list_page(
        request,
        qs,
        template="sales/leads.html",
        sort=chosen_sort(request, SORTS),
        base=base,
        filter_keys=(*FILTER_KEYS, *(CUSTOM_PREFIX + d.key for d in definitions)),
        context=context,
        list_key="lead",
        custom_fields=definitions,
        sorts=lambda sort: sort if sort in SORTS else SORTS[0],
        bulk="lead",
    )


@login_required
def lead_detail(request, pk):
    user = request.user
    lead = get_visible_or_404(
        Lead,
        user,
        pk,
        include_bin=True,
        queryset=Lead.all_objects.select_related("owner", "person", "company", "deal"),
    )
    definitions = active_fields("lead")
    context = {
        "nav": "leads",
        "lead": lead,
        "record": lead,
        "learned_reasons": [
            {**r, "label": scoring.feature_label(r["feature"], lead.product_interest)}
            for r in lead.learned_reasons
        ],
        **panel_context(request, lead),
        "custom_fields": definitions,
        "can_edit": visibility.can(user, "sales", "edit"),
        "can_delete": visibility.can(user, "sales", "delete"),
    }
    return render(request, "sales/lead_detail.html", context)


@login_required
def lead_create(request):
    user = request.user
    visibility.require(user, "sales", "create")
    return create_page(
        request,
        LeadForm(request.POST or None, user=user),
        create=leads.create_lead,
        template="web/record_form.html",
        list_url="lead-list",
        context={"nav": "leads", "new_title": _("New lead")},
    )


@login_required
def lead_edit(request, pk):
    user = request.user
    lead = get_visible_or_404(Lead, user, pk, queryset=Lead.objects.select_related("owner"))
    return edit_page(
        request,
        lead,
        form_class=LeadForm,
        update=leads.update_lead,
        template="web/record_form.html",
        context={"nav": "leads"},
    )


@login_required
def lead_convert(request, pk):
    user = request.user
    lead = get_visible_or_404(Lead, user, pk, queryset=Lead.objects.select_related("owner"))
    visibility.require_record(user, lead, "edit")
    form = ConvertForm(request.POST or None, initial={"deal_name": lead.company_name or lead.name})
    context = {
        "nav": "leads",
        "lead": lead,
        "form": form,
        "person": leads.matching_person(user, lead),
        "company": leads.matching_company(user, lead),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        deal = {"name": data["deal_name"] or lead.company_name or lead.name}
        if data["amount"] is not None:
            deal["amount"] = data["amount"]
        if data["expected_close"]:
            deal["expected_close"] = data["expected_close"]
        try:
            converted = leads.convert_lead(user, lead, make_deal=data["make_deal"], deal=deal)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("“%(name)s” is converted.") % {"name": converted})
            target = converted.deal or converted.person
            return redirect(target.get_absolute_url())
    return render(request, "sales/lead_convert.html", context)


@login_required
def lead_delete(request, pk):
    lead = get_visible_or_404(Lead, request.user, pk, queryset=Lead.objects.select_related("owner"))
    return delete_page(request, lead, delete=leads.delete_lead, list_url="lead-list", nav="leads")


@login_required
@require_POST
def lead_restore(request, pk):
    return restore_page(request, Lead, pk, restore=leads.restore_lead)


# --- the public web form (no login): embeddable in the company's own site ---------------------


def web_form_policy() -> dict:
    """The web form's Content-Security-Policy: a page with no script at all, only Kehu's
    stylesheet, posting only to itself, framed by the sites in KEHU_LEAD_FORM_FRAME_ANCESTORS
    (any site by default: it acts for nobody, so framing it tricks no one into anything)."""
    return {
        "default-src": ["'none'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": list(settings.LEAD_FORM_FRAME_ANCESTORS) or ["'none'"],
    }


def with_web_form_policy(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return csp(web_form_policy())(view)(request, *args, **kwargs)

    return wrapped


@csrf_exempt  # anonymous, creates only; the honeypot and the rate limit stand in for CSRF
@xframe_options_exempt  # meant to be embedded in an <iframe>: frame-ancestors says by whom
@with_web_form_policy
def lead_web_form(request):
    form = WebLeadForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            leads.create_web_lead(data, visitor_address(request), honeypot=data.get("website", ""))
        except leads.SpamRefused as refused:
            if str(refused) == "rate":
                form.add_error(None, _("Too many requests from your network; try again later."))
                status = 429
            else:  # a bot: it is told what people are told, and nothing is saved
                return render(request, "sales/web_form_thanks.html")
        except ValidationError as exc:
            show_service_errors(form, exc)
            status = 400
        else:
            return render(request, "sales/web_form_thanks.html")
    elif request.method == "POST":
        status = 400
    return render(request, "sales/web_form.html", {"form": form}, status=status)
