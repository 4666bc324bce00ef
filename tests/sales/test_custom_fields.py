"""Custom fields on deals and quotes (and what leads hand on): defined by administrators only,
validated by type and the required flag in the services, the forms and the API (errors per
field, nothing saved), shown on the pages, exported without extra queries, audited, carried
from a converted lead to its deal when key and type match."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.core.audit import history
from kehu.customers.fields import services as field_services
from kehu.customers.models import CustomField
from kehu.sales.deals import services as deals
from kehu.sales.leads import services as leads
from kehu.sales.models import Deal, Quote
from kehu.sales.quotes import services as quotes
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import default_pipeline, make_deal, make_user, stage
from tests.sales.test_quotes import make_product

pytestmark = pytest.mark.django_db


def define(admin, entity: str, key: str, kind: str, **extra) -> CustomField:
    data = {"entity": entity, "key": key, "label": key.title(), "type": kind, **extra}
    return field_services.create_field(admin, data)


@pytest.fixture
def deal_fields(admin_user):
    """A deal's budget (choice, required), licence count (whole number), kick-off date."""
    return [
        define(admin_user, "deal", "budget", "choice", choices=["high", "low"], required=True,
               label_zh="预算"),
        define(admin_user, "deal", "seats", "number"),
        define(admin_user, "deal", "kickoff", "date"),
    ]  # fmt: skip


@pytest.fixture
def quote_fields(admin_user):
    return [
        define(admin_user, "quote", "po_number", "text", required=True),
        define(admin_user, "quote", "signed", "boolean"),
    ]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_only_admins_define_deal_and_quote_fields(client, admin_user, rep):
    client.force_login(admin_user)
    form = {"entity": "deal", "label": "Budget", "key": "", "type": "text", "position": "0",
            "active": "on"}  # fmt: skip
    assert client.post(reverse("customfield-create"), form).status_code == 302
    field = CustomField.objects.get(entity="deal")
    assert field.key == "budget" and field_services.index_name(field) == f"cf_d_{field.pk}"
    assert field_services.has_index(field)
    quote_field = define(admin_user, "quote", "po", "text")
    assert (
        field_services.has_index(quote_field)
        and field_services.index_name(quote_field)[:5] == "cf_q_"
    )
    page = client.get(reverse("customfield-list") + "?entity=deal").content.decode()
    assert "budget" in page and "Deals" in page and "Quotes" in page
    # a field cannot be moved to another record type
    with pytest.raises(ValidationError) as caught:
        field_services.update_field(admin_user, field, {"entity": "quote"})
    assert "entity" in caught.value.message_dict

    client.force_login(rep)
    assert client.post(reverse("customfield-create"), {**form, "label": "Rep's"}).status_code in (
        403,
        404,
    )
    with pytest.raises(PermissionDenied):
        define(rep, "deal", "reps", "text")
    api = bearer_client(rep)
    body = {"entity": "quote", "key": "x", "label": "X", "type": "text"}
    assert send(api, "post", "/api/v1/custom-fields", body).status_code == 403
    assert CustomField.objects.count() == 2
    listed = api.get("/api/v1/custom-fields?entity=deal").json()["items"]
    assert [f["key"] for f in listed] == ["budget"]


