"""What every list shares: `?limit=` and `?cursor=`, answered with one keyset page, and the
`?owner=` filter of the lists of owned records."""

from typing import Annotated, Any

from django.db.models import QuerySet
from pydantic import Field

from kehu.accounts.models import User
from kehu.core.api_support.inputs import QueryParams
from kehu.core.pagination import MAX_LIMIT, BadCursor, Page, decode_cursor, paginate


class PageParams(QueryParams):
    """`?limit=` and `?cursor=`, shared by every list."""

    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page (at most 200).")
    cursor: str | None = Field(
        None, max_length=2000, description="`next_cursor` of the previous page."
    )


def page_of(qs: QuerySet[Any], sort: str, params: PageParams) -> Page:
    """One keyset page; a cursor that cannot be read answers 422 with errors.cursor."""
    if params.cursor:
        _value, pk = decode_cursor(params.cursor)
        if not 0 <= pk < 2**63:
            raise BadCursor("invalid cursor")
    return paginate(qs, sort, params.cursor or None, params.limit)


#: `?owner=`: a user id, or `me`
OwnerFilter = Annotated[
    str | None, Field(pattern=r"^(me|[0-9]{1,18})$", description="User id or `me`.")
]


def owned_by(qs: QuerySet[Any], user: User, owner: str | None) -> QuerySet[Any]:
    """`qs` narrowed to the records of the `?owner=` filter (`me`: `user`'s); all without it."""
    if not owner:
        return qs
    return qs.filter(owner_id=user.pk if owner == "me" else int(owner))
