"""How deal lists and boards read: filters, sorts, stage columns and their totals."""

import datetime
import decimal
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import search
from kehu.sales.deals import board_cards
from kehu.sales.models import Deal, ExchangeRate, Pipeline, Stage

SORTS = ["-updated_at", "updated_at", "name", "-name", "-amount", "amount"]
STATUSES = ("open", "won", "lost")
CARDS_PER_STAGE = 50


def clean_sort(value: str | None) -> str:
    return value if value in SORTS else "-updated_at"


def id_or_none(value) -> int | None:
    """A row id from user input (ASCII digits that fit a 64-bit column), else None."""
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and 0 < int(text) < 2**63:
        return int(text)
    return None


def _int(value, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({name: [_("Expected a number.")]}) from exc
    if not 0 < number < 2**63:
        raise ValidationError({name: [_("Expected a number.")]})
    return number


def apply_filters(qs: QuerySet, params, user, capped: bool = True) -> QuerySet:
    """Narrow deals by the list parameters (a QueryDict or dict). Raises ValidationError.
    `capped=False`: a search keeps every match, not the list's first LIST_MATCH_CAP (bulk
    actions on "all matching rows")."""
    errors: dict[str, list[str]] = {}
    get = params.get

    def narrow(name, build):
        nonlocal qs
        if get(name):
            try:
                qs = build(get(name))
            except ValidationError as exc:
                errors.update(exc.message_dict)

    narrow("pipeline", lambda v: qs.filter(pipeline_id=_int(v, "pipeline")))
    narrow("stage", lambda v: qs.filter(stage_id=_int(v, "stage")))
    narrow("owner", lambda v: qs.filter(owner_id=user.pk if v == "me" else _int(v, "owner")))
    narrow("company", lambda v: qs.filter(company_id=_int(v, "company")))

    def status(value):
        if value not in STATUSES:
            raise ValidationError({"status": [_("Choose open, won or lost.")]})
        if value == "open":
            return qs.filter(closed_at__isnull=True)
        return qs.filter(stage__kind=value)

    narrow("status", status)

    def overdue(value):
        if value not in ("1", "true", "yes"):
            return qs
        return qs.filter(closed_at__isnull=True, next_step_due__lt=timezone.localdate())

    narrow("overdue", overdue)

    def next_step(value):
        if value != "none":
            raise ValidationError({"next_step": [_("Choose none (deals without a next step).")]})
        return qs.filter(closed_at__isnull=True, next_step="", next_step_due__isnull=True)

    narrow("next_step", next_step)

    def stale(value):
        if value not in ("1", "true", "yes"):
            return qs
        return qs.filter(stale_deals(), closed_at__isnull=True)

    narrow("stale", stale)
    qs = _closing_between(qs, get("close_from"), get("close_to"), get("status"), errors)
    if errors:
        raise ValidationError(errors)
    q = (get("q") or "").strip()
    if q:
        qs = search.search(qs, q, cap=search.LIST_MATCH_CAP if capped else None)
    return qs


def stale_deals() -> Q:
    """Deals unchanged for longer than their pipeline's `stale_days` (the follow-up page's
    "stale deals" and the manager dashboard's)."""
    now = timezone.now()
    stale = Q(pk__in=[])
    for pipeline in Pipeline.objects.all():
        cutoff = now - datetime.timedelta(days=pipeline.stale_days)
        stale |= Q(pipeline=pipeline, updated_at__lt=cutoff)
    return stale


def _day(value, name: str, errors: dict[str, list[str]]) -> datetime.date | None:
    if not value:
        return None
    try:
        day = datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 9998:
        errors[name] = [_("Enter a date as YYYY-MM-DD between 1900 and 9998.")]
        return None
    return day


def _closing_between(qs: QuerySet, first, last, status, errors) -> QuerySet:
    """Deals that close between two days (both included): an open deal by its expected close
    date, a closed one by the day it closed in the user's time zone (what the forecast counts,
    so its chart links here)."""
    start, end = _day(first, "close_from", errors), _day(last, "close_to", errors)
    if start is None and end is None:
        return qs
    expected, closed = Q(closed_at__isnull=True), Q(closed_at__isnull=False)
    if start is not None:
        expected &= Q(expected_close__gte=start)
        closed &= Q(closed_at__gte=_start_of(start))
    if end is not None:
        expected &= Q(expected_close__lte=end)
        closed &= Q(closed_at__lt=_start_of(end + datetime.timedelta(days=1)))
    if status == "open":
        return qs.filter(expected)
    if status in ("won", "lost"):
        return qs.filter(closed)
    return qs.filter(expected | closed)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def rates() -> dict[str, decimal.Decimal]:
    """Units of the company currency one unit of each known currency is worth."""
    known = dict(ExchangeRate.objects.values_list("currency", "rate"))
    return {**known, settings.DEFAULT_CURRENCY: decimal.Decimal(1)}


def in_company_currency(amounts: dict[str, decimal.Decimal], rate_of=None) -> decimal.Decimal:
    """The sum of amounts per currency, in the company currency, to the cent."""
    rate_of = rate_of if rate_of is not None else rates()
    total = decimal.Decimal(0)
    for currency, amount in amounts.items():
        rate = rate_of.get(currency)
        if rate is not None and amount:
            total += amount * rate
    return total.quantize(decimal.Decimal("0.01"))


@dataclass
class Column:
    stage: Stage
    cards: list = field(default_factory=list)
    html: str = ""  # the cards, rendered (board_cards.render)
    count: int = 0
    total: decimal.Decimal = decimal.Decimal(0)
    weighted: decimal.Decimal = decimal.Decimal(0)
    more: bool = False


def board(user, pipeline: Pipeline, params) -> tuple[list[Column], list[Stage]]:
    """The open stages of `pipeline` with their newest cards (CARDS_PER_STAGE each) and their
    count and total (in the company currency), and the closed stages deals can be dropped on.

    One query a stage for its cards (each reads its own index range) and one for every total;
    closed stages list no cards: a million old deals would only slow the board down.
    """
    # No pipeline condition (the stages imply it), so that each stage's cards walk the stage's
    # index and its totals read only the covering (stage, currency, amount) index.
    others = {key: params.get(key) for key in params if key not in ("pipeline", "stage")}
    deals = apply_filters(Deal.objects.visible_to(user), others, user)
    stages = list(pipeline.stages.all())
    open_stages = [s for s in stages if s.kind == Stage.Kind.OPEN]
    columns = {s.pk: Column(stage=s) for s in open_stages}
    for stage in open_stages:
        cards = list(
            board_cards.shown(deals.filter(stage=stage)).order_by("-updated_at", "-id")[
                : CARDS_PER_STAGE + 1
            ]
        )
        column = columns[stage.pk]
        column.more = len(cards) > CARDS_PER_STAGE
        column.cards = cards[:CARDS_PER_STAGE]
    per_currency: dict[int, dict[str, decimal.Decimal]] = {}
    sums = (
        deals.filter(stage__in=open_stages)
        .order_by()
        .values_list("stage_id", "currency")
        .annotate(n=Count("*"), total=Sum("amount"))  # COUNT(*): an index-only scan
    )
    for stage_id, currency, n, total in sums:
        columns[stage_id].count += n
        per_currency.setdefault(stage_id, {})[currency] = total or decimal.Decimal(0)
    rate_of = rates()
    for stage_id, amounts in per_currency.items():
        column = columns[stage_id]
        column.total = in_company_currency(amounts, rate_of)
        column.weighted = (column.total * column.stage.probability / 100).quantize(
            decimal.Decimal("0.01")
        )
    return list(columns.values()), [s for s in stages if s.kind != Stage.Kind.OPEN]


def days_in_stage(deal: Deal, now: datetime.datetime | None = None) -> int:
    return max(0, ((now or timezone.now()) - deal.stage_changed_at).days)
