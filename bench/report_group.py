"""The report benchmark: a report grouping the people by owner × month of creation (issue 15:
≤ 2 s on PostgreSQL, ≤ 4 s on SQLite at 1M people), timed as the app runs it
(`kehu.analytics.reports.running.run`, which also labels the groups and computes the totals)
beside the raw SQL of its grouping query alone.

    .venv/bin/python bench/report_group.py --db sqlite:////tmp/kehu_bench/1m.sqlite3
    .venv/bin/python bench/report_group.py --db postgres://postgres@127.0.0.1:5432/kehu_bench
    # the 2M activities of bench/measurement_data.py by owner × month of `at`:
    .venv/bin/python bench/report_group.py --db … --record-type activity --date at

It reads the database as it is (made by bench/generate.py), as an administrator (every
record) and, with --user, as that user. `--make N` first adds N people to an empty database
(a smoke check on a small one). Prints p50/p95 in ms, whether the report page would send the
report to the worker (more than KEHU_REPORT_BACKGROUND_ROWS records, counted with a cap) and
how long deciding that took, and one JSON line.
"""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--user", default="", help="run as this username (default: an admin)")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--make", type=int, default=0, help="add N people to an empty database")
    parser.add_argument("--measure", default="count", help="count (default) or e.g. max:id")
    parser.add_argument("--record-type", default="person", help="person (default), activity, …")
    parser.add_argument("--date", default="created_at", help="the date grouped by month")
    return parser.parse_args()


OPTS = _args() if __name__ == "__main__" else None
import django_start  # noqa: E402

django_start.start(OPTS.db if OPTS is not None else None)

from common import analyze, bench_user  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, F  # noqa: E402
from measure import percentile  # noqa: E402

from kehu.accounts.models import User  # noqa: E402
from kehu.analytics.metrics.trunc import LocalTrunc  # noqa: E402
from kehu.analytics.reports import definition, running  # noqa: E402
from kehu.customers.models import Person  # noqa: E402

DEFINITION = {"record_type": "person", "group_by": ["owner", "created_at:month"], "chart": "pivot"}


def _make(n: int, owner: User) -> None:
    """N people spread over three years and a few owners (a smoke check, not the 1M data)."""
    import datetime

    from django.utils import timezone

    if Person.objects.exists():
        return
    owners = [owner, *(bench_user(f"report-bench-{i}", "Sales rep") for i in range(4))]
    start = timezone.now() - datetime.timedelta(days=3 * 365)
    batch = [
        Person(name=f"基准 {i}", owner=owners[i % len(owners)],
               created_at=start + datetime.timedelta(hours=i * 26_280 // max(n, 1)))
        for i in range(n)
    ]  # fmt: skip
    Person.objects.bulk_create(batch, batch_size=2000)
    analyze()


def _timed(fn, iterations: int) -> dict:
    fn()  # warm the caches
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    ms = sorted(samples)
    return {"n": len(ms), "p50": round(percentile(ms, 50), 1), "p95": round(percentile(ms, 95), 1)}


def main() -> None:
    call_command("migrate", verbosity=0)
    viewer = (
        User.objects.get(username=OPTS.user)
        if OPTS.user
        else bench_user("report-bench-admin", "Administrator", superuser=True)
    )
    if OPTS.make:
        _make(OPTS.make, viewer)
    data = dict(DEFINITION)
    data["record_type"] = OPTS.record_type
    data["group_by"] = ["owner", f"{OPTS.date}:month"]
    how, _sep, field = OPTS.measure.partition(":")
    data["measure"] = {"how": how, **({"field": field} if field else {})}
    parsed = definition.parse(data)
    ctx = running.context_for(viewer)

    def app() -> None:
        running.run(parsed, viewer)

    grouped = (
        running.matching(parsed, viewer, ctx)
        .annotate(g0=F("owner_id"), g1=LocalTrunc(OPTS.date, "month", tzinfo=ctx.zone))
        .values("g0", "g1")
        .annotate(n=Count("pk"))
        .order_by("g0", "g1")
    )
    sql, params = grouped.query.sql_with_params()

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    rows = running.run(parsed, viewer)
    started = time.perf_counter()
    slow = running.is_slow(parsed, viewer)
    estimate_ms = round((time.perf_counter() - started) * 1000, 1)
    model = running.matching(parsed, viewer, ctx).model
    result = {
        "vendor": connection.vendor,
        "record_type": OPTS.record_type,
        "date": OPTS.date,
        "people": Person.objects.count(),
        "records": model.objects.count(),
        "to_the_worker": slow,
        "estimate_ms": estimate_ms,
        "groups": len(rows.rows),
        "truncated": rows.truncated,
        "app_ms": _timed(app, OPTS.iterations),
        "raw_sql_ms": _timed(raw, OPTS.iterations),
    }
    print(f"report {OPTS.record_type} by owner × month of {OPTS.date} on {result['vendor']}, "
          f"{result['records']:,} records (the page sends it to the worker: {slow}, decided in "
          f"{estimate_ms} ms), "
          f"{result['groups']} groups: app p50 {result['app_ms']['p50']} ms, "
          f"p95 {result['app_ms']['p95']} ms; raw SQL p50 {result['raw_sql_ms']['p50']} ms, "
          f"p95 {result['raw_sql_ms']['p95']} ms")  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
