"""The measurement data set (issue 15): on top of bench/generate.py's people and companies, add
300,000 deals (open, won and lost, with their stage history), 2,000,000 activities (calls,
meetings, tasks, notes, emails on people, companies and deals), 500,000 orders (each made from
an accepted quote, with 1–3 lines) and a year of monthly goals per benchmark user, all spread
over three years up to now.

    KEHU_DATABASE_URL=sqlite:////tmp/kehu_bench/i15.sqlite3 .venv/bin/python \
        bench/measurement_data.py
    KEHU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kehu_i15 .venv/bin/python \
        bench/measurement_data.py [--deals 300000 --activities 2000000 --orders 500000]

Rows go in with bulk writes (executemany on SQLite, COPY on PostgreSQL), as bench/generate.py
does, but every column the models have is filled: what is not set here takes the model field's
default, so a row is what the services would have stored. Owners follow the records (an
activity on a person belongs to the person's owner nine times in ten, as the timeline's
visibility expects), won deals carry orders, order totals are the sums of their lines. The
database must hold people and companies (bench/generate.py) and no deals, activities or
orders yet. Prints the time of each part.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("KEHU_DATA_DIR", "/tmp/kehu_bench/data")  # noqa: S108
os.environ.setdefault("KEHU_SECRET_KEY", "bench-not-secret")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from kehu.accounts.models import Role, Team, User  # noqa: E402
from kehu.activities.models import Activity  # noqa: E402
from kehu.analytics.goals.models import Goal  # noqa: E402
from kehu.core import search  # noqa: E402
from kehu.core.sort_keys import name_sort_key  # noqa: E402
from kehu.customers.models import Company, Person  # noqa: E402
from kehu.sales.models import Deal, Pipeline, StageChange  # noqa: E402
from kehu.sales.quotes.models import Order, OrderLine, Quote  # noqa: E402

BATCH = 20_000
DAY = 86_400
TWO = decimal.Decimal("0.01")
SUBJECTS = ["年度框架协议", "云服务采购", "设备更新", "培训项目", "系统集成", "续约",
            "Annual licence", "Cloud migration", "Hardware refresh", "Renewal"]  # fmt: skip
CALL_SUBJECTS = ["电话回访", "需求沟通", "报价跟进", "Follow-up call", "Check-in"]
PRODUCTS = [("标准版许可", "套", 4800), ("专业版许可", "套", 12800), ("实施服务", "天", 2500),
            ("培训", "人次", 800), ("Support plan", "year", 6000)]  # fmt: skip


class Writer:
    """Writes rows of one model: values given by column name, every other concrete column
    from the field's default (None for nullable fields without one)."""

    def __init__(self, model: type[models.Model], given: list[str]) -> None:
        self.table = model._meta.db_table
        self.given = given
        fields = [
            f for f in model._meta.concrete_fields if not (f.primary_key and f.column not in given)
        ]
        self.columns = [f.column for f in fields]
        missing = set(given) - set(self.columns)
        if missing:
            raise SystemExit(f"{self.table}: no columns {missing}")
        self.fill = []
        for f in fields:
            if f.column in given:
                self.fill.append(None)
            elif f.has_default():
                value = f.get_default()
                self.fill.append(("const", value))
            elif f.null:
                self.fill.append(("const", None))
            else:
                raise SystemExit(f"{self.table}.{f.column}: not null, no default, not given")
        self.index = {c: i for i, c in enumerate(given)}

    def _full(self, row: tuple) -> tuple:
        out = []
        for col, fill in zip(self.columns, self.fill, strict=True):
            value = row[self.index[col]] if fill is None else fill[1]
            if isinstance(value, dict | list):
                value = json.dumps(value)
            out.append(value)
        return tuple(out)

    def write(self, rows: list[tuple]) -> None:
        names = ", ".join(f'"{c}"' for c in self.columns)
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f'COPY "{self.table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(self._full(row))
            else:
                adapt = connection.ops.adapt_datetimefield_value
                marks = ", ".join(["%s"] * len(self.columns))
                cur.executemany(
                    f'INSERT INTO "{self.table}" ({names}) VALUES ({marks})',
                    [
                        tuple(
                            adapt(v)
                            if isinstance(v, datetime.datetime)
                            else (str(v) if isinstance(v, decimal.Decimal) else v)
                            for v in self._full(row)
                        )
                        for row in rows
                    ],
                )


