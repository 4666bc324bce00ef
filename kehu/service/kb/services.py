"""The only writers of knowledge-base articles, their uses in tickets and the searches that
found nothing; and the one door for reading them (`visible_articles`, `public_articles`).

Reading needs service: read (published articles, internal and public); editing needs service:
edit, which also shows drafts and the archive. Visitors of the help centre read published
public articles only, without signing in.
"""

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import audit, events, search, text, visibility
from kehu.core.records import locked_current
from kehu.core.simplified import to_simplified
from kehu.service.categories.models import TicketCategory
from kehu.service.kb.models import (
    BODY_MAX_LENGTH,
    MISS_QUERY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Article,
    ArticleUse,
    KbSearchMiss,
)
from kehu.service.tickets.models import UNSOLVED, Ticket

FIELDS = ["title", "body", "language", "category", "visibility", "status"]
AUDITED = [*FIELDS]
SUGGESTIONS = 5
#: a fallback search (any word of the query) tries at most this many words
MAX_FALLBACK_WORDS = 8
#: new searches-that-found-nothing kept per day (the help centre is public: a bound on what
#: visitors can make it store); a query already kept today is still counted
MAX_MISSES_PER_DAY = 1000
#: joined-pinyin runs indexed from at most this many syllables of a title
MAX_PINYIN_STARTS = 12
_BODY_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


# --- reading ----------------------------------------------------------------------------------


def can_edit(user: User) -> bool:
    return visibility.can(user, "service", "edit")


def visible_articles(user: User) -> QuerySet[Article]:
    """The articles `user` may read: none without service read, every published one with it,
    drafts and archived ones too for editors."""
    if not visibility.can(user, "service", "read"):
        return Article.objects.none()
    if can_edit(user):
        return Article.objects.all()
    return Article.objects.filter(status=Article.Status.PUBLISHED)


def public_articles() -> QuerySet[Article]:
    """What the help centre shows anyone: published public articles."""
    return Article.objects.filter(
        status=Article.Status.PUBLISHED, visibility=Article.Visibility.PUBLIC
    )


# --- the search document ----------------------------------------------------------------------


def _pinyin_runs(title: str) -> list[str]:
    """Joined pinyin from each syllable of a Chinese run to its end (如何重置密码 → …,
    zhongzhimima, zhimima, mima), the first syllable in each of its character's readings
    (chongzhimima: pypinyin reads 重置 zhongzhi, people type chongzhi), and those readings
    alone: a query typed as joined pinyin of words inside the title is a prefix of one."""
    from kehu.core import pinyin

    tokens = []
    for run in _CJK_RUN.findall(to_simplified(title)):
        syllables = pinyin.syllables(run)
        if len(syllables) != len(run):  # a character without a reading: leave the run
            continue
        for start in range(min(len(run), MAX_PINYIN_STARTS)):
            rest = "".join(syllables[start + 1 :])
            for reading in dict.fromkeys([syllables[start], *pinyin.readings(run[start])[:3]]):
                tokens.append(reading)
                if rest:
                    tokens.append(reading + rest)
    return tokens


def _body_tokens(body: str) -> list[str]:
    """Words of the body, Chinese as characters and bigrams (as queries are split)."""
    tokens: list[str] = []
    for word in _WORDS.findall(to_simplified(body.lower())):
        for part in re.split(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)", word):
            if not part:
                continue
            if _CJK_RUN.fullmatch(part):
                tokens.extend(part)
                tokens.extend(part[i : i + 2] for i in range(len(part) - 1))
            else:
                tokens.append(part)
    return tokens


def article_document(article: Article) -> str:
    """What a search finds an article by: its title (characters, pinyin, initials, joined
    pinyin of its words), then the words of its body while the document has room."""
    return search.build_document(
        search.name_tokens(article.title, every_initial=False),
        _pinyin_runs(article.title),
        _body_tokens(article.body),
    )


# --- writing ----------------------------------------------------------------------------------


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: [_("Choose one of the offered values.")]})
    return str(value)


def _category(value: Any) -> TicketCategory | None:
    if value in (None, ""):
        return None
    if isinstance(value, TicketCategory):
        value = value.pk
    try:
        pk = int(value)
    except (TypeError, ValueError, OverflowError):
        pk = 0
    found = TicketCategory.objects.filter(pk=pk, active=True).first() if 0 < pk < 2**63 else None
    if found is None:
        raise ValidationError({"category": [_("Choose an active category.")]})
    return found


