# mypy: disable-error-code="return-value"
"""Kehu settings: every value comes from a KEHU_* environment variable with a sane default."""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
import platformdirs
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"KEHU_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(env("DATA_DIR") or platformdirs.user_data_dir("kehu", appauthor=False))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use KEHU_SECRET_KEY, or a random key kept in the data folder so sessions survive restarts."""
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from local static files, no CDN
    "django_tasks",
    "django_tasks_db",
    "kehu.core",
    "kehu.accounts",
    "kehu.customers",
    "kehu.activities",
    "kehu.mail",
    "kehu.sales",
    "kehu.service",
    "kehu.analytics",
    "kehu.analytics.reports",  # its own label ("reports"): its migrations stand apart
    "kehu.learning",
    "kehu.web",
    "django.forms",  # its widget templates, after kehu.web, which overrides the select's
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kehu.accounts.middleware.UserPreferencesMiddleware",
    # a signed-in page view marks the day active, one write per user and day (decision 0035)
    "kehu.analytics.adoption.middleware.AdoptionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "kehu.web.middleware.NoStoreForPrivateAnswersMiddleware",
    "kehu.web.middleware.ApiErrorsAsJsonMiddleware",
]

#: form widgets are drawn with the templates of INSTALLED_APPS, so kehu.web can override one
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "kehu.urls"
WSGI_APPLICATION = "kehu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kehu.activities.notifications.context.bell",
                "kehu.learning.help.context.help_link",
            ],
        },
    },
]


# Seconds a write waits for SQLite's write lock held by another process before it gives up
# (the request then answers 503 with Retry-After; the worker tries again later).
SQLITE_BUSY_TIMEOUT = float(env("SQLITE_BUSY_TIMEOUT", "20"))


def database_from_url(url: str, busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> dict:
    """Parse a database URL; SQLite gets WAL, a busy timeout and IMMEDIATE write transactions,
    and reads the file memory-mapped (`mmap_size`, up to 8 GB): every connection of every
    process then reads the pages the OS already holds instead of copying them into its own
    cache first (under the mixed load at 1M people: 17 ms of CPU a request instead of 25)."""
    config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "timeout": busy_timeout,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA foreign_keys=ON; PRAGMA busy_timeout={int(busy_timeout * 1000)}; "
                "PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=8589934592;"
            ),
        }
    return config


