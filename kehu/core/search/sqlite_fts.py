"""SQLite: an FTS5 table over `search_text` per searchable table, kept in sync by triggers
(the DDL is in `kehu.core.migration_operations`), and the capped walk over its entries."""

from typing import Any

from django.db import connections, models
from django.db.models import F, Func, QuerySet
from django.db.models.expressions import Col, RawSQL
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import AND, WhereNode

from kehu.core.search.documents import is_whole_token
from kehu.core.search.sql import compiled


def fts_table(model: type[models.Model]) -> str:
    return f"{model._meta.db_table}_fts"


def fts_match(tokens: list[str]) -> str:
    """SQLite: the FTS5 query for `tokens`. A CJK token is a whole FTS5 token: no prefix query,
    which would merge every bigram it starts; a word of up to 6 characters has a prefix index
    (`kehu.core.migration_operations.search_index_sql_v2`)."""
    return " AND ".join(
        '"' + t.replace('"', '""') + ('"' if is_whole_token(t) else '"*') for t in tokens
    )


def fts_rowids(model: type[models.Model], tokens: list[str]) -> RawSQL:
    """SQLite: the ids of every row of `model` matching `tokens`."""
    fts = fts_table(model)
    sql = f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s'
    return RawSQL(sql, [fts_match(tokens)])  # noqa: S611


#: SQLite, capped searches: a walk over the index reads at most this many of its entries.
SQLITE_WALK_ENTRIES = 4000


def first_matches(qs: QuerySet[Any], tokens: list[str], cap: int) -> QuerySet[Any] | RawSQL:
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
    match = fts_match(tokens)
    rows_sql, rows_params = compiled(qs.order_by().values("id"))
    entries = f'SELECT rowid AS rid FROM "{fts}" WHERE "{fts}" MATCH %s LIMIT {SQLITE_WALK_ENTRIES}'
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
        return rows.filter(_row_id__in=fts_rowids(qs.model, tokens)).values("id")[:cap]
    return qs.filter(id__in=fts_rowids(qs.model, tokens)).order_by().values("id")[:cap]


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
