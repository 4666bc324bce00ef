"""The people events that may change the counts queue a refresh once their write commits."""

from __future__ import annotations

from typing import Any

from kehu.core import events

#: a person made, edited (incl. a new owner), binned, restored, merged or imported; a company
#: binned or merged (its people lose or change their company)
EVENTS = (
    "person.created",
    "person.updated",
    "person.deleted",
    "person.restored",
    "person.merged",
    "person.imported",
    "company.deleted",
    "company.merged",
)


def _changed(event: str, **payload: Any) -> None:
    from kehu.analytics.data_quality import rollup

    events.on_commit_once(rollup.schedule_refresh)


for _event in EVENTS:
    events.subscribe(_event)(_changed)
