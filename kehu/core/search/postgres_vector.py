"""PostgreSQL: a stored tsvector column with short prefix terms and a GIN index on it (the
DDL is in `kehu.core.migration_operations`, decision 0009), and, for very common terms, a
bounded walk over the user's rows before the index is read."""

import math
import time
from typing import Any

from django.db import connections
from django.db.models import BooleanField, F, Func, QuerySet, TextField
from django.db.models.expressions import Col, RawSQL

from kehu.core.search.documents import is_whole_token
from kehu.core.search.sql import compiled

#: PostgreSQL: the stored search vector, a generated column the GIN index is built on (see
#: `kehu.core.migration_operations`). The models do not know it: SQLite has no such column.
VECTOR_COLUMN = "search_vector"
_VECTOR_FIELD = TextField(db_column=VECTOR_COLUMN)
_VECTOR_FIELD.set_attributes_from_name(VECTOR_COLUMN)
#: PostgreSQL: the vector also holds the first 2 … PREFIX_TERMS characters of each longer word
#: ("zhangwei781" adds zh, zha, zhan, zhang, zhangw), so a query word that short is one index
#: term. A prefix query (`zhang:*`) would merge every term it starts instead: 39,000 of them
#: (mostly e-mail names), 50–100 ms at a million people, whoever asks.
PREFIX_TERMS = 6

#: PostgreSQL, capped searches: walking rows and checking each one's stored vector costs about
#: WALK_ROW_COST µs a row (a rep's rows, scattered over the table; a seq scan costs a tenth), an
#: index read about INDEX_ENTRY_COST µs per row holding a term. See `walk_rows`.
WALK_ROW_COST = 4.0
INDEX_ENTRY_COST = 0.1
#: A walk gives up after this many times the rows it expected to read (statistics are an
#: estimate, and a term common overall may be rare among the rows one user sees): the index
#: then finds the rest.
WALK_MARGIN = 2
#: seconds the per-table term statistics are kept before they are read again
STATS_TTL = 300.0
_stats_cache: dict[tuple[str, str], tuple[float, float, dict[str, float]]] = {}


def _is_indexed_term(token: str) -> bool:
    """Whether the PostgreSQL index holds `token` as a term of its own (no prefix query)."""
    return is_whole_token(token) or 2 <= len(token) <= PREFIX_TERMS


def _tsquery(tokens: list[str]) -> str:
    """The PostgreSQL `to_tsquery` text matching rows whose words start with every token.

    A CJK token is a whole indexed token (every document holding a bigram also holds its
    characters); a Latin or digit token of 2 … PREFIX_TERMS characters is an indexed prefix
    term. Only a longer or a one-letter token needs a prefix query (`:*`).
    """
    terms = []
    for token in tokens:
        term = "'" + token.replace("'", "''").replace("\\", "") + "'"
        terms.append(term if _is_indexed_term(token) else term + ":*")
    return " & ".join(terms)


def _index_and_row_tokens(tokens: list[str]) -> tuple[list[str], list[str]]:
    """PostgreSQL: the tokens the index reads, and the one-letter ones checked on each row.

    A one-letter prefix starts a large share of all terms, which the index would merge (100+
    ms), while the rows the other tokens find hold it often: checking them is cheaper. A query
    of one-letter tokens only is left to the index (or, being common, to a walk).
    """
    row_tokens = [t for t in tokens if len(t) == 1 and not is_whole_token(t)]
    index_tokens = [t for t in tokens if t not in row_tokens]
    return (index_tokens, row_tokens) if index_tokens else (tokens, [])


class _StoredVector(Func):
    """PostgreSQL: the row's stored search vector, named through its `search_text` column.

    Reading it costs nothing, where `to_tsvector(search_text)` parses the text again for every
    row a plan looks at (25 µs each: 40 ms for a walk over 1,600 rows).
    """

    output_field = TextField()

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, Any]:
        text_column: Any = self.source_expressions[0]  # a resolved Col of the search_text field
        compiled: tuple[str, Any] = compiler.compile(Col(text_column.alias, _VECTOR_FIELD))
        return compiled


class TextSearchMatch(Func):
    """PostgreSQL: the row's stored search vector (what the GIN index holds) matches `tokens`.

    The one-letter tokens (see `_index_and_row_tokens`) are written so that no index can serve
    them (`IS TRUE`): the planner reads the index for the others and checks these on each row.
    """

    output_field = BooleanField()

    def __init__(self, column: Any, tokens: list[str]) -> None:
        super().__init__(column)
        self.tokens = tokens

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        vector_sql, vector_params = compiler.compile(_StoredVector(self.source_expressions[0]))
        index_tokens, row_tokens = _index_and_row_tokens(self.tokens)
        sql = f"{vector_sql} @@ to_tsquery('simple'::regconfig, %s)"
        params = [*vector_params, _tsquery(index_tokens)]
        if row_tokens:
            sql += f" AND ({vector_sql} @@ to_tsquery('simple'::regconfig, %s)) IS TRUE"
            params += [*vector_params, _tsquery(row_tokens)]
        return sql, params


