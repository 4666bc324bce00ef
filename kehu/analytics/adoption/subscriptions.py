"""Adoption counts kept current from the domain events (`core.events`) and the login signal.

What each event adds is what `catch_up.rebuild` recomputes from the tables (decision 0035):
an action per audit entry written on a person, company, lead, deal or activity; records
created and updated on the first four; activities logged by kind; tasks completed (by the
task's owner, on the day it was done) and of those the ones done by their due time. The rows
are written in the emitting transaction (`recording.count`), so they commit with the write.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db import DatabaseError
from django.dispatch import receiver

from kehu.analytics.adoption import recording
from kehu.analytics.adoption.models import KIND_COUNTERS
from kehu.core import events

log = logging.getLogger(__name__)

#: the record kinds whose creation and edits count (the customer and sales records)
RECORD_KINDS = ("person", "company", "lead", "deal")


def done_on_time(done_at: datetime.datetime | None, due_at: datetime.datetime | None) -> bool:
    """A task is done on time when it is done by its due time, or has none to be late for."""
    return done_at is not None and (due_at is None or done_at <= due_at)


def _created(event: str, actor: Any = None, ids: Any = None, **payload: Any) -> None:
    """One record made by a service (`<kind>.created`), or a batch by the importer
    (`<kind>.imported` with its `ids`)."""
    n = 1 if ids is None else len(ids)
    recording.count(actor, {"actions": n, "records_created": n})


def _updated(event: str, actor: Any = None, **payload: Any) -> None:
    recording.count(actor, {"actions": 1, "records_updated": 1})


def _binned_or_restored(event: str, actor: Any = None, **payload: Any) -> None:
    recording.count(actor, {"actions": 1})


def _merged(event: str, actor: Any = None, merged_ids: Any = (), **payload: Any) -> None:
    # a merge writes one entry on the record kept and one on each record merged into it
    recording.count(actor, {"actions": 1 + len(merged_ids)})


for _kind in RECORD_KINDS:
    events.subscribe(f"{_kind}.created")(_created)
    events.subscribe(f"{_kind}.updated")(_updated)
    events.subscribe(f"{_kind}.deleted")(_binned_or_restored)
    events.subscribe(f"{_kind}.restored")(_binned_or_restored)
for _batch in events.IMPORTED_WITH.values():
    events.subscribe(_batch)(_created)
for _merge in ("person.merged", "company.merged"):
    events.subscribe(_merge)(_merged)
# converting a lead changes it (its status) without `lead.updated`
events.subscribe("lead.converted")(_updated)


@events.subscribe("activity.created")
def count_activity_logged(
    event: str, actor: Any = None, activity: Any = None, **payload: Any
) -> None:
    counter = KIND_COUNTERS.get(getattr(activity, "kind", ""))
    recording.count(actor, {"actions": 1, **({counter: 1} if counter else {})})


@events.subscribe("activity.updated")
@events.subscribe("activity.deleted")
@events.subscribe("activity.restored")
def count_activity_change(event: str, actor: Any = None, **payload: Any) -> None:
    recording.count(actor, {"actions": 1})


@events.subscribe("activity.done")
def count_task_done(event: str, actor: Any = None, activity: Any = None, **payload: Any) -> None:
    """An action of whoever marked it done; a task done for its owner, on the day it was done
    (one write when they are the same person, as they nearly always are)."""
    if activity is None or activity.done_at is None:
        recording.count(actor, {"actions": 1})
        return
    owner = activity.owner
    done = {
        "tasks_done": 1,
        "tasks_done_on_time": int(done_on_time(activity.done_at, activity.due_at)),
    }
    day = recording.day_of(owner, activity.done_at)
    if actor is not None and actor.pk == owner.pk and day == recording.day_of(actor):
        recording.count(owner, {"actions": 1, **done}, day=day)
        return
    recording.count(actor, {"actions": 1})
    recording.count(owner, done, day=day)


@events.subscribe("activity.reopened")
def take_back_task_done(
    event: str, actor: Any = None, activity: Any = None, **payload: Any
) -> None:
    """A task done and opened again no longer counts as done, on the day it had been done
    (read from the audit entry the reopening just wrote)."""
    recording.count(actor, {"actions": 1})
    if activity is None:
        return
    was_done = _done_before_reopening(activity)
    if was_done is None:
        return
    owner = activity.owner
    on_time = done_on_time(was_done, activity.due_at)
    recording.count(
        owner,
        {"tasks_done": -1, "tasks_done_on_time": -int(on_time)},
        day=recording.day_of(owner, was_done),
    )


def _done_before_reopening(activity: Any) -> datetime.datetime | None:
    from kehu.core.audit import history

    entry = history(activity).select_related(None).filter(action="update").first()
    old = (entry.changes.get("done_at") or [None])[0] if entry is not None else None
    try:
        return datetime.datetime.fromisoformat(old) if isinstance(old, str) else None
    except ValueError:
        return None


@receiver(user_logged_in, dispatch_uid="adoption-login")
def count_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A sign-in counts (and marks the day seen, so the page-view check writes nothing more)."""
    from kehu.analytics.adoption.middleware import remember_seen

    day = recording.day_of(user)
    try:
        recording.mark_seen(user, day, logins=1)
    except DatabaseError:  # a locked or unreachable database never fails a sign-in
        log.warning("could not count the sign-in of user %s", user.pk, exc_info=True)
        return
    if request is not None and hasattr(request, "session"):
        remember_seen(request, day)
