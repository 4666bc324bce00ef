"""Mistakes in a domain's metric registration fail when the app starts, not on a page."""

import pytest

from kehu.analytics.metrics import Count, Dimension, Formula, Metric, register_metric


def metric(key, measure=None, **options):
    return Metric(key, key, "count", "deal", measure or Count(), key, key, **options)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda: metric("x", dimensions=("colour",)), "unregistered dimensions"),
        (lambda: metric("x", Formula({"a": "no_such"}, lambda v: v["a"])), "unregistered metric"),
        (
            lambda: metric(
                "x",
                Formula({"a": "pipeline_value"}, lambda v: v["a"]),
                date="closed_at",
                dimensions=("month",),
            ),
            "has no dimensions",
        ),  # fmt: skip
        (lambda: metric("x", dimensions=("month",)), "snapshot"),
    ],
)
def test_a_bad_registration_is_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        register_metric(bad())


def test_a_unit_and_a_dimension_must_be_known():
    with pytest.raises(ValueError, match="unit"):
        Metric("x", "x", "kilograms", "deal", Count(), "x", "x")
    with pytest.raises(ValueError, match="lookup or a date part"):
        Dimension("x", "x")
