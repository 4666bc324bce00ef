"""The migration that makes user email addresses unique deals with addresses several users
already share: one keeps it (an active user first, then the one who joined first), the others'
is emptied, logged and written in their history."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("accounts", "0003_failed_logins_and_email_changes")]
AFTER = [("accounts", "0004_unique_user_email")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    """Every app's last migration: where the database is left for the other tests."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_shared_addresses_are_kept_by_one_user_and_emptied_for_the_others(caplog):
    apps = migrate(BEFORE)
    try:
        User = apps.get_model("accounts", "User")
        now = timezone.now()
        joined = {"old": now - datetime.timedelta(days=300), "new": now}
        rows = [
            # name, email, active, joined
            ("first", "shared@kehu.example", True, "old"),
            ("second", "SHARED@kehu.example", True, "new"),
            ("gone", "Shared@Kehu.example", False, "old"),  # oldest, but deactivated
            ("alone", "alone@kehu.example", True, "new"),
            ("none1", "", True, "new"),
            ("none2", "", True, "new"),
        ]
        for name, email, active, when in rows:
            User.objects.create(
                username=name, email=email, is_active=active, date_joined=joined[when]
            )
        with caplog.at_level("WARNING", logger="kehu.accounts"):
            migrate(AFTER)
        from kehu.accounts.models import User as CurrentUser
        from kehu.core.audit import history

        emails = dict(CurrentUser.objects.values_list("username", "email"))
        assert emails == {"first": "shared@kehu.example", "second": "", "gone": "",
                          "alone": "alone@kehu.example", "none1": "", "none2": ""}  # fmt: skip
        for name, old in (("second", "SHARED@kehu.example"), ("gone", "Shared@Kehu.example")):
            entry = history(CurrentUser.objects.get(username=name)).get()
            assert entry.changes == {"email": [old, ""]} and entry.actor is None
            assert f"it is removed from {name}" in caplog.text
        assert "first (id" in caplog.text
    finally:
        migrate(latest())
