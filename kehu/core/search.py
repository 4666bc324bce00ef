"""Full-text search that works the way Chinese users type.

Each searchable record keeps a `search_text` column: space-separated tokens made from its
names (characters, bigrams, pinyin syllables, joined pinyin, initials), emails and phones.
SQLite indexes it with an FTS5 table kept in sync by triggers; PostgreSQL with a GIN index on
a stored tsvector of it that also holds each word's short prefixes (the DDL is in
`kehu.core.migration_operations`). Every query token is a prefix match, ANDed.
"""

import functools
import math
import re
import time
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.models import BooleanField, F, Func, Q, QuerySet, TextField
from django.db.models.expressions import Col, RawSQL
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import AND, WhereNode

from kehu.core import pinyin

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+", re.UNICODE)
_IS_CJK = re.compile(rf"[{_CJK}]")

# Surnames that pypinyin reads with their everyday (not surname) sound.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "朴": "piao", "区": "ou", "仇": "qiu",
    "查": "zha", "盖": "ge", "乐": "yue", "覃": "qin", "缪": "miao", "召": "shao",
    "种": "chong", "折": "she", "翟": "zhai", "尉": "yu", "长": "chang", "秘": "bi",
}  # fmt: skip
MAX_TOKENS = 120


def _pinyin_variants(run: str, is_person_name: bool) -> list[list[str]]:
    """Readings of a CJK run; for a person's name, the surname reading comes first."""
    syllables = pinyin.syllables(run)
    variants = [syllables]
    if is_person_name and run[0] in SURNAME_READINGS and syllables:
        variants.insert(0, [SURNAME_READINGS[run[0]], *syllables[1:]])
    elif is_person_name and syllables:
        # also index the other readings of the first character (a surname may be a heteronym)
        for reading in pinyin.readings(run[0])[:3]:
            if reading != syllables[0]:
                variants.append([reading, *syllables[1:]])
    return [v for v in variants if v]


def name_tokens(text: str, is_person_name: bool = False) -> list[str]:
    """Tokens that let a name be found by characters, pinyin (full, spaced) and initials."""
    return list(_name_tokens((text or "").lower(), is_person_name))


@functools.lru_cache(maxsize=4096)  # names repeat a lot in imports; bounded to a few MB
def _name_tokens(text: str, is_person_name: bool) -> tuple[str, ...]:
    tokens: list[str] = []
    runs = _RUNS.findall(text)
    joined_variants: list[list[str]] = [[]]
    for run in runs:
        if _IS_CJK.match(run):
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
            variants = _pinyin_variants(run, is_person_name and run is runs[0])
            for syllables in variants:
                tokens.extend(syllables)
            if variants:
                joined_variants = [jv + v for jv in joined_variants for v in variants][:4]
        else:
            tokens.append(run)
            joined_variants = [jv + [run] for jv in joined_variants]
    if any(_IS_CJK.match(r) for r in runs):
        for parts in joined_variants:
            tokens.append("".join(parts))
            tokens.append("".join(p[0] for p in parts if p))
    return tuple(tokens)


def plain_tokens(text: str) -> list[str]:
    """Words of an email, website or other text, split at punctuation."""
    return _RUNS.findall((text or "").lower())


def phone_tokens(e164: str, national: str = "") -> list[str]:
    digits = re.sub(r"\D", "", e164 or "")
    if not digits:
        return []
    tokens = [digits]
    national_digits = re.sub(r"\D", "", national or "")
    if national_digits and national_digits != digits:
        tokens.append(national_digits)
    tokens.append(digits[-4:])
    return tokens


def build_document(*groups: list[str]) -> str:
    """Join token lists into the `search_text` value, without repeats."""
    seen: dict[str, None] = {}
    for group in groups:
        for token in group:
            if token:
                seen.setdefault(token, None)
    return " ".join(list(seen)[:MAX_TOKENS])


def query_tokens(query: str) -> list[str]:
    """Tokens a user's query must all match (as prefixes)."""
    query = (query or "").strip().lower()
    if not query:
        return []
    compact = re.sub(r"[\s()+\-.]", "", query)
    if compact.isdigit() and len(compact) >= 3:
        return [compact]
    tokens: list[str] = []
    for run in _RUNS.findall(query):
        if _IS_CJK.match(run) and len(run) > 1:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return list(dict.fromkeys(tokens))[:12]