def _title(value: Any) -> str:
    title = " ".join(str(value or "").split())
    if not title:
        raise ValidationError({"title": [_("This field is required.")]})
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError({"title": [_("At most %(n)d characters.") % {"n": TITLE_MAX_LENGTH}]})
    if _BODY_CONTROL.search(title):
        raise ValidationError({"title": [text.one_line_message()]})
    return title


def _body(value: Any) -> str:
    body = str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            {"body": [_("At most %(n)s characters.") % {"n": f"{BODY_MAX_LENGTH:,}"}]}
        )
    if _BODY_CONTROL.search(body):
        raise ValidationError({"body": [_("The text holds characters that cannot be shown.")]})
    return body


def _apply(article: Article, data: dict[str, Any]) -> None:
    """Check `data` and set it on `article`; ValidationError (nothing set) when wrong."""
    cleaners = {
        "title": _title,
        "body": _body,
        "language": lambda v: _choice(v, Article.Language, "language"),
        "visibility": lambda v: _choice(v, Article.Visibility, "visibility"),
        "status": lambda v: _choice(v, Article.Status, "status"),
        "category": _category,
    }
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, clean in cleaners.items():
        if name not in data and (article.pk or name != "title"):
            continue
        try:
            values[name] = clean(data.get(name))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(article, name, value)
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.search_text = article_document(article)


def create_article(actor: User, data: dict[str, Any]) -> Article:
    """A new article (a draft unless `data` says otherwise), written by `actor`."""
    visibility.require(actor, "service", "edit")
    article = Article(author=actor)
    _apply(article, data)
    with transaction.atomic():
        article.save()
        audit.record(actor, article, "create", audit.diff({}, audit.snapshot(article, AUDITED)))
        events.emit("article.created", actor=actor, record=article)
    return article


def update_article(
    actor: User, article: Article, changes: dict[str, Any], expected_version: int | None = None
) -> Article:
    """Change an article; VersionConflict when someone saved it since `expected_version`."""
    visibility.require(actor, "service", "edit")
    changes = {k: v for k, v in changes.items() if k in FIELDS}
    with transaction.atomic():
        current = locked_current(Article, article.pk, expected_version, changes)
        before = audit.snapshot(current, AUDITED)
        _apply(current, changes)
        delta = audit.diff(before, audit.snapshot(current, AUDITED))
        if delta:
            current.version += 1
            current.updated_at = timezone.now()
            current.save()
            audit.record(actor, current, "update", delta)
            events.emit("article.updated", actor=actor, record=current, changes=delta)
    return current


def publish_article(actor: User, article: Article, expected_version: int | None = None) -> Article:
    return update_article(actor, article, {"status": Article.Status.PUBLISHED}, expected_version)


def archive_article(actor: User, article: Article, expected_version: int | None = None) -> Article:
    """Take an article out of use (kept, and shown to editors only)."""
    return update_article(actor, article, {"status": Article.Status.ARCHIVED}, expected_version)


# --- searching --------------------------------------------------------------------------------


def normalised_query(query: Any) -> str:
    """A query as it is searched and kept: one line, single spaces, lower case, simplified,
    at most MISS_QUERY_MAX_LENGTH characters."""
    cleaned = to_simplified(" ".join(str(query or "").split()).lower())
    return _BODY_CONTROL.sub("", cleaned)[:MISS_QUERY_MAX_LENGTH].strip()


def _ranked(qs: QuerySet[Article]) -> QuerySet[Article]:
    return qs.order_by("-solved_count", "-updated_at", "-id")


def search_articles(qs: QuerySet[Article], query: str, limit: int) -> list[Article]:
    """Up to `limit` of `qs` matching every word of `query`, most helpful first; when none
    matches them all, those matching the most of its words (one at least)."""
    query = normalised_query(query)
    tokens = search.query_tokens(query)
    if not tokens:
        return []
    found = list(_ranked(search.search(qs, query, cap=search.MATCH_CAP))[:limit])
    if found or len(tokens) < 2:
        return found
    hits: dict[int, int] = {}
    for token in tokens[:MAX_FALLBACK_WORDS]:
        for pk in search.search(qs, token, cap=search.MATCH_CAP).values_list("id", flat=True):
            hits[pk] = hits.get(pk, 0) + 1
    if not hits:
        return []
    rows = {a.pk: a for a in _ranked(qs.filter(pk__in=list(hits)))}
    order = sorted(rows, key=lambda pk: -hits[pk])  # stable: ties keep the helpful-first order
    return [rows[pk] for pk in order[:limit]]


