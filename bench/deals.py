"""The sales board benchmark: fill a database (made by bench/generate.py) with open and closed
deals, then time the board page of one pipeline for the admin and a rep, beside the raw queries.

    KEHU_DATABASE_URL=sqlite:////tmp/kehu_bench/1m.sqlite3 .venv/bin/python bench/deals.py \
        generate --open 100000 --closed 1000000
    .venv/bin/python bench/deals.py measure --db sqlite:////tmp/kehu_bench/1m.sqlite3 \
        --label sqlite-1m

Deals go in with bulk writes (executemany on SQLite, COPY on PostgreSQL) but as the app stores
them: the default pipeline's stages, owners among the benchmark users, amounts in CNY (one in
ten in USD, with an exchange rate), search documents built by `sales.services.deal_document`'s
tokeniser. `measure` writes bench/out/<label>-deals.json and prints a Markdown table.
"""

import argparse
import datetime
import decimal
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--open", type=int, default=100_000)
    gen.add_argument("--closed", type=int, default=1_000_000)
    gen.add_argument("--seed", type=int, default=7)
    meas = sub.add_parser("measure")
    meas.add_argument("--db", required=True)
    meas.add_argument("--label", required=True)
    meas.add_argument("--iterations", type=int, default=200)
    meas.add_argument("--warmup", type=int, default=10)
    meas.add_argument("--budget", type=float, default=8.0)
    return parser.parse_args()


