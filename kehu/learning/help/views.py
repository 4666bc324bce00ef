"""The help centre's pages: the index (with the search box and the tour), one page, search."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe

from kehu.learning.help import pages

QUERY_MAX = 200


@login_required
def help_index(request):
    context = {"nav": "help", "pages": pages.index(), "q": ""}
    return render(request, "learning/help_index.html", context)


@login_required
def help_page(request, slug):
    shown = pages.shown(slug)
    if shown is None:
        raise Http404
    context = {
        "nav": "help",
        "page": shown,
        "html": mark_safe(shown.html),  # noqa: S308 — raw HTML off and cleaned by nh3 (rendering.py)
        "pages": pages.index(),
    }
    return render(request, "learning/help_page.html", context)


@login_required
def help_search(request):
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:QUERY_MAX]
    context = {"nav": "help", "q": q, "hits": pages.search(q) if q else []}
    return render(request, "learning/help_search.html", context)
