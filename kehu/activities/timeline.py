# mypy: disable-error-code="assignment, attr-defined"
"""A record's 360° timeline: its activities (tasks, calls, meetings, notes, emails) and its
audit history (field and stage changes) merged, newest first, page by page. A company's
timeline also holds the activities of its people, deals and leads.

Both streams are read with a keyset on (time, kind, id), so a page costs two small indexed
queries however long the history is.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from kehu.activities.models import Activity
from kehu.activities.visibility import not_private_to_others
from kehu.core.models import AuditEntry

PAGE_SIZE = 20
AUDIT, ACTIVITY = 0, 1
#: what the timeline can be filtered to: the activity kinds, and "changes" (the audit trail)
KINDS = (*Activity.Kind.values, "changes")


@dataclass
class Item:
    kind: str  # "activity", "audit", or a registered stream's (e.g. "ticket")
    at: datetime.datetime
    obj: object
    changes: list = field(default_factory=list)  # [(label, key, old, new)] for audit entries
    #: the same, values as the page shows them (codes and built-in names in the reader's
    #: language); the API keeps the stored values of `changes`
    shown_changes: list = field(default_factory=list)
    #: a registered stream's place in the keyset (see `Stream`)
    rank: int | None = None

    @property
    def key(self) -> tuple:
        rank = (
            self.rank if self.rank is not None else ACTIVITY if self.kind == "activity" else AUDIT
        )
        return (self.at, rank, self.obj.pk)


@dataclass(frozen=True)
class Stream:
    """What another app adds to a record's timeline (the service desk: the customer's
    tickets and replies). `read(record, user, cursor_key, size)` returns up to size + 1 Items
    older than the cursor, newest first, each with a `rank` of its own (above ACTIVITY), read
    with `older_than` so pages join up; `kind` is what `kinds` filters it by."""

    kind: str
    label: object  # a lazy translation: the filter chip's name
    read: Callable[..., list]
    applies: Callable[[object], bool]  # (record) → whether it has this stream at all


STREAMS: list[Stream] = []


def register_stream(stream: Stream) -> None:
    if all(s.kind != stream.kind for s in STREAMS):
        STREAMS.append(stream)


def all_kinds(record=None) -> tuple[str, ...]:
    """What the timeline (of `record`) can be filtered to, registered streams included."""
    return (*KINDS, *(s.kind for s in STREAMS if record is None or s.applies(record)))


@dataclass
class TimelinePage:
    items: list
    next_cursor: str | None


def encode(key: tuple) -> str:
    at, rank, pk = key
    return f"{at.isoformat()}~{rank}~{pk}"


def decode(cursor: str | None) -> tuple | None:
    """The key a cursor names, or None for a missing or malformed cursor (first page)."""
    if not cursor:
        return None
    try:
        at, rank, pk = cursor.split("~")
        at = datetime.datetime.fromisoformat(at)
        offset = at.utcoffset()
        if offset is None or abs(offset) > datetime.timedelta(hours=14) or at.year < 1900:
            return None  # not a cursor this code wrote (the database could not take it)
        return at, int(rank), int(pk)
    except ValueError:
        return None


def older_than(qs, time_field: str, rank: int, cursor: tuple | None):
    if cursor is None:
        return qs
    at, cursor_rank, pk = cursor
    qs = qs.filter(**{f"{time_field}__lte": at})  # bounds the index range (DESIGN: known traps)
    condition = Q(**{f"{time_field}__lt": at})
    if rank < cursor_rank:
        condition |= Q(**{time_field: at})
    elif rank == cursor_rank:
        condition |= Q(**{time_field: at, "id__lt": pk})
    return qs.filter(condition)


def field_labels(model, custom_labels: dict[str, str]) -> dict[str, str]:
    labels = {}
    for f in model._meta.get_fields():
        if hasattr(f, "verbose_name"):
            labels[f.name] = str(f.verbose_name)
        elif f.one_to_many and f.related_model is not None:  # e.g. a deal's people
            labels[f.get_accessor_name()] = str(f.related_model._meta.verbose_name_plural)
    labels.update({f"custom.{key}": label for key, label in custom_labels.items()})
    return labels


def value_labels(model) -> dict[str, dict]:
    """For each field whose audit values are codes (choices) or built-in names (a role, the
    installed pipeline and stages), what to show instead, in the reader's language: the trail
    keeps what was stored, the page speaks the reader's language."""
    from kehu.core import builtin_names

    builtin = {"Pipeline": builtin_names.PIPELINES, "Stage": builtin_names.STAGES,
               "Role": builtin_names.ROLES}  # fmt: skip
    shown: dict[str, dict] = {}
    for f in model._meta.get_fields():
        if getattr(f, "choices", None):
            shown[f.name] = {str(code): label for code, label in f.flatchoices}
        elif f.is_relation and f.related_model is not None:
            table = builtin.get(f.related_model.__name__)
            if table:
                # stored as its writer read it: English, the stored Chinese name, or the
                # Chinese translation (a role has no stored Chinese name)
                names: dict[str, object] = {}
                for english, chinese in table.values():
                    with translation.override("zh-hans"):
                        translated = gettext(english)
                    for written in (english, chinese, translated):
                        if written:
                            names[written] = _(english)
                shown[f.name] = names
    return shown


def _shown(shown: dict[str, dict], key: str, value):
    label = shown.get(key, {}).get(value) if isinstance(value, str) else None
    return value if label is None else str(label)