def _next_id(model: type[models.Model]) -> int:
    with connection.cursor() as cur:
        cur.execute(f'SELECT max("id") FROM "{model._meta.db_table}"')
        return (cur.fetchone()[0] or 0) + 1


def _reset_sequences(*models_: type[models.Model]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cur.execute(sql)


def _progress(what: str, made: int, started: float) -> None:
    rate = made / max(time.perf_counter() - started, 1e-9)
    print(f"  {what} {made:,} ({rate:,.0f}/s)", flush=True)


def _moment_between(rng: random.Random, start: datetime.datetime, end: datetime.datetime):
    span = max(int((end - start).total_seconds()), 1)
    return start + datetime.timedelta(seconds=rng.randrange(span))


def _owners_of(table: str) -> tuple[list[int], list[int | None]]:
    """owner_id (and company_id for people) by id, as lists indexed by id."""
    with connection.cursor() as cur:
        cur.execute(f'SELECT max("id") FROM "{table}"')
        top = cur.fetchone()[0] or 0
        owner = [0] * (top + 1)
        company: list[int | None] = [None] * (top + 1)
        has_company = table == "customers_person"
        cols = '"id", "owner_id"' + (', "company_id"' if has_company else "")
        cur.execute(f'SELECT {cols} FROM "{table}" WHERE "deleted_at" IS NULL')
        for row in cur.fetchall():
            owner[row[0]] = row[1]
            if has_company:
                company[row[0]] = row[2]
    return owner, company


def manager_and_team(admin: User) -> User:
    """`bench_manager`: a Sales manager of team 1 (scope team), for the manager dashboard."""
    role = Role.objects.filter(name__icontains="manager").order_by("id").first() or admin.role
    team = Team.objects.get(name="Bench team 1")
    user, created = User.objects.get_or_create(
        username="bench_manager", defaults={"role": role, "team": team, "first_name": "Manager"}
    )
    if created or not user.has_usable_password():
        user.set_password("bench-password")
        user.save(update_fields=["password"])
    return user


def deals(opts, rng, now, owners, company_owner) -> tuple[list[tuple], list[int]]:
    """Deals and their stage history. Returns (won deal: (id, owner, company, closed_at)),
    and the deal owners by id offset."""
    pipeline = Pipeline.objects.order_by("position", "id").first()
    stages = list(pipeline.stages.order_by("position", "id"))
    open_stages = [s for s in stages if s.kind == "open"]
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    documents = {s: search.build_document(search.name_tokens(s)) for s in SUBJECTS}
    deal_w = Writer(Deal, ["id", "name", "pipeline_id", "stage_id", "amount", "currency",
                           "expected_close", "company_id", "next_step", "next_step_due",
                           "close_reason", "stage_changed_at", "closed_at", "search_text",
                           "name_sort_key", "owner_id", "created_at", "updated_at",
                           "created_by_id"])  # fmt: skip
    change_w = Writer(StageChange, ["deal_id", "from_stage_id", "to_stage_id", "at", "actor_id",
                                    "seconds_in_stage"])  # fmt: skip
    first = _next_id(Deal)
    n_companies = len(company_owner) - 1
    three_years = datetime.timedelta(days=3 * 365)
    won_deals: list[tuple] = []
    started = time.perf_counter()
    changes_made = 0
    for start in range(0, opts.deals, BATCH):
        rows, changes = [], []
        for i in range(start, min(start + BATCH, opts.deals)):
            pk = first + i
            is_open = rng.random() < opts.open_share
            company = rng.randint(1, n_companies) if rng.random() < 0.8 else None
            owner = (
                company_owner[company]
                if company and company_owner[company] and rng.random() < 0.9
                else rng.choice(owners)
            )
            if is_open:
                created = now - datetime.timedelta(seconds=rng.randrange(120 * DAY))
                path = open_stages[: rng.randint(1, len(open_stages))]
                closed_at = None
            else:
                created = (
                    now
                    - three_years
                    + datetime.timedelta(
                        seconds=rng.randrange(int(three_years.total_seconds()) - 10 * DAY)
                    )
                )
                path = open_stages[: rng.randint(1, len(open_stages))]
                path.append(won if rng.random() < 0.35 else lost)
                closed_at = min(created + datetime.timedelta(seconds=rng.randrange(1, 150 * DAY)),
                                now - datetime.timedelta(seconds=60))  # fmt: skip
            end = closed_at or now
            moments = sorted(_moment_between(rng, created, end) for _ in path[1:])
            if closed_at:
                moments[-1] = closed_at
            moments = [created, *moments]
            before, entered = None, created
            for stage, at in zip(path, moments, strict=True):
                changes.append((pk, before, stage.pk, at, owner,
                                int((at - entered).total_seconds()) if before else 0))  # fmt: skip
                before, entered = stage.pk, at
            stage = path[-1]
            updated = max(moments[-1], end - datetime.timedelta(seconds=rng.randrange(30 * DAY)))
            updated = max(updated, moments[-1])
            subject = rng.choice(SUBJECTS)
            name = f"{subject} {pk}"
            amount = decimal.Decimal(rng.randrange(1, 4000) * 500)
            currency = "USD" if rng.random() < 0.1 else "CNY"
            rows.append((
                pk, name, pipeline.pk, stage.pk, amount, currency,
                (created + datetime.timedelta(days=rng.randint(20, 150))).date(), company,
                rng.choice(["电话回访", "发送报价", "安排演示", ""]) if is_open else "",
                (now + datetime.timedelta(days=rng.randint(-10, 20))).date()
                if is_open and rng.random() < 0.7 else None,
                "" if stage is not lost else "价格", entered, closed_at, documents[subject],
                name_sort_key(name), owner, created, updated, owner,
            ))  # fmt: skip
            if stage is won:
                won_deals.append((pk, owner, company, closed_at, amount))
        deal_w.write(rows)
        change_w.write(changes)
        changes_made += len(changes)
        _progress("deals", start + len(rows), started)
    _reset_sequences(Deal, StageChange)
    print(f"{opts.deals:,} deals ({len(won_deals):,} won) and {changes_made:,} stage changes "
          f"in {time.perf_counter() - started:.0f}s", flush=True)  # fmt: skip
    return won_deals, first


def activities(opts, rng, now, owners, person_owner, person_company, company_owner,
               first_deal) -> None:  # fmt: skip
    ct = {m: ContentType.objects.get_for_model(m).pk for m in (Person, Company, Deal)}
    deal_owner: dict[int, tuple[int, int | None]] = {}
    with connection.cursor() as cur:
        cur.execute('SELECT "id", "owner_id", "company_id" FROM "sales_deal" WHERE "id" >= %s',
                    [first_deal])  # fmt: skip
        for pk, owner, company in cur.fetchall():
            deal_owner[pk] = (owner, company)
    deal_ids = list(deal_owner)
    n_people, n_companies = len(person_owner) - 1, len(company_owner) - 1
    writer = Writer(Activity, ["id", "kind", "content_type_id", "object_id", "company_id",
                               "subject", "body", "at", "due_at", "done_at", "direction",
                               "outcome", "duration_minutes", "ends_at", "owner_id",
                               "created_at", "updated_at", "created_by_id"])  # fmt: skip
    kinds = ["call"] * 35 + ["email"] * 25 + ["note"] * 15 + ["meeting"] * 10 + ["task"] * 15
    first = _next_id(Activity)
    span = 3 * 365 * DAY
    started = time.perf_counter()
    for start in range(0, opts.activities, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, opts.activities)):
            kind = rng.choice(kinds)
            pick = rng.random()
            if pick < 0.6 and n_people:
                object_id = rng.randint(1, n_people)
                record_owner, company = person_owner[object_id], person_company[object_id]
                content_type = ct[Person]
            elif pick < 0.8 and n_companies:
                object_id = rng.randint(1, n_companies)
                record_owner, company = company_owner[object_id], object_id
                content_type = ct[Company]
            else:
                object_id = rng.choice(deal_ids)
                record_owner, company = deal_owner[object_id]
                content_type = ct[Deal]
            owner = record_owner if record_owner and rng.random() < 0.9 else rng.choice(owners)
            at = now - datetime.timedelta(seconds=rng.randrange(span))
            due = done = ends = duration = None
            direction = outcome = ""
            subject = ""
            if kind == "task":
                subject = rng.choice(["发送资料", "准备报价", "Send proposal", "跟进合同"])
                if rng.random() < 0.1:  # open: due around today
                    at = now - datetime.timedelta(seconds=rng.randrange(30 * DAY))
                    due = now + datetime.timedelta(seconds=rng.randrange(-20 * DAY, 20 * DAY))
                else:
                    due = at + datetime.timedelta(seconds=rng.randrange(DAY, 10 * DAY))
                    done = at + datetime.timedelta(seconds=rng.randrange(3600, 12 * DAY))
                    done = min(done, now)
            elif kind == "call":
                subject = rng.choice(CALL_SUBJECTS)
                direction = "in" if rng.random() < 0.3 else "out"
                outcome = rng.choice(["connected", "connected", "no_answer", "voicemail", "busy"])
                duration = rng.randint(1, 40)
            elif kind == "meeting":
                subject = rng.choice(["产品演示", "需求调研", "Demo", "Quarterly review"])
                ends = at + datetime.timedelta(minutes=rng.choice((30, 60, 90)))
            elif kind == "email":
                subject = rng.choice(["报价单", "合同草案", "Proposal", "Meeting notes"])
            body = "" if kind != "note" else rng.choice(["客户对价格敏感", "需要技术方案", "OK"])
            rows.append((first + i, kind, content_type, object_id, company, subject, body, at,
                         due, done, direction, outcome, duration, ends, owner, at, done or at,
                         owner))  # fmt: skip
        writer.write(rows)
        _progress("activities", start + len(rows), started)
    _reset_sequences(Activity)
    print(f"{opts.activities:,} activities in {time.perf_counter() - started:.0f}s", flush=True)


