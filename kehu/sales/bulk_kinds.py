"""Leads and deals in bulk actions (kehu/core/bulk): the rows a list's filters match, the
fields "set a field" changes, and the services each action calls."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.core.bulk import registry
from kehu.core.bulk.registry import BulkField, BulkKind
from kehu.sales.deals import queries as deal_queries
from kehu.sales.deals import services as deals
from kehu.sales.leads import services as leads
from kehu.sales.models import Deal, Lead, Stage


def _matching_leads(user, params):
    """The visible leads the lead list's filters match (every match of a search, not only the
    list's first); ValidationError for a bad filter."""
    from kehu.sales.leads.views import filtered_leads

    qs, errors = filtered_leads(Lead.objects.visible_to(user), params, user, capped=False)
    if errors:
        raise ValidationError(errors)
    return qs


def _matching_deals(user, params):
    return deal_queries.apply_filters(Deal.objects.visible_to(user), params, user, capped=False)


def _lead_statuses() -> list[tuple[str, str]]:
    # a lead becomes converted only by converting it
    return [(v, str(label)) for v, label in Lead.Status.choices if v != Lead.Status.CONVERTED]


def _lead_sources() -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in Lead.Source.choices]


def _stages() -> list[tuple[str, str]]:
    stages = Stage.objects.filter(pipeline__active=True).select_related("pipeline")
    return [
        (str(s.pk), f"{s.pipeline.display_name} · {s.display_name}")
        for s in stages.order_by("pipeline__position", "pipeline_id", "position", "id")
    ]


def _stage_changes(value: str) -> dict:
    """A deal moved to a stage goes to that stage's pipeline too."""
    stage = Stage.objects.filter(pk=int(value)).first()
    if stage is None:
        raise ValidationError({"stage": [_("Choose a stage of the deal's pipeline.")]})
    return {"pipeline": stage.pipeline_id, "stage": stage.pk}


def register() -> None:
    registry.register(
        BulkKind(
            key="lead",
            label=_("Leads"),
            model=Lead,
            list_url="lead-list",
            matching=_matching_leads,
            update=leads.update_lead,
            delete=leads.delete_lead,
            restore=leads.restore_lead,
            fields=(
                BulkField("status", _("Status"), choices=_lead_statuses),
                BulkField("source", _("Source"), choices=_lead_sources),
            ),
        )
    )
    registry.register(
        BulkKind(
            key="deal",
            label=_("Deals"),
            model=Deal,
            list_url="deal-list",
            matching=_matching_deals,
            update=deals.update_deal,
            delete=deals.delete_deal,
            restore=deals.restore_deal,
            fields=(BulkField("stage", _("Stage"), choices=_stages, to_changes=_stage_changes),),
            batch_reads=lambda qs: qs.select_related("pipeline", "stage"),
        )
    )