OPTS = _args() if __name__ == "__main__" else None
if OPTS is not None and OPTS.command == "measure":
    os.environ["KEHU_DATABASE_URL"] = OPTS.db
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("KEHU_DATA_DIR", "/tmp/kehu_bench/data")  # noqa: S108
os.environ.setdefault("KEHU_SECRET_KEY", "bench-not-secret")
os.environ.setdefault("KEHU_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from kehu.accounts.models import User  # noqa: E402
from kehu.core import search  # noqa: E402
from kehu.core.sort_keys import name_sort_key  # noqa: E402
from kehu.sales.deals import services  # noqa: E402
from kehu.sales.models import Deal, Pipeline  # noqa: E402

SUBJECTS = ["年度框架协议", "云服务采购", "设备更新", "培训项目", "系统集成", "续约",
            "Annual licence", "Cloud migration", "Hardware refresh", "Renewal"]  # fmt: skip
COLUMNS = ["name", "pipeline_id", "stage_id", "amount", "currency", "expected_close",
           "company_id", "next_step", "next_step_due", "close_reason", "stage_changed_at",
           "closed_at", "search_text", "name_sort_key", "owner_id", "created_at", "updated_at",
           "created_by_id", "version"]  # fmt: skip
BATCH = 20_000


def generate(opts) -> None:
    call_command("migrate", verbosity=0)
    if Deal.all_objects.exists():
        sys.exit("this database has deals already")
    admin = User.objects.get(username="bench_admin")
    services.set_exchange_rate(admin, "USD", "7.2")
    pipeline = Pipeline.objects.order_by("position", "id").first()
    stages = list(pipeline.stages.all())
    open_stages = [s for s in stages if s.kind == "open"]
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    owners = list(
        User.objects.filter(username__startswith="bench_user").values_list("pk", flat=True)
    )
    with connection.cursor() as cur:
        cur.execute('SELECT max("id") FROM "customers_company"')
        companies = cur.fetchone()[0] or 0
    documents = {s: search.build_document(search.name_tokens(s)) for s in SUBJECTS}
    rng = random.Random(opts.seed)
    now = timezone.now()
    plan = [("open", opts.open), ("closed", opts.closed)]
    started = time.perf_counter()
    made = 0
    for kind, total in plan:
        for start in range(0, total, BATCH):
            rows = []
            for _ in range(min(BATCH, total - start)):
                subject = rng.choice(SUBJECTS)
                if kind == "open":
                    stage = rng.choice(open_stages)
                    updated = now - datetime.timedelta(minutes=rng.randint(0, 90 * 24 * 60))
                    closed_at, reason = None, ""
                else:
                    stage = won if rng.random() < 0.35 else lost
                    updated = now - datetime.timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
                    closed_at, reason = updated, ("" if stage is won else "价格")
                created = updated - datetime.timedelta(days=rng.randint(0, 120))
                owner = rng.choice(owners)
                name = f"{subject} {made + len(rows) + 1}"
                rows.append(
                    (
                        name, pipeline.pk, stage.pk,
                        decimal.Decimal(rng.randrange(1, 4000) * 500),
                        "USD" if rng.random() < 0.1 else "CNY",
                        (updated + datetime.timedelta(days=rng.randint(5, 90))).date(),
                        rng.randint(1, companies) if companies and rng.random() < 0.8 else None,
                        "电话回访" if rng.random() < 0.5 else "",
                        (updated + datetime.timedelta(days=rng.randint(-5, 15))).date()
                        if kind == "open" else None,
                        reason, updated, closed_at, documents[subject], name_sort_key(name),
                        owner, created, updated,
                        owner, 1,
                    )
                )  # fmt: skip
            _write(rows)
            made += len(rows)
            rate = made / (time.perf_counter() - started)
            print(f"  deals {made:,} ({rate:,.0f}/s)", flush=True)
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA analysis_limit=0")
            cur.execute('ANALYZE "sales_deal"')
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cur:
            cur.execute('VACUUM (ANALYZE) "sales_deal"')
    print(f"{made:,} deals in {time.perf_counter() - started:.0f}s")


def _write(rows: list[tuple]) -> None:
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f'COPY "sales_deal" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            adapt = connection.ops.adapt_datetimefield_value
            cur.executemany(
                f'INSERT INTO "sales_deal" ({columns}) VALUES ({marks})',
                [
                    tuple(adapt(v) if isinstance(v, datetime.datetime) else v for v in row)
                    for row in rows
                ],
            )


def measure(opts) -> None:
    import measure as people_bench  # timing helpers shared with the people benchmark
    from django.test import Client

    people_bench.BUDGET_S = opts.budget
    call_command("migrate", verbosity=0)  # indexes added since the deals were generated
    admin = User.objects.get(username="bench_admin")
    rep = User.objects.get(username="bench_user01")
    pipeline = Pipeline.objects.order_by("position", "id").first()
    open_ids = list(pipeline.stages.filter(kind="open").values_list("pk", flat=True))
    counts = {
        "open": Deal.objects.filter(closed_at__isnull=True).count(),
        "closed": Deal.objects.filter(closed_at__isnull=False).count(),
    }
    results = {"label": opts.label, "vendor": connection.vendor, "deals": counts, "cases": {}}
    url = f"/deals/board/?pipeline={pipeline.pk}"
    for user, who in ((admin, "admin"), (rep, "rep")):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 200
        scope = "" if user is admin else f' AND "owner_id" = {int(user.pk)}'
        card_sql = (
            'SELECT "id", "name", "amount", "currency", "owner_id", "company_id" '
            'FROM "sales_deal" WHERE "deleted_at" IS NULL AND "stage_id" = %s' + scope + " "
            'ORDER BY "updated_at" DESC, "id" DESC LIMIT 51'
        )
        marks = ", ".join(["%s"] * len(open_ids))
        total_sql = (
            'SELECT "stage_id", "currency", count(*), sum("amount") FROM "sales_deal" '
            f'WHERE "deleted_at" IS NULL AND "stage_id" IN ({marks})' + scope + " "
            'GROUP BY "stage_id", "currency"'
        )

        def raw(card_sql=card_sql, total_sql=total_sql):
            with connection.cursor() as cur:
                for stage_id in open_ids:
                    cur.execute(card_sql, [stage_id])
                    cur.fetchall()
                cur.execute(total_sql, open_ids)
                cur.fetchall()

        entry = {
            "via": "GET /deals/board/ (test Client)",
            "app": people_bench.timed(lambda c=client: c.get(url), opts.iterations, opts.warmup),
            "raw": people_bench.timed(raw, opts.iterations, opts.warmup),
            "load": people_bench.load(),
            "diagnostics": people_bench.slowest_query(lambda c=client: c.get(url)),
        }
        results["cases"][f"board ({who})"] = entry
        app, rawf = entry["app"], entry["raw"]
        print(
            f"| board, first 50 cards per stage + totals ({who}) | {app['p50']:.1f} | "
            f"{app['p95']:.1f} | {app['max']:.1f} | {app['cpu_p50']:.1f} | {rawf['p95']:.1f} | "
            f"{'pass' if app['p95'] <= 100 else '**FAIL**'} |",
            flush=True,
        )
    from kehu.sales.forecast import services as forecast

    quarter = forecast.parse_period(None)
    for user, who in ((admin, "admin"), (rep, "rep")):
        for group in ("owner", "team", "pipeline"):
            client = Client()
            client.force_login(user)
            page = f"/deals/forecast/?period={quarter.label}&group={group}"
            assert client.get(page).status_code == 200
            entry = {
                "via": "GET /deals/forecast/ (test Client)",
                "app": people_bench.timed(
                    lambda c=client, p=page: c.get(p), opts.iterations, opts.warmup
                ),
                "load": people_bench.load(),
                "diagnostics": people_bench.slowest_query(lambda c=client, p=page: c.get(p)),
            }
            results["cases"][f"forecast {quarter.label} by {group} ({who})"] = entry
            app = entry["app"]
            print(
                f"| forecast {quarter.label} by {group} ({who}) | {app['p50']:.1f} | "
                f"{app['p95']:.1f} | {app['max']:.1f} | {app['cpu_p50']:.1f} | "
                f"{entry['diagnostics'].get('slowest_ms', 0):.1f} | "
                f"{'pass' if app['p95'] <= 300 else '**FAIL**'} |",
                flush=True,
            )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"{opts.label}-deals.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    generate(OPTS) if OPTS.command == "generate" else measure(OPTS)
