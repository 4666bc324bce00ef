"""A metric never counts a record the user cannot see: for any metric, period and grouping,
what a rep or a manager gets equals what an administrator gets over only the records of the
owners in that user's scope (the same numbers, the same groups)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kehu.analytics import metrics
from kehu.analytics.metrics import period_for, value
from tests.analytics.conftest import NOW

PERIODS = ["this_month", "last_month", "this_quarter", "this_year"]


def test_a_users_value_counts_only_the_records_in_their_scope(world):
    scopes = {
        "rep": (world.rep, [world.rep.pk]),
        "outsider": (world.outsider, [world.outsider.pk]),
        "manager": (world.manager, [world.rep.pk, world.teammate.pk, world.manager.pk]),
    }
    keys = [m.key for m in metrics.metrics()]

    @st.composite
    def questions(draw):
        key = draw(st.sampled_from(keys))
        dims = [None, *metrics.metric(key).dimensions]
        return (
            key,
            draw(st.sampled_from(sorted(scopes))),
            draw(st.sampled_from(PERIODS)),
            draw(st.sampled_from(dims)),
        )

    @settings(max_examples=40, database=None)
    @given(questions())
    def same_as_the_admin_over_their_owners(question):
        key, persona, kind, group_by = question
        user, owners = scopes[persona]
        period = period_for(user, kind, now=NOW)
        mine = value(key, user, period, group_by=group_by, now=NOW)
        theirs = value(
            key, world.admin, period, group_by=group_by, now=NOW,
            condition={"field": "owner", "op": "in", "value": owners},
        )  # fmt: skip
        assert mine.total == theirs.total, question
        assert mine.groups == theirs.groups, question
        if group_by == "owner":
            assert {g.key for g in mine.groups or []} <= set(owners)

    same_as_the_admin_over_their_owners()
