"""REST route for the search over every record type (`GET /api/v1/search?q=`): the same
groups, ranking and visibility as the search box and the command palette."""

from typing import Any

from ninja import Field, Query, Router, Schema

from kehu.core.api_support import READ_ERRORS, ApiRequest, QueryParams
from kehu.core.search import everything

search_router = Router(tags=["search"])


class SearchParams(QueryParams):
    q: str = Field(
        "",
        max_length=everything.MAX_QUERY,
        description="Name (characters, pinyin, initials), email, phone, quote or order number.",
    )
    limit: int = Field(everything.PER_KIND, ge=1, le=20, description="Hits per type.")


class SearchItem(Schema):
    type: str = Field(description="person, company, user, lead, deal, quote, order or product")
    id: int
    label: str
    url: str = Field(description="The record's page in the web app.")
    detail: str = Field(description="A second line: company, email, SKU …")


class SearchGroup(Schema):
    type: str
    title: str = Field(description="The type's name in the user's language.")
    items: list[SearchItem]


class SearchResults(Schema):
    groups: list[SearchGroup] = Field(
        description="One group per type with hits; each ranked best match first (exact name, "
        "start of name, initials, anything else), the group with the best match first."
    )


@search_router.get(
    "", response={200: SearchResults, **READ_ERRORS}, summary="Search every record type"
)
def search_everything(request: ApiRequest, params: Query[SearchParams]) -> dict[str, Any]:
    groups = everything.search_everything(request.auth, params.q, per_kind=params.limit)
    return {
        "groups": [
            {
                "type": group.kind,
                "title": group.title,
                "items": [
                    {"type": h.kind, "id": h.id, "label": h.label, "url": h.url, "detail": h.detail}
                    for h in group.hits
                ],
            }
            for group in groups
        ]
    }
