# mypy: disable-error-code="arg-type"
"""Deal screens: the board per pipeline, the list, a deal's page and form; pipeline settings."""

from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.services import require_admin
from kehu.activities.views import panel_context
from kehu.core import visibility
from kehu.core.access import colleague_choices, get_visible_or_404
from kehu.core.records import VersionConflict
from kehu.customers.fields.values import active_fields
from kehu.customers.models import Person
from kehu.sales import follow_up
from kehu.sales.deals import board_cards, queries, services
from kehu.sales.deals.forms import DealForm, ExchangeRateForm, PipelineForm, StageFormSet
from kehu.sales.lost_reasons.services import active_reasons
from kehu.sales.models import Deal, ExchangeRate, Pipeline, Quote, Stage, StageChange
from kehu.web import undo
from kehu.web.pages import (
    create_page,
    delete_page,
    edit_page,
    list_page,
    restore_page,
    setting_or_404,
    settings_page,
)

FILTER_KEYS = (
    *("q", "pipeline", "stage", "owner", "status", "company", "overdue"),
    *("close_from", "close_to", "next_step", "stale"),
)


#: what a deal's pages show beside it, read in the same query
DEAL_JOINS = ("pipeline", "stage", "company", "owner", "lost_reason")


def _owner_options(user, params) -> list[tuple[str, str, bool]]:
    chosen = params.get("owner", "")
    return [(str(pk), name, str(pk) == chosen) for pk, name in colleague_choices(user, "sales")]


def _pipeline_from(params) -> Pipeline | None:
    pipelines = Pipeline.objects.filter(active=True)
    chosen = queries.id_or_none(params.get("pipeline"))
    return (chosen and pipelines.filter(pk=chosen).first()) or pipelines.first()


@login_required
def deal_board(request):
    user = request.user
    visibility.require(user, "sales", "read")
    pipeline = _pipeline_from(request.GET)
    context = {
        "nav": "board",
        "company_currency": settings.DEFAULT_CURRENCY,
        "pipeline": pipeline,
        "pipelines": Pipeline.objects.filter(active=True),
        "owners": _owner_options(user, request.GET),
        "params": {key: request.GET.get(key, "") for key in FILTER_KEYS},
        "can_edit": visibility.can(user, "sales", "edit"),
        "can_create": visibility.can(user, "sales", "create"),
        "errors": {},
        "lost_reasons": list(active_reasons()),
    }
    if pipeline is not None:
        try:
            columns, closed = queries.board(user, pipeline, request.GET)
        except ValidationError as exc:
            context["errors"] = exc.message_dict
            columns, closed = queries.board(user, pipeline, {})
        owners = board_cards.owner_names([card for c in columns for card in c.cards])
        for column in columns:
            column.html = board_cards.render(column.cards, owners, context["can_edit"])
        context.update(columns=columns, closed_stages=closed)
    return render(request, "sales/board.html", context)


@login_required
def deal_list(request):
    user = request.user
    visibility.require(user, "sales", "read")
    params = request.GET
    base = Deal.objects.visible_to(user).select_related(*DEAL_JOINS)
    errors = {}
    try:
        qs = queries.apply_filters(base, params, user)
    except ValidationError as exc:
        errors, qs = exc.message_dict, base
    context = {
        "nav": "deals",
        "errors": errors,
        "pipelines": Pipeline.objects.prefetch_related("stages"),
        "owners": _owner_options(user, params),
        "can_create": visibility.can(user, "sales", "create"),
        "can_export": visibility.can(user, "sales", "export"),
    }
    return list_page(
        request,
        qs,
        template="sales/list.html",
        sort=queries.clean_sort(params.get("sort")),
        base=base,
        filter_keys=FILTER_KEYS,
        context=context,
        list_key="deal",
        sorts=queries.clean_sort,
        totals=("amount", "currency"),
        bulk="deal",
    )


