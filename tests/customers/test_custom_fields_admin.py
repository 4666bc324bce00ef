"""Administrators define custom fields: validation, immutable key and type, deactivation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kehu.core.audit import history
from kehu.customers.fields import services as field_services
from kehu.customers.models import CustomField, Person
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {"entity": "person", "label": "Customer level", "label_zh": "客户等级", "key": "",
            "type": "choice", "choices": "Gold\nSilver\n\nBronze", "position": "3",
            "active": "on"}  # fmt: skip
    data.update(overrides)
    return data


def test_admin_creates_a_field_with_a_suggested_key_and_an_index(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("customfield-create"), _form())
    assert response.status_code == 302
    field = CustomField.objects.get()
    assert (field.key, field.label_zh, field.type) == ("customer_level", "客户等级", "choice")
    assert field.choices == ["Gold", "Silver", "Bronze"]
    assert field.position == 3 and field.active and not field.required
    assert field_services.has_index(field)
    assert field_services.index_name(field) == f"cf_p_{field.pk}"
    assert history(field).first().actor == admin_user
    listing = client.get(reverse("customfield-list") + "?entity=person").content.decode()
    assert "客户等级" in listing and "customer_level" in listing


def test_keys_suggested_from_labels():
    assert field_services.suggest_key("Annual revenue (CNY)") == "annual_revenue_cny"
    assert field_services.suggest_key("年收入") == "nian_shou_ru"
    assert field_services.suggest_key("2024 budget") == "f_2024_budget"


def test_fields_per_entity_are_listed_apart(client, admin_user):
    field_services.create_field(admin_user, {"entity": "company", "label": "Tier",
                                             "type": "text"})  # fmt: skip
    client.force_login(admin_user)
    assert not client.get(reverse("customfield-list")).context["fields"]
    fields = client.get(reverse("customfield-list") + "?entity=company").context["fields"]
    assert [f.key for f in fields] == ["tier"]
    assert field_services.has_index(fields[0])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"choices": ""}, "choices"),  # a choice field needs choices
        ({"choices": "Gold\nGold"}, "choices"),
        ({"type": "multi_choice", "choices": "a,b\nc"}, "choices"),
        ({"type": "text", "choices": "Gold"}, "choices"),
        ({"key": "Customer-Level"}, "key"),
        ({"key": "1st"}, "key"),
        ({"key": "x" * 41}, "key"),
        ({"label": ""}, "label"),
        ({"type": "colour"}, "type"),
        ({"position": "-1"}, "position"),
    ],
)
def test_bad_definitions_show_field_errors_and_save_nothing(client, admin_user, overrides, field):
    client.force_login(admin_user)
    response = client.post(reverse("customfield-create"), _form(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not CustomField.objects.exists()


def test_duplicate_key_is_refused_per_entity(client, admin_user):
    field_services.create_field(admin_user, {"entity": "person", "key": "level",
                                             "label": "Level", "type": "text"})  # fmt: skip
    client.force_login(admin_user)
    response = client.post(reverse("customfield-create"), _form(key="level"))
    assert response.status_code == 200 and response.context["form"].errors["key"]
    assert CustomField.objects.count() == 1
    response = client.post(reverse("customfield-create"), _form(key="level", entity="company"))
    assert response.status_code == 302
    assert CustomField.objects.count() == 2


def test_type_change_is_refused_with_a_clear_message(client, admin_user):
    field = field_services.create_field(admin_user, {"entity": "person", "label": "Level",
                                                     "type": "text"})  # fmt: skip
    client.force_login(admin_user)
    response = client.post(
        reverse("customfield-edit", args=[field.pk]),
        _form(label="Renamed", type="number", choices=""),
    )
    assert response.status_code == 200
    assert "cannot change" in " ".join(response.context["form"].errors["type"])
    field.refresh_from_db()
    assert (field.type, field.label) == ("text", "Level")


def test_edit_changes_labels_but_never_the_key(client, admin_user):
    field = field_services.create_field(admin_user, {"entity": "person", "label": "Level",
                                                     "type": "text"})  # fmt: skip
    client.force_login(admin_user)
    response = client.post(
        reverse("customfield-edit", args=[field.pk]),
        _form(
            label="Grade",
            label_zh="等级",
            key="grade",
            type="text",
            choices="",
            required="on",
            entity="company",
        ),  # fmt: skip
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.label, field.label_zh, field.required) == ("Grade", "等级", True)
    assert (field.key, field.entity) == ("level", "person")
    with pytest.raises(ValidationError) as exc:
        field_services.update_field(admin_user, field, {"key": "grade"})
    assert "key" in exc.value.message_dict


def test_choices_can_grow_on_edit(admin_user):
    data = {"entity": "person", "label": "Level", "type": "choice", "choices": ["A"]}
    field = field_services.create_field(admin_user, data)
    field_services.update_field(admin_user, field, {"choices": "A\nB"})
    field.refresh_from_db()
    assert field.choices == ["A", "B"]
    with pytest.raises(ValidationError):
        field_services.update_field(admin_user, field, {"choices": ""})


def test_deactivate_keeps_values_and_reactivates(client, admin_user):
    field = field_services.create_field(admin_user, {"entity": "person", "label": "Level",
                                                     "type": "text"})  # fmt: skip
    person = make_person(admin_user, "王芳", custom={"level": "VIP"})
    client.force_login(admin_user)
    assert client.post(reverse("customfield-deactivate", args=[field.pk])).status_code == 302
    field.refresh_from_db()
    assert not field.active
    assert Person.objects.get(pk=person.pk).custom == {"level": "VIP"}
    assert field_services.has_index(field)
    client.post(reverse("customfield-activate", args=[field.pk]))
    field.refresh_from_db()
    assert field.active


def test_services_are_for_admins_and_the_system(rep):
    data = {"entity": "person", "label": "Level", "type": "text"}
    with pytest.raises(PermissionDenied):
        field_services.create_field(rep, data)
    field = field_services.create_field(None, data)
    with pytest.raises(PermissionDenied):
        field_services.deactivate_field(rep, field)
    with pytest.raises(PermissionDenied):
        field_services.update_field(rep, field, {"label": "x"})


def test_ensure_indexes_adds_a_missing_index(admin_user):
    field = CustomField.objects.create(entity="person", key="legacy", label="Legacy", type="text")
    assert not field_services.has_index(field)
    assert field_services.ensure_indexes() == [f"cf_p_{field.pk}"]
    assert field_services.has_index(field)
    assert field_services.ensure_indexes() == []


def test_labels_are_escaped(client, admin_user):
    field_services.create_field(admin_user, {"entity": "person", "label": "<b>bold</b>",
                                             "key": "bold", "type": "text"})  # fmt: skip
    client.force_login(admin_user)
    html = client.get(reverse("customfield-list")).content.decode()
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
