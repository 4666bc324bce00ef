# mypy: disable-error-code="arg-type, valid-type"
"""REST routes for people, companies, tags and custom field definitions (/api/v1/...).

Reads start from `visible_to(user)`; writes go through `customers.services`.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import field_validator

from kehu.core.api_support import (
    READ_ERRORS,
    ApiRequest,
    Input,
    PageParams,
    RowId,
    check_query_text,
    page_of,
)
from kehu.core.contact import display_phone
from kehu.core.record_api import RecordQueries, add_record_routes
from kehu.customers import queries, services
from kehu.customers.models import Company, Person, Tag

people_router = Router(tags=["people"])
companies_router = Router(tags=["companies"])
tags_router = Router(tags=["tags"])

#: a record id in a path: a positive 64-bit integer
ID = Path(..., ge=1, le=2**63 - 1)
#: service field names -> API field names, for error messages
ALIASES = {"company": "company_id", "owner": "owner_id"}


# ---------------------------------------------------------------- schemas


class PersonOut(Schema):
    id: int
    name: str
    email: str
    phone: str = Field(description="E.164, e.g. +8613812345678; empty if none.")
    phone_display: str = Field(description="The phone as people write it.")
    title: str
    company_id: int | None
    company_name: str | None
    birthday: datetime.date | None
    city: str
    address: str
    notes: str
    owner_id: int
    tags: list[str]
    custom: dict[str, Any]
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CompanyOut(Schema):
    id: int
    name: str
    website: str
    email: str
    phone: str = Field(description="E.164, e.g. +861065529988; empty if none.")
    phone_display: str
    industry: str
    city: str
    address: str
    notes: str
    owner_id: int
    tags: list[str]
    custom: dict[str, Any]
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class CompanyPage(Schema):
    items: list[CompanyOut]
    next_cursor: str | None


TAGS_DOC = "Tag names; unknown names become new tags. Replaces the record's tags."
CUSTOM_DOC = "Custom field values by key; merged into the current ones (null clears a key)."


class PersonCreate(Input):
    name: str = Field(max_length=150)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=64, description="Any common format; stored as E.164.")
    title: str = Field("", max_length=100)
    company_id: RowId | None = None
    birthday: datetime.date | None = None
    city: str = Field("", max_length=100)
    address: str = Field("", max_length=300)
    notes: str = Field("", max_length=20000)
    owner_id: RowId | None = Field(None, description="Default: you.")
    tags: list[str] = Field(default_factory=list, max_length=100, description=TAGS_DOC)
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_DOC)


class PersonPatch(Input):
    """Only the fields sent change."""

    name: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=64)
    title: str | None = Field(None, max_length=100)
    company_id: RowId | None = None
    birthday: datetime.date | None = None
    city: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=20000)
    owner_id: RowId | None = None
    tags: list[str] | None = Field(None, max_length=100, description=TAGS_DOC)
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_DOC)


class CompanyCreate(Input):
    name: str = Field(max_length=200)
    website: str = Field("", max_length=300)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=64, description="Any common format; stored as E.164.")
    industry: str = Field("", max_length=100)
    city: str = Field("", max_length=100)
    address: str = Field("", max_length=300)
    notes: str = Field("", max_length=20000)
    owner_id: RowId | None = Field(None, description="Default: you.")
    tags: list[str] = Field(default_factory=list, max_length=100, description=TAGS_DOC)
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_DOC)


class CompanyPatch(Input):
    """Only the fields sent change."""

    name: str | None = Field(None, max_length=200)
    website: str | None = Field(None, max_length=300)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=64)
    industry: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=20000)
    owner_id: RowId | None = None
    tags: list[str] | None = Field(None, max_length=100, description=TAGS_DOC)
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_DOC)


class CustomerFilters(PageParams):
    """The filters of the people and company lists in the UI (plus `cf_<key>=value`)."""

    q: str | None = Field(None, max_length=200, description="Search names, pinyin, email, phone.")
    owner: str | None = Field(None, pattern=r"^(me|[0-9]{1,18})$", description="User id or `me`.")
    tag: int | None = Field(None, ge=1, le=2**63 - 1, description="Tag id.")
    created_after: datetime.date | None = Field(None, description="YYYY-MM-DD (inclusive).")
    created_before: datetime.date | None = Field(None, description="YYYY-MM-DD (inclusive).")
    updated_after: datetime.date | None = Field(None, description="YYYY-MM-DD (inclusive).")
    updated_before: datetime.date | None = Field(None, description="YYYY-MM-DD (inclusive).")
    ordering: str = Field(
        "name",
        pattern=r"^-?(name|created_at|updated_at|cf_[a-z][a-z0-9_]{0,39})$",
        description="`name`, `created_at`, `updated_at`, or `cf_<key>` of a custom field; "
        "`-` first for descending.",
    )

    @field_validator("created_after", "created_before", "updated_after", "updated_before")
    @classmethod
    def _in_range(cls, value: datetime.date | None) -> datetime.date | None:
        # a day at the edge of the calendar overflows when moved to UTC
        if value is not None and not 2 <= value.year <= 9998:
            raise ValueError(_("Enter a date between the years 2 and 9998."))
        return value


class PersonFilters(CustomerFilters):
    company: str | None = Field(
        None, pattern=r"^(none|[0-9]{1,18})$", description="Company id, or `none` for no company."
    )


# ---------------------------------------------------------------- output


def _tag_names(record) -> list[str]:
    names = record.__dict__.get("_tag_names")  # set by _attach_tag_names
    if names is not None:
        return names
    return sorted(tag.name for tag in record.tags.all())


def _attach_tag_names(records: list) -> None:
    """Every record's sorted tag names in one query of (record id, tag name) pairs: a list
    of 50 people no longer builds a tag manager and a Tag per person and link
    (`prefetch_related("tags")` was a quarter of the list's CPU time)."""
    model = type(records[0])
    through = model.tags.through
    column = f"{model._meta.model_name}_id"
    names: dict[int, list[str]] = {}
    for record in records:
        cached = getattr(record, "_prefetched_objects_cache", {}).get("tags")
        if cached is not None:  # a service that just set the tags keeps them (no query)
            record.__dict__["_tag_names"] = sorted(tag.name for tag in cached)
        else:
            names[record.pk] = []
    if not names:
        return
    rows = through.objects.filter(**{f"{column}__in": list(names)})
    for pk, name in rows.values_list(column, "tag__name"):
        names[pk].append(name)
    for record in records:
        if record.pk in names:
            record.__dict__["_tag_names"] = sorted(names[record.pk])


def person_out(person: Person) -> dict:
    company = person.company if person.company_id else None
    return {
        "id": person.pk,
        "name": person.name,
        "email": person.email,
        "phone": person.phone,
        "phone_display": display_phone(person.phone),
        "title": person.title,
        "company_id": person.company_id,
        "company_name": company.name if company else None,
        "birthday": person.birthday,
        "city": person.city,
        "address": person.address,
        "notes": person.notes,
        "owner_id": person.owner_id,
        "tags": _tag_names(person),
        "custom": person.custom or {},
        "version": person.version,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def company_out(company: Company) -> dict:
    return {
        "id": company.pk,
        "name": company.name,
        "website": company.website,
        "email": company.email,
        "phone": company.phone,
        "phone_display": display_phone(company.phone),
        "industry": company.industry,
        "city": company.city,
        "address": company.address,
        "notes": company.notes,
        "owner_id": company.owner_id,
        "tags": _tag_names(company),
        "custom": company.custom or {},
        "version": company.version,
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }


# ---------------------------------------------------------------- shared route logic

TEXT_FIELDS = {"name", "email", "phone", "title", "city", "address", "notes", "website",
               "industry"}  # fmt: skip


def _service_changes(payload: Input, partial: bool) -> dict:
    """The service's field names and values for a request body."""
    data = payload.model_dump(exclude_unset=partial)
    changes: dict[str, Any] = {}
    for name, value in data.items():
        if name == "company_id":
            changes["company"] = value
        elif name == "owner_id":
            if value is not None or partial:
                changes["owner"] = value
        elif name in TEXT_FIELDS:
            changes[name] = value if value is not None else ""
        elif name == "tags":
            changes["tags"] = _tags_for_service(value or [])
        elif name == "custom":
            changes["custom"] = value or {}
        else:
            changes[name] = value
    return changes


def _tags_for_service(names: list[str]) -> list:
    """Names only: a name made of digits means that tag, not the tag with that id."""
    result: list = []
    for raw in names:
        name = raw.strip()[:50]
        if not name:
            continue
        if name.isdigit():
            tag = Tag.objects.filter(name=name).first()
            if tag is None:
                message = _("A new tag's name needs at least one letter: “%(name)s”.")
                raise ValidationError({"tags": [message % {"name": name}]})
            result.append(tag)
        else:
            result.append(name)
    return result


def _add_customer_routes(router: Router, entity: str, plural: str, **per_type: Any) -> None:
    """People and companies share the UI's list filters, body translation and error names."""

    def apply_filters(qs: QuerySet, request: ApiRequest, filters: CustomerFilters) -> QuerySet:
        qs = queries.apply_filters(qs, request.GET, entity, request.auth)
        if queries.clean_sort(filters.ordering, entity) != filters.ordering:
            raise ValidationError({"ordering": [_("Sort by a column or a sortable custom field.")]})
        return qs

    add_record_routes(
        router,
        module=__name__,
        entity=entity,
        plural=plural,
        label=f"a {entity}",
        list_description=f"{plural.capitalize()} you can see, a page at a time. "
        "Also filters by custom field: `cf_<key>=value`.",
        apply_filters=apply_filters,
        to_changes=_service_changes,
        aliases=ALIASES,
        **per_type,
    )


# ---------------------------------------------------------------- people and companies

_add_customer_routes(
    people_router,
    "person",
    "people",
    queries=RecordQueries(Person, select_related=("company",), attach=_attach_tag_names),
    out_schema=PersonOut,
    page_schema=PersonPage,
    create_schema=PersonCreate,
    patch_schema=PersonPatch,
    filters_schema=PersonFilters,
    to_out=person_out,
    create=services.create_person,
    duplicate_of=lambda user, changes: queries.visible_person_with_email(
        user, changes.get("email", "")
    ),
    update=services.update_person,
    delete=services.delete_person,
    restore=services.restore_person,
)
_add_customer_routes(
    companies_router,
    "company",
    "companies",
    queries=RecordQueries(Company, attach=_attach_tag_names),
    out_schema=CompanyOut,
    page_schema=CompanyPage,
    create_schema=CompanyCreate,
    patch_schema=CompanyPatch,
    filters_schema=CustomerFilters,
    to_out=company_out,
    create=services.create_company,
    update=services.update_company,
    delete=services.delete_company,
    restore=services.restore_company,
    summaries={
        "delete": "Move a company to the bin (its people stay, unlinked)",
        "restore": "Restore a company from the bin (relinks its people)",
    },
)

# ---------------------------------------------------------------- tags


class TagOut(Schema):
    id: int
    name: str
    color: str


class TagPage(Schema):
    items: list[TagOut]
    next_cursor: str | None


class TagFilters(PageParams):
    q: str | None = Field(None, max_length=50, description="Part of the name.")


def tag_out(tag: Tag) -> dict:
    return {"id": tag.pk, "name": tag.name, "color": tag.color}


@tags_router.get("", response={200: TagPage, **READ_ERRORS}, summary="List tags")
def list_tags(request: ApiRequest, filters: Query[TagFilters]):
    check_query_text(request)
    qs = Tag.objects.all()
    if filters.q and filters.q.strip():
        qs = qs.filter(name__icontains=filters.q.strip())
    page = page_of(qs, "name", filters)
    return {"items": [tag_out(t) for t in page.items], "next_cursor": page.next_cursor}


@tags_router.get("/{tag_id}", response={200: TagOut, **READ_ERRORS}, summary="Read a tag")
def get_tag(request: ApiRequest, tag_id: int = ID):
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        raise Http404
    return tag_out(tag)