def orders(opts, rng, now, owners, person_owner, person_company, company_owner,
           won_deals) -> None:  # fmt: skip
    quote_w = Writer(Quote, ["id", "number", "title", "status", "deal_id", "company_id",
                             "person_id", "currency", "subtotal", "tax_total", "total",
                             "sent_at", "decided_at", "owner_id", "created_at", "updated_at",
                             "created_by_id"])  # fmt: skip
    order_w = Writer(Order, ["id", "number", "quote_id", "deal_id", "company_id", "person_id",
                             "status", "ordered_at", "currency", "subtotal", "tax_total",
                             "total", "owner_id", "created_at", "updated_at",
                             "created_by_id"])  # fmt: skip
    line_w = Writer(OrderLine, ["order_id", "position", "description", "quantity", "unit",
                                "unit_price", "tax_rate", "net", "tax"])  # fmt: skip
    n_people, n_companies = len(person_owner) - 1, len(company_owner) - 1
    # customers buy again: orders go to a pool of 80,000 companies and 40,000 people
    company_pool = rng.sample(range(1, n_companies + 1), min(80_000, n_companies))
    person_pool = rng.sample(range(1, n_people + 1), min(40_000, n_people))
    first_quote, first_order = _next_id(Quote), _next_id(Order)
    span = 3 * 365 * DAY
    rate = decimal.Decimal(13)
    started = time.perf_counter()
    lines_made = 0
    for start in range(0, opts.orders, BATCH):
        quotes, orders_, lines = [], [], []
        for i in range(start, min(start + BATCH, opts.orders)):
            if won_deals and rng.random() < 0.3:
                deal, owner, company, closed_at, _amount = rng.choice(won_deals)
                ordered = closed_at + datetime.timedelta(seconds=rng.randrange(7 * DAY))
                ordered = min(ordered, now)
                person = None
            else:
                deal = None
                if rng.random() < 0.7:
                    company, person = rng.choice(company_pool), None
                    owner = company_owner[company] or rng.choice(owners)
                else:
                    person = rng.choice(person_pool)
                    company = person_company[person]
                    owner = person_owner[person] or rng.choice(owners)
                ordered = now - datetime.timedelta(seconds=rng.randrange(span))
            subtotal = tax_total = decimal.Decimal(0)
            order_id = first_order + i
            for position in range(rng.choice((1, 1, 2, 2, 3))):
                description, unit, price = rng.choice(PRODUCTS)
                quantity = decimal.Decimal(rng.randint(1, 20))
                net = (quantity * price).quantize(TWO)
                tax = (net * rate / 100).quantize(TWO)
                subtotal += net
                tax_total += tax
                lines.append((order_id, position, description, quantity, unit,
                              decimal.Decimal(price), rate, net, tax))  # fmt: skip
            total = subtotal + tax_total
            number = f"B{ordered.year}-{i + 1:07d}"
            quote_id = first_quote + i
            quoted = ordered - datetime.timedelta(seconds=rng.randrange(1, 20 * DAY))
            status = (
                "cancelled"
                if rng.random() < 0.03
                else ("open" if ordered > now - datetime.timedelta(days=14) else "fulfilled")
            )
            quotes.append((quote_id, "Q" + number, f"报价 {number}", "accepted", deal, company,
                           person, "CNY", subtotal, tax_total, total, quoted, ordered, owner,
                           quoted, ordered, owner))  # fmt: skip
            orders_.append((order_id, number, quote_id, deal, company, person, status, ordered,
                            "CNY", subtotal, tax_total, total, owner, ordered, ordered,
                            owner))  # fmt: skip
        quote_w.write(quotes)
        order_w.write(orders_)
        line_w.write(lines)
        lines_made += len(lines)
        _progress("orders", start + len(orders_), started)
    _reset_sequences(Quote, Order, OrderLine)
    print(f"{opts.orders:,} orders (and their quotes), {lines_made:,} order lines in "
          f"{time.perf_counter() - started:.0f}s", flush=True)  # fmt: skip