def fts_table(model: type[models.Model]) -> str:
    return f"{model._meta.db_table}_fts"


#: Searches look at no more than this many matching rows (after visibility), so a common
#: term ("伟": 10% of a million people) or a term nobody has costs the same few milliseconds.
#: The quick-search box shows a handful; lists filtered by a search show up to LIST_MATCH_CAP.
MATCH_CAP = 200
LIST_MATCH_CAP = 2000


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
#: index read about INDEX_ENTRY_COST µs per row holding a term. See `_walk_rows`.
WALK_ROW_COST = 4.0
INDEX_ENTRY_COST = 0.1
#: A walk gives up after this many times the rows it expected to read (statistics are an
#: estimate, and a term common overall may be rare among the rows one user sees): the index
#: then finds the rest.
WALK_MARGIN = 2
#: seconds the per-table term statistics are kept before they are read again
STATS_TTL = 300.0
_stats_cache: dict[tuple[str, str], tuple[float, float, dict[str, float]]] = {}


def _is_whole_token(token: str) -> bool:
    """CJK query tokens are characters and bigrams, which the index holds as whole tokens."""
    return bool(_IS_CJK.match(token))


def _is_indexed_term(token: str) -> bool:
    """Whether the PostgreSQL index holds `token` as a term of its own (no prefix query)."""
    return _is_whole_token(token) or 2 <= len(token) <= PREFIX_TERMS


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
    row_tokens = [t for t in tokens if len(t) == 1 and not _is_whole_token(t)]
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


class _TextSearchMatch(Func):
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


def match_condition(model: type[models.Model], tokens: list[str]) -> Func | Q:
    """A filter condition: the row's search_text matches every token (as prefixes).

    Built from expressions, never a hard-coded table name, so it stays right inside subqueries.
    """
    if connection.vendor == "postgresql":
        return _TextSearchMatch(F("search_text"), tokens)
    return Q(id__in=_fts_rowids(model, tokens))


def _fts_match(tokens: list[str]) -> str:
    """SQLite: the FTS5 query for `tokens`. A CJK token is a whole FTS5 token: no prefix query,
    which would merge every bigram it starts; a word of up to 6 characters has a prefix index
    (`kehu.core.migration_operations.search_index_sql_v2`)."""
    return " AND ".join(
        '"' + t.replace('"', '""') + ('"' if _is_whole_token(t) else '"*') for t in tokens
    )


def _fts_rowids(model: type[models.Model], tokens: list[str]) -> RawSQL:
    """SQLite: the ids of every row of `model` matching `tokens`."""
    fts = fts_table(model)
    sql = f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s'
    return RawSQL(sql, [_fts_match(tokens)])  # noqa: S611


