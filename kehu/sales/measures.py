"""The sales measures the catalogue's generic ones cannot express: the stage-to-stage funnel
(from the deals' stage history), repeat customers (orders before the period count), and the
response time to new leads (the adoption page's first touch). Each gets the records the user
may see, like every measure (kehu/analytics/metrics/measures.py), so it counts nothing else."""

from __future__ import annotations

import decimal
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count as CountRows
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from kehu.analytics.metrics.measures import (
    GROUP,
    DistinctKeys,
    Measure,
    Number,
    Outcome,
    _by_group,
)

if TYPE_CHECKING:
    from kehu.analytics.metrics.compute import Job

HUNDRED = decimal.Decimal(100)


def _percent(part: int, whole: int, reason: str) -> Number:
    if not whole:
        return Number(None, reason)
    return Number(decimal.Decimal(part) * HUNDRED / whole)


@dataclass(frozen=True)
class StageFunnel(Measure):
    """Stage-to-stage conversion of the deals created in the period (a cohort).

    Each pipeline's ladder is its open stages by position, then "won". A deal reached every
    open stage up to the furthest it has ever been in (its stage history, or its stage now),
    and every one of them when won: a stage skipped was passed through. Every deal reached
    its pipeline's first stage. Grouped by "stage": each step's share, reached(N+1) ÷
    reached(N); otherwise (the total, or by owner, team, pipeline): won ÷ deals, the product
    of the steps."""

    def compute(self, rows: QuerySet[Any], job: Job) -> Outcome:
        from kehu.sales.models import Stage, StageChange

        qs = job.in_period(rows).order_by()
        by_stage = job.dimension is not None and job.dimension.key == "stage"
        names = ("pk", "pipeline_id", "stage__kind", "stage__position")
        plain = by_stage or job.dimension is None
        deals = list(qs.values(*names) if plain else _by_group(job, qs, *names))
        none = _("No deal was created in this period.")
        if not by_stage:
            won_in: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
            for deal in deals:
                key = deal.get(GROUP)
                won_in[key][0] += deal["stage__kind"] == "won"
                won_in[key][1] += 1
            total = _percent(sum(w for w, _n in won_in.values()), len(deals), none)
            if job.dimension is None:
                return Outcome(total)
            groups = {job.key_of(k): _percent(w, n, none) for k, (w, n) in won_in.items()}
            return Outcome(total, groups)
        furthest = dict(
            StageChange.objects.filter(deal__in=qs.values("pk"), to_stage__kind="open")
            .order_by()
            .values_list("deal_id")
            .annotate(top=Max("to_stage__position"))
        )
        ladders: dict[int, list[Stage]] = defaultdict(list)
        pipelines = {d["pipeline_id"] for d in deals}
        for stage in Stage.objects.filter(pipeline_id__in=pipelines, kind="open").order_by(
            "pipeline_id", "position", "id"
        ):
            ladders[stage.pipeline_id].append(stage)
        reached: dict[int, int] = defaultdict(int)  # open stage id → deals that reached it
        won: dict[int, int] = defaultdict(int)  # pipeline → deals won
        for deal in deals:
            ladder = ladders.get(deal["pipeline_id"], [])
            if deal["stage__kind"] == "won":
                won[deal["pipeline_id"]] += 1
                top = ladder[-1].position if ladder else 0
            else:
                now = deal["stage__position"] if deal["stage__kind"] == "open" else -1
                top = max(now, furthest.get(deal["pk"], -1))
            for i, stage in enumerate(ladder):
                if i == 0 or stage.position <= top:
                    reached[stage.pk] += 1
        groups = {}
        for pipeline, ladder in ladders.items():
            for i, stage in enumerate(ladder):
                after = reached[ladder[i + 1].pk] if i + 1 < len(ladder) else won[pipeline]
                groups[stage.pk] = _percent(after, reached[stage.pk], none)
        total = _percent(sum(won.values()), len(deals), none)
        return Outcome(total, groups)


@dataclass(frozen=True)
class RepeatCustomers(DistinctKeys):
    """Customers of the period (an order in it) with at least two orders up to its end: two
    in the period, or one in it and one before. Keyed as active customers are (company, else
    person); only orders the user may see count."""

    def empty(self) -> Number:
        return Number(0)

    def compute(self, rows: QuerySet[Any], job: Job) -> Outcome:
        if job.dimension is not None:
            raise ValueError("repeat customers are counted for the whole period only")
        start, end = job.period.moments(job.zone)
        total = 0
        for key, keyed in self._tiers(rows):
            orders = (
                keyed.filter(ordered_at__lt=end)
                .order_by()
                .values(key)
                .annotate(n=CountRows("pk"), last=Max("ordered_at"))
                .filter(n__gte=2, last__gte=start)
            )
            total += orders.count()
        return Outcome(Number(total))


@dataclass(frozen=True)
class ResponseHours(Measure):
    """The median hours from a lead's creation to its first touch (a call, meeting or email
    logged on it, or its first change of status: adoption's first touch), over the leads
    created in the period that have been touched."""

    def compute(self, rows: QuerySet[Any], job: Job) -> Outcome:
        from kehu.analytics.adoption.queries import seconds_to_first_touch, with_first_touch

        qs = with_first_touch(job.in_period(rows).order_by())
        per_group: dict[Any, list[float]] = defaultdict(list)
        everything: list[float] = []
        for row in _by_group(job, qs, "created_at", "first_activity", "first_status"):
            wait = seconds_to_first_touch(
                row["created_at"], row["first_activity"], row["first_status"]
            )
            if wait is None:
                continue
            everything.append(wait / 3600)
            if job.dimension is not None:
                per_group[job.key_of(row[GROUP])].append(wait / 3600)
        total = self._of(everything)
        if job.dimension is None:
            return Outcome(total)
        return Outcome(total, {key: self._of(hours) for key, hours in per_group.items()})

    def _of(self, hours: list[float]) -> Number:
        if not hours:
            return Number(None, _("No lead created in this period has been touched yet."))
        return Number(decimal.Decimal(str(round(statistics.median(hours), 4))))
