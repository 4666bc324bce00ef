"""The metric catalogue (DESIGN.md, "The shared engines" → Metrics): the one engine dashboards,
reports and goals read.

Domains register their metrics from their AppConfig.ready (`register_metric`, with a
`Count`, `Aggregate`, `Duration`, `DistinctKeys` or `Formula` measure) and the dimensions they add
(`register_dimension`); readers call `value(key, user, period, group_by=…, condition=…)` with
a period from `period_for(user, "this_month")`. Values are live queries on `visible_to` today;
daily rollups can take over a measure later behind the same `value` (decision 0033).
"""

from kehu.analytics.metrics import dimensions
from kehu.analytics.metrics.compute import (
    Group,
    MetricValue,
    UnknownMetric,
    period_for,
    value,
    zone_of,
)
from kehu.analytics.metrics.measures import (
    Aggregate,
    Count,
    DistinctKeys,
    Duration,
    Formula,
    Number,
    Prior,
)
from kehu.analytics.metrics.money import use_rates
from kehu.analytics.metrics.periods import PERIODS, Period
from kehu.analytics.metrics.registry import (
    Dimension,
    Metric,
    dimension,
    metric,
    metrics,
    register_dimension,
    register_metric,
    register_metrics,
)

dimensions.register()  # owner, team, month …: before any domain registers a metric using them

__all__ = [
    "PERIODS",
    "Aggregate",
    "Count",
    "Dimension",
    "Duration",
    "DistinctKeys",
    "Formula",
    "Group",
    "Metric",
    "MetricValue",
    "Number",
    "Period",
    "Prior",
    "UnknownMetric",
    "dimension",
    "metric",
    "metrics",
    "period_for",
    "register_dimension",
    "register_metric",
    "register_metrics",
    "use_rates",
    "value",
    "zone_of",
]
