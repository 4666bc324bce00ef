"""One-line text fields refuse line breaks and other control characters, wherever they are
written (service, API, form); multi-line fields keep their line breaks."""

import pytest
from django.core.exceptions import ValidationError

from kehu.activities import services as activity_services
from kehu.activities.models import Activity
from kehu.customers import services as customer_services
from kehu.customers.models import Company, Person, Tag
from kehu.sales.deals import services as sales_services
from kehu.sales.leads import services as lead_services
from kehu.sales.models import Deal, Lead
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db

BAD_VALUES = ["张\r\n伟", "Zhang\nWei", "Zhang\rWei", "Zhang\tWei", "Zhang\x00Wei", "Zh\x1bang",
              "Zhang\u2028Wei", "Zhang\x85Wei", "Zhang\x7fWei"]  # fmt: skip


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_person_name_with_a_control_character_is_refused_and_nothing_saved(rep, value):
    with pytest.raises(ValidationError) as caught:
        customer_services.create_person(rep, {"name": value})
    assert "name" in caught.value.message_dict
    assert "Line breaks" in caught.value.message_dict["name"][0]
    assert not Person.all_objects.exists()


@pytest.mark.parametrize(
    ("create", "field"),
    [
        (lambda u, v: customer_services.create_person(u, {"name": "张伟", "title": v}), "title"),
        (lambda u, v: customer_services.create_person(u, {"name": "张伟", "city": v}), "city"),
        (lambda u, v: customer_services.create_company(u, {"name": v}), "name"),
        (
            lambda u, v: customer_services.create_company(u, {"name": "A", "industry": v}),
            "industry",
        ),
        (lambda u, v: lead_services.create_lead(u, {"name": v}), "name"),
        (
            lambda u, v: lead_services.create_lead(u, {"name": "A", "company_name": v}),
            "company_name",
        ),
        (lambda u, v: sales_services.create_deal(u, {"name": v}), "name"),
        (lambda u, v: sales_services.create_deal(u, {"name": "A", "next_step": v}), "next_step"),
        (lambda u, v: customer_services.create_person(u, {"name": "张伟", "tags": [v]}), "tags"),
    ],
)
def test_one_line_fields_of_every_record_refuse_line_breaks(rep, create, field):
    with pytest.raises(ValidationError) as caught:
        create(rep, "first\r\nsecond")
    assert field in caught.value.message_dict
    for model in (Person, Company, Lead, Deal):
        assert not model.all_objects.exists()
    assert not Tag.objects.exists()


def test_an_activity_subject_stays_one_line_but_its_text_keeps_line_breaks(rep):
    person = make_person(rep)
    with pytest.raises(ValidationError) as caught:
        activity_services.log_activity(rep, person, "call", {"subject": "Call\x00back"})
    assert "subject" in caught.value.message_dict
    assert not Activity.objects.exists()
    # white space, line breaks included, is folded into single spaces (as before)
    call = activity_services.log_activity(rep, person, "call", {"subject": "Call\r\nback"})
    assert call.subject == "Call back"
    note = activity_services.add_note(rep, person, "line one\nline two")
    assert "line one\nline two" in note.body


def test_editing_a_record_refuses_a_line_break_too(rep):
    person = make_person(rep, "张伟")
    with pytest.raises(ValidationError) as caught:
        customer_services.update_person(rep, person, {"name": "张伟\n王芳"})
    assert "name" in caught.value.message_dict
    person.refresh_from_db()
    assert person.name == "张伟" and person.version == 1


def test_multi_line_fields_keep_their_line_breaks(rep):
    company = customer_services.create_company(
        rep, {"name": "华为", "notes": "first\nsecond", "address": "坂田\r\n龙岗区"}
    )
    company.refresh_from_db()
    assert company.notes == "first\nsecond" and company.address == "坂田\r\n龙岗区"
    lead = lead_services.create_lead(rep, {"name": "A", "notes": "a\nb"})
    assert Lead.objects.get(pk=lead.pk).notes == "a\nb"


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/people", {"name": "张\r\n伟"}, "name"),
        ("/api/v1/people", {"name": "张伟", "title": "CEO\n" + "x"}, "title"),
        ("/api/v1/people", {"name": "张伟", "tags": ["vip\nx"]}, "tags"),
        ("/api/v1/companies", {"name": "华为\n技术"}, "name"),
        ("/api/v1/leads", {"name": "Lead\r\nX"}, "name"),
        ("/api/v1/deals", {"name": "Deal\tX"}, "name"),
    ],
)
def test_the_api_answers_422_naming_the_field(rep, url, body, field):
    response = send(bearer_client(rep), "post", url, body)
    assert_validation(response, field)
    for model in (Person, Company, Lead, Deal):
        assert not model.all_objects.exists()


def test_the_api_refuses_a_line_break_in_a_change(rep):
    person = make_person(rep, "张伟")
    response = send(
        bearer_client(rep), "patch", f"/api/v1/people/{person.pk}", {"name": "张伟\r\nX"}
    )
    assert_validation(response, "name")
    person.refresh_from_db()
    assert person.name == "张伟"


def test_the_form_shows_the_field_error_and_saves_nothing(client, rep):
    client.force_login(rep)
    response = client.post("/people/new/", {"name": "张\r\n伟", "owner": rep.pk, "version": 1})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "Line breaks and other control characters are not allowed here."
    ]
    assert not Person.all_objects.exists()
    company = make_company(rep, "华为")
    response = client.post(
        f"/companies/{company.pk}/edit/",
        {"name": "华为\n技术", "owner": rep.pk, "version": company.version},
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    company.refresh_from_db()
    assert company.name == "华为"
