"""REST routes for companies (/api/v1/companies): the record contract.

Reads start from `visible_to(user)`; writes go through `customers.services`.
"""

import datetime
from typing import Any

from ninja import Field, Router, Schema

from kehu.core.api_support import Input, RowId
from kehu.core.contact import display_phone
from kehu.core.record_api import RecordQueries
from kehu.customers import services
from kehu.customers.api.customer_routes import (
    CUSTOM_DOC,
    TAGS_DOC,
    CustomerFilters,
    add_customer_routes,
    attach_tag_names,
    tag_names,
)
from kehu.customers.duplicates.api import add_merge_routes
from kehu.customers.models import Company

companies_router = Router(tags=["companies"])


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


class CompanyPage(Schema):
    items: list[CompanyOut]
    next_cursor: str | None


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
        "tags": tag_names(company),
        "custom": company.custom or {},
        "version": company.version,
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }


add_merge_routes(companies_router, "company", "companies")
add_customer_routes(
    companies_router,
    __name__,
    "company",
    "companies",
    queries=RecordQueries(Company, attach=attach_tag_names),
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
