"""Where the time of one request goes: each request kind of bench/mixed_load.py, in-process
through the whole WSGI stack (middleware, session, token, view, serialisation, templates), with
its query count and a cProfile of the functions that cost the most.

    .venv/bin/python bench/profile_requests.py --db sqlite:////tmp/kehu_bench/1m.sqlite3 \\
        [--only "api list,page people"] [--n 200] [--top 25] [--sort tottime|cumulative]

Requests go through `django.test.Client` (the real handler and middleware, no network), as
`bench_admin`; the queries each one runs are printed once per kind.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from mixed_load import SEARCHES  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--only", default="")
    parser.add_argument("--user", default="bench_admin")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--queries", action="store_true", help="print each kind's SQL")
    parser.add_argument(
        "--cpu", action="store_true", help="no profile: the process's CPU ms per request (p50)"
    )
    parser.add_argument(
        "--searches", action="store_true", help="each search of the mixed load on its own"
    )
    args = parser.parse_args()
    os.environ["KEHU_DATABASE_URL"] = args.db
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    os.environ.setdefault("KEHU_DATA_DIR", "/tmp/kehu_bench/data")  # noqa: S108
    os.environ.setdefault("KEHU_SECRET_KEY", "bench-not-secret")
    os.environ.setdefault("KEHU_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # as `kehu serve` does
    from django.db import connection
    from django.test import Client

    from kehu.accounts.models import ApiToken, User
    from kehu.customers.models import Person

    user = User.objects.get(username=args.user)
    token_row, token = ApiToken.issue(user, "profile_requests")
    person = Person.objects.visible_to(user).order_by("-id").first()
    browser = Client()
    browser.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    etag = {"value": api.get(f"/api/v1/people/{person.pk}").headers["ETag"]}

    def patch():
        response = api.patch(
            f"/api/v1/people/{person.pk}",
            {"title": "Profiled"},
            content_type="application/json",
            HTTP_IF_MATCH=etag["value"],
        )
        etag["value"] = response.headers["ETag"]
        return response

    cursor = api.get("/api/v1/people?limit=50").json()["next_cursor"]
    kinds = {
        "api list": lambda: api.get("/api/v1/people?limit=50"),
        "api list cursor": lambda: api.get(f"/api/v1/people?limit=50&cursor={cursor}"),
        "api search": lambda: api.get("/api/v1/people?q=zhangwei&limit=20"),
        "api detail": lambda: api.get(f"/api/v1/people/{person.pk}"),
        "api patch": patch,
        "page people": lambda: browser.get("/people/"),
        "page person": lambda: browser.get(f"/people/{person.pk}/"),
        "page companies": lambda: browser.get("/companies/"),
        "page search": lambda: browser.get("/search/?q=zhangwei", HTTP_HX_REQUEST="true"),
    }
    # each search of the mixed load on its own ("api search 王" …), only when asked for
    searches = {}
    for q in SEARCHES:
        quoted = urllib.parse.quote(q)
        searches[f"api search {q}"] = lambda q=quoted: api.get(f"/api/v1/people?q={q}&limit=20")
        searches[f"page search {q}"] = lambda q=quoted: browser.get(
            f"/search/?q={q}", HTTP_HX_REQUEST="true"
        )
    only = [k.strip() for k in args.only.split(",") if k.strip()]
    if args.searches:
        kinds = {**{k: v for k, v in kinds.items() if k in only}, **searches}
        only = []
    try:
        for kind, call in kinds.items():
            if only and kind not in only:
                continue
            for _ in range(5):
                assert call().status_code == 200, kind
            queries: list[str] = []

            def log(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(log):
                call()
            if args.cpu:
                times = []
                for _ in range(args.n):
                    started = time.process_time()
                    call()
                    times.append((time.process_time() - started) * 1000)
                times.sort()
                p50, p90 = times[len(times) // 2], times[int(len(times) * 0.9)]
                print(f"{kind:16} CPU p50 {p50:6.2f} ms, p90 {p90:6.2f} ms, {len(queries)} queries")
                continue
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.enable()
            for _ in range(args.n):
                call()
            profile.disable()
            each = (time.perf_counter() - started) * 1000 / args.n
            print(f"\n=== {kind}: {each:.2f} ms a request (under cProfile), "
                  f"{len(queries)} queries")  # fmt: skip
            if args.queries:
                for sql in queries:
                    print(f"   {sql[:400]}")
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
            print("\n".join(out.getvalue().splitlines()[4:]))
    finally:
        token_row.delete()


if __name__ == "__main__":
    main()