@login_required
def deal_detail(request, pk):
    user = request.user
    deal = get_visible_or_404(
        Deal, user, pk, include_bin=True, queryset=Deal.all_objects.select_related(*DEAL_JOINS)
    )
    changes = list(
        StageChange.objects.filter(deal=deal).select_related("from_stage", "to_stage", "actor")[
            :100
        ]
    )
    context = {
        "nav": "deals",
        "deal": deal,
        "record": deal,
        "stage_changes": changes,
        **panel_context(request, deal),
        "days_in_stage": queries.days_in_stage(deal),
        "stages": list(deal.pipeline.stages.all()),
        "can_edit": visibility.can(user, "sales", "edit"),
        "can_delete": visibility.can(user, "sales", "delete"),
        "stale": deal.is_stale(),
        "lost_reasons": list(active_reasons()),
        "custom_fields": active_fields("deal"),
        # like a person's company, a deal's people are shown to whoever may see the deal
        "contacts": list(deal.contacts.select_related("person")),
        "contact_choices": _contact_choices(user, deal),
        **_deal_quotes(user, deal),
    }
    return render(request, "sales/detail.html", context)


def _deal_quotes(user, deal: Deal) -> dict:
    """The deal's quotes (latest versions) and its products: the lines of the accepted quote,
    or else of the newest one."""
    deal_quotes = list(
        Quote.objects.visible_to(user).filter(deal=deal, is_latest=True).order_by("-number")[:20]
    )
    current = next((q for q in deal_quotes if q.status == Quote.Status.ACCEPTED), None)
    current = current or (deal_quotes[0] if deal_quotes else None)
    return {
        "quotes": deal_quotes,
        "product_quote": current,
        "products": list(current.lines.all()) if current else [],
        "can_quote": visibility.can(user, "sales", "create"),
    }


def _contact_choices(user, deal: Deal) -> list:
    """People to add to the deal: those of its company the user can see (at most 200)."""
    if not deal.company_id:
        return []
    people = Person.objects.visible_to(user).filter(company_id=deal.company_id)
    return list(people.order_by("name_sort_key", "id").values_list("pk", "name")[:200])


@login_required
def deal_create(request):
    user = request.user
    visibility.require(user, "sales", "create")
    if not Pipeline.objects.filter(active=True).exists():
        notice: str
        if user.is_admin:
            notice = format_html(
                _('There is no pipeline yet: <a href="{url}">create one under Pipelines</a>.'),
                url=reverse("pipeline-list"),
            )
        else:
            notice = _("There is no pipeline yet: ask an administrator to create one.")
        messages.error(request, notice)
        return redirect("deal-list")
    initial = {}
    for name in ("company", "pipeline", "stage"):
        if queries.id_or_none(request.GET.get(name)):
            initial[name] = str(queries.id_or_none(request.GET[name]))
    if "pipeline" in initial and "stage" not in initial:
        first = Stage.objects.filter(pipeline_id=initial["pipeline"], kind="open").first()
        initial["stage"] = str(first.pk) if first else ""
    create: Callable = services.create_deal
    title = _("New deal")
    # from a person's page (?person=): the deal is made with them on it
    if request.GET.get("person") is not None:
        person = get_visible_or_404(Person, user, queries.id_or_none(request.GET["person"]))
        company = person.company if person.company_id else None
        if "company" not in initial and company is not None and not company.deleted_at:
            initial["company"] = str(company.pk)
        initial.setdefault("name", _("Deal with %(name)s") % {"name": person})
        title = _("New deal with %(name)s") % {"name": person}
        create = partial(services.create_deal_for_person, person=person)
    return create_page(
        request,
        DealForm(request.POST or None, user=user, initial=initial),
        create=create,
        template="web/record_form.html",
        list_url="deal-list",
        context={"nav": "deals", "new_title": title},
    )