def walk_then_index(qs: QuerySet[Any], tokens: list[str], cap: int, walk_rows: int) -> RawSQL:
    """PostgreSQL: up to `cap` ids of `qs` matching `tokens`, by a walk, then the index.

    The walk checks at most `walk_rows` rows of `qs` (in whatever order its plan reads them);
    only if it found fewer than `cap` does the index find the rest, leaving out what the walk
    found. Each step is a CTE that the outer LIMIT reads in turn, which is what keeps the index
    step from running when the walk was enough.
    """
    base = qs.order_by()
    tsquery = _tsquery(tokens)
    rows = base.annotate(_vector=_StoredVector(F("search_text"))).values("id", "_vector")
    walk_sql, walk_params = compiled(rows[:walk_rows])
    indexed_sql, indexed_params = compiled(
        base.filter(TextSearchMatch(F("search_text"), tokens)).values("id")
    )
    sql = (
        f"WITH walked AS MATERIALIZED (SELECT w.id FROM ({walk_sql}) w "
        "WHERE w._vector @@ to_tsquery('simple'::regconfig, %s) LIMIT %s), "
        f"indexed AS MATERIALIZED (SELECT s.id FROM ({indexed_sql}) s "
        "WHERE s.id NOT IN (SELECT id FROM walked) LIMIT %s) "
        "SELECT id FROM (SELECT id FROM walked UNION ALL SELECT id FROM indexed) found LIMIT %s"
    )
    params = [*walk_params, tsquery, cap, *indexed_params, cap, cap]
    return RawSQL(sql, params)  # noqa: S611


def walk_rows(qs: QuerySet[Any], tokens: list[str], cap: int) -> int:
    """How many rows of `qs` to walk looking for `cap` matches; 0: read the index alone.

    From the column's statistics (ANALYZE's most common terms, as PostgreSQL's planner uses
    them): the share of rows matching, the tokens taken as independent, gives the rows a walk
    reads to find `cap` matches; the share of rows holding each token the index reads, what
    the index costs. A walk is worth it when it is the cheaper of the two: for a term on 10% of
    a million people ("伟"), 2,000 rows against an index read of 100,000.
    """
    rows, shares = _search_stats(qs.db, qs.model._meta.db_table)
    share = math.prod(_token_share(shares, token) for token in tokens)
    if share <= 0:
        return 0
    index_tokens, _row_tokens = _index_and_row_tokens(tokens)
    # a one-letter prefix merges so many terms that the index reads about every row
    read = sum(1.0 if len(t) == 1 else _token_share(shares, t) for t in index_tokens)
    walk_cost = cap / share * WALK_ROW_COST
    index_cost = read * rows * INDEX_ENTRY_COST
    return math.ceil(WALK_MARGIN * cap / share) if walk_cost < index_cost else 0


def _token_share(shares: dict[str, float], token: str) -> float:
    """The estimated share of rows with a word starting with `token` (0: not a common term)."""
    if _is_indexed_term(token):
        return shares.get(token, 0.0)
    # A prefix query: the sum over the common terms it starts. For one letter, only over the
    # two-letter ones, which the longer ones start with ("wang" would count thrice).
    longest = 2 if len(token) == 1 else math.inf
    starts = (s for t, s in shares.items() if len(t) <= longest and t.startswith(token))
    return min(1.0, sum(starts))


def _search_stats(using: str, table: str) -> tuple[float, dict[str, float]]:
    """The table's estimated row count, and the share of rows holding each common search term."""
    now = time.monotonic()
    cached = _stats_cache.get((using, table))
    if cached and cached[0] > now:
        return cached[1], cached[2]
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs "
            "FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
            "AND s.tablename = c.relname AND s.attname = %s "
            "WHERE c.oid = to_regclass(%s)",
            [VECTOR_COLUMN, table],
        )
        row = cursor.fetchone()
    rows = max(float(row[0]), 0.0) if row else 0.0  # -1: never analyzed
    shares = dict(zip(row[1], row[2], strict=False)) if row and row[1] else {}
    _stats_cache[(using, table)] = (now + STATS_TTL, rows, shares)
    return rows, shares
