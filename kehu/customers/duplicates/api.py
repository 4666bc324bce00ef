# mypy: disable-error-code="valid-type"
"""REST routes for duplicates: the queue (/api/v1/duplicates), dismissing a pair, the scan,
checking a record before creating it, and merging and undoing (/api/v1/people/merge,
/api/v1/companies/merge, …/merges/{id}/undo). Reads go through `visible_to`."""

import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from kehu.core import visibility
from kehu.core.api_support import (
    PATH_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    Input,
    PageParams,
    QueryParams,
    RowId,
    page_of,
)
from kehu.core.api_support.errors import ConflictOut
from kehu.core.contact import normalize_phone
from kehu.customers.duplicates import matching, queries, scans
from kehu.customers.duplicates import services as merging

duplicates_router = Router(tags=["duplicates"])
Kind = Literal["person", "company"]
MERGE_ERRORS = {**WRITE_ERRORS, 412: ConflictOut}


class PairOut(Schema):
    id: int
    kind: Kind
    score: int = Field(description="0–100; 70 and above is a likely duplicate.")
    reasons: list[str] = Field(description="Reason codes, strongest first, e.g. `same_email`.")
    reason_labels: list[str] = Field(description="The reasons in your language.")
    first_id: int
    first_name: str
    second_id: int
    second_name: str
    found_at: datetime.datetime
    dismissed_at: datetime.datetime | None


class PairPage(Schema):
    items: list[PairOut]
    next_cursor: str | None


class PairFilters(PageParams):
    kind: Kind = Field("person", description="`person` or `company`.")
    dismissed: bool = Field(False, description="The pairs marked “not a duplicate” instead.")


class ScanOut(Schema):
    id: int
    status: str
    done: int
    total: int
    pairs_found: int
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


class CheckIn(QueryParams):
    kind: Kind = "person"
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=64, description="Any common format.")
    company_id: RowId | None = Field(None, description="People: their company.")
    website: str = Field("", max_length=300, description="Companies: their website.")
    exclude_id: RowId | None = Field(None, description="The record being edited, if any.")


class CandidateOut(Schema):
    id: int
    name: str
    score: int
    reasons: list[str]
    reason_labels: list[str]
    url: str


class CheckOut(Schema):
    duplicates: list[CandidateOut]


def pair_out(pair: Any) -> dict:
    kind = pair.kind
    first, second = getattr(pair, f"{kind}_a"), getattr(pair, f"{kind}_b")
    return {
        "id": pair.pk,
        "kind": kind,
        "score": pair.score,
        "reasons": pair.reasons,
        "reason_labels": matching.reason_labels(pair.reasons),
        "first_id": first.pk,
        "first_name": first.name,
        "second_id": second.pk,
        "second_name": second.name,
        "found_at": pair.found_at,
        "dismissed_at": pair.dismissed_at,
    }


@duplicates_router.get("", response={200: PairPage, **READ_ERRORS}, summary="Likely duplicates")
def list_pairs(request: ApiRequest, filters: Query[PairFilters]):
    """Pairs the last scan found whose two records you can see, best first."""
    pairs = queries.visible_pairs(request.auth, filters.kind, filters.dismissed)
    page = page_of(pairs, "-score", filters)
    return {"items": [pair_out(p) for p in page.items], "next_cursor": page.next_cursor}


@duplicates_router.post(
    "/{pair_id}/dismiss", response={200: PairOut, **WRITE_ERRORS}, summary="Not a duplicate"
)
def dismiss_pair(request: ApiRequest, pair_id: int = PATH_ID):
    """Mark a pair “not a duplicate”; later scans do not offer it again."""
    pair = queries.visible_pair(request.auth, pair_id)
    if pair is None:
        raise Http404
    return pair_out(merging.dismiss_pair(request.auth, pair))


@duplicates_router.get("/scan", response={200: ScanOut | None, **READ_ERRORS}, summary="Last scan")
def last_scan(request: ApiRequest):
    if not visibility.can(request.auth, "customers", "read"):
        raise PermissionDenied
    return queries.latest_scan()


@duplicates_router.post("/scan", response={202: ScanOut, **WRITE_ERRORS}, summary="Start a scan")
def start_scan(request: ApiRequest):
    """Administrators: look for duplicates among all people and companies in the background."""
    return Status(202, scans.start_scan(request.auth))


@duplicates_router.get(
    "/check", response={200: CheckOut, **READ_ERRORS}, summary="Check before saving"
)
def check(request: ApiRequest, payload: Query[CheckIn]):
    """The likely duplicates you can see of a record you are about to create or change; call it
    before `POST /people` or `/companies` (nothing is saved)."""
    data: dict[str, Any] = payload.dict()
    try:
        data["phone"] = normalize_phone(data["phone"])
    except Exception:  # noqa: BLE001  (an unreadable number matches nobody)
        data["phone"] = ""
    data["company"] = data.pop("company_id")
    found: list[tuple[Any, matching.Match]]
    if payload.kind == "person":
        found = queries.likely_people(request.auth, data, payload.exclude_id)
    else:
        found = queries.likely_companies(request.auth, data, payload.exclude_id)
    return {"duplicates": [candidate_out(record, match) for record, match in found]}


def candidate_out(record: Any, match: matching.Match) -> dict:
    return {
        "id": record.pk,
        "name": record.name,
        "score": match.score,
        "reasons": match.reasons,
        "reason_labels": matching.reason_labels(match.reasons),
        "url": record.get_absolute_url(),
    }


class MergeIn(Input):
    survivor_id: RowId = Field(description="The record that stays.")
    other_ids: list[RowId] = Field(
        min_length=1, max_length=9, description="The records merged into it (to the bin)."
    )
    choices: dict[str, RowId] = Field(
        default_factory=dict,
        description="Field name (or `custom.<key>`) → id of the record whose value to keep. "
        "Fields left out take the newest non-empty value.",
    )
    versions: dict[str, int] = Field(
        default_factory=dict,
        description="Record id → the version you read; a record changed since answers 412.",
    )


class MergeOut(Schema):
    merge_id: int
    survivor_id: int
    merged_ids: list[int]
    survivor_version: int


def add_merge_routes(router: Router, kind: Kind, plural: str) -> None:
    """`POST /{plural}/merge` and `POST /{plural}/merges/{id}/undo` on the record's router."""

    def merge(request: ApiRequest, payload: MergeIn):
        entry = merging.merge(
            kind,
            request.auth,
            payload.survivor_id,
            payload.other_ids,
            payload.choices,
            payload.versions,
        )
        return {
            "merge_id": entry.pk,
            "survivor_id": entry.survivor_id,
            "merged_ids": entry.loser_ids,
            "survivor_version": entry.after_version,
        }

    def undo(request: ApiRequest, merge_id: int = PATH_ID):
        survivor = merging.undo_merge(kind, request.auth, merge_id)
        entry = merging.merge_of(kind, request.auth, merge_id)
        return {
            "merge_id": entry.pk,
            "survivor_id": entry.survivor_id,
            "merged_ids": entry.loser_ids,
            "survivor_version": survivor.version,
        }

    merge.__name__ = f"merge_{plural}"
    undo.__name__ = f"undo_{kind}_merge"
    router.post("/merge", response={200: MergeOut, **MERGE_ERRORS}, summary=f"Merge {plural}")(
        merge
    )
    router.post(
        "/merges/{merge_id}/undo",
        response={200: MergeOut, **WRITE_ERRORS},
        summary=f"Undo a merge of {plural}",
    )(undo)