def goals(now, admin: User) -> None:
    """Monthly goals per benchmark user for the last twelve months and the next one (revenue
    won, deals won, calls made), and a company goal per quarter on order revenue."""
    started = time.perf_counter()
    users = list(User.objects.filter(username__startswith="bench_user").order_by("id"))
    rows = []
    month = now.date().replace(day=1)
    for back in range(-1, 12):
        y, m = divmod(month.year * 12 + month.month - 1 - back, 12)
        start = datetime.date(y, m + 1, 1)
        y2, m2 = divmod(y * 12 + m + 1, 12)
        end = datetime.date(y2, m2 + 1, 1) - datetime.timedelta(days=1)
        for user in users:
            for metric, target in (("revenue_won", 1_500_000), ("deals_won", 20),
                                   ("calls_made", 300)):  # fmt: skip
                rows.append(Goal(metric=metric, user=user, period="month", start=start, end=end,
                                 target=target, created_by=admin))  # fmt: skip
    for back in range(4):
        q = (month.month - 1) // 3 - back
        y, q = month.year + q // 4, q % 4
        start = datetime.date(y, q * 3 + 1, 1)
        y2, m2 = divmod(y * 12 + q * 3 + 3, 12)
        end = datetime.date(y2, m2 + 1, 1) - datetime.timedelta(days=1)
        rows.append(Goal(metric="order_revenue", period="quarter", start=start, end=end,
                         target=200_000_000, created_by=admin))  # fmt: skip
    Goal.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    print(f"{len(rows):,} goals in {time.perf_counter() - started:.1f}s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deals", type=int, default=300_000)
    parser.add_argument("--open-share", type=float, default=0.1)
    parser.add_argument("--activities", type=int, default=2_000_000)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=15)
    opts = parser.parse_args()
    t0 = time.perf_counter()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - t0:.1f}s", flush=True)
    if Deal.all_objects.exists() or Activity.all_objects.exists() or Order.all_objects.exists():
        sys.exit("this database has deals, activities or orders already")
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-400000")
    admin = User.objects.get(username="bench_admin")
    from kehu.sales.deals import services as deal_services

    deal_services.set_exchange_rate(admin, "USD", "7.2")
    manager_and_team(admin)
    owners = list(
        User.objects.filter(username__startswith="bench_user").values_list("pk", flat=True)
    )
    rng = random.Random(opts.seed)
    now = timezone.now()
    t = time.perf_counter()
    person_owner, person_company = _owners_of("customers_person")
    company_owner, _ = _owners_of("customers_company")
    print(f"read the owners of {len(person_owner) - 1:,} people and {len(company_owner) - 1:,} "
          f"companies in {time.perf_counter() - t:.1f}s", flush=True)  # fmt: skip
    won_deals, first_deal = deals(opts, rng, now, owners, company_owner)
    activities(opts, rng, now, owners, person_owner, person_company, company_owner, first_deal)
    orders(opts, rng, now, owners, person_owner, person_company, company_owner, won_deals)
    goals(now, admin)
    t = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cur:
            for table in ("sales_deal", "sales_stagechange", "activities_activity", "sales_quote",
                          "sales_order", "sales_orderline", "analytics_goal"):  # fmt: skip
                cur.execute(f'VACUUM (ANALYZE) "{table}"')
    print(f"analyzed in {time.perf_counter() - t:.0f}s", flush=True)
    print(f"done in {time.perf_counter() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
