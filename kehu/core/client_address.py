"""The address a request came from, for limits per address (the web form, failed logins)."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's address. Behind a proxy (KEHU_BEHIND_PROXY) it is the last address the
    proxy put in X-Forwarded-For; anything before that the client could have written itself."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None