def test_deal_services_validate_audit_and_bump_the_version(admin_user, rep, deal_fields):
    deal = make_deal(rep, "云杉", custom={"budget": "high", "seats": "50"})
    assert deal.custom == {"budget": "high", "seats": 50}
    created = history(deal).first()
    assert created.action == "create"
    assert (created.changes["custom.budget"], created.changes["custom.seats"]) == (
        [None, "high"],
        [None, 50],
    )
    with pytest.raises(ValidationError) as caught:
        deals.update_deal(rep, deal, {"custom": {"budget": "huge", "seats": "many",
                                                 "kickoff": "next week", "nope": 1}})  # fmt: skip
    errors = caught.value.message_dict
    assert set(errors) == {"custom.budget", "custom.seats", "custom.kickoff", "custom.nope"}
    assert "Enter a whole number." in errors["custom.seats"]
    deal.refresh_from_db()
    assert deal.version == 1 and deal.custom == {"budget": "high", "seats": 50}
    with pytest.raises(ValidationError) as caught:
        deals.update_deal(rep, deal, {"custom": {"budget": None}})
    assert caught.value.message_dict == {"custom.budget": ["This field is required."]}
    with pytest.raises(ValidationError):
        make_deal(rep, "没有预算", custom={"seats": 3})
    assert Deal.objects.count() == 1

    deal = deals.update_deal(rep, deal, {"custom": {"kickoff": "2027-03-01", "seats": None}})
    assert deal.version == 2 and deal.custom == {"budget": "high", "kickoff": "2027-03-01"}
    changed = history(deal).first().changes
    assert changed == {"custom.seats": [50, None], "custom.kickoff": [None, "2027-03-01"]}


