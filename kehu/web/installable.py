"""Kehu on a phone's home screen: the web app manifest, the service worker and its offline page.

All three answer without a login (a browser fetches the manifest without cookies, and the
offline page must be cacheable by anyone) and hold nothing personal. The service worker is a
Django view at /sw.js rather than a static file, because a worker only controls the pages under
the folder it is served from: from /static/ it could not answer for /people/ when offline.
See docs/decisions/0025-phones.md.
"""

import json

from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

#: the top bar's colour: the phone's status bar matches it
THEME_COLOR = "#111827"
BACKGROUND_COLOR = "#f6f7f9"
ICON_SIZES = (192, 512)
#: change it with what the worker keeps (the offline page, its stylesheet) to replace old copies
CACHE_NAME = "kehu-offline-v1"


@require_GET
def manifest(request):
    """The web app manifest (name, icons, colours): what "Add to Home Screen" installs."""
    data = {
        "name": "客户 Kehu",
        "short_name": "Kehu",
        "start_url": reverse("home"),
        "scope": reverse("home"),
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {
                "src": static(f"kehu/icons/kehu-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in ICON_SIZES
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
def service_worker(request):
    """The service worker script: keeps the offline page and answers page loads with it when
    the server cannot be reached. It caches nothing else (signed-in pages are `no-store`)."""
    keep = [reverse("offline"), static("kehu/kehu.css"), static("kehu/favicon.svg")]
    script = render(
        request,
        "web/sw.js",
        {"cache_name": json.dumps(CACHE_NAME), "offline_url": json.dumps(keep[0]),
         "keep": json.dumps(keep)},
        content_type="text/javascript; charset=utf-8",
    )  # fmt: skip
    script["Service-Worker-Allowed"] = reverse("home")
    script["Cache-Control"] = "no-cache"  # a new version reaches phones on their next visit
    return script


@require_GET
def offline(request):
    """What a page load shows when the server cannot be reached, in both languages (the copy
    the worker kept may be older than the reader's choice of language)."""
    return render(request, "web/offline.html")
