"""The timeline benchmark: one company with 200 people and 100,000 activities spread over them
and the company itself (mixed kinds over three years, some private emails), plus audit entries;
then time the first page of the company's timeline for an administrator and for the sales rep
who owns the company and some of its people (their view goes through `visible_to`).

    .venv/bin/python bench/timeline.py --db sqlite:////tmp/kehu_bench/timeline.sqlite3 \
        --label sqlite-timeline
    .venv/bin/python bench/timeline.py --db postgres://postgres@127.0.0.1:5432/bench_timeline \
        --label pg-timeline

The data are made on the first run (the database must be empty or made by this script) and
reused after. Activities go in with `bulk_create` but as the services store them (company
roll-up, owners, `ends_at` for meetings, `due_at`/`done_at` for tasks). Besides the company,
2,000 other people with 20,000 activities make the visibility subqueries do real work. Each
case prints a Markdown row; the whole run goes to bench/out/<label>-timeline.json.
"""

import argparse
import datetime
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--budget", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


OPTS = _args() if __name__ == "__main__" else None
import django_start  # noqa: E402

django_start.start(OPTS.db if OPTS is not None else None)

from common import analyze, bench_user  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from kehu.accounts.models import Team, User  # noqa: E402
from kehu.activities import timeline  # noqa: E402
from kehu.activities.models import Activity  # noqa: E402
from kehu.core.models import AuditEntry  # noqa: E402
from kehu.customers import services  # noqa: E402
from kehu.customers.models import Company, Person  # noqa: E402

COMPANY = "时间线基准有限公司 Timeline Bench Ltd"
SUBJECTS = ["季度回顾", "电话回访", "报价跟进", "产品演示", "合同谈判", "Follow-up call",
            "Quarterly review", "Demo", "Renewal", "Kick-off"]  # fmt: skip
KINDS = ["note"] * 30 + ["call"] * 30 + ["email"] * 20 + ["task"] * 12 + ["meeting"] * 8
BATCH = 5000


