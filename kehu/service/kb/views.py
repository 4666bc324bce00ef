"""Knowledge-base screens: the list with its search, an article's page, the article form; and
the public help centre (no login, no script) with its search and published public articles."""

from functools import wraps

from csp.decorators import csp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.core import audit, search, visibility
from kehu.core.records import VersionConflict
from kehu.service.kb import services
from kehu.service.kb.forms import ArticleForm
from kehu.service.kb.models import Article
from kehu.web.conflicts import conflict_rows
from kehu.web.pages import keyset_page

SORT = "-updated_at"
PUBLIC_PAGE_SIZE = 30


def _article(request, pk) -> Article:
    """An article the user may read, or 404 (drafts and archived ones: editors only)."""
    visibility.require(request.user, "service", "read")
    qs = services.visible_articles(request.user).select_related(
        "category", "category__parent", "author"
    )
    article = qs.filter(pk=pk).first()
    if article is None:
        raise Http404
    return article


def _filters(request) -> dict:
    params = request.GET
    return {
        "q": params.get("q", "")[:200],
        "language": params.get("language", ""),
        "visibility": params.get("visibility", ""),
        "status": params.get("status", ""),
    }


@login_required
def article_list(request):
    """Every article the user may read, newest change first, narrowed by a search (pinyin
    too) and filters; editors also see the searches the help centre could not answer."""
    user = request.user
    visibility.require(user, "service", "read")
    params = _filters(request)
    qs = services.visible_articles(user)
    if params["language"] in Article.Language.values:
        qs = qs.filter(language=params["language"])
    if params["visibility"] in Article.Visibility.values:
        qs = qs.filter(visibility=params["visibility"])
    if params["status"] in Article.Status.values:
        qs = qs.filter(status=params["status"])
    query = services.normalised_query(params["q"])
    if query:
        qs = search.search(qs, query, cap=search.LIST_MATCH_CAP)
    can_edit = services.can_edit(user)
    context = {
        **keyset_page(request, qs.select_related("category", "category__parent"), SORT),
        "nav": "kb",
        "params": params,
        "filtering": any(params.values()),
        "can_edit": can_edit,
        "languages": Article.Language.choices,
        "visibilities": Article.Visibility.choices,
        "statuses": Article.Status.choices,
        "misses": services.recent_misses(user) if can_edit else [],
    }
    return render(request, "service/kb/articles.html", context)


@login_required
def article_detail(request, pk):
    article = _article(request, pk)
    context = {
        "nav": "kb",
        "article": article,
        "record": article,
        "can_edit": services.can_edit(request.user),
        "uses": article.uses.count(),
        "public_link": request.build_absolute_uri(article.public_url())
        if article.is_public
        else "",
    }
    return render(request, "service/kb/article_detail.html", context)


def _form_page(request, form, article=None, conflict=None, status=200):
    context = {
        "nav": "kb",
        "form": form,
        "record": article,
        "new_title": _("New article"),
        "cancel_url": article.get_absolute_url() if article else reverse("kb-article-list"),
        "conflict": conflict,
    }
    if conflict is not None:
        context["conflict_by"] = audit.history(article).first()
        status = 409
    return render(request, "web/record_form.html", context, status=status)


@login_required
def article_create(request):
    user = request.user
    visibility.require(user, "service", "edit")
    initial = {"language": "zh-hans" if request.LANGUAGE_CODE.startswith("zh") else "en"}
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                article = services.create_article(user, form.service_data())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("“%(name)s” is created.") % {"name": article})
                return redirect(article.get_absolute_url())
        return _form_page(request, form, status=400)
    return _form_page(request, form)


@login_required
def article_edit(request, pk):
    """The article form; when someone saved the article since the form was loaded, both
    versions side by side, and nothing is overwritten until the user says so."""
    user = request.user
    article = _article(request, pk)
    visibility.require(user, "service", "edit")
    form = ArticleForm(request.POST or None, article=article)
    if request.method != "POST":
        return _form_page(request, form, article)
    if not form.is_valid():
        if "version" in form.errors:
            form.add_error(None, _("This form is out of date. Reload the page and try again."))
        return _form_page(request, form, article, status=400)
    try:
        saved = services.update_article(
            user, article, form.service_data(only_changed=True), form.cleaned_data["version"]
        )
    except VersionConflict as conflict:
        data = request.POST.copy()
        data["version"] = str(conflict.current.version)
        form = ArticleForm(data, article=conflict.current)
        form.is_valid()
        return _form_page(request, form, conflict.current, conflict=conflict_rows(form))
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _form_page(request, form, article, status=400)
    messages.success(request, _("“%(name)s” is saved.") % {"name": saved})
    return redirect(saved.get_absolute_url())


# --- the public help centre (no login) --------------------------------------------------------


def help_centre_policy() -> dict:
    """The help centre's Content-Security-Policy: no script at all, only Kehu's stylesheet,
    its search form posting nowhere but itself, never framed."""
    return {
        "default-src": ["'none'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }


def with_help_centre_policy(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return csp(help_centre_policy())(view)(request, *args, **kwargs)

    return wrapped


@with_help_centre_policy
def help_centre(request):
    """The published public articles, or those matching a search; a search that finds
    nothing is counted for the team (once a query and day)."""
    query = services.normalised_query(request.GET.get("q", ""))
    if query:
        rows = services.search_articles(services.public_articles(), query, PUBLIC_PAGE_SIZE)
        if not rows:
            services.record_miss(query)
    else:
        rows = list(
            services.public_articles()
            .select_related("category", "category__parent")
            .order_by("-updated_at", "-id")[:PUBLIC_PAGE_SIZE]
        )
    return render(request, "service/kb/help_centre.html", {"rows": rows, "query": query})


@with_help_centre_policy
def help_centre_article(request, pk):
    article = (
        services.public_articles()
        .select_related("category", "category__parent")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404
    return render(request, "service/kb/help_centre_article.html", {"article": article})
