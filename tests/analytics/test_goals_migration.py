"""The sales targets of a database from before goals become goals on revenue won, with the
same amounts, subjects and periods (analytics 0003, sales 0020)."""

import datetime
import decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("sales", "0019_deal_and_quote_custom_fields"), ("analytics", "0001_adoption_days")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    if targets == "latest":
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


# no serialized rollback: it needs no seeded rows, and restoring them would collide with the
# content types a flushing transactional test before it (test_adoption_concurrency) leaves
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded rows
def test_sales_targets_become_revenue_goals():
    apps = migrate(BEFORE)
    try:
        from kehu.accounts.models import Team, User  # accounts is not migrated back

        SalesTarget = apps.get_model("sales", "SalesTarget")
        team = Team.objects.create(name="迁移组")
        rep = User.objects.create(username="migrated-rep", team=team)
        SalesTarget.objects.create(
            period="month", start=datetime.date(2026, 2, 1), user_id=rep.pk,
            amount=decimal.Decimal("12800.50"), set_by_id=rep.pk,
        )  # fmt: skip
        SalesTarget.objects.create(
            period="quarter", start=datetime.date(2026, 10, 1), team_id=team.pk,
            amount=decimal.Decimal("90000"),
        )  # fmt: skip
        migrate("latest")
        from kehu.analytics.goals.models import Goal
        from kehu.sales.models import SalesTarget as Target

        found = {
            (g.user_id, g.team_id): (g.metric, g.period, g.start, g.end, g.target, g.created_by_id)
            for g in Goal.objects.all()
        }
        assert found == {
            (rep.pk, None): ("revenue_won", "month", datetime.date(2026, 2, 1),
                             datetime.date(2026, 2, 28), decimal.Decimal("12800.50"), rep.pk),
            (None, team.pk): ("revenue_won", "quarter", datetime.date(2026, 10, 1),
                              datetime.date(2026, 12, 31), decimal.Decimal("90000.00"), None),
        }  # fmt: skip
        assert sorted(t.amount for t in Target.objects.all()) == [
            decimal.Decimal("12800.50"), decimal.Decimal("90000.00")
        ]  # fmt: skip
        copied = max(Goal.objects.values_list("pk", flat=True))
        new = Goal.objects.create(
            metric="deals_won",
            period="year",
            target=5,
            start=datetime.date(2027, 1, 1),
            end=datetime.date(2027, 12, 31),
        )
        assert new.pk > copied  # a goal made after the copy gets an id of its own
    finally:
        migrate("latest")
