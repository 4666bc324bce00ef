"""REST routes for bulk actions (/api/v1/bulk): start one on chosen ids or on every row a
list's filters match, and read how far it has got (docs/bulk-actions.md)."""

import datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Router, Schema, Status

from kehu.core.api_support import CREATE_ERRORS, PATH_ID, READ_ERRORS, ApiRequest, Input, RowId
from kehu.core.bulk import jobs
from kehu.core.bulk.models import BulkJob

bulk_router = Router(tags=["bulk"])


class BulkIn(Input):
    type: str = Field(
        ..., max_length=20, description="Record type: person, company, lead, deal, activity."
    )
    action: str = Field(
        ...,
        max_length=20,
        description="assign_owner, add_tag, remove_tag (people, companies), set_field, delete.",
    )
    ids: list[RowId] | None = Field(
        None, max_length=jobs.MAX_IDS, description="The chosen rows; leave out to use `filters`."
    )
    filters: dict[str, str] | None = Field(
        None,
        description="Without `ids`: act on every row the list's filters match (the list page's "
        'query parameters, e.g. {"tag": "3", "owner": "me"}).',
    )
    field: str = Field("", max_length=40, description="For set_field: the field's name.")
    value: int | str | None = Field(
        None,
        description="The user id (assign_owner), tag name (add_tag, remove_tag) or the "
        "field's new value (set_field).",
    )


class ProblemOut(Schema):
    id: int
    name: str
    reason: str


class BulkJobOut(Schema):
    id: int
    type: str
    action: str
    field: str
    value_label: str
    status: str
    in_worker: bool
    total: int
    processed: int
    changed: int
    unchanged: int
    skipped: int
    failed: int
    reasons: dict[str, int]
    problems: list[ProblemOut]
    undoes: int | None
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    url: str


def job_out(job: BulkJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "type": job.kind,
        "action": job.action,
        "field": job.field,
        "value_label": job.value_label,
        "status": job.status,
        "in_worker": job.in_worker,
        "total": job.total,
        "processed": job.processed,
        "changed": job.changed,
        "unchanged": job.unchanged,
        "skipped": job.skipped,
        "failed": job.failed,
        "reasons": job.reasons,
        "problems": job.problems,
        "undoes": job.undoes_id,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "url": reverse("bulk-job", args=[job.pk]),
    }


@bulk_router.post(
    "",
    response={200: BulkJobOut, 202: BulkJobOut, **CREATE_ERRORS},
    summary="Start a bulk action",
    description="Up to the server's limit (200 rows by default) the action runs at once and "
    "the answer (200) holds the counts; a larger one runs in a worker and the answer (202) "
    "says where to follow it (`GET /api/v1/bulk/{id}`). Rows the caller may not change are "
    "skipped and counted, never changed.",
)
def start_bulk(request: ApiRequest, data: BulkIn) -> Status[dict[str, Any]]:
    job = jobs.start(
        request.auth,
        data.type,
        data.action,
        ids=data.ids,
        filters=data.filters,
        field=data.field,
        value=data.value,
    )
    job = jobs.launch(job)
    return Status(202 if job.in_worker else 200, job_out(job))


@bulk_router.get(
    "/{job_id}", response={200: BulkJobOut, **READ_ERRORS}, summary="Read a bulk action's progress"
)
def get_bulk(request: ApiRequest, job_id: int = PATH_ID) -> dict[str, Any]:
    return job_out(jobs.own_job(request.auth, job_id))
