"""The "My day" benchmark: a sales rep with 10,000 open tasks (due dates spread over -60..+60
days, some without one) among 100,000 tasks of 40 users, plus done tasks and meetings; then
time the whole My day page as the rep gets it, and as their manager gets it (the team view,
which goes through `visible_to`), beside the raw section queries.

    .venv/bin/python bench/my_day.py --db sqlite:////tmp/kehu_bench/myday.sqlite3 \
        --label sqlite-myday
    .venv/bin/python bench/my_day.py --db postgres://postgres@127.0.0.1:5432/bench_myday \
        --label pg-myday

The data are made on the first run (the database must be empty or made by this script) and
reused after. Tasks go in with `bulk_create` but as the services store them (owner, record,
company roll-up, `due_at`, `done_at`). Each case prints a Markdown row; the whole run goes to
bench/out/<label>-myday.json.
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
    parser.add_argument("--open-tasks", type=int, default=10_000, help="the rep's open tasks")
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks of everyone")
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--budget", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=13)
    return parser.parse_args()


OPTS = _args() if __name__ == "__main__" else None
import django_start  # noqa: E402

django_start.start(OPTS.db if OPTS is not None else None)

from common import analyze, bench_user  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from kehu.accounts.models import Team, User  # noqa: E402
from kehu.activities.models import Activity  # noqa: E402
from kehu.activities.my_day import services as my_day  # noqa: E402
from kehu.customers.models import Company, Person  # noqa: E402
from kehu.sales.models import Deal, Pipeline  # noqa: E402

SUBJECTS = ["给客户回电话", "发送报价", "安排演示", "合同审核", "续约提醒", "Call back",
            "Send the quote", "Book a demo", "Check the contract", "Renewal"]  # fmt: skip
BATCH = 5000
REP = "md_rep"


def generate(opts) -> None:
    call_command("migrate", verbosity=0)
    if User.objects.filter(username=REP).exists():
        return
    if Activity.all_objects.exists():
        sys.exit("this database has activities already: use an empty one")
    started = time.perf_counter()
    rng = random.Random(opts.seed)
    team = Team.objects.get_or_create(name="Bench my day")[0]
    other_team = Team.objects.get_or_create(name="Bench my day, elsewhere")[0]
    rep = bench_user(REP, "Sales rep", team)
    bench_user("md_manager", "Manager", team)
    teammates = [bench_user(f"md_user{i:02d}", "Sales rep", team) for i in range(1, 20)]
    others = [bench_user(f"md_other{i:02d}", "Sales rep", other_team) for i in range(1, 21)]
    everyone = [rep, *teammates, *others]
    people = Person.objects.bulk_create(
        [
            Person(
                name=f"客户{i:05d}",
                owner=rep if i % 5 == 0 else rng.choice(everyone),
                created_by=rep,
            )  # fmt: skip
            for i in range(10_000)
        ],
        batch_size=BATCH,
    )
    companies = Company.objects.bulk_create(
        [Company(name=f"公司{i:04d}", owner=rng.choice(everyone)) for i in range(1000)],
        batch_size=BATCH,
    )
    pipeline = Pipeline.objects.order_by("position", "id").first()
    stage = pipeline.stages.filter(kind="open").first()
    deals = Deal.objects.bulk_create(
        [
            Deal(name=f"商机{i:04d}", pipeline=pipeline, stage=stage, owner=rng.choice(everyone))
            for i in range(2000)
        ],
        batch_size=BATCH,
    )
    print(f"  users, {len(people)} people, {len(companies)} companies, {len(deals)} deals "
          f"({time.perf_counter() - started:.0f}s)", flush=True)  # fmt: skip
    types = {
        Person: ContentType.objects.get_for_model(Person),
        Company: ContentType.objects.get_for_model(Company),
        Deal: ContentType.objects.get_for_model(Deal),
    }
    own = {
        user.pk: {
            model: [r for r in rows if r.owner_id == user.pk]
            for model, rows in ((Person, people), (Company, companies), (Deal, deals))
        }
        for user in everyone
    }
    now = timezone.now()

    def task(owner, open_task: bool) -> Activity:
        model = rng.choices([Person, Company, Deal], weights=[7, 2, 1])[0]
        record = rng.choice(own[owner.pk][model] or own[owner.pk][Person] or people)
        model = type(record)
        due = None
        if not open_task or rng.random() > 0.05:  # 5 % of open tasks have no due date
            due = now + datetime.timedelta(minutes=rng.randint(-60 * 24 * 60, 60 * 24 * 60))
        created = (due or now) - datetime.timedelta(days=rng.randint(1, 30))
        return Activity(
            kind="task",
            content_type=types[model],
            object_id=record.pk,
            company_id=record.pk if model is Company else None,
            subject=rng.choice(SUBJECTS),
            at=created,
            due_at=due,
            done_at=None if open_task else (due or now),
            priority=rng.choice(["low", "normal", "normal", "high"]),
            owner=owner,
            created_by=owner,
            created_at=created,
            updated_at=created,
        )

    def meeting(owner, day_offset: int) -> Activity:
        record = rng.choice(own[owner.pk][Person] or people)
        start = now.replace(hour=rng.randint(1, 10), minute=0, second=0, microsecond=0)
        start += datetime.timedelta(days=day_offset)
        return Activity(
            kind="meeting",
            content_type=types[Person],
            object_id=record.pk,
            subject="拜访客户 Visit",
            at=start,
            ends_at=start + datetime.timedelta(hours=1),
            place="客户办公室",
            owner=owner,
            created_by=owner,
        )

    made = 0
    plan = [(rep, True, opts.open_tasks), (rep, False, opts.open_tasks // 2)]
    rest = opts.tasks - sum(n for _u, _o, n in plan)
    for user in teammates + others:
        plan.append((user, rng.random() < 0.5, rest // len(teammates + others)))
    for owner, open_task, count in plan:
        for start in range(0, count, BATCH):
            rows = [task(owner, open_task) for _ in range(min(BATCH, count - start))]
            with transaction.atomic():
                Activity.objects.bulk_create(rows, batch_size=BATCH)
            made += len(rows)
        print(f"  tasks {made:,}", flush=True)
    meetings = [meeting(rep, d) for d in range(-60, 61) for _ in range(3)]
    meetings += [meeting(rng.choice(teammates), d) for d in range(-60, 61) for _ in range(20)]
    Activity.objects.bulk_create(meetings, batch_size=BATCH)
    invited = [m for m in meetings if m.owner_id != rep.pk][::8]
    through = Activity.attendee_users.through
    through.objects.bulk_create(
        [through(activity_id=m.pk, user_id=rep.pk) for m in invited], batch_size=BATCH
    )
    print(f"  {len(meetings)} meetings, the rep invited to {len(invited)}", flush=True)
    analyze()
    print(f"data made in {time.perf_counter() - started:.0f}s", flush=True)


def measure(opts) -> None:
    import measure as people_bench  # timing helpers shared with the people benchmark

    people_bench.BUDGET_S = opts.budget
    people_bench.MIN_ITERATIONS = 50  # the goal is a p95 over at least 50 runs
    call_command("migrate", verbosity=0)  # indexes added since the data were made
    call_command("collectstatic", interactive=False, verbosity=0)  # as `kehu serve` does
    rep = User.objects.get(username=REP)
    manager = User.objects.get(username="md_manager")
    open_tasks = Activity.objects.filter(owner=rep).open_tasks()
    counts = {
        "tasks": Activity.objects.filter(kind="task").count(),
        "rep open tasks": open_tasks.count(),
        "rep overdue": open_tasks.filter(due_at__lt=timezone.now()).count(),
        "meetings": Activity.objects.filter(kind="meeting").count(),
    }
    results = {
        "label": opts.label,
        "vendor": connection.vendor,
        "machine": people_bench.machine(),
        "data": counts,
        "cases": {},
    }
    print(f"data: {counts}", flush=True)
    print("| case | p50 ms | p95 ms | max ms | CPU p50 ms | queries | sections p95 ms | goal |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for viewer, url, who in (
        (rep, "/my-day/", "the rep's own day"),
        (manager, f"/my-day/?owner={rep.pk}", "the manager viewing the rep's day"),
    ):
        client = Client()
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert b'data-section="overdue"' in response.content

        def sections(viewer=viewer):
            found = my_day.my_day(viewer, rep)
            return sum(len(s.rows) for s in found.values())

        entry = {
            "via": f"GET {url} (test Client)",
            "app": people_bench.timed(
                lambda c=client, u=url: c.get(u), opts.iterations, opts.warmup
            ),  # fmt: skip
            "raw": people_bench.timed(sections, opts.iterations, opts.warmup),
            "load": people_bench.load(),
            "diagnostics": people_bench.slowest_query(lambda c=client, u=url: c.get(u)),
            "rows": sections(),
        }
        results["cases"][who] = entry
        app, raw = entry["app"], entry["raw"]
        print(
            f"| {who} | {app['p50']:.1f} | {app['p95']:.1f} | {app['max']:.1f} | "
            f"{app['cpu_p50']:.1f} | {entry['diagnostics']['queries']} | {raw['p95']:.1f} | "
            f"{'pass' if app['p95'] <= 100 else '**FAIL**'} |",
            flush=True,
        )
        print(f"  (n={app.get('n')}, load {entry['load']}; slowest query "
              f"{entry['diagnostics'].get('slowest_ms')} ms)", flush=True)  # fmt: skip
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"{opts.label}-myday.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    generate(OPTS)
    measure(OPTS)
