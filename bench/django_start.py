"""Start Django for a benchmark script, on the database it was given (`--db`)."""

import os

import django


def start(database_url: str | None) -> None:
    """Point Kehu at `database_url` (None: leave KEHU_DATABASE_URL as it is) and set it up."""
    if database_url is not None:
        os.environ["KEHU_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    os.environ.setdefault("KEHU_DATA_DIR", "/tmp/kehu_bench/data")  # noqa: S108
    os.environ.setdefault("KEHU_SECRET_KEY", "bench-not-secret")
    os.environ.setdefault("KEHU_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    django.setup()
