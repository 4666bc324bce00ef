"""Helpers the activity benchmarks share (import after django.setup())."""

from django.db import connection

from kehu.accounts.models import Role, User


def bench_user(username: str, role: str, team=None, superuser: bool = False) -> User:
    """The benchmark's user of that name, made on the first run."""
    found = User.objects.filter(username=username).first()
    if found:
        return found
    return User.objects.create_user(
        username=username,
        password="bench-not-secret",
        role=Role.objects.get(name=role),
        team=team,
        is_superuser=superuser,
    )


def analyze() -> None:
    """Fresh planner statistics after loading data, as a long-running database would have."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        return
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
