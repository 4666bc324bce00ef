from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from kehu.core import search
from kehu.customers.models import Company, Person

SEARCH_LIMIT = 8


@login_required
def home(request):
    people = Person.objects.visible_to(request.user)
    companies = Company.objects.visible_to(request.user)
    context = {
        "recent_people": people.select_related("company").order_by("-updated_at", "-id")[:8],
        "recent_companies": companies.order_by("-updated_at", "-id")[:8],
        "my_people": people.filter(owner=request.user).order_by()[:1001].count(),
        "my_companies": companies.filter(owner=request.user).order_by()[:1001].count(),
    }
    return render(request, "web/home.html", context)


@login_required
def global_search(request):
    """People and companies matching the box at the top of every page (htmx or full page)."""
    q = (request.GET.get("q") or "").strip()
    people = companies = []
    if q:
        people = list(
            search.search(Person.objects.visible_to(request.user), q)
            .select_related("company")
            .order_by("name", "id")[:SEARCH_LIMIT]
        )
        companies = list(
            search.search(Company.objects.visible_to(request.user), q).order_by("name", "id")[
                :SEARCH_LIMIT
            ]
        )
    template = "web/search_results.html" if request.htmx else "web/search_page.html"
    return render(request, template, {"q": q, "people": people, "companies": companies})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
