"""REST routes for the knowledge base: `/api/v1/kb/articles` for colleagues (service: read to
read, service: edit to write) and `/api/v1/kb/public/articles`, the help centre's published
public articles, with no login. Writes go through `service.kb.services`."""

import datetime
from typing import Literal

from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from kehu.core import search, visibility
from kehu.core.access import get_visible_or_404
from kehu.core.api_support import (
    CREATE_ERRORS,
    IF_MATCH,
    PATCH_ERRORS,
    PATH_ID,
    READ_ERRORS,
    WITH_ETAG,
    WRITE_ERRORS,
    ApiRequest,
    ErrorOut,
    Input,
    PageParams,
    RowId,
    ValidationErrorOut,
    expected_version,
    page_of,
    set_etag,
)
from kehu.service.kb import services
from kehu.service.kb.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Article
from kehu.service.tickets.models import Ticket

kb_router = Router(tags=["knowledge base"])
public_kb_router = Router(tags=["knowledge base"])
#: the public routes have no login, so no 401 or 403
PUBLIC_ERRORS = {404: ErrorOut, 422: ValidationErrorOut}

LANGUAGE = Literal["en", "zh-hans"]
VISIBILITY = Literal["internal", "public"]
STATUS = Literal["draft", "published", "archived"]
SORT = "-updated_at"


class ArticleOut(Schema):
    id: int
    title: str
    body: str = Field(description="Markdown.")
    language: LANGUAGE
    visibility: VISIBILITY
    status: STATUS
    category_id: int | None
    category_name: str | None
    author_id: int | None
    solved_count: int = Field(description="Tickets solved after an agent used the article.")
    public_url: str | None = Field(description="Its help-centre page, when published public.")
    published_at: datetime.datetime | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None


class UseIn(Input):
    ticket_id: RowId = Field(description="A ticket you work (service: edit).")


class UseOut(Schema):
    article_id: int
    ticket_id: int
    used_at: datetime.datetime


class PublicArticleOut(Schema):
    id: int
    title: str
    body: str = Field(description="Markdown.")
    language: LANGUAGE
    category_name: str | None
    url: str = Field(description="Its help-centre page.")
    updated_at: datetime.datetime


class PublicArticlePage(Schema):
    items: list[PublicArticleOut]
    next_cursor: str | None


class ArticleFilters(PageParams):
    q: str | None = Field(
        None, max_length=200, description="Words of the title or body; pinyin finds Chinese."
    )
    language: LANGUAGE | None = None
    visibility: VISIBILITY | None = None
    status: STATUS | None = Field(None, description="Drafts and archived: editors only.")


class PublicArticleFilters(PageParams):
    q: str | None = Field(
        None,
        max_length=200,
        description="Words of the title or body. A search that finds nothing is counted, so "
        "the team learns which articles to write.",
    )
    language: LANGUAGE | None = None


class ArticleCreate(Input):
    title: str = Field(max_length=TITLE_MAX_LENGTH)
    body: str = Field("", max_length=BODY_MAX_LENGTH, description="Markdown.")
    language: LANGUAGE = "zh-hans"
    visibility: VISIBILITY = "internal"
    status: STATUS = "draft"
    category_id: RowId | None = Field(None, description="An active ticket category.")


class ArticlePatch(Input):
    """Only the fields sent change; a null category removes it."""

    title: str | None = Field(None, max_length=TITLE_MAX_LENGTH)
    body: str | None = Field(None, max_length=BODY_MAX_LENGTH)
    language: LANGUAGE | None = None
    visibility: VISIBILITY | None = None
    status: STATUS | None = None
    category_id: RowId | None = None


def article_out(article: Article) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "body": article.body,
        "language": article.language,
        "visibility": article.visibility,
        "status": article.status,
        "category_id": article.category_id,
        "category_name": article.category.path if article.category is not None else None,
        "author_id": article.author_id,
        "solved_count": article.solved_count,
        "public_url": article.public_url() if article.is_public else None,
        "published_at": article.published_at,
        "version": article.version,
        "created_at": article.created_at,
        "updated_at": article.updated_at,
    }


def public_article_out(article: Article) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "body": article.body,
        "language": article.language,
        "category_name": article.category.path if article.category is not None else None,
        "url": article.public_url(),
        "updated_at": article.updated_at,
    }