@login_required
def deal_edit(request, pk):
    user = request.user
    deal = get_visible_or_404(Deal, user, pk, queryset=Deal.objects.select_related(*DEAL_JOINS))
    return edit_page(
        request,
        deal,
        form_class=DealForm,
        update=_update_deal,
        template="web/record_form.html",
        context={"nav": "deals"},
    )


def _update_deal(user, deal: Deal, changes: dict, version) -> Deal:
    if deal.is_closed and "stage" in changes:
        changes["reopen"] = True  # the form says where the deal goes, on purpose
    return services.update_deal(user, deal, changes, version)


@login_required
@require_POST
def deal_move(request, pk):
    """The board's drag and drop and the deal page's stage buttons: move a deal to a stage (to
    a lost one with a reason); answers JSON to the script, a redirect to a plain form."""
    user = request.user
    deal = get_visible_or_404(Deal, user, pk, queryset=Deal.objects.select_related(*DEAL_JOINS))
    try:
        visibility.require_record(user, deal, "edit")
    except PermissionDenied:
        return JsonResponse({"error": _("You may not change this deal.")}, status=403)
    version = request.POST.get("version")
    reason = request.POST.get("reason")
    lost_reason = request.POST.get("lost_reason")
    script = bool(request.headers.get("X-Requested-With") or request.htmx)
    before = {
        "stage": deal.stage_id,
        "reason": deal.close_reason,
        "lost_reason": deal.lost_reason_id,
    }
    try:
        if request.POST.get("reopen") and deal.is_closed:
            saved = services.reopen_deal(
                user, deal, request.POST.get("stage") or None, expected_version=version or None
            )
        else:
            saved = services.move_deal(
                user,
                deal,
                request.POST.get("stage"),
                version or None,
                reason=reason,
                lost_reason=lost_reason,
            )
    except VersionConflict as conflict:
        if not script:
            messages.error(request, _("Someone else changed this deal; here it is as it is now."))
            return redirect(deal.get_absolute_url())
        return JsonResponse(
            {
                "error": _("Someone else changed this deal; the board is reloaded."),
                "version": conflict.current.version,
            },
            status=409,
        )
    except (ValidationError, ValueError) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        if not script:
            messages.error(request, message)
            return redirect(deal.get_absolute_url())
        needs_reason = isinstance(exc, ValidationError) and bool(
            {"close_reason", "lost_reason"} & set(getattr(exc, "error_dict", {}))
        )
        return JsonResponse({"error": message, "needs_reason": needs_reason}, status=400)
    said = _("“%(name)s” is now in %(stage)s.") % {"name": saved, "stage": saved.stage}
    moved = saved.stage_id != before["stage"]  # else dropped where it was: nothing to undo
    if not script:
        if moved:
            undo.offer(request, said, "stage", saved, **before)
        else:
            messages.success(request, said)
        return redirect(saved.get_absolute_url())
    token = ""  # the board shows the confirmation and its Undo itself
    if moved:
        token = undo.remember(request, "stage", saved, **before)
    return JsonResponse(
        {
            "ok": True,
            "version": saved.version,
            "stage": saved.stage_id,
            "closed": saved.is_closed,
            "message": said,
            "undo": token,
        }
    )


@login_required
def deal_delete(request, pk):
    deal = get_visible_or_404(
        Deal, request.user, pk, queryset=Deal.objects.select_related(*DEAL_JOINS)
    )
    return delete_page(
        request, deal, delete=services.delete_deal, list_url="deal-list", nav="deals"
    )


@login_required
@require_POST
def deal_restore(request, pk):
    return restore_page(request, Deal, pk, restore=services.restore_deal)


# --- settings: pipelines and exchange rates -------------------------------------------------


@login_required
def pipeline_list(request):
    require_admin(request.user)
    pipelines = Pipeline.objects.prefetch_related("stages")
    return render(request, "sales/pipelines.html", {"pipelines": pipelines, "nav": "pipelines"})


