"""Full-text search that works the way Chinese users type.

- `documents`: the tokens a record's `search_text` holds and a query is split into;
- `matching`: `search(qs, query, cap)`, narrowing a queryset to its first matches;
- `sqlite_fts` and `postgres_vector`: how each database finds them fast at a million rows.

Callers import the names below from `kehu.core.search`.
"""

from kehu.core.search.documents import (
    MAX_TOKENS,
    SURNAME_READINGS,
    build_document,
    name_tokens,
    phone_tokens,
    plain_tokens,
    query_tokens,
)
from kehu.core.search.matching import LIST_MATCH_CAP, MATCH_CAP, match_condition, search
from kehu.core.search.postgres_vector import PREFIX_TERMS, VECTOR_COLUMN
from kehu.core.search.sqlite_fts import fts_table

__all__ = [
    "LIST_MATCH_CAP",
    "MATCH_CAP",
    "MAX_TOKENS",
    "PREFIX_TERMS",
    "SURNAME_READINGS",
    "VECTOR_COLUMN",
    "build_document",
    "fts_table",
    "match_condition",
    "name_tokens",
    "phone_tokens",
    "plain_tokens",
    "query_tokens",
    "search",
]
