"""The REST contract every record type shares, registered once per type on a ninja Router.

People, companies and every later record (leads, deals, quotes, tickets …) answer the same six
operations: list, create, read, PATCH with `If-Match`, DELETE to the recycle bin, restore.
`add_record_routes` writes them once, so the contract (404 outside visibility, ETags, 412 on a
stale version, error shapes) cannot drift between types; a type supplies only its schemas,
its service functions and how its lists filter.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field as PydanticField

from kehu.accounts.models import User
from kehu.core import idempotency
from kehu.core.access import get_visible_or_404
from kehu.core.api_support import (
    CREATE_ERRORS,
    ETAG_HEADER,
    IF_MATCH,
    PATCH_ERRORS,
    READ_ERRORS,
    ApiRequest,
    ErrorOut,
    PageParams,
    check_query_text,
    etag,
    expected_version,
    operation_module,
    page_of,
    renamed_fields,
    set_etag,
    trusted,
)
from kehu.core.models import Record
from kehu.core.saved_views.lists import VIEW_PARAMETER, narrow_by_view, view_for


class DuplicateOut(Schema):
    detail: str
    existing_id: int = PydanticField(description="The record you can see that has this email.")


ALLOW_DUPLICATE_PARAMETER = {
    "name": "allow_duplicate",
    "in": "query",
    "required": False,
    "schema": {"type": "boolean", "default": False},
    "description": "Create the record even if one you can see has the same email.",
}


def _allows_duplicate(request: HttpRequest) -> bool:
    return request.GET.get("allow_duplicate", "").lower() in ("true", "1", "yes")


PATCH_DESCRIPTION = (
    "Send `If-Match` with the ETag you read: if someone changed it since, the answer is 412."
)


@dataclass(frozen=True)
class RecordQueries:
    """How one record type is read: which model, and what to load with each record."""

    model: type[Record]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    #: loads what the output needs for a list of records in one go, cheaper than a
    #: `prefetch_related` (e.g. only the tag names, customers/api/customer_routes.py); run on
    #: every record the routes hand to `to_out`, after the prefetches
    attach: Callable[[list[Any]], None] | None = None

    def with_related(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        """`qs` loading what the output needs in a fixed number of queries (no N+1); the
        records it yields still need `ready` when there is an `attach`."""
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs.prefetch_related(*self.prefetch_related)

    def ready(self, records: list[Any]) -> list[Any]:
        """`records` (read through `with_related`) with what `attach` adds."""
        if self.attach is not None and records:
            self.attach(records)
        return records

    def visible(self, user: User, pk: int) -> Record:
        """The record `user` can see; 404 if it does not exist, is binned or is out of scope."""
        record = get_visible_or_404(
            self.model, user, pk, queryset=self.with_related(self.model.objects.all())
        )
        self.ready([record])
        return record

    def loaded(self, record: Record) -> Record:
        """A record a service just wrote, with the many-to-many values the output needs.

        Services return the instance they saved (its values are what is stored), so there is
        no need to read it again; relations not yet cached load on first use.
        """
        prefetch_related_objects([record], *self.prefetch_related)
        self.ready([record])
        return record

    def change(
        self,
        user: User,
        pk: int,
        if_match: str | None,
        response: HttpResponse,
        write: Callable[[Any, int | None], Record],
        *,
        reread: bool = False,
    ) -> Record:
        """The visible record `pk` after `write(record, expected_version)` (a service call):
        404 outside visibility, `If-Match` honoured (412 when stale), the new ETag set on
        `response`. Returned loaded for output, or with `reread` read again through the door
        (for what the write made elsewhere, e.g. an accepted quote's order)."""
        record = self.visible(user, pk)
        saved = write(record, expected_version(if_match, record.version))
        set_etag(response, saved.version)
        return self.visible(user, saved.pk) if reread else self.loaded(saved)

    def binned(self, user: User, pk: int) -> Record:
        """A record in the bin `user` may restore; 403 if seen but not theirs to restore."""
        try:
            return get_visible_or_404(
                self.model,
                user,
                pk,
                "delete",
                include_bin=True,
                queryset=self.model.all_objects.in_recycle_bin(),
            )
        except Http404:
            # 404 (raised again here) unless the user sees the record in the bin
            get_visible_or_404(
                self.model,
                user,
                pk,
                include_bin=True,
                queryset=self.model.all_objects.in_recycle_bin(),
            )
            raise PermissionDenied from None


def add_record_routes(
    router: Router,
    *,
    queries: RecordQueries,
    module: str,
    entity: str,
    plural: str,
    label: str,
    out_schema: type[Schema],
    page_schema: type[Schema],
    create_schema: type[Schema],
    patch_schema: type[Schema],
    filters_schema: type[PageParams],
    list_description: str,
    apply_filters: Callable[[QuerySet[Any], HttpRequest, Any], QuerySet[Any]],
    to_out: Callable[[Any], dict[str, Any]],
    to_changes: Callable[[Any, bool], dict[str, Any]],
    create: Callable[[Any, dict[str, Any]], Record],
    update: Callable[[Any, Record, dict[str, Any], int | None], Record],
    delete: Callable[[Any, Record], Any],
    restore: Callable[[Any, Record], Record],
    aliases: Mapping[str, str],
    summaries: Mapping[str, str] | None = None,
    duplicate_of: Callable[[Any, dict[str, Any]], Record | None] | None = None,
) -> None:
    """Register list, create, read, change, delete and restore of one record type on `router`.

    `entity` names the path parameter (`{person_id}`) and, with `plural`, the operations as
    `<module>_<verb>_<entity|plural>` (ids and URL names, as ninja would name functions in
    `module`); `label` ("a person") goes into the default summaries, which `summaries` may
    override by verb (list, create, get, update, delete, restore).
    `apply_filters(qs, request, filters)` narrows a list and checks `filters.ordering`;
    `to_changes(payload, partial)` turns a body into the service's changes; service errors are
    renamed by `aliases` (`{"company": "company_id"}`).
    Every create honours an `Idempotency-Key` header (core/idempotency.py). With
    `duplicate_of(user, changes)`, a create that would duplicate a record the user can see
    answers 409 with that record's id, unless the request says `?allow_duplicate=true`.
    """
    names = {
        "list": f"list_{plural}",
        **{verb: f"{verb}_{entity}" for verb in ("create", "get", "update", "delete", "restore")},
    }
    titles = {
        "list": f"List {plural}",
        "create": f"Create {label}",
        "get": f"Read {label}",
        "update": f"Change {label}",
        "delete": f"Move {label} to the bin",
        "restore": f"Restore {label} from the bin",
        **(summaries or {}),
    }
    prefix = operation_module(module).replace(".", "_")

    def route(verb: str) -> dict[str, Any]:
        return {
            "summary": titles[verb],
            "operation_id": f"{prefix}_{names[verb]}",
            "url_name": names[verb],
        }

    item = f"/{{{entity}_id}}"
    record_id = Path(..., ge=1, le=2**63 - 1, alias=f"{entity}_id")  # type: ignore[type-arg]
    with_etag = {"responses": {200: ETAG_HEADER}}
    error_names = dict(aliases)

    @router.get(
        "",
        response={200: page_schema, **READ_ERRORS},
        description=list_description,
        openapi_extra={"parameters": [VIEW_PARAMETER]},
        **route("list"),
    )
    def list_records(request: ApiRequest, filters: Query[filters_schema]) -> Schema:  # type: ignore[valid-type]
        check_query_text(request)
        user = request.auth
        view = view_for(user, entity, request.GET.get("view"))
        qs = apply_filters(queries.model.objects.visible_to(user), request, filters)
        qs = narrow_by_view(qs, user, view)
        ordering = filters.ordering  # type: ignore[attr-defined]  # each schema its own
        page = page_of(queries.with_related(qs), ordering, filters)
        items = [trusted(out_schema, to_out(r)) for r in queries.ready(page.items)]
        return trusted(page_schema, {"items": items, "next_cursor": page.next_cursor})

    create_parameters = [idempotency.OPENAPI_PARAMETER]
    create_errors = {**CREATE_ERRORS, 409: ErrorOut}
    if duplicate_of is not None:
        create_parameters.append(ALLOW_DUPLICATE_PARAMETER)
        create_errors[409] = DuplicateOut

    @router.post(
        "",
        response={201: out_schema, **create_errors},
        openapi_extra={"parameters": create_parameters},
        **route("create"),
    )
    def create_record(request: ApiRequest, payload: create_schema) -> HttpResponse:  # type: ignore[valid-type]
        def run() -> HttpResponse:
            with renamed_fields(error_names):
                changes = to_changes(payload, False)
            if duplicate_of is not None and not _allows_duplicate(request):
                existing = duplicate_of(request.auth, changes)
                if existing is not None:
                    return idempotency.json_answer(
                        409,
                        {
                            "detail": _(
                                "%(label)s with this email exists already; send "
                                "?allow_duplicate=true to create another."
                            )
                            % {"label": capfirst(queries.model._meta.verbose_name)},
                            "existing_id": existing.pk,
                        },
                    )
            with renamed_fields(error_names):
                record = create(request.auth, changes)
            body = out_schema.model_validate(to_out(queries.loaded(record))).model_dump()
            headers = {
                "ETag": etag(record.version),
                "Location": f"{request.path.rstrip('/')}/{record.pk}",
            }
            return idempotency.json_answer(201, body, headers)

        return idempotency.once(request, run)

    @router.get(
        item, response={200: out_schema, **READ_ERRORS}, openapi_extra=with_etag, **route("get")
    )
    def get_record(request: ApiRequest, response: HttpResponse, pk: int = record_id) -> Schema:
        record = queries.visible(request.auth, pk)
        set_etag(response, record.version)
        return trusted(out_schema, to_out(record))

    @router.patch(
        item,
        response={200: out_schema, **PATCH_ERRORS},
        openapi_extra=with_etag,
        description=PATCH_DESCRIPTION,
        **route("update"),
    )
    def update_record(
        request: ApiRequest,
        response: HttpResponse,
        payload: patch_schema,  # type: ignore[valid-type]
        pk: int = record_id,
        if_match: str | None = IF_MATCH,
    ) -> Schema:
        def write(record: Record, version: int | None) -> Record:
            with renamed_fields(error_names):
                return update(request.auth, record, to_changes(payload, True), version)

        record = queries.change(request.auth, pk, if_match, response, write)
        return trusted(out_schema, to_out(record))

    @router.delete(item, response={204: None, **READ_ERRORS}, **route("delete"))
    def delete_record(request: ApiRequest, pk: int = record_id) -> Status[None]:
        delete(request.auth, queries.visible(request.auth, pk))
        return Status(204, None)

    @router.post(
        f"{item}/restore",
        response={200: out_schema, **READ_ERRORS},
        openapi_extra=with_etag,
        **route("restore"),
    )
    def restore_record(
        request: ApiRequest, response: HttpResponse, pk: int = record_id
    ) -> dict[str, Any]:
        record = restore(request.auth, queries.binned(request.auth, pk))
        set_etag(response, record.version)
        return to_out(queries.loaded(record))
