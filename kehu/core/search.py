"""Full-text search that works the way Chinese users type.

Each searchable record keeps a `search_text` column: space-separated tokens made from its
names (characters, bigrams, pinyin syllables, joined pinyin, initials), emails and phones.
SQLite indexes it with an FTS5 table kept in sync by triggers; PostgreSQL with a GIN index on
`to_tsvector('simple', search_text)`. Every query token is a prefix match, ANDed.
"""

import functools
import re

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.db.models.expressions import RawSQL

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


def fts_table(model) -> str:
    return f"{model._meta.db_table}_fts"


#: Searches look at no more than this many matching rows (after visibility), so a common
#: term ("伟": 10% of a million people) or a term nobody has costs the same few milliseconds.
#: The quick-search box shows a handful; lists filtered by a search show up to LIST_MATCH_CAP.
MATCH_CAP = 200
LIST_MATCH_CAP = 2000


class _TextSearchMatch(Func):
    """PostgreSQL: the row's search_text matches a tsquery, written exactly as the GIN index."""

    output_field = BooleanField()

    def __init__(self, column, tsquery: str):
        super().__init__(column)
        self.tsquery = tsquery

    def as_sql(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        sql = (
            f"to_tsvector('simple'::regconfig, {column_sql}) @@ to_tsquery('simple'::regconfig, %s)"
        )
        return sql, [*column_params, self.tsquery]


def match_condition(model, tokens: list[str]):
    """A filter condition: the row's search_text matches every token (as prefixes).

    Built from expressions, never a hard-coded table name, so it stays right inside subqueries.
    """
    if connection.vendor == "postgresql":
        tsquery = " & ".join("'" + t.replace("'", "''").replace("\\", "") + "':*" for t in tokens)
        return _TextSearchMatch(F("search_text"), tsquery)
    match = " AND ".join('"' + t.replace('"', '""') + '"*' for t in tokens)
    fts = fts_table(model)
    matching_rowids = RawSQL(f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s', [match])  # noqa: S611
    return Q(id__in=matching_rowids)


def search(qs: QuerySet, query: str, cap: int | None = MATCH_CAP) -> QuerySet:
    """Narrow a queryset to rows matching `query`; an empty query matches nothing.

    With `cap`, only the first `cap` matching rows of `qs` (in no particular order) are kept:
    sorting every match of a common term, or walking a sorted index looking for a term no one
    has, is what makes searches slow at a million rows.
    """
    tokens = query_tokens(query)
    if not tokens:
        return qs.none()
    matched = qs.filter(match_condition(qs.model, tokens))
    if cap is None:
        return matched
    return qs.filter(id__in=matched.order_by().values("id")[:cap])


def index_sql(model, vendor: str) -> list[str]:
    """DDL creating the search index for `model` on `vendor` (used by migrations)."""
    table = model if isinstance(model, str) else model._meta.db_table
    if vendor == "postgresql":
        return [
            f'CREATE INDEX IF NOT EXISTS "{table}_search_gin" ON "{table}" '
            f"USING gin (to_tsvector('simple'::regconfig, \"search_text\"))"
        ]
    if vendor == "sqlite":
        fts = f"{table}_fts"
        return [
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5(search_text, '
            f"content='{table}', content_rowid='id', tokenize='unicode61 remove_diacritics 2', "
            "prefix='1 2 3')",
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_ai" AFTER INSERT ON "{table}" BEGIN '
            f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.id, new.search_text); END',
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_ad" AFTER DELETE ON "{table}" BEGIN '
            f'INSERT INTO "{fts}"("{fts}", rowid, search_text) '
            "VALUES ('delete', old.id, old.search_text); END",
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_au" AFTER UPDATE OF search_text ON "{table}" '
            f'BEGIN INSERT INTO "{fts}"("{fts}", rowid, search_text) '
            "VALUES ('delete', old.id, old.search_text); "
            f'INSERT INTO "{fts}"(rowid, search_text) VALUES (new.id, new.search_text); END',
        ]
    return []


def create_index_operation(table: str):
    """A migration operation creating the search index for `table` on whichever database.

    On SQLite, a migration that remakes the table (most AlterFields) drops the triggers that
    keep the index current: end such a migration with this operation again (it is idempotent).
    """
    from django.db import migrations

    def forwards(apps, schema_editor):
        for statement in index_sql(table, schema_editor.connection.vendor):
            schema_editor.execute(statement)

    return migrations.RunPython(forwards, migrations.RunPython.noop)
