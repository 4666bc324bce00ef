"""Narrowing a queryset to the rows matching a query, on whichever database, capped.

The per-database parts are `sqlite_fts` and `postgres_vector`; decisions 0006 and 0009 say why
searches look at a capped set of matches and how each database reads them quickly at a million
rows.
"""

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.models import F, Func, Q, QuerySet
from django.db.models.expressions import RawSQL

from kehu.core.search import postgres_vector, sqlite_fts
from kehu.core.search.documents import query_tokens

#: Searches look at no more than this many matching rows (after visibility), so a common
#: term ("伟": 10% of a million people) or a term nobody has costs the same few milliseconds.
#: The quick-search box shows a handful; lists filtered by a search show up to LIST_MATCH_CAP.
MATCH_CAP = 200
LIST_MATCH_CAP = 2000


def match_condition(model: type[models.Model], tokens: list[str]) -> Func | Q:
    """A filter condition: the row's search_text matches every token (as prefixes).

    Built from expressions, never a hard-coded table name, so it stays right inside subqueries.
    """
    if connection.vendor == "postgresql":
        return postgres_vector.TextSearchMatch(F("search_text"), tokens)
    return Q(id__in=sqlite_fts.fts_rowids(model, tokens))


def search(qs: QuerySet[Any], query: str, cap: int | None = MATCH_CAP) -> QuerySet[Any]:
    """Narrow a queryset to rows matching `query`; an empty query matches nothing.

    With `cap`, only the first `cap` matching rows of `qs` (in no particular order) are kept:
    sorting every match of a common term, or walking a sorted index looking for a term no one
    has, is what makes searches slow at a million rows. On PostgreSQL, when a term is so common
    that reading rows finds `cap` matches sooner than the index would, rows are walked first
    (see `postgres_vector.walk_rows`).
    """
    tokens = query_tokens(query)
    if not tokens:
        return qs.none()
    matched = qs.filter(match_condition(qs.model, tokens))
    if cap is None:
        return matched
    first: QuerySet[Any] | RawSQL = matched.order_by().values("id")[:cap]
    if connections[qs.db].vendor == "sqlite":
        try:
            first = sqlite_fts.first_matches(qs, tokens, cap)
        except EmptyResultSet:  # `qs` itself can hold no row
            return qs.none()
    elif connections[qs.db].vendor == "postgresql":
        walk_rows = postgres_vector.walk_rows(qs, tokens, cap)
        if walk_rows:
            try:
                first = postgres_vector.walk_then_index(qs, tokens, cap, walk_rows)
            except EmptyResultSet:  # `qs` itself can hold no row
                return qs.none()
    return qs.filter(id__in=first)