def _changes(payload: Input, partial: bool) -> dict:
    data = payload.model_dump(exclude_unset=partial)
    if "category_id" in data:
        data["category"] = data.pop("category_id")
    return {k: v for k, v in data.items() if v is not None or k == "category"}


def _with_category(qs):
    return qs.select_related("category", "category__parent")


def _one(request: ApiRequest, article_id: int) -> Article:
    visibility.require(request.auth, "service", "read")
    article = _with_category(services.visible_articles(request.auth)).filter(pk=article_id).first()
    if article is None:
        raise Http404
    return article


@kb_router.get(
    "",
    response={200: ArticlePage, **READ_ERRORS},
    summary="List knowledge-base articles",
    description="Published articles (internal and public) for everyone who reads the service "
    "module; drafts and archived ones too for editors. Newest change first.",
)
def list_kb_articles(request: ApiRequest, filters: Query[ArticleFilters]):
    visibility.require(request.auth, "service", "read")
    qs = services.visible_articles(request.auth)
    for name in ("language", "visibility", "status"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    if filters.q:
        qs = search.search(qs, services.normalised_query(filters.q), cap=search.LIST_MATCH_CAP)
    page = page_of(_with_category(qs), SORT, filters)
    return {"items": [article_out(a) for a in page.items], "next_cursor": page.next_cursor}


@kb_router.post(
    "",
    response={201: ArticleOut, **CREATE_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Write an article (service: edit)",
)
def create_kb_article(request: ApiRequest, response: HttpResponse, payload: ArticleCreate):
    article = services.create_article(request.auth, _changes(payload, False))
    set_etag(response, article.version)
    return Status(201, article_out(article))


@kb_router.get(
    "/{article_id}",
    response={200: ArticleOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read an article",
)
def get_kb_article(request: ApiRequest, response: HttpResponse, article_id: int = PATH_ID):
    article = _one(request, article_id)
    set_etag(response, article.version)
    return article_out(article)


@kb_router.patch(
    "/{article_id}",
    response={200: ArticleOut, **PATCH_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Change, publish or archive an article (service: edit)",
)
def update_kb_article(
    request: ApiRequest,
    response: HttpResponse,
    payload: ArticlePatch,
    article_id: int = PATH_ID,
    if_match: str | None = IF_MATCH,
):
    article = _one(request, article_id)
    visibility.require(request.auth, "service", "edit")
    version = expected_version(if_match, article.version)
    article = services.update_article(request.auth, article, _changes(payload, True), version)
    set_etag(response, article.version)
    return article_out(_with_category(Article.objects).get(pk=article.pk))


@kb_router.post(
    "/{article_id}/uses",
    response={201: UseOut, **WRITE_ERRORS},
    summary="Say an article went into a ticket's reply",
    description="When the ticket is then solved, the article counts it (`solved_count`, once "
    "per ticket). The article must be published; the ticket one you may work.",
)
def use_kb_article(request: ApiRequest, payload: UseIn, article_id: int = PATH_ID):
    article = _one(request, article_id)
    ticket = get_visible_or_404(Ticket, request.auth, payload.ticket_id)
    use = services.record_use(request.auth, article, ticket)
    return Status(201, {"article_id": article.pk, "ticket_id": ticket.pk, "used_at": use.used_at})


@public_kb_router.get(
    "",
    auth=None,
    response={200: PublicArticlePage, **PUBLIC_ERRORS},
    summary="List the help centre's articles (no login)",
    description="Published public articles only. A search (`q`) that finds nothing is "
    "counted for the team (once a query and day).",
)
def list_public_kb_articles(request: ApiRequest, filters: Query[PublicArticleFilters]):
    qs = services.public_articles()
    if filters.language:
        qs = qs.filter(language=filters.language)
    if filters.q:
        qs = search.search(qs, services.normalised_query(filters.q), cap=search.LIST_MATCH_CAP)
    page = page_of(_with_category(qs), SORT, filters)
    if filters.q and not filters.cursor and not page.items:
        services.record_miss(filters.q)
    items = [public_article_out(a) for a in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


@public_kb_router.get(
    "/{article_id}",
    auth=None,
    response={200: PublicArticleOut, **PUBLIC_ERRORS},
    summary="Read a help-centre article (no login)",
)
def get_public_kb_article(request: ApiRequest, article_id: int = PATH_ID):
    article = _with_category(services.public_articles()).filter(pk=article_id).first()
    if article is None:
        raise Http404
    return public_article_out(article)
