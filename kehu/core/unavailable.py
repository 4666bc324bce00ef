"""When the database cannot be reached or its write lock is held: 503 with Retry-After, not 500.

A transient database failure (PostgreSQL refusing connections or killing them, SQLite's write
lock held by another process) answers 503 Service Unavailable with `Retry-After`: JSON on the API
and /healthz, a short page in the UI. Nothing is kept from the failed connection, so the next
request reconnects and Kehu recovers by itself. Errors that are bugs (a missing table, bad SQL)
stay 500.
"""

import logging
import sys
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connection, connections, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("kehu.database")

#: seconds a client is told to wait before trying again
RETRY_AFTER = 5

# SQLite says these when another process holds the lock or the file cannot be reached; its other
# OperationalErrors ("no such table", "syntax error") are bugs or a missing migration.
_SQLITE_TRANSIENT = (
    "database is locked",
    "database table is locked",
    "database schema is locked",
    "unable to open database file",
    "disk i/o error",
)

LOCKED, UNREACHABLE = "locked", "unreachable"


def unavailable_reason(exc: BaseException | None) -> str | None:
    """ "locked" or "unreachable" when `exc` is a transient database failure; None otherwise."""
    if isinstance(exc, InterfaceError):  # the connection is closed or broken
        return UNREACHABLE
    if not isinstance(exc, OperationalError):
        return None
    message = str(exc).lower()
    if "locked" in message:
        return LOCKED
    if connection.vendor == "sqlite":
        return UNREACHABLE if any(text in message for text in _SQLITE_TRANSIENT) else None
    return UNREACHABLE


def reason_text(reason: str) -> str:
    if reason == LOCKED:
        return _(
            "The database is busy: another program holds its write lock; nothing was changed. "
            "Try again in a few seconds."
        )
    return _(
        "The database cannot be reached right now; nothing was changed. Try again in a few seconds."
    )


_last_logged = {"at": 0.0}


def log_outage(exc: BaseException, reason: str) -> None:
    """One warning every few seconds, not a traceback per request, while the database is away."""
    now = time.monotonic()
    if now - _last_logged["at"] >= RETRY_AFTER:
        _last_logged["at"] = now
        logger.warning("database %s: %s", reason, str(exc).strip().splitlines()[0])


def wants_json(request: HttpRequest) -> bool:
    path = request.path_info or ""
    return path.startswith("/api/") or path.rstrip("/") == "/healthz"


def unavailable_response(request: HttpRequest, reason: str) -> HttpResponse:
    """503 with Retry-After; JSON for API clients, a page (without the database) for people."""
    detail = reason_text(reason)
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"status": "unavailable", "database": reason, "detail": detail},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        # rendered without the request: the context processors would ask the database again
        page = loader.render_to_string(
            "503.html",
            {
                "detail": detail,
                "retry_after": RETRY_AFTER,
                "path": request.get_full_path(),
                "is_read": request.method in ("GET", "HEAD"),
            },
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # type: ignore[attr-defined]  # log_outage said it once; no traceback per request
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so sys.exc_info() holds it."""
    exc = sys.exc_info()[1]
    reason = unavailable_reason(exc)
    if exc is None or reason is None:
        return defaults.server_error(request)
    log_outage(exc, reason)
    return unavailable_response(request, reason)


def write_if_free(write: Callable[[], object], using: str = "default") -> bool:
    """Make a small bookkeeping write only if nobody holds the lock, without waiting: on SQLite
    with a busy timeout of 0, on PostgreSQL waiting 0.1 s at most for a row lock. False when it
    was skipped, so a read never waits for, or fails on, another process's write lock."""
    conn = connections[using]
    sqlite = conn.vendor == "sqlite"
    try:
        if sqlite:
            conn.ensure_connection()
            with conn.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 0")
        outer = conn.in_atomic_block  # SET LOCAL would last to the end of the caller's
        with transaction.atomic(using=using):
            if not sqlite and not outer:
                with conn.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '100ms'")
            write()
        return True
    except OperationalError as exc:
        if unavailable_reason(exc) == LOCKED or "lock timeout" in str(exc).lower():
            return False
        raise
    finally:
        if sqlite and conn.connection is not None:
            timeout_ms = int(float(conn.settings_dict["OPTIONS"].get("timeout", 5)) * 1000)
            with conn.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