def test_deal_form_shows_checks_and_saves_custom_fields(client, rep, deal_fields):
    client.force_login(rep)
    form = client.get(reverse("deal-create")).content.decode()
    assert 'name="cf_budget"' in form and 'name="cf_seats"' in form and 'type="date"' in form
    data = {"name": "腾讯云合同", "pipeline": default_pipeline().pk, "stage": stage("Proposal").pk,
            "amount": "1000", "currency": "CNY", "owner": rep.pk,
            "cf_budget": "", "cf_seats": "lots", "cf_kickoff": "2027-02-30"}  # fmt: skip
    response = client.post(reverse("deal-create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"cf_budget", "cf_seats", "cf_kickoff"} <= set(errors), errors
    assert not Deal.objects.exists()

    data.update(cf_budget="low", cf_seats="20", cf_kickoff="2027-02-01")
    assert client.post(reverse("deal-create"), data).status_code == 302
    deal = Deal.objects.get()
    assert deal.custom == {"budget": "low", "seats": 20, "kickoff": "2027-02-01"}
    page = client.get(deal.get_absolute_url()).content.decode()
    assert "Budget" in page and "2027-02-01" in page and "20" in page

    edit = {**data, "company": "", "version": deal.version, "cf_seats": "25"}
    response = client.post(reverse("deal-edit", args=[deal.pk]), {**edit, "cf_budget": "huge"})
    assert response.status_code == 200 and "cf_budget" in response.context["form"].errors
    assert Deal.objects.get().version == 1
    assert client.post(reverse("deal-edit", args=[deal.pk]), edit).status_code == 302
    deal.refresh_from_db()
    assert deal.version == 2 and deal.custom["seats"] == 25


def test_deal_api_reads_and_patches_custom_fields(admin_user, rep, outsider, deal_fields):
    api = bearer_client(rep)
    bad = {"name": "API 商机", "custom": {"budget": "huge", "seats": "x"}}
    errors = assert_validation(send(api, "post", "/api/v1/deals", bad), "custom.budget",
                               "custom.seats")  # fmt: skip
    assert "custom.kickoff" not in errors
    assert not Deal.objects.exists()
    missing = assert_validation(send(api, "post", "/api/v1/deals", {"name": "无"}))
    assert missing == {"custom.budget": ["This field is required."]}

    answer = send(api, "post", "/api/v1/deals", {"name": "API 商机", "custom": {"budget": "high"}})
    assert answer.status_code == 201, answer.content
    assert answer.json()["custom"] == {"budget": "high"}
    url = f"/api/v1/deals/{answer.json()['id']}"
    read = api.get(url)
    assert read.json()["custom"] == {"budget": "high"} and read["ETag"] == 'W/"1"'

    patched = send(api, "patch", url, {"custom": {"seats": 7}}, **{"If-Match": 'W/"1"'})
    assert patched.status_code == 200, patched.content
    assert patched.json()["custom"] == {"budget": "high", "seats": 7}
    assert patched.json()["version"] == 2
    stale = send(api, "patch", url, {"custom": {"seats": 8}}, **{"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    bad = send(api, "patch", url, {"custom": {"seats": 1.5, "kickoff": "soon"}},
               **{"If-Match": 'W/"2"'})  # fmt: skip
    assert_validation(bad, "custom.seats", "custom.kickoff")
    deal = Deal.objects.get()
    assert deal.version == 2 and deal.custom == {"budget": "high", "seats": 7}

    # a deal the user cannot see: its values are not read, through the API or the pages
    stranger = bearer_client(outsider)
    assert stranger.get(url).status_code == 404
    assert stranger.get("/api/v1/deals").json()["items"] == []
    assert send(stranger, "patch", url, {"custom": {"seats": 1}}).status_code == 404


def test_outsiders_never_see_a_deals_values_on_pages_or_exports(client, rep, team_b,
                                                                 deal_fields):  # fmt: skip
    deal = make_deal(rep, "秘密商机", custom={"budget": "high", "seats": 4242})
    client.force_login(make_user("other-manager", role="Manager", team=team_b))
    assert client.get(deal.get_absolute_url()).status_code == 404
    rows = _csv(client.get(reverse("deal-export"), {"format": "csv"}))
    assert len(rows) == 1 and "4242" not in str(rows)


def test_quote_custom_fields_through_services_form_api_and_revisions(client, admin_user, rep,
                                                                     quote_fields):  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        quotes.create_quote(rep, {"title": "报价", "custom": {"signed": "maybe"}})
    assert set(caught.value.message_dict) == {"custom.po_number", "custom.signed"}
    assert not Quote.objects.exists()
    lines = [{"product": make_product(admin_user).pk, "quantity": "2"}]
    quote = quotes.create_quote(rep, {"title": "报价", "lines": lines,
                                      "custom": {"po_number": "PO-1"}})  # fmt: skip
    assert quote.custom == {"po_number": "PO-1"}

    client.force_login(rep)
    edit_url = reverse("quote-edit", args=[quote.pk])
    form = client.get(edit_url).content.decode()
    assert 'name="cf_po_number"' in form and 'value="PO-1"' in form
    data = {"title": "报价", "currency": "CNY", "owner": rep.pk, "version": quote.version,
            "cf_po_number": "", "cf_signed": "on", "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0", "lines-0-product": lines[0]["product"],
            "lines-0-quantity": "2"}  # fmt: skip
    response = client.post(edit_url, data)
    assert response.status_code == 200 and "cf_po_number" in response.context["form"].errors
    assert Quote.objects.get().custom == {"po_number": "PO-1"}
    response = client.post(edit_url, {**data, "cf_po_number": "PO-2"})
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.custom == {"po_number": "PO-2", "signed": True} and quote.version == 2
    page = client.get(quote.get_absolute_url()).content.decode()
    assert "Po_Number" in page and "PO-2" in page

    api = bearer_client(rep)
    url = f"/api/v1/quotes/{quote.pk}"
    assert api.get(url).json()["custom"] == {"po_number": "PO-2", "signed": True}
    bad = send(
        api, "patch", url, {"custom": {"signed": "perhaps", "x": 1}}, **{"If-Match": 'W/"2"'}
    )
    assert_validation(bad, "custom.signed", "custom.x")
    ok = send(api, "patch", url, {"custom": {"signed": False}}, **{"If-Match": 'W/"2"'})
    assert ok.status_code == 200 and ok.json()["custom"]["signed"] is False

    quote = quotes.send_quote(rep, Quote.objects.get())
    revised = quotes.revise_quote(rep, quote)
    assert revised.custom == {"po_number": "PO-2", "signed": False}


@pytest.mark.usefixtures("deal_fields", "quote_fields")
def test_exports_have_a_column_per_field_without_a_query_per_row(client, manager):
    client.force_login(manager)

    def export(name: str) -> tuple[list[list[str]], int]:
        with CaptureQueriesContext(connection) as queries:
            rows = _csv(client.get(reverse(name), {"format": "csv"}))
        return rows, len(queries)

    make_deal(manager, "一号", custom={"budget": "high", "seats": 3, "kickoff": "2027-01-02"})
    quotes.create_quote(
        manager, {"title": "一号报价", "custom": {"po_number": "PO-9", "signed": True}}
    )
    deal_rows, deal_queries = export("deal-export")
    quote_rows, quote_queries = export("quote-export")
    assert deal_rows[0][-3:] == ["budget", "seats", "kickoff"]
    assert deal_rows[1][-3:] == ["high", "3", "2027-01-02"]
    assert quote_rows[0][-2:] == ["po_number", "signed"]
    assert quote_rows[1][-2:] == ["PO-9", "yes"] or quote_rows[1][-2:] == ["PO-9", "Yes"]
    for n in range(5):
        make_deal(manager, f"更多 {n}", custom={"budget": "low", "seats": n})
        quotes.create_quote(manager, {"title": f"更多 {n}", "custom": {"po_number": f"P{n}"}})
    more_deals, more_deal_queries = export("deal-export")
    more_quotes, more_quote_queries = export("quote-export")
    assert len(more_deals) == 7 and len(more_quotes) == 7
    assert (more_deal_queries, more_quote_queries) == (deal_queries, quote_queries)


def test_converting_a_lead_carries_fields_of_the_same_key_and_type(admin_user, rep):
    define(admin_user, "lead", "budget", "choice", choices=["high", "low", "tiny"])
    define(admin_user, "lead", "seats", "number")
    define(admin_user, "lead", "source_note", "text")  # no deal field: stays on the lead
    define(admin_user, "lead", "kickoff", "text")  # a deal date: another type, not carried
    define(admin_user, "deal", "budget", "choice", choices=["high", "low"])
    define(admin_user, "deal", "seats", "number")
    define(admin_user, "deal", "kickoff", "date")
    define(admin_user, "deal", "po", "text", required=True)  # the lead has none: no error
    values = {"budget": "high", "seats": 12, "source_note": "展会", "kickoff": "2027-01-01"}
    data = {"name": "王芳", "company_name": "星辰科技", "status": "qualified", "custom": values}
    lead = leads.create_lead(rep, data)
    converted = leads.convert_lead(rep, lead)
    deal = converted.deal
    assert deal.custom == {"budget": "high", "seats": 12}
    created = history(deal).last()
    assert created.action == "create" and created.changes["custom.seats"] == [None, 12]

    # a choice the deal field does not offer is left on the lead, and the conversion goes on
    other = leads.create_lead(rep, {"name": "李雷", "status": "qualified",
                                    "custom": {"budget": "tiny", "seats": 3}})  # fmt: skip
    assert leads.convert_lead(rep, other).deal.custom == {"seats": 3}
    # the deal's own required field is asked for at its next edit
    with pytest.raises(ValidationError) as caught:
        deals.update_deal(rep, deal, {"custom": {"seats": 13}})
    assert "custom.po" in caught.value.message_dict


def test_deal_assignment_rules_test_the_deals_own_custom_fields(admin_user, rep, manager,
                                                                deal_fields):  # fmt: skip
    from kehu.sales.assignment import services as assignment

    assert ("custom.budget", "Custom: Budget") in assignment.field_choices("deal")
    condition = {"field": "custom.budget", "op": "equals", "value": "high"}
    rule = {"name": "Big budgets", "entity": "deal", "method": "user", "active": True,
            "user": manager.pk}  # fmt: skip
    assignment.save_rule(admin_user, None, rule, [condition])
    by_rules = {"owner": assignment.BY_RULES}
    big = deals.create_deal(rep, {"name": "大预算", "custom": {"budget": "high"}, **by_rules})
    small = deals.create_deal(rep, {"name": "小预算", "custom": {"budget": "low"}, **by_rules})
    assert (big.owner, small.owner) == (manager, rep)
