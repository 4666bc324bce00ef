# mypy: disable-error-code="arg-type"
"""What the people and company routes share: the UI's list filters, turning a request body into
the service's changes (tags by name), the tag names of a page in one query, error names.

Reads start from `visible_to(user)`; writes go through `customers.services`.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Router
from pydantic import field_validator

from kehu.core.api_support import ApiRequest, Input, OwnerFilter, PageParams
from kehu.core.record_api import add_record_routes
from kehu.customers import queries
from kehu.customers.models import Tag

#: service field names -> API field names, for error messages
ALIASES = {"company": "company_id", "owner": "owner_id"}
TAGS_DOC = "Tag names; unknown names become new tags. Replaces the record's tags."
CUSTOM_DOC = "Custom field values by key; merged into the current ones (null clears a key)."


class CustomerFilters(PageParams):
    """The filters of the people and company lists in the UI (plus `cf_<key>=value`)."""

    q: str | None = Field(None, max_length=200, description="Search names, pinyin, email, phone.")
    owner: OwnerFilter = None
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


# ---------------------------------------------------------------- output


def tag_names(record) -> list[str]:
    names = record.__dict__.get("_tag_names")  # set by attach_tag_names
    if names is not None:
        return names
    return sorted(tag.name for tag in record.tags.all())


def attach_tag_names(records: list) -> None:
    """Every record's sorted tag names in one query of (record id, tag name) pairs: a list
    of 50 people no longer builds a tag manager and a Tag per person and link
    (`prefetch_related("tags")` was a quarter of the list's CPU time)."""
    unread = []
    for record in records:
        cached = getattr(record, "_prefetched_objects_cache", {}).get("tags")
        if cached is not None:  # a service that just set the tags keeps them (no query)
            record.__dict__["_tag_names"] = sorted(tag.name for tag in cached)
        else:
            unread.append(record)
    links = queries.tag_links(type(records[0]), unread)
    for record in unread:
        record.__dict__["_tag_names"] = sorted(name for _id, name in links.get(record.pk, ()))


# ---------------------------------------------------------------- input

TEXT_FIELDS = {"name", "email", "phone", "title", "city", "address", "notes", "website",
               "industry"}  # fmt: skip


def service_changes(payload: Input, partial: bool) -> dict:
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


# ---------------------------------------------------------------- routes


def add_customer_routes(
    router: Router, module: str, entity: str, plural: str, **per_type: Any
) -> None:
    """The record routes (core/record_api.py) of people or companies, with the UI's list
    filters, the body translation and the error names they share."""

    def apply_filters(qs: QuerySet, request: ApiRequest, filters: CustomerFilters) -> QuerySet:
        qs = queries.apply_filters(qs, request.GET, entity, request.auth)
        if queries.clean_sort(filters.ordering, entity) != filters.ordering:
            raise ValidationError({"ordering": [_("Sort by a column or a sortable custom field.")]})
        return qs

    add_record_routes(
        router,
        module=module,
        entity=entity,
        plural=plural,
        label=f"a {entity}",
        list_description=f"{plural.capitalize()} you can see, a page at a time. "
        "Also filters by custom field: `cf_<key>=value`.",
        apply_filters=apply_filters,
        to_changes=service_changes,
        aliases=ALIASES,
        **per_type,
    )
