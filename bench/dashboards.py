"""The home dashboard benchmark (issue 15: p95 ≤ 300 ms for a rep and a manager): the `home`
page and `GET /api/v1/dashboards` for a rep (`bench_user01`, own scope), a manager
(`bench_manager`, team 1) and the administrator (`bench_admin`), through Django's test Client
as bench/measure.py does; then each widget of each default dashboard on its own (its time and
query count, and its slowest query with the plan), so a slow page names its slow widget.

    .venv/bin/python bench/dashboards.py --db sqlite:////tmp/kehu_bench/i15.sqlite3 \
        --label sqlite-i15 [--iterations 50] [--budget 8] [--only page,api,widgets]

The data set is bench/generate.py's people and companies plus bench/measurement_data.py's
deals, activities, orders and goals. Writes bench/out/<label>-dashboards.json and prints
Markdown table rows (p50, p95, max, CPU p50 in ms, queries, slowest query in ms).
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
    parser.add_argument("--label", required=True)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--budget", type=float, default=8.0)
    parser.add_argument("--only", default="page,api,widgets")
    parser.add_argument("--users", default="bench_user01,bench_manager,bench_admin")
    return parser.parse_args()


OPTS = _args() if __name__ == "__main__" else None
import django_start  # noqa: E402

django_start.start(OPTS.db if OPTS is not None else None)

import measure as people_bench  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from kehu.accounts.models import ApiToken, User  # noqa: E402
from kehu.analytics.dashboards import services  # noqa: E402
from kehu.analytics.dashboards import widgets as registry  # noqa: E402

TOKEN_NAME = "bench-dashboards"
GOAL_MS = 300


def _row(case: str, entry: dict) -> str:
    app, diag = entry["app"], entry.get("diagnostics", {})
    verdict = "pass" if app["p95"] <= GOAL_MS else "**FAIL**"
    return (f"| {case} | {app['p50']:.1f} | {app['p95']:.1f} | {app['max']:.1f} | "
            f"{app['cpu_p50']:.1f} | {diag.get('queries', '')} | "
            f"{diag.get('slowest_ms', 0):.1f} | {verdict} |")  # fmt: skip


def main() -> None:
    people_bench.BUDGET_S = OPTS.budget
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as `kehu serve` does
    only = set(OPTS.only.split(","))
    users = [User.objects.get(username=name) for name in OPTS.users.split(",")]
    results = {"label": OPTS.label, "vendor": connection.vendor, "machine": people_bench.machine(),
               "cases": {}}  # fmt: skip
    print("| case | p50 | p95 | max | CPU p50 | queries | slowest query | goal 300 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for user in users:
        role = services.role_of(user)
        who = f"{role}, {user.username}"
        if "page" in only:
            client = Client()
            client.force_login(user)
            response = client.get("/")
            assert response.status_code == 200, response.status_code
            entry = {
                "via": "GET / (home, test Client)",
                "app": people_bench.timed(
                    lambda c=client: c.get("/"), OPTS.iterations, OPTS.warmup
                ),  # fmt: skip
                "load": people_bench.load(),
                "diagnostics": people_bench.slowest_query(lambda c=client: c.get("/")),
            }
            results["cases"][f"home ({who})"] = entry
            print(_row(f"home page ({who})", entry), flush=True)
        if "api" in only:
            _token, secret = ApiToken.issue(user, TOKEN_NAME)
            api = Client(headers={"Authorization": f"Bearer {secret}"})
            url = "/api/v1/dashboards"
            response = api.get(url)
            assert response.status_code == 200, (response.status_code, response.content[:300])
            entry = {
                "via": "GET /api/v1/dashboards (Bearer token, test Client)",
                "app": people_bench.timed(
                    lambda c=api, u=url: c.get(u), OPTS.iterations, OPTS.warmup
                ),
                "load": people_bench.load(),
                "diagnostics": people_bench.slowest_query(lambda c=api, u=url: c.get(u)),
            }
            results["cases"][f"api ({who})"] = entry
            print(_row(f"GET /api/v1/dashboards ({who})", entry), flush=True)
            ApiToken.objects.filter(name=TOKEN_NAME).delete()
        if "widgets" in only:
            ask = services.ask_for(user, role, None)
            for widget_id in services.DEFAULTS[role]:
                found = registry.widget(widget_id)

                def compute(found=found, ask=ask):
                    found.compute(ask)

                started = time.perf_counter()
                with CaptureQueriesContext(connection) as ctx:
                    compute()
                first_ms = (time.perf_counter() - started) * 1000
                queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
                entry = {
                    "via": f"widgets.widget({widget_id!r}).compute(ask)",
                    "first_ms": round(first_ms, 1),
                    "app": people_bench.timed(compute, max(OPTS.iterations // 5, 5), 1),
                    "load": people_bench.load(),
                    "diagnostics": {
                        "queries": len(queries),
                        "slowest_ms": round(float(queries[0]["time"]) * 1000, 1) if queries else 0,
                        "top": [
                            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"]}
                            for q in queries[:3]
                        ],
                    },
                }
                results["cases"][f"widget {widget_id} ({who})"] = entry
                print(_row(f"widget {widget_id} ({who})", entry), flush=True)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"{OPTS.label}-dashboards.json"
    path.write_text(json.dumps(results, indent=1, default=str))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