def suggest(
    query: str, *, public_only: bool, limit: int = SUGGESTIONS, user: User | None = None
) -> list[Article]:
    """Published articles matching `query`: public ones only, or (for `user`, who must read
    the service module) internal ones too."""
    if public_only:
        qs = public_articles()
    elif user is not None and not visibility.can(user, "service", "read"):
        return []
    else:
        qs = Article.objects.filter(status=Article.Status.PUBLISHED)
    return search_articles(qs, query, limit)


def suggestions_for_ticket(user: User, ticket: Ticket) -> list[Article]:
    """Up to five published articles matching the ticket's subject, for the agent working it
    (empty for someone who does not read the service module)."""
    return suggest(ticket.subject, public_only=False, user=user)


def record_use(actor: User, article: Article, ticket: Ticket) -> ArticleUse:
    """`actor` put `article` into a reply on `ticket` (both of which they may see); when the
    ticket is then solved, the article counts it."""
    visibility.require_record(actor, ticket, "edit")
    if not visible_articles(actor).filter(pk=article.pk, status="published").exists():
        raise ValidationError({"article": [_("Choose a published article.")]})
    with transaction.atomic():
        use = ArticleUse.objects.create(article=article, ticket=ticket, by=actor)
        audit.record(actor, article, "update", {"_used_in_ticket": ticket.pk})
    return use


def credit_solved(ticket: Ticket) -> int:
    """The ticket is solved: each article used in it (and not yet credited for it) counts one
    more solved ticket. Returns how many articles were credited."""
    with transaction.atomic():
        uses = ArticleUse.objects.select_for_update().filter(ticket=ticket, credited=False)
        article_ids = set(uses.values_list("article_id", flat=True))
        if not article_ids:
            return 0
        credited = set(
            ArticleUse.objects.filter(ticket=ticket, credited=True).values_list(
                "article_id", flat=True
            )
        )
        Article.objects.filter(pk__in=article_ids - credited).update(
            solved_count=F("solved_count") + 1
        )
        uses.update(credited=True)
    return len(article_ids - credited)


@events.subscribe("ticket.updated")
def _on_ticket_updated(
    event: str, record: Ticket, changes: dict[str, Any] | None = None, **_: Any
) -> None:
    status = (changes or {}).get("status")
    if status and status[0] in UNSOLVED and status[1] in ("solved", "closed"):
        credit_solved(record)


def record_miss(query: Any, today: datetime.date | None = None) -> KbSearchMiss | None:
    """A help-centre search for `query` found nothing: counted on today's row for it (one a
    query and day). None for an empty query, or a new one past the day's bound."""
    cleaned = normalised_query(query)
    if not cleaned:
        return None
    day = today or timezone.localdate()
    now = timezone.now()
    rows = KbSearchMiss.objects.filter(query=cleaned, day=day)
    if rows.update(count=F("count") + 1, searched_at=now):
        return rows.first()
    if KbSearchMiss.objects.filter(day=day).count() >= MAX_MISSES_PER_DAY:
        return None
    try:
        with transaction.atomic():
            return KbSearchMiss.objects.create(query=cleaned, day=day, searched_at=now)
    except IntegrityError:  # someone else searched for it at the same moment
        rows.update(count=F("count") + 1, searched_at=now)
        return rows.first()


def recent_misses(user: User, days: int = 30, limit: int = 20) -> list[dict[str, Any]]:
    """For editors: what visitors searched for without finding anything lately, most often
    first ({query, count, last})."""
    if not can_edit(user):
        return []
    from django.db.models import Max, Sum

    since = timezone.localdate() - datetime.timedelta(days=days)
    rows = (
        KbSearchMiss.objects.filter(day__gte=since)
        .values("query")
        .annotate(total=Sum("count"), last=Max("searched_at"))
        .order_by("-total", "-last")[:limit]
    )
    return [{"query": r["query"], "count": r["total"], "last": r["last"]} for r in rows]