def search(qs: QuerySet[Any], query: str, cap: int | None = MATCH_CAP) -> QuerySet[Any]:
    """Narrow a queryset to rows matching `query`; an empty query matches nothing.

    With `cap`, only the first `cap` matching rows of `qs` (in no particular order) are kept:
    sorting every match of a common term, or walking a sorted index looking for a term no one
    has, is what makes searches slow at a million rows. On PostgreSQL, when a term is so common
    that reading rows finds `cap` matches sooner than the index would, rows are walked first
    (see `_walk_rows`).
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
            first = _sqlite_first_matches(qs, tokens, cap)
        except EmptyResultSet:  # `qs` itself can hold no row
            return qs.none()
    elif connections[qs.db].vendor == "postgresql":
        walk_rows = _walk_rows(qs, tokens, cap)
        if walk_rows:
            try:
                first = _walk_then_index(qs, tokens, cap, walk_rows)
            except EmptyResultSet:  # `qs` itself can hold no row
                return qs.none()
    return qs.filter(id__in=first)


#: SQLite, capped searches: a walk over the index reads at most this many of its entries.
SQLITE_WALK_ENTRIES = 4000


def _sqlite_first_matches(qs: QuerySet[Any], tokens: list[str], cap: int) -> QuerySet[Any] | RawSQL:
    """SQLite: up to `cap` ids of `qs` matching `tokens`, read the cheapest of three ways.

    Listing every match first and then checking each against `qs` is what a plain `IN`
    subquery does: for a common term ("王": 100,000 people) that list alone costs tens of ms,
    and for a rep, who owns one row in fifty, it took a second. Instead, a walk reads the
    index's entries in order, checks each row against `qs` and stops at `cap` rows; it is
    done when it found them, or when the term has fewer than SQLITE_WALK_ENTRIES entries (it
    saw every match). Otherwise `qs` keeps few of the matches: when it keeps some owners' rows
    only, those are read through their owner index, each checked against the matches (and
    then the walk is not tried at all: it seldom finds `cap` of one owner's rows among a
    common term's first entries); if not, each match is checked against `qs`, as before.
    """
    fts = fts_table(qs.model)
    match = _fts_match(tokens)
    entries = f'SELECT rowid AS rid FROM "{fts}" WHERE "{fts}" MATCH %s LIMIT {SQLITE_WALK_ENTRIES}'
    rows_sql, rows_params = _compiled(qs.order_by().values("id"))
    # CROSS JOIN keeps SQLite's order: the index entries outside, each row of `qs` looked up
    walk = f"SELECT v.id FROM ({entries}) e CROSS JOIN ({rows_sql}) v ON v.id = e.rid LIMIT {cap}"
    walk_params = [match, *rows_params]
    by_owner = _kept_by_owner(qs)
    with connections[qs.db].cursor() as cursor:
        if by_owner:
            cursor.execute(f"SELECT 0, (SELECT count(*) FROM ({entries}))", [match])
        else:
            cursor.execute(
                f"SELECT (SELECT count(*) FROM ({walk})), (SELECT count(*) FROM ({entries}))",
                [*walk_params, match],
            )
        found, seen = cursor.fetchone()
    if found >= cap or seen < SQLITE_WALK_ENTRIES:
        return RawSQL(walk, walk_params)  # noqa: S611
    if by_owner:
        # `+id`: SQLite may not drive the query from the match list, so the owner index does
        row_id = Func(F("id"), template="+%(expressions)s", output_field=models.IntegerField())
        rows: QuerySet[Any] = qs.order_by().alias(_row_id=row_id)
        return rows.filter(_row_id__in=_fts_rowids(qs.model, tokens)).values("id")[:cap]
    return qs.filter(match_condition(qs.model, tokens)).order_by().values("id")[:cap]


def _kept_by_owner(qs: QuerySet[Any]) -> bool:
    """Whether `qs` keeps only the rows of some owners (a rep's or a team's scope, an owner
    filter), i.e. its WHERE is an AND holding `owner = …` or `owner IN …`."""

    def holds_owner_lookup(node: WhereNode) -> bool:
        if node.connector != AND or node.negated:
            return False
        for child in node.children:
            if isinstance(child, WhereNode):
                if holds_owner_lookup(child):
                    return True
            elif (
                isinstance(child, (Exact, In))
                and isinstance(child.lhs, Col)
                and child.lhs.target.name == "owner"
            ):
                return True
        return False

    return holds_owner_lookup(qs.query.where)


def _walk_then_index(qs: QuerySet[Any], tokens: list[str], cap: int, walk_rows: int) -> RawSQL:
    """PostgreSQL: up to `cap` ids of `qs` matching `tokens`, by a walk, then the index.

    The walk checks at most `walk_rows` rows of `qs` (in whatever order its plan reads them);
    only if it found fewer than `cap` does the index find the rest, leaving out what the walk
    found. Each step is a CTE that the outer LIMIT reads in turn, which is what keeps the index
    step from running when the walk was enough.
    """
    base = qs.order_by()
    tsquery = _tsquery(tokens)
    rows = base.annotate(_vector=_StoredVector(F("search_text"))).values("id", "_vector")
    walk_sql, walk_params = _compiled(rows[:walk_rows])
    indexed_sql, indexed_params = _compiled(
        base.filter(_TextSearchMatch(F("search_text"), tokens)).values("id")
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


def _compiled(qs: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    compiled: tuple[str, tuple[Any, ...]] = qs.query.get_compiler(using=qs.db).as_sql()
    return compiled


def _walk_rows(qs: QuerySet[Any], tokens: list[str], cap: int) -> int:
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
