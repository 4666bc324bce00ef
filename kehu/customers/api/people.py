# mypy: disable-error-code="valid-type"
"""REST routes for people (/api/v1/people): the record contract, with duplicate detection.

Reads start from `visible_to(user)`; writes go through `customers.services`.
"""

import datetime
from typing import Any

from ninja import Field, Router, Schema

from kehu.core.api_support import Input, RowId
from kehu.core.contact import display_phone
from kehu.core.record_api import RecordQueries
from kehu.customers import queries, services
from kehu.customers.api.customer_routes import (
    CUSTOM_DOC,
    TAGS_DOC,
    CustomerFilters,
    add_customer_routes,
    attach_tag_names,
    tag_names,
)
from kehu.customers.duplicates.api import add_merge_routes
from kehu.customers.models import Person

people_router = Router(tags=["people"])


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


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


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


class PersonFilters(CustomerFilters):
    company: str | None = Field(
        None, pattern=r"^(none|[0-9]{1,18})$", description="Company id, or `none` for no company."
    )


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
        "tags": tag_names(person),
        "custom": person.custom or {},
        "version": person.version,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


add_merge_routes(people_router, "person", "people")
add_customer_routes(
    people_router,
    __name__,
    "person",
    "people",
    queries=RecordQueries(Person, select_related=("company",), attach=attach_tag_names),
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