def _activities(record, user, company_rollup: bool):
    from kehu.customers.models import Company

    if company_rollup and isinstance(record, Company):
        qs = Activity.objects.visible_to(user).filter(company_id=record.pk)
        return qs.select_related("owner", "email").prefetch_related("record", "email__attachments")
    # `record` came through the read door (get_visible_or_404), so of the door's two
    # conditions only the private one is left to apply; the other, "logged on a record the
    # user sees", would repeat that check as a subquery over every record of four tables the
    # user sees, on each page.
    qs = Activity.objects.on(record).filter(not_private_to_others(user))
    return qs.select_related("owner", "email").prefetch_related("email__attachments")


def page(
    record,
    cursor: str | None = None,
    custom_labels: dict | None = None,
    size: int = PAGE_SIZE,
    *,
    user=None,
    kinds: list[str] | None = None,
    company_rollup: bool = True,
    history_only: datetime.datetime | None = None,
):
    """One page of `record`'s timeline, newest first, as `user` (who may see the record) sees
    it: private activities of others are left out. `kinds` narrows it (see KINDS).
    `history_only` (a record page, "now"): what is coming up at that time is left out, as the
    page shows it above the history (`focus`)."""
    key = decode(cursor)
    content_type = ContentType.objects.get_for_model(record.__class__)
    known = all_kinds()
    kinds = [k for k in (kinds or []) if k in known] or list(known)
    items = []
    activity_kinds = [k for k in kinds if k != "changes"]
    if activity_kinds:
        activities = _activities(record, user, company_rollup)
        if history_only is not None:
            activities = activities.exclude(_upcoming(history_only))
        if len(activity_kinds) < len(Activity.Kind.values):
            activities = activities.filter(kind__in=activity_kinds)
        activities = older_than(activities, "at", ACTIVITY, key).order_by("-at", "-id")
        found = list(activities[: size + 1])
        for activity in found:
            if activity.object_id == record.pk and activity.content_type_id == content_type.pk:
                activity.record = record  # the page's own record: no query per item
        items += [Item("activity", a.at, a) for a in found]
    if "changes" in kinds:
        entries = older_than(
            AuditEntry.objects.filter(
                content_type=content_type, object_id=record.pk
            ).select_related("actor"),
            "at",
            AUDIT,
            key,
        ).order_by("-at", "-id")[: size + 1]
        labels = field_labels(record.__class__, custom_labels or {})
        shown = value_labels(record.__class__)
        for entry in entries:
            changes = [(labels.get(k, k), k, old, new) for k, old, new in entry.visible_changes()]
            readable = [
                (lb, k, _shown(shown, k, o), _shown(shown, k, n)) for lb, k, o, n in changes
            ]
            items.append(Item("audit", entry.at, entry, changes, readable))
    for stream in STREAMS:
        if stream.kind in kinds and stream.applies(record):
            items += stream.read(record, user, key, size)
    items.sort(key=lambda item: item.key, reverse=True)
    next_cursor = encode(items[size - 1].key) if len(items) > size else None
    return TimelinePage(items[:size], next_cursor)


# --- Focus: what is coming up, shown apart from the history ------------------------------------

FOCUS_SIZE = 20
#: activity kinds that are planned for a time: in Focus until that time has come
PLANNED = (Activity.Kind.MEETING, Activity.Kind.CALL)


def _upcoming(now: datetime.datetime) -> Q:
    """Open tasks, and meetings and calls still to come."""
    return Q(kind=Activity.Kind.TASK, done_at__isnull=True) | Q(kind__in=PLANNED, at__gt=now)


@dataclass
class FocusItem:
    kind: str  # "activity" or "next_step" (a deal's or lead's next step, a reminder)
    when: datetime.datetime | datetime.date | None
    obj: object = None
    text: str = ""
    overdue: bool = False


@dataclass
class Focus:
    items: list
    more: bool  # more than FOCUS_SIZE activities are coming up

    def __bool__(self) -> bool:
        return bool(self.items)


def focus(record, *, user, now: datetime.datetime, size: int = FOCUS_SIZE) -> Focus:
    """What is coming up on `record` as `user` sees it: its open tasks (by due time, those
    without one last), its meetings and calls still to come (soonest first), and its next
    step if it has one (deals and leads). A company's include its people's, deals' and
    leads'. Two small indexed queries."""
    from django.db.models import F

    from kehu.activities.models import Activity as A

    base = _activities(record, user, company_rollup=True)
    tasks = list(
        base.filter(kind=A.Kind.TASK, done_at__isnull=True).order_by(
            F("due_at").asc(nulls_last=True), "id"
        )[: size + 1]
    )
    planned = list(base.filter(kind__in=PLANNED, at__gt=now).order_by("at", "id")[: size + 1])
    own = ContentType.objects.get_for_model(record.__class__).pk
    for activity in (*tasks, *planned):
        if activity.object_id == record.pk and activity.content_type_id == own:
            activity.record = record
    items = [
        FocusItem("activity", a.due_at, a, overdue=bool(a.due_at and a.due_at < now)) for a in tasks
    ] + [FocusItem("activity", a.at, a) for a in planned]
    more = len(items) > size
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    items.sort(key=lambda item: item.when or far)
    items = items[:size]
    step = getattr(record, "next_step", "")
    if step or getattr(record, "next_step_due", None):
        due = getattr(record, "next_step_due", None)
        overdue = bool(getattr(record, "next_step_overdue", False))
        items.insert(0, FocusItem("next_step", due, text=step, overdue=overdue))
    return Focus(items, more)
