"""Read-only REST routes for tags (/api/v1/tags): every tag, as in the tag pickers."""

from django.http import Http404
from ninja import Field, Query, Router, Schema

from kehu.core.api_support import (
    PATH_ID,
    READ_ERRORS,
    ApiRequest,
    PageParams,
    check_query_text,
    page_of,
)
from kehu.customers.models import Tag

tags_router = Router(tags=["tags"])


class TagOut(Schema):
    id: int
    name: str
    color: str


class TagPage(Schema):
    items: list[TagOut]
    next_cursor: str | None


class TagFilters(PageParams):
    q: str | None = Field(None, max_length=50, description="Part of the name.")


def tag_out(tag: Tag) -> dict:
    return {"id": tag.pk, "name": tag.name, "color": tag.color}


@tags_router.get("", response={200: TagPage, **READ_ERRORS}, summary="List tags")
def list_tags(request: ApiRequest, filters: Query[TagFilters]):
    check_query_text(request)
    qs = Tag.objects.all()
    if filters.q and filters.q.strip():
        qs = qs.filter(name__icontains=filters.q.strip())
    page = page_of(qs, "name", filters)
    return {"items": [tag_out(t) for t in page.items], "next_cursor": page.next_cursor}


@tags_router.get("/{tag_id}", response={200: TagOut, **READ_ERRORS}, summary="Read a tag")
def get_tag(request: ApiRequest, tag_id: int = PATH_ID):
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        raise Http404
    return tag_out(tag)