DATABASES = {
    "default": database_from_url(env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kehu.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["kehu.accounts.auth.LockoutBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
# The user guide the help centre shows (/help/): docs/ of the source tree, docs/zh/ in Chinese.
HELP_DIR = Path(env("HELP_DIR") or BASE_DIR.parent / "docs")
LOGOUT_REDIRECT_URL = "login"
# Failed logins before an account is locked, and for how many minutes.
LOGIN_MAX_FAILURES = int(env("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(env("LOGIN_LOCKOUT_MINUTES", "15"))
#: failed logins from one address (any usernames) in the window before it must wait; 0: no limit
LOGIN_MAX_FAILURES_PER_ADDRESS = int(env("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
LOGIN_ADDRESS_WINDOW_MINUTES = int(env("LOGIN_ADDRESS_WINDOW_MINUTES", "15"))

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Uploaded and received files (email attachments, raw messages): the data folder by default;
# for many app servers an S3-compatible store, e.g. KEHU_FILE_STORAGE=storages.backends.s3.S3Storage
# with KEHU_FILE_STORAGE_OPTIONS='{"bucket_name": "kehu", "endpoint_url": "https://..."}'
# (pip install "django-storages[s3]").
STORAGES = {
    "default": {
        "BACKEND": env("FILE_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(env("FILE_STORAGE_OPTIONS", "{}") or "{}"),
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "files"

TASKS = {"default": {"BACKEND": env("TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}
# Long work (imports, ...) holds a lease it renews as it goes; one not renewed for this many
# seconds belongs to a worker that died, and the recovery sweep (run this often) takes it up
# again (docs/operations.md, "After a crash").
LEASE_SECONDS = max(float(env("LEASE_SECONDS", "60")), 0.5)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp; docs/operations.md "Security headers"): scripts, styles,
# fonts and images only from Kehu's own static files, no inline script, style or eval anywhere.
# The public web lead form has its own policy (kehu/sales/leads/views.py): it may be framed by
# the sites in LEAD_FORM_FRAME_ANCESTORS (space-separated origins; default any site).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
LEAD_FORM_FRAME_ANCESTORS = env("LEAD_FORM_FRAME_ANCESTORS", "*").split()
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT")
BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "0"))

# Phones without a country code are read as numbers of this region (ISO 3166 code).
PHONE_DEFAULT_REGION = env("PHONE_REGION", "CN")
DEFAULT_CURRENCY = env("CURRENCY", "CNY")
# Where people reach Kehu, for links in emails (digests). The daily jobs (scores, the
# follow-up digest) run at DAILY_HOUR local time, scheduled by `kehu worker`.
PUBLIC_URL = env("PUBLIC_URL", "http://127.0.0.1:8000")
DAILY_HOUR = int(env("DAILY_HOUR", "7"))

# A report whose condition matches more records than this runs in the worker, with progress on
# the page, instead of in the request (docs/reports.md).
REPORT_BACKGROUND_ROWS = int(env("REPORT_BACKGROUND_ROWS", "200000"))
# The seller named at the top of quotes (and their PDFs).
COMPANY_NAME = env("COMPANY_NAME", "")
#: a TrueType font (.ttf or .ttc) with Chinese glyphs, embedded (as a subset) in quote PDFs;
#: empty: the first of kehu.sales.quotes.fonts.CANDIDATES that exists
PDF_FONT = env("PDF_FONT", "")
# Who owns the leads the public web form brings in (a username); default: the first active
# administrator. At most WEB_LEADS_PER_HOUR leads an hour come in from one address.
WEB_LEAD_OWNER = env("WEB_LEAD_OWNER")
WEB_LEADS_PER_HOUR = int(env("WEB_LEADS_PER_HOUR", "5"))
# Outgoing email (quotes now; digests and conversations later): an SMTP server. Without
# KEHU_EMAIL_HOST the app says email is not set up instead of trying localhost.
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = int(env("EMAIL_PORT", "587" if env_bool("EMAIL_TLS") else "25"))
EMAIL_HOST_USER = env("EMAIL_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_SSL")
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "kehu@localhost")
# Bulk actions on lists (docs/bulk-actions.md): up to this many rows run in the request, more
# in a worker with a progress page
BULK_IN_REQUEST_MAX = int(env("BULK_IN_REQUEST_MAX", "200"))
# Where uploaded import files wait while they are mapped and imported.
IMPORT_DIR = DATA_DIR / "imports"
# What an import file may hold (docs/operations.md, "Import limits"); a file past one is
# refused with a message saying which, before anything large is read into memory.
IMPORT_MAX_COLUMNS = int(env("IMPORT_MAX_COLUMNS", "500"))
IMPORT_MAX_CELL_CHARS = int(env("IMPORT_MAX_CELL_CHARS", "32767"))
IMPORT_MAX_ROW_CHARS = int(env("IMPORT_MAX_ROW_CHARS", "1048576"))
IMPORT_MAX_XLSX_UNPACKED_MB = int(env("IMPORT_MAX_XLSX_UNPACKED_MB", "500"))
IMPORT_MAX_XLSX_RATIO = int(env("IMPORT_MAX_XLSX_RATIO", "100"))
IMPORT_MAX_XLSX_STRINGS_MB = int(env("IMPORT_MAX_XLSX_STRINGS_MB", "32"))
# Incoming email (docs/email-receiving.md): the IMAP mailbox `kehu worker` reads every
# IMAP_POLL_MINUTES, and the size limits for what is kept of a received message.
IMAP_HOST = env("IMAP_HOST")
IMAP_STARTTLS = env_bool("IMAP_STARTTLS")
IMAP_SSL = env_bool("IMAP_SSL", not IMAP_STARTTLS)
IMAP_PORT = int(env("IMAP_PORT", "993" if IMAP_SSL else "143"))
IMAP_USER = env("IMAP_USER")
IMAP_PASSWORD = env("IMAP_PASSWORD")
IMAP_FOLDER = env("IMAP_FOLDER", "INBOX")
IMAP_OWNER = env("IMAP_OWNER")
IMAP_POLL_MINUTES = float(env("IMAP_POLL_MINUTES", "5"))
IMAP_TIMEOUT = int(env("IMAP_TIMEOUT", "60"))
MAIL_MAX_ATTACHMENT_MB = float(env("MAIL_MAX_ATTACHMENT_MB", "20"))
MAIL_MAX_MESSAGE_MB = float(env("MAIL_MAX_MESSAGE_MB", "50"))
# Email to ticket (docs/service-desk.md): beyond this many messages from one sender in an
# hour, the support mailboxes keep their mail but open no new ticket and send no answer.
SUPPORT_MAX_PER_SENDER_HOUR = int(env("SUPPORT_MAX_PER_SENDER_HOUR", "20"))
# The public support form (/support/new/) takes at most SUPPORT_FORM_PER_HOUR tickets an hour
# from one address; a customer's portal link works for SUPPORT_PORTAL_LINK_DAYS days after it
# was mailed (kehu/service/portal/services.py).
SUPPORT_FORM_PER_HOUR = int(env("SUPPORT_FORM_PER_HOUR", "5"))
SUPPORT_PORTAL_LINK_DAYS = int(env("SUPPORT_PORTAL_LINK_DAYS", "180"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
