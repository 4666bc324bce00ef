"""Test settings: SQLite in memory, or the PostgreSQL database in KEHU_TEST_DATABASE_URL."""

import os
import tempfile

os.environ.setdefault("KEHU_DATA_DIR", tempfile.mkdtemp(prefix="kehu-test-"))
os.environ.setdefault("KEHU_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")

from kehu.settings import *  # noqa: E402,F403
from kehu.settings import database_from_url  # noqa: E402

_url = os.environ.get("KEHU_TEST_DATABASE_URL", "sqlite://:memory:")
DATABASES = {"default": database_from_url(_url)}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": None} if _url.startswith("sqlite") else {}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
ALLOWED_HOSTS = ["*"]
