"""Leads: capture, qualify or disqualify, convert into person + company + deal (matching
existing ones), never twice; the screens and the API; bad input saves nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from kehu.core import audit
from kehu.customers.models import Company, Person
from kehu.sales.leads import services as leads
from kehu.sales.models import Deal, Lead
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def make_lead(owner, name="王小明", **data):
    return leads.create_lead(owner, {"name": name, "company_name": "明日科技", **data})


def test_a_lead_is_captured_normalised_and_found_by_pinyin(rep):
    lead = make_lead(rep, email=" Wang@Example.COM ", phone="138 0013 8000", source="event")
    assert lead.email == "Wang@example.com" and lead.phone == "+8613800138000"
    assert lead.status == "new" and lead.owner == rep
    assert "wangxiaoming" in lead.search_text.replace(" ", "") or "wxm" in lead.search_text


@pytest.mark.parametrize(
    "data, field",
    [({"name": ""}, "name"), ({"email": "nope"}, "email"), ({"phone": "12"}, "phone"),
     ({"source": "tv"}, "source"), ({"status": "converted"}, "status"),
     ({"status": "disqualified"}, "disqualify_reason")],
)  # fmt: skip
def test_bad_input_saves_nothing(rep, data, field):
    with pytest.raises(ValidationError) as error:
        make_lead(rep, **data)
    assert field in error.value.message_dict
    assert not Lead.all_objects.exists()


def test_converting_creates_person_company_and_deal_once(rep):
    lead = make_lead(rep, email="wang@example.com", title="经理")
    with pytest.raises(ValidationError):
        leads.convert_lead(rep, lead)  # not qualified yet
    lead = leads.update_lead(rep, lead, {"status": "qualified"})
    lead = leads.convert_lead(rep, lead, deal={"name": "明日科技 首单", "amount": "50000"})
    person, company, deal = lead.person, lead.company, lead.deal
    assert lead.status == "converted" and lead.converted_at is not None
    assert person.email == "wang@example.com" and person.company == company
    assert company.name == "明日科技" and deal.company == company and deal.owner == rep
    assert str(deal.amount) == "50000.00"
    assert audit.history(person).filter(changes__has_key="_from_lead").exists()
    with pytest.raises(ValidationError) as error:
        leads.convert_lead(rep, Lead.objects.get(pk=lead.pk))
    assert "converted already" in str(error.value)
    with pytest.raises(ValidationError):
        leads.update_lead(rep, lead, {"status": "new"})
    assert Person.objects.count() == 1 and Company.objects.count() == 1
    assert Deal.objects.count() == 1


def test_converting_links_existing_records_instead_of_duplicating(rep):
    company = make_company(rep, "明日科技")
    person = make_person(rep, "王小明", email="wang@example.com", company=company.pk)
    lead = make_lead(rep, email="wang@example.com", status="qualified")
    lead = leads.convert_lead(rep, lead, make_deal=False)
    assert lead.person == person and lead.company == company and lead.deal is None
    assert Person.objects.count() == 1 and Company.objects.count() == 1


def test_every_record_a_conversion_makes_or_links_has_its_version_history_and_event(rep):
    from kehu.core import events

    company = make_company(rep, "明日科技")
    lead = make_lead(rep, email="wang@example.com", status="qualified")
    seen = []

    def handler(**event):
        seen.append(event)

    names = ("company.updated", "person.created", "deal.created", "lead.converted")
    for name in names:
        events.subscribe(name)(handler)
    try:
        lead = leads.convert_lead(rep, lead)
    finally:
        for name in names:
            events._handlers[name].remove(handler)
    assert [e["event"] for e in seen] == list(names)
    source = {"_from_lead": lead.pk, "lead": [None, "王小明"]}
    assert seen[0]["changes"] == source and seen[3]["changes"]["status"] == [
        "qualified", "converted"
    ]  # fmt: skip
    company.refresh_from_db()
    assert company.version == 2
    assert audit.history(company).first().changes == source
    for made in (lead.person, lead.deal):  # new: created once, at version 1, from the lead
        made.refresh_from_db()
        assert made.version == 1
        entry = audit.history(made).get()
        assert entry.action == "create" and entry.changes["_from_lead"] == lead.pk


def test_converting_never_links_what_the_user_cannot_see(rep, outsider):
    hidden = make_person(outsider, "王小明", email="wang@example.com")
    make_company(outsider, "明日科技")
    lead = leads.convert_lead(rep, make_lead(rep, email="wang@example.com", status="qualified"))
    assert lead.person != hidden and lead.person.owner == rep
    assert lead.company.owner == rep


def test_only_those_who_may_edit_the_lead_convert_it(rep, teammate, readonly_user):
    lead = make_lead(rep, status="qualified")
    with pytest.raises(Http404):
        leads.convert_lead(teammate, lead)
    with pytest.raises(PermissionDenied):
        leads.convert_lead(readonly_user, lead)
    assert Lead.objects.get().status == "qualified"


def test_screens_list_edit_and_convert(client, rep):
    lead = make_lead(rep, status="qualified", next_step="回电", next_step_due="2020-01-01")
    client.force_login(rep)
    body = client.get(reverse("lead-list")).content.decode()
    assert "王小明" in body and 'class="overdue-text"' in body
    body = client.get(reverse("lead-list"), {"q": "wxm"}).content.decode()
    assert "王小明" in body
    body = client.get(lead.get_absolute_url()).content.decode()
    assert reverse("lead-convert", args=[lead.pk]) in body
    body = client.get(reverse("lead-convert", args=[lead.pk])).content.decode()
    assert "Creates the company 明日科技." in body
    response = client.post(
        reverse("lead-convert", args=[lead.pk]),
        {"make_deal": "on", "deal_name": "首单", "amount": "1000"},
    )
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert response.url == deal.get_absolute_url() and deal.name == "首单"
    body = client.get(lead.get_absolute_url()).content.decode()
    assert "Converted on" in body and deal.get_absolute_url() in body


def test_form_shows_a_missing_disqualification_reason(client, rep):
    lead = make_lead(rep)
    client.force_login(rep)
    data = {"name": lead.name, "company_name": lead.company_name, "source": "other",
            "status": "disqualified", "owner": rep.pk, "version": 1}  # fmt: skip
    body = client.post(reverse("lead-edit", args=[lead.pk]), data).content.decode()
    assert "Say why the lead is disqualified." in body
    assert Lead.objects.get().status == "new"


def test_api_create_patch_convert(rep):
    client = bearer_client(rep)
    body = {"name": "Ann Lee", "company_name": "Acme", "email": "ann@acme.example"}
    response = send(client, "post", "/api/v1/leads", body)
    assert response.status_code == 201, response.content
    url = f"/api/v1/leads/{response.json()['id']}"
    assert_validation(send(client, "patch", url, {"status": "disqualified"}), "disqualify_reason")
    assert_validation(send(client, "patch", url, {"name": None}), "name")
    response = send(client, "post", f"{url}/convert", {})
    assert_validation(response, "status")  # not qualified
    assert send(client, "patch", url, {"status": "qualified"}).status_code == 200
    response = send(client, "post", f"{url}/convert", {"amount": "900"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "converted" and body["deal_id"] and body["person_id"]
    assert_validation(send(client, "post", f"{url}/convert", {}), "status")
    items = client.get("/api/v1/leads", {"status": "converted"}).json()["items"]
    assert [i["name"] for i in items] == ["Ann Lee"]


def test_the_public_web_form_takes_leads_and_turns_bots_away(client, admin_user, settings):
    settings.WEB_LEADS_PER_HOUR = 2
    url = reverse("lead-web-form")
    page = client.get(url)
    assert page.status_code == 200 and "X-Frame-Options" not in page  # embeddable
    data = {"name": "访客甲", "company_name": "访客公司", "email": "visitor@example.com"}
    response = client.post(url, data)
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    lead = Lead.objects.get()
    assert lead.source == "web" and lead.owner == admin_user and lead.web_address == "127.0.0.1"
    # a bot fills in the hidden field: it is thanked, nothing is saved
    response = client.post(url, {**data, "website": "http://spam.example"})
    assert "Thank you" in response.content.decode() and Lead.objects.count() == 1
    # no way to reach the visitor: the form says so
    response = client.post(url, {"name": "没有联系方式"})
    assert response.status_code == 400 and "Leave an email or a phone number." in (
        response.content.decode()
    )
    assert client.post(url, {**data, "email": "two@example.com"}).status_code == 200
    response = client.post(url, {**data, "email": "three@example.com"})
    assert response.status_code == 429 and Lead.objects.count() == 2


def test_the_web_lead_api_needs_no_login(admin_user, settings):
    from django.test import Client

    settings.WEB_LEAD_OWNER = admin_user.username
    body = {"name": "Ann", "email": "ann@example.com"}
    response = send(Client(), "post", "/api/v1/web-leads", body)
    assert response.status_code == 201 and response.json() == {"received": True}
    assert Lead.objects.get().owner == admin_user
    assert_validation(send(Client(), "post", "/api/v1/web-leads", {"email": "x@y.z"}), "name")
    bad = send(Client(), "post", "/api/v1/web-leads", {"name": "Bob", "email": "not-an-email"})
    assert_validation(bad, "email")


def test_behind_a_proxy_the_limit_counts_the_proxys_last_forwarded_address(rf, settings):
    from kehu.sales.leads.views import visitor_address

    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert visitor_address(request) == "10.0.0.1"
    settings.BEHIND_PROXY = True
    assert visitor_address(request) == "203.0.113.9"
    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="nonsense")
    assert visitor_address(request) == "10.0.0.1"


def test_convert_form_refuses_a_bad_amount_and_converts_nothing(client, rep):
    lead = make_lead(rep, status="qualified")
    client.force_login(rep)
    response = client.post(
        reverse("lead-convert", args=[lead.pk]), {"make_deal": "on", "amount": "-5"}
    )
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    assert Lead.objects.get().status == "qualified" and not Person.objects.exists()
    assert not Deal.objects.exists()
