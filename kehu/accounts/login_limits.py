"""The limit on failed logins per client address, across all usernames (password spraying).

Per-account lockout (auth.LockoutBackend) stops guessing one account's password; this stops
one address from trying a few passwords on many accounts. Failures are rows in the database, so
every app server sharing it counts the same; an address with KEHU_LOGIN_MAX_FAILURES_PER_ADDRESS
failures in the last KEHU_LOGIN_ADDRESS_WINDOW_MINUTES is refused (429) until the oldest of
them leaves the window. While refused, nothing is counted, so an address keeps at most that
many rows. IPv6 clients are counted per /64 network: one machine usually holds a whole one.
"""

import datetime
import ipaddress
import math

from django.conf import settings
from django.utils import timezone

from kehu.accounts.models import FailedLogin


def address_key(address: str | None) -> str | None:
    """What the limit counts by: the IPv4 address, or the IPv6 /64 network."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LOGIN_ADDRESS_WINDOW_MINUTES)


def retry_after(address: str | None, now: datetime.datetime | None = None) -> int | None:
    """Seconds until this address may try to log in again; None when it may now."""
    key, limit = address_key(address), settings.LOGIN_MAX_FAILURES_PER_ADDRESS
    if key is None or limit <= 0:
        return None
    now = now or timezone.now()
    recent = list(
        FailedLogin.objects.filter(address=key, at__gt=now - _window())
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    # the limit-th newest failure is the one whose leaving the window lets the next try in
    free_at = recent[limit - 1] + _window()
    return max(1, math.ceil((free_at - now).total_seconds()))


def record_failure(address: str | None, now: datetime.datetime | None = None) -> None:
    """Count one failed login from this address, and forget those older than the window."""
    key = address_key(address)
    if key is None or settings.LOGIN_MAX_FAILURES_PER_ADDRESS <= 0:
        return
    now = now or timezone.now()
    FailedLogin.objects.create(address=key, at=now)
    FailedLogin.objects.filter(at__lte=now - _window()).delete()