@login_required
def pipeline_edit(request, pk=None):
    user = request.user
    require_admin(user)
    pipeline = setting_or_404(Pipeline, pk)
    if pipeline is not None:
        fields = ("name", "name_zh", "stale_days", "active", "version")
        initial = {f: getattr(pipeline, f) for f in fields}
        stages = [
            {f: getattr(s, f) for f in ("id", "name", "name_zh", "probability", "kind")}
            for s in pipeline.stages.all()
        ]
    else:
        initial, stages = (
            None,
            [
                {"name": _("Qualification"), "probability": 10, "kind": "open"},
                {"name": _("Proposal"), "probability": 50, "kind": "open"},
                {"name": _("Won"), "probability": 100, "kind": "won"},
                {"name": _("Lost"), "probability": 0, "kind": "lost"},
            ],
        )
    return settings_page(
        request,
        pipeline,
        PipelineForm(request.POST or None, initial=initial),
        formset=StageFormSet(request.POST or None, initial=stages, prefix="stages"),
        rows_key="stages",
        save=lambda form, rows: services.save_pipeline(
            user, pipeline, form.cleaned_data, rows, form.cleaned_data.get("version")
        ),
        template="sales/pipeline_form.html",
        done="pipeline-list",
        context={"nav": "pipelines", "new_title": _("New pipeline")},
    )


@login_required
def exchange_rates(request):
    user = request.user
    require_admin(user)
    return settings_page(
        request,
        None,
        ExchangeRateForm(request.POST or None),
        save=lambda form, _rows: services.set_exchange_rate(
            user, form.cleaned_data["currency"], form.cleaned_data["rate"]
        ),
        message=lambda rate: _("The rate of %(code)s is saved.") % {"code": rate.currency},
        template="sales/exchange_rates.html",
        done="exchange-rates",
        context={
            "rates": ExchangeRate.objects.all(),
            "company_currency": settings.DEFAULT_CURRENCY,
            "nav": "rates",
        },
    )


@login_required
def my_pipeline(request):
    """What needs doing next: overdue and upcoming next steps, stale deals, deals with none."""
    user = request.user
    visibility.require(user, "sales", "read")
    owners = _owner_options(user, {})
    owner_id = queries.id_or_none(request.GET.get("owner")) or user.pk
    if str(owner_id) not in {value for value, _label, _selected in owners}:
        owner_id = user.pk
    titles = {
        "overdue_deals": _("Deals with an overdue next step"),
        "overdue_leads": _("Leads with an overdue next step"),
        "soon_deals": _("Deals: next step in the coming week"),
        "soon_leads": _("Leads: next step in the coming week"),
        "stale_deals": _("Stale deals (no change for longer than their pipeline allows)"),
        "no_next_step": _("Open deals without a next step"),
    }
    sections = [
        {"section": s, "title": titles[s.key], "leads": s.key.endswith("_leads")}
        for s in follow_up.follow_ups(user, owner_id)
    ]
    context = {
        "nav": "my-pipeline",
        "sections": sections,
        "owners": [(v, label, v == str(owner_id)) for v, label, _s in owners],
        "owner_id": owner_id,
        "today": timezone.localdate(),
    }
    return render(request, "sales/my_pipeline.html", context)


@login_required
@require_POST
def deal_contact_set(request, pk):
    user = request.user
    deal = get_visible_or_404(Deal, user, pk, queryset=Deal.objects.select_related(*DEAL_JOINS))
    try:
        services.set_contact(user, deal, request.POST.get("person"), request.POST.get("role", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(deal.get_absolute_url())


@login_required
@require_POST
def deal_contact_remove(request, pk, person_id):
    user = request.user
    deal = get_visible_or_404(Deal, user, pk, queryset=Deal.objects.select_related(*DEAL_JOINS))
    try:
        services.remove_contact(user, deal, person_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(deal.get_absolute_url())
