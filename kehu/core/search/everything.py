"""One search over every record type: the box at the top of each page, the command palette and
`GET /api/v1/search`.

`core` knows no domain, so each app registers the kinds of record it can be searched for when
it starts (`register_kind`): how to find a user's candidates for a query, always through the
read door (`visible_to`, `users_in_scope`), and how to name and link each. Here the candidates
of every kind are ranked best match first (exact name, then start of name, then initials, then
anything else the search document matched) and grouped by kind.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from kehu.core import pinyin
from kehu.core.search.documents import _RUNS, is_whole_token
from kehu.core.search.matching import search
from kehu.core.simplified import to_simplified
from kehu.core.sort_keys import name_sort_key

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from kehu.accounts.models import User

#: how a candidate's name matched the query, best first
EXACT, START, INITIALS, CONTAINS = range(4)
#: the longest query read; longer text is cut (a name is at most 200 characters)
MAX_QUERY = 200
#: hits shown per kind
PER_KIND = 8


@dataclass(frozen=True)
class Candidate:
    """A record a kind's finder returns: its id, the name the ranking compares, what the user
    sees and where it links."""

    id: int
    name: str
    label: str
    url: str
    detail: str = ""


@dataclass
class Hit:
    kind: str
    id: int
    label: str
    url: str
    detail: str
    rank: int


@dataclass
class Group:
    kind: str
    title: str
    hits: list[Hit] = field(default_factory=list)


@dataclass(frozen=True)
class Kind:
    key: str
    title: str | Promise  # the group's heading, plural ("People")
    find: Callable[[User, str], Iterable[Candidate]]


_KINDS: dict[str, Kind] = {}


def register_kind(
    key: str, title: str | Promise, find: Callable[[User, str], Iterable[Candidate]]
) -> None:
    """Make records of kind `key` searchable; `find(user, query)` returns at most a few hundred
    candidates the user may see, in a fixed number of queries whatever the hits."""
    _KINDS[key] = Kind(key, title, find)


def kinds() -> list[Kind]:
    return list(_KINDS.values())


def clean_query(query: str) -> str:
    """The query as searched: control characters (NUL …) dropped, spaces squeezed, cut short."""
    text = "".join(ch if ch.isprintable() else " " for ch in (query or "")[: MAX_QUERY * 2])
    return " ".join(text.split())[:MAX_QUERY]


def search_everything(user: User, query: str, per_kind: int = PER_KIND) -> list[Group]:
    """Every kind's best `per_kind` hits for `query`, best first; groups with a better best hit
    come first, kinds without hits are left out. Nothing for an empty query."""
    query = clean_query(query)
    if not query:
        return []
    groups = []
    for kind in _KINDS.values():
        ranked = sorted(
            (
                (match_rank(query, c.name), len(c.name), c.name.lower(), c.id, c)
                for c in _unique(kind.find(user, query))
            ),
            key=lambda row: row[:4],
        )
        hits = [Hit(kind.key, c.id, c.label, c.url, c.detail, rank) for rank, *_, c in ranked]
        if hits:
            groups.append(Group(kind.key, str(kind.title), hits[:per_kind]))
    return sorted(groups, key=lambda group: group.hits[0].rank)


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    return list({c.id: c for c in candidates}.values())


def match_rank(query: str, name: str) -> int:
    """How well `name` matches `query`: EXACT, START (of the name or its pinyin), INITIALS (of
    any run of its syllables) or CONTAINS. Traditional and simplified characters compare equal;
    spaces and case do not count."""
    wanted = _compact(query)
    have = _compact(name)
    if not wanted:
        return CONTAINS
    if wanted == have:
        return EXACT
    if have.startswith(wanted):
        return START
    if not _PINYIN_QUERY.fullmatch(wanted):  # e.g. Chinese, an email, a phone: no readings
        return CONTAINS
    spelled, initials = _spellings(name)
    if spelled == wanted:
        return EXACT
    if spelled and spelled.startswith(wanted):
        return START
    if wanted.isalpha() and wanted in initials:
        return INITIALS
    return CONTAINS


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", to_simplified(text.lower()))


#: a query pinyin could match: letters, perhaps with digits (a name like 3M中国 reads "3mzhongguo")
_PINYIN_QUERY = re.compile(r"[a-z0-9]*[a-z][a-z0-9]*")


@functools.lru_cache(maxsize=20_000)
def _spellings(name: str) -> tuple[str, str]:
    """A name's joined pinyin and its initials ('' for a name with no Chinese). Kept for the
    process's most recent names: ranking reads them for every candidate of every search, and
    common names come back again and again."""
    parts: list[str] = []
    has_cjk = False
    for run in _RUNS.findall(to_simplified(name.lower())):
        if is_whole_token(run):
            has_cjk = True
            parts.extend(pinyin.syllables(run))
        else:
            parts.append(run)
    if not has_cjk:
        return "", ""
    return "".join(parts), "".join(p[0] for p in parts if p)


#: candidates read per kind: the capped search's own cap, so the cost is the same as the box's
CANDIDATES = 200


def document_candidates(
    visible: QuerySet[Any],
    query: str,
    fields: list[str],
    candidate: Callable[[dict[str, Any]], Candidate],
) -> list[Candidate]:
    """Candidates of a kind with a search document (`search_text` and its index): the first
    CANDIDATES matches, plus any whose name is exactly the query (an exact match must not be
    lost among the first matches of a common word). Two queries; the kind's model has a
    `name_sort_key` (kehu.core.sort_keys)."""
    matched = list(search(visible, query, cap=CANDIDATES).order_by().values(*fields))
    names = {query, to_simplified(query)}
    # an equal name has an equal stored sort key, and the key is indexed (the name is not)
    keys = {name_sort_key(name, person) for name in names for person in (True, False)}
    equal = visible.filter(name_sort_key__in=keys, name__in=names).order_by()
    exact = list(equal.values(*fields)[:PER_KIND])
    return [candidate(row) for row in matched + exact]
