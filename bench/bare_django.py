"""A bare Django view returning the same 50 people as `GET /api/v1/people?limit=50`, as JSON,
served by gunicorn with the options `kehu serve` uses: the yardstick for bench/mixed_load.py.

    KEHU_DATABASE_URL=sqlite:////tmp/kehu_bench/1m.sqlite3 \\
        .venv/bin/python bench/bare_django.py --port 18161 --workers 2 --threads 4

No apps, no middleware, no session, no authentication, no permission check: one URL
(`/bare/people`), two SQL queries through Django's connection (the first page of live people
by name with their company's name, then their tags) and a `JsonResponse` with the API's
fields. The database settings are Kehu's own (`kehu.settings.database_from_url`: WAL, busy
timeout, page cache on SQLite; persistent connections), so the difference to Kehu's figure is
what Kehu does per request on top of reading the rows.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PEOPLE_SQL = (
    "SELECT p.id, p.name, p.email, p.phone, p.title, p.company_id, c.name, p.birthday, p.city, "
    "p.address, p.notes, p.owner_id, p.custom, p.version, p.created_at, p.updated_at "
    "FROM customers_person p LEFT JOIN customers_company c ON c.id = p.company_id "
    "WHERE p.deleted_at IS NULL ORDER BY p.name, p.id LIMIT 50"
)
TAGS_SQL = (
    "SELECT pt.person_id, t.name FROM customers_person_tags pt "
    "JOIN customers_tag t ON t.id = pt.tag_id WHERE pt.person_id IN ({})"
)
COLUMNS = ["id", "name", "email", "phone", "title", "company_id", "company_name", "birthday",
           "city", "address", "notes", "owner_id", "custom", "version", "created_at",
           "updated_at"]  # fmt: skip


def people(request):
    import json

    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cur:
        cur.execute(PEOPLE_SQL)
        rows = [dict(zip(COLUMNS, row, strict=True)) for row in cur.fetchall()]
        ids = [row["id"] for row in rows]
        tags: dict[int, list[str]] = {pk: [] for pk in ids}
        if ids:
            cur.execute(TAGS_SQL.format(", ".join(["%s"] * len(ids))), ids)
            for person_id, name in cur.fetchall():
                tags[person_id].append(name)
    for row in rows:
        row["tags"] = sorted(tags[row["id"]])
        if isinstance(row["custom"], str):  # SQLite hands JSON back as text
            row["custom"] = json.loads(row["custom"] or "{}")
        row["phone_display"] = row["phone"]
    return JsonResponse({"items": rows, "next_cursor": None})


def healthz(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def configure() -> None:
    import django
    from django.conf import settings
    from django.urls import path

    os.environ.setdefault("KEHU_SECRET_KEY", "bench-not-secret-" + "0123456789" * 5)
    from kehu.settings import DATABASES  # Kehu's parsing of KEHU_DATABASE_URL

    global urlpatterns
    urlpatterns = [path("bare/people", people), path("healthz", healthz)]
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-not-secret",  # noqa: S106
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        DATABASES=DATABASES,
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        USE_TZ=True,
    )
    django.setup()


urlpatterns: list = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=18161)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    configure()
    from django.core.wsgi import get_wsgi_application
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    options = {  # as kehu.serving.start.run_server sets them
        "bind": f"127.0.0.1:{args.port}",
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 20,
        "proc_name": "kehu-bare",
        "errorlog": "-",
        "accesslog": None,
        "loglevel": "warning",
    }
    application = get_wsgi_application()

    class BareServer(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    connections.close_all()
    BareServer().run()


if __name__ == "__main__":
    main()
