from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import render

from kehu.core import unavailable
from kehu.core.search import everything

SEARCH_LIMIT = 5  # hits per kind in the popup under the box


@login_required
def global_search(request):
    """Records of every kind matching the box at the top of every page (htmx or full page),
    grouped by kind, best match first (`kehu.core.search.everything`)."""
    q = everything.clean_query(request.GET.get("q") or "")
    per_kind = SEARCH_LIMIT if request.htmx else 20
    groups = everything.search_everything(request.user, q, per_kind=per_kind) if q else []
    template = "web/search_results.html" if request.htmx else "web/search_page.html"
    return render(request, template, {"q": q, "groups": groups})


def healthz(request):
    """`{"status": "ok", "database": "ok"}`, or 503 with Retry-After and what is wrong: the
    database "unreachable", or (SQLite) "locked" when a write would have to wait for another
    process's lock. For load balancers and monitoring; it needs no login."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if connection.vendor == "sqlite" and not sqlite_write_lock_free():
            return unavailable.unavailable_response(request, unavailable.LOCKED)
    except (OperationalError, InterfaceError) as exc:
        reason = unavailable.unavailable_reason(exc) or unavailable.UNREACHABLE
        unavailable.log_outage(exc, reason)
        return unavailable.unavailable_response(request, reason)
    return JsonResponse({"status": "ok", "database": "ok"})


#: how long /healthz waits for SQLite's write lock before it reports the database locked
HEALTH_LOCK_WAIT_MS = 1000


def sqlite_write_lock_free() -> bool:
    """True when a write could start within a second: takes and at once releases the lock."""
    if connection.in_atomic_block:  # a transaction of our own already holds it
        return True
    timeout_ms = int(float(connection.settings_dict["OPTIONS"].get("timeout", 5)) * 1000)
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {min(HEALTH_LOCK_WAIT_MS, timeout_ms)}")
        try:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("ROLLBACK")
        except OperationalError as exc:
            if unavailable.unavailable_reason(exc) == unavailable.LOCKED:
                return False
            raise
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
    return True