def generate(opts) -> Company:
    call_command("migrate", verbosity=0)
    company = Company.objects.filter(name=COMPANY).first()
    if company is not None:
        return company
    started = time.perf_counter()
    rng = random.Random(opts.seed)
    team = Team.objects.get_or_create(name="Bench timeline")[0]
    bench_user("tl_admin", "Administrator", superuser=True)
    rep = bench_user("tl_rep", "Sales rep", team)
    others = [bench_user(f"tl_user{i:02d}", "Sales rep", team) for i in range(1, 10)]
    owners = [rep, *others]
    company = services.create_company(rep, {"name": COMPANY, "city": "上海"})
    people = []
    for i in range(opts.people):
        person = services.create_person(
            rep, {"name": f"联系人{i:03d}", "email": f"p{i}@bench.example", "company": company.pk}
        )
        if i % 3:  # the rep keeps a third of them; colleagues own the rest
            person.owner = rng.choice(others)
            Person.objects.filter(pk=person.pk).update(owner=person.owner)
        people.append(person)
    elsewhere = Person.objects.bulk_create(
        [
            Person(name=f"别处的人{i:04d}", owner=rng.choice(owners), created_by=rep)
            for i in range(2000)
        ],
        batch_size=BATCH,
    )
    print(f"  users, company, {len(people)} + {len(elsewhere)} people "
          f"({time.perf_counter() - started:.0f}s)", flush=True)  # fmt: skip
    person_type = ContentType.objects.get_for_model(Person)
    company_type = ContentType.objects.get_for_model(Company)
    now = timezone.now()
    span = 3 * 365 * 24 * 60

    def activity(record_type, record_id, company_id, owner) -> Activity:
        kind = rng.choice(KINDS)
        at = now - datetime.timedelta(minutes=rng.randint(-60 * 24 * 60, span))
        row = Activity(
            kind=kind,
            content_type=record_type,
            object_id=record_id,
            company_id=company_id,
            subject=rng.choice(SUBJECTS),
            body="谈了价格和交付时间。Talked about price and delivery." if kind != "task" else "",
            at=at,
            owner=owner,
            created_by=owner,
            created_at=at,
            updated_at=at,
            private=kind == "email" and rng.random() < 0.2,
        )
        if kind == "task":
            row.due_at = at + datetime.timedelta(days=rng.randint(1, 14))
            row.done_at = row.due_at if row.due_at < now and rng.random() < 0.9 else None
        elif kind == "meeting":
            row.ends_at = at + datetime.timedelta(hours=1)
            row.place = "客户办公室"
        elif kind == "call":
            row.direction, row.outcome, row.duration_minutes = "out", "connected", 7
        return row

    def write(rows: list[Activity], label: str, total: int, done: list[int]) -> None:
        Activity.objects.bulk_create(rows, batch_size=BATCH)
        done[0] += len(rows)
        print(f"  {label} {done[0]:,}/{total:,}", flush=True)

    done = [0]
    rows = []
    for _ in range(opts.activities):
        if rng.random() < 0.15:  # on the company itself
            rows.append(activity(company_type, company.pk, company.pk, rng.choice(owners)))
        else:
            person = rng.choice(people)
            owner = person.owner if rng.random() < 0.7 else rng.choice(owners)
            rows.append(activity(person_type, person.pk, company.pk, owner))
        if len(rows) == BATCH:
            with transaction.atomic():
                write(rows, "company activities", opts.activities, done)
            rows = []
    if rows:
        write(rows, "company activities", opts.activities, done)
    done, rows = [0], []
    for _ in range(20_000):
        person = rng.choice(elsewhere)
        rows.append(activity(person_type, person.pk, None, person.owner))
    with transaction.atomic():
        write(rows, "other activities", 20_000, done)
    entries = []
    for i in range(3000):  # field changes on the company and its people
        target = company if i % 4 == 0 else rng.choice(people)
        entries.append(
            AuditEntry(
                content_type=company_type if target is company else person_type,
                object_id=target.pk,
                action="update",
                actor=rng.choice(owners),
                at=now - datetime.timedelta(minutes=rng.randint(0, span)),
                changes={"city": ["北京", "上海"]},
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH)
    analyze()
    print(f"data made in {time.perf_counter() - started:.0f}s", flush=True)
    return company


def measure(opts, company: Company) -> dict:
    import measure as people_bench  # timing and EXPLAIN helpers of the people benchmark
    from django.test import Client

    people_bench.BUDGET_S = opts.budget
    people_bench.MIN_ITERATIONS = max(getattr(people_bench, "MIN_ITERATIONS", 0), 50)
    admin = User.objects.get(username="tl_admin")
    rep = User.objects.get(username="tl_rep")
    counts = {
        "people": Person.objects.filter(company=company).count(),
        "activities": Activity.objects.filter(company_id=company.pk).count(),
        "rep_visible": Activity.objects.visible_to(rep).filter(company_id=company.pk).count(),
        "audit": AuditEntry.objects.count(),
    }
    results = {
        "label": opts.label,
        "vendor": connection.vendor,
        "counts": counts,
        "machine": people_bench.machine(),
        "cases": {},
    }
    print(f"{counts}", flush=True)
    print("| case | p50 ms | p95 ms | max ms | CPU p50 ms | queries | slowest query ms | goal |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for user, who in ((admin, "admin"), (rep, "rep")):
        first = timeline.page(company, user=user)
        assert len(first.items) == timeline.PAGE_SIZE, len(first.items)
        second_cursor = first.next_cursor
        client = Client()
        client.force_login(user)
        url = company.get_absolute_url()
        assert client.get(url).status_code == 200
        cases = {
            f"timeline.page, first page ({who})": lambda u=user: timeline.page(company, user=u),
            f"timeline.page, second page ({who})": lambda u=user, c=second_cursor: timeline.page(
                company, c, user=u
            ),
            f"timeline.page, calls only ({who})": lambda u=user: timeline.page(
                company, user=u, kinds=["call"]
            ),
            f"GET company page ({who})": lambda c=client, u=url: c.get(u),
        }
        for name, fn in cases.items():
            entry = {
                "app": people_bench.timed(fn, opts.iterations, opts.warmup),
                "load": people_bench.load(),
                "diagnostics": people_bench.slowest_query(fn),
            }
            results["cases"][name] = entry
            app, diag = entry["app"], entry["diagnostics"]
            print(
                f"| {name} | {app['p50']:.1f} | {app['p95']:.1f} | {app['max']:.1f} | "
                f"{app['cpu_p50']:.1f} | {diag.get('queries', 0)} | "
                f"{diag.get('slowest_ms', 0):.1f} | "
                f"{'pass' if app['p95'] <= 100 else '**FAIL**'} |",
                flush=True,
            )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"{opts.label}-timeline.json").write_text(json.dumps(results, indent=1, default=str))
    return results


if __name__ == "__main__":
    measure(OPTS, generate(OPTS))
