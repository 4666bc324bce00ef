"""The people and company screens: lists, forms, detail pages, conflicts, recycle bin."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.core.models import AuditEntry
from kehu.core.saved_views.services import choose_columns
from kehu.customers import services
from kehu.customers.models import Company, CustomField, Person
from tests.factories import make_company, make_person, make_user

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def add_field(entity, key, type_, **extra):
    return CustomField.objects.create(
        entity=entity, key=key, label=key.title(), type=type_, **extra
    )


# --- lists ---------------------------------------------------------------------------------


def test_list_shows_visible_people_with_national_phone_and_tags(client, rep, teammate):
    company = make_company(rep, "阿里巴巴")
    make_person(
        rep, "张伟", phone="138 1234 5678", email="zw@example.com", company=company.pk,
        tags=["VIP"],
    )  # fmt: skip
    make_person(teammate, "王芳")
    body = text(login(client, rep).get(reverse("person-list")))
    assert "张伟" in body and "阿里巴巴" in body and "zw@example.com" in body
    assert ">138 1234 5678</a>" in body and ">+8613812345678<" not in body
    assert 'href="tel:+8613812345678"' in body  # dials the full number
    assert "VIP" in body
    assert "王芳" not in body


def test_list_search_filters_and_sort(client, rep):
    make_person(rep, "张伟")
    make_person(rep, "李娜")
    make_person(rep, "Anna")
    login(client, rep)
    body = text(client.get(reverse("person-list"), {"q": "zhangwei"}))
    assert "张伟" in body and "李娜" not in body
    body = text(client.get(reverse("person-list"), {"sort": "-name"}))
    names = re.findall(r'<td class="name nowrap"><a href="[^"]+">([^<]+)</a>', body)
    assert names == ["张伟", "李娜", "Anna"]  # by pinyin: zhang wei, li na, anna


def test_list_owner_mine_and_tag_filter(client, manager, rep):
    make_person(manager, "经理的客户", tags=["重点"])
    make_person(rep, "销售的客户")
    login(client, manager)
    body = text(client.get(reverse("person-list"), {"owner": "me"}))
    assert "经理的客户" in body and "销售的客户" not in body
    tag_id = Person.objects.get(name="经理的客户").tags.get().pk
    body = text(client.get(reverse("person-list"), {"tag": tag_id}))
    assert "经理的客户" in body and "销售的客户" not in body


def test_bad_filters_show_messages_not_500(client, rep):
    make_person(rep, "张伟")
    login(client, rep)
    response = client.get(
        reverse("person-list"),
        {"created_after": "yesterday", "owner": "abc", "cf_nope": "1", "cursor": "!!bad"},
    )
    assert response.status_code == 200
    body = text(response)
    assert "Enter a date as YYYY-MM-DD." in body
    assert "Expected a number." in body
    assert "There is no custom field" in body
    assert "张伟" in body  # the bad filters are dropped, the list still shows


def test_custom_field_column_and_filter(client, rep):
    add_field("person", "level", "choice", choices=["A", "B"])
    make_person(rep, "张伟", custom={"level": "A"})
    make_person(rep, "李娜", custom={"level": "B"})
    body = text(login(client, rep).get(reverse("person-list"), {"cf_level": "B"}))
    assert "Level" in body and "李娜" in body and "张伟" not in body


def test_keyset_next_and_first_page_links(client, rep):
    for i in range(55):
        services.create_person(rep, {"name": f"P{i:03d}"})
    login(client, rep)
    first = text(client.get(reverse("person-list")))
    assert "P049" in first and "P050" not in first
    assert ">55</span>" in first
    cursor = re.search(r'href="\?[^"]*cursor=([^"&]+)"[^>]*rel="next"', first).group(1)
    second = text(client.get(reverse("person-list") + f"?cursor={cursor}"))
    assert "P050" in second and "P054" in second and "P049" not in second
    assert "First page" in second and 'rel="next"' not in second


def test_count_is_capped(client, rep, monkeypatch):
    from kehu.core import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    monkeypatch.setattr(pagination.capped_count, "__defaults__", (3,))
    for name in "ABCDE":
        make_person(rep, name)
    body = text(login(client, rep).get(reverse("person-list")))
    assert ">3+</span>" in body


def test_empty_states(client, rep):
    login(client, rep)
    body = text(client.get(reverse("person-list")))
    assert "No people yet." in body and reverse("person-create") in body
    make_person(rep, "张伟")
    body = text(client.get(reverse("person-list"), {"q": "nobody-like-this"}))
    assert "No people match these filters." in body
    body = text(client.get(reverse("company-list")))
    assert "No companies yet." in body and reverse("company-create") in body


@pytest.mark.parametrize("entity", ["person", "company"])
def test_list_query_count_does_not_grow_with_rows(client, admin_user, entity):
    add_field(entity, "level", "text")
    company = make_company(admin_user, "公司")
    url = reverse(f"{entity}-list")
    login(client, admin_user)

    def make(n):
        for i in range(n):
            data = {"name": f"R{i}", "tags": ["a", f"t{i}"], "custom": {"level": "x"}}
            if entity == "person":
                data["company"] = company.pk
                services.create_person(admin_user, data)
            else:
                services.create_company(admin_user, data)

    make(5)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    make(45)
    with CaptureQueriesContext(connection) as fifty:
        body = text(client.get(url))
    assert body.count('<td class="name nowrap">') == 50
    assert len(fifty) == len(five), [q["sql"] for q in fifty]


def test_list_escapes_every_value_it_shows(client, admin_user):
    add_field("person", "note", "text")
    owner = make_user("owner", first_name="<b>Ann</b>")
    company = make_company(owner, "<i>Acme</i> & Co", industry="<b>IT</b>", city="<s>Xi'an</s>")
    make_person(
        owner, "<script>x</script>", title='"boss"', email="a&b@example.com",
        company=company.pk, tags=["<u>vip</u>"], custom={"note": "<em>hi</em>"},
    )  # fmt: skip
    # custom fields are off by default: this user chose to see the note too
    choose_columns(admin_user, "person", ["name", "company", "email", "owner", "tags", "cf_note"])
    body = text(login(client, admin_user).get(reverse("person-list")))
    for raw in ("<script>x</script>", "<i>Acme</i>", "<b>Ann</b>", "<u>vip</u>", "<em>hi</em>"):
        assert raw not in body
    for shown in (
        "&lt;script&gt;x&lt;/script&gt;", "&quot;boss&quot;", "&lt;i&gt;Acme&lt;/i&gt; &amp; Co",
        'href="mailto:a&amp;b@example.com"', "&lt;b&gt;Ann&lt;/b&gt;", "&lt;u&gt;vip&lt;/u&gt;",
        "&lt;em&gt;hi&lt;/em&gt;",
    ):  # fmt: skip
        assert shown in body
    body = text(client.get(reverse("company-list")))
    assert "<b>IT</b>" not in body and "<td>&lt;b&gt;IT&lt;/b&gt;</td>" in body
    assert "<td>&lt;s&gt;Xi&#x27;an&lt;/s&gt;</td>" in body
    assert "&lt;i&gt;Acme&lt;/i&gt; &amp; Co</a>" in body


def test_tag_links_keep_the_other_filters_and_start_from_the_first_page(client, rep):
    for i in range(55):
        services.create_person(rep, {"name": f"P{i:03d}", "tags": ["VIP"]})
    tag = Person.objects.first().tags.get()
    login(client, rep)
    first = text(client.get(reverse("person-list"), {"sort": "-name", "owner": "me"}))
    cursor = re.search(r'href="\?[^"]*cursor=([^"&]+)"[^>]*rel="next"', first).group(1)
    second = text(
        client.get(reverse("person-list"), {"sort": "-name", "owner": "me", "cursor": cursor})
    )
    assert f'<a class="tag" href="?sort=-name&amp;owner=me&amp;tag={tag.pk}">VIP</a>' in second


def test_tag_count_leaves_out_binned_and_invisible_records(client, admin_user, rep, outsider):
    for i in range(3):
        make_person(rep, f"R{i}", tags=["VIP"])
    make_person(outsider, "O", tags=["VIP"])
    make_person(rep, "untagged")
    services.delete_person(rep, make_person(rep, "binned", tags=["VIP"]))
    tag = Person.objects.get(name="R0").tags.get()
    body = text(login(client, admin_user).get(reverse("person-list"), {"tag": tag.pk}))
    assert ">4</span>" in body and "binned" not in body
    body = text(login(client, rep).get(reverse("person-list"), {"tag": tag.pk}))
    assert ">3</span>" in body and "O</a>" not in body
    body = text(
        login(client, admin_user).get(reverse("person-list"), {"tag": tag.pk, "owner": rep.pk})
    )
    assert ">3</span>" in body


def test_owner_outside_the_filter_list_is_still_named(client, admin_user):
    gone = make_user("gone", first_name="Former", last_name="Rep")
    make_person(gone, "张伟")
    gone.is_active = False
    gone.save()
    body = text(login(client, admin_user).get(reverse("person-list")))
    assert '<td class="nowrap">Former Rep</td>' in body


# --- create / edit -----------------------------------------------------------------------


def test_create_person_with_custom_fields_and_tags(client, rep):
    add_field("person", "level", "choice", choices=["A", "B"])
    add_field("person", "vip", "boolean")
    add_field("person", "since", "date")
    add_field("person", "hobbies", "multi_choice", choices=["golf", "tea", "chess"])
    company = make_company(rep, "阿里巴巴")
    login(client, rep)
    form_page = text(client.get(reverse("person-create")))
    assert 'type="date"' in form_page and 'type="checkbox"' in form_page
    response = client.post(
        reverse("person-create"),
        {
            "name": "张伟", "email": "ZW@Example.COM", "phone": "138 1234 5678",
            "company": company.pk, "owner": rep.pk, "tags": "VIP，重点, VIP",
            "cf_level": "A", "cf_vip": "on", "cf_since": "2024-05-01",
            "cf_hobbies": ["golf", "tea"],
        },
    )  # fmt: skip
    person = Person.objects.get()
    assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
    assert person.email == "ZW@example.com" and person.phone == "+8613812345678"
    assert person.company == company
    assert sorted(t.name for t in person.tags.all()) == ["VIP", "重点"]
    assert person.custom == {
        "level": "A", "vip": True, "since": "2024-05-01", "hobbies": ["golf", "tea"]
    }  # fmt: skip
    page = text(client.get(person.get_absolute_url()))
    assert "is created" in page and "138 1234 5678" in page and "golf, tea" in page


def test_create_bad_email_and_phone_show_errors_and_save_nothing(client, rep):
    login(client, rep)
    response = client.post(
        reverse("person-create"),
        {"name": "张伟", "email": "not-an-email", "phone": "12", "owner": rep.pk},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["email"] and form.errors["phone"]
    assert "is not a valid phone number" in text(response)
    assert not Person.all_objects.exists()
    assert not AuditEntry.objects.exists()


def test_create_bad_custom_value_maps_onto_its_field(client, rep):
    add_field("company", "staff", "number", required=True)
    add_field("company", "site", "url")
    login(client, rep)
    response = client.post(
        reverse("company-create"),
        {"name": "阿里巴巴", "owner": rep.pk, "cf_staff": "", "cf_site": "ftp://x"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "cf_staff" in errors and "cf_site" in errors
    assert not Company.all_objects.exists()


def test_rep_cannot_give_a_record_to_someone_else(client, rep, teammate):
    login(client, rep)
    response = client.post(reverse("company-create"), {"name": "X", "owner": teammate.pk})
    assert response.status_code == 200 and response.context["form"].errors["owner"]
    assert not Company.all_objects.exists()
    choices = dict(response.context["form"].fields["owner"].choices)
    assert list(choices) == [str(rep.pk)]


def test_company_field_is_a_type_ahead_whatever_the_number_of_companies(client, rep):
    for name in ["阿里巴巴", "腾讯", "百度"]:
        make_company(rep, name)
    login(client, rep)
    page = text(client.get(reverse("person-create")))
    assert reverse("company-autocomplete") in page and "data-company-search" in page
    assert '<select name="company"' not in page
    assert '<label for="id_company"' in page and 'id="id_company"' in page  # labelled
    options = text(client.get(reverse("company-autocomplete"), {"company_search": "腾讯"}))
    tencent = Company.objects.get(name="腾讯")
    assert f'data-company-option="{tencent.pk}"' in options and "百度" not in options
    response = client.post(
        reverse("person-create"), {"name": "马化腾", "owner": rep.pk, "company": tencent.pk}
    )
    assert response.status_code == 302
    assert Person.objects.get().company == tencent


def test_without_javascript_a_company_typed_in_full_is_chosen(client, rep):
    tencent = make_company(rep, "腾讯")
    login(client, rep)
    data = {"name": "马化腾", "owner": rep.pk, "company": "", "company_search": " 腾讯 "}
    assert client.post(reverse("person-create"), data).status_code == 302
    assert Person.objects.get().company == tencent


@pytest.mark.parametrize("typed", ["腾", "不存在的公司", "x" * 300])
def test_a_typed_name_that_names_no_company_is_an_error(client, rep, typed):
    make_company(rep, "腾讯")
    login(client, rep)
    data = {"name": "马化腾", "owner": rep.pk, "company": "", "company_search": typed}
    response = client.post(reverse("person-create"), data)
    assert response.status_code == 200 and "company" in response.context["form"].errors
    assert not Person.all_objects.exists()


def test_a_name_two_companies_share_asks_to_choose(client, rep):
    make_company(rep, "腾讯")
    make_company(rep, "腾讯")
    login(client, rep)
    data = {"name": "马化腾", "owner": rep.pk, "company": "", "company_search": "腾讯"}
    response = client.post(reverse("person-create"), data)
    assert "Several companies" in str(response.context["form"].errors["company"])
    assert not Person.all_objects.exists()


def test_a_typed_name_of_a_hidden_company_names_nothing(client, rep, outsider):
    make_company(outsider, "隐秘公司")
    login(client, rep)
    answers = []
    for typed in ("隐秘公司", "没有这家公司"):
        data = {"name": "马化腾", "owner": rep.pk, "company": "", "company_search": typed}
        response = client.post(reverse("person-create"), data)
        answers.append(str(response.context["form"].errors["company"]).replace(typed, "…"))
    assert answers[0] == answers[1]
    assert not Person.all_objects.exists()


def test_autocomplete_offers_to_create_the_typed_company(client, rep, readonly_user):
    make_company(rep, "腾讯")
    login(client, rep)
    url = reverse("company-autocomplete")
    offered = text(client.get(url, {"company_search": "腾讯音乐", "offer_create": "1"}))
    assert "data-company-create" in offered and "腾讯音乐" in offered
    exact = text(client.get(url, {"company_search": "腾讯", "offer_create": "1"}))
    assert "data-company-create" not in exact  # it exists: pick it instead
    plain = text(client.get(url, {"company_search": "腾讯音乐"}))  # the list filter
    assert "data-company-create" not in plain
    login(client, readonly_user)
    refused = text(client.get(url, {"company_search": "腾讯音乐", "offer_create": "1"}))
    assert "data-company-create" not in refused


def test_create_new_company_from_the_picker(client, rep):
    login(client, rep)
    response = client.post(reverse("company-quick-create"), {"new_company": " 腾讯音乐 "})
    company = Company.objects.get()
    assert company.name == "腾讯音乐" and company.owner == rep
    assert company.name_sort_key.startswith("teng xun yin yue")
    body = text(response)
    assert f'data-company-option="{company.pk}"' in body and "data-company-created" in body


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "坏\n名字"])
def test_create_new_company_refuses_bad_names(client, rep, name):
    login(client, rep)
    response = client.post(reverse("company-quick-create"), {"new_company": name})
    assert response.status_code == 200 and 'role="alert"' in text(response)
    assert not Company.all_objects.exists()


def test_create_new_company_needs_the_right_to_create(client, readonly_user):
    login(client, readonly_user)
    response = client.post(reverse("company-quick-create"), {"new_company": "腾讯音乐"})
    assert response.status_code == 403 and not Company.all_objects.exists()
    assert client.get(reverse("company-quick-create")).status_code == 405


def test_autocomplete_only_offers_visible_companies(client, rep, outsider):
    make_company(outsider, "腾讯")
    body = text(login(client, rep).get(reverse("company-autocomplete"), {"q": "腾讯"}))
    assert "data-company-option" not in body


def test_person_cannot_be_linked_to_an_invisible_company(client, rep, outsider):
    hidden = make_company(outsider, "腾讯")
    login(client, rep)
    response = client.post(
        reverse("person-create"), {"name": "马化腾", "owner": rep.pk, "company": hidden.pk}
    )
    assert response.status_code == 200 and "company" in response.context["form"].errors
    assert not Person.all_objects.exists()


def edit_data(person, **changes):
    data = {
        "name": person.name, "email": person.email, "phone": person.phone,
        "title": person.title, "owner": person.owner_id, "version": person.version,
        "tags": ", ".join(t.name for t in person.tags.all()),
        "company": person.company_id or "",
    }  # fmt: skip
    data.update(changes)
    return data


def test_edit_saves_only_changes_and_audits(client, rep):
    person = make_person(rep, "张伟", phone="13812345678")
    login(client, rep)
    form_page = text(client.get(reverse("person-edit", args=[person.pk])))
    assert 'name="version"' in form_page and "138 1234 5678" in form_page
    data = edit_data(person, phone="138 1234 5678", title="经理")
    response = client.post(reverse("person-edit", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.title == "经理" and person.version == 2
    last = AuditEntry.objects.filter(action="update").get()
    assert last.changes == {"title": ["", "经理"]}
    detail = text(client.get(person.get_absolute_url()))
    assert "is saved" in detail and "经理" in detail


def test_edit_bad_input_keeps_the_record(client, rep):
    person = make_person(rep, "张伟", email="a@example.com")
    login(client, rep)
    response = client.post(
        reverse("person-edit", args=[person.pk]), edit_data(person, email="nope", name="")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "email" in errors and "name" in errors
    person.refresh_from_db()
    assert person.email == "a@example.com" and person.version == 1


def test_edit_conflict_shows_both_values_and_can_overwrite(client, rep, manager):
    person = make_person(rep, "张伟", title="工程师")
    stale = edit_data(person, title="销售")
    services.update_person(manager, person, {"title": "总监", "city": "上海"})
    login(client, rep)
    response = client.post(reverse("person-edit", args=[person.pk]), stale)
    assert response.status_code == 200
    body = text(response)
    assert "Someone else changed this record" in body
    rows = {r["label"]: (r["theirs"], r["yours"]) for r in response.context["conflict"]}
    assert rows["Job title"] == ("总监", "销售")
    assert rows["City"] == ("上海", "—")
    assert "Name" not in rows
    person.refresh_from_db()
    assert person.title == "总监" and person.version == 2  # nothing overwritten silently
    assert f'name="version" value="{person.version}"' in body
    # "Overwrite with my values" resubmits the form with the current version
    response = client.post(
        reverse("person-edit", args=[person.pk]), {**stale, "version": person.version}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.title == "销售" and person.city == ""


def test_edit_without_version_is_refused(client, rep):
    person = make_person(rep, "张伟")
    data = edit_data(person, title="X")
    del data["version"]
    response = login(client, rep).post(reverse("person-edit", args=[person.pk]), data)
    assert response.status_code == 200 and "out of date" in text(response)
    person.refresh_from_db()
    assert person.title == ""


def test_read_only_user_gets_403_not_500(client, rep):
    reader = make_user("reader", role="Read-only")
    person = make_person(rep, "张伟")
    login(client, reader)
    assert client.get(person.get_absolute_url()).status_code == 200
    assert client.get(reverse("person-create")).status_code == 403
    assert client.get(reverse("person-edit", args=[person.pk])).status_code == 403
    assert client.post(reverse("person-delete", args=[person.pk])).status_code == 403
    assert Person.objects.filter(pk=person.pk).exists()


@pytest.mark.parametrize("viewer", ["rep", "teammate", "outsider"])
@pytest.mark.parametrize("entity", ["person", "company"])
def test_records_outside_scope_are_404(client, request, manager, viewer, entity):
    """A record the viewer cannot see answers 404 on every page, whatever their team."""
    user = request.getfixturevalue(viewer)
    owner = manager if viewer != "outsider" else request.getfixturevalue("rep")
    record = make_person(owner, "张伟") if entity == "person" else make_company(owner, "腾讯")
    login(client, user)
    for name in ("detail", "edit", "delete"):
        assert client.get(reverse(f"{entity}-{name}", args=[record.pk])).status_code == 404
    for name in ("delete", "restore"):
        url = reverse(f"{entity}-{name}", args=[record.pk])
        assert client.post(url, {"body": "x"}).status_code == 404
    note_url = reverse("activity-log", args=[entity, record.pk, "note"])
    assert client.post(note_url, {"body": "x"}).status_code == 404
    body = text(client.get(reverse(f"{entity}-list")))
    assert record.name not in body


def test_manager_sees_team_records(client, manager, rep):
    person = make_person(rep, "张伟")
    assert login(client, manager).get(person.get_absolute_url()).status_code == 200


# --- detail ------------------------------------------------------------------------------


def test_person_detail_shows_fields_custom_labels_and_history(client, rep):
    add_field("person", "level", "text", label_zh="级别")
    person = make_person(rep, "张伟", phone="+8613812345678", custom={"level": "Gold"})
    services.update_person(rep, person, {"title": "经理"})
    body = text(login(client, rep).get(person.get_absolute_url()))
    assert "138 1234 5678" in body and "Level" in body and "Gold" in body
    assert "Job title" in body and "经理" in body
    assert body.index("updated") < body.index("created")  # newest first


def test_timeline_pages_newest_first(client, rep):
    person = make_person(rep, "张伟")
    for i in range(25):
        services.update_person(rep, person, {"title": f"Title-{i:02d}"})
    login(client, rep)
    body = text(client.get(person.get_absolute_url()))
    assert "Title-24" in body and "Title-05" in body and "Title-03" not in body
    more = re.search(r'href="([^"]+)\?before=([^"]+)"', body)
    older = text(client.get(f"{more.group(1)}?before={more.group(2)}", HTTP_HX_REQUEST="true"))
    assert "Title-03" in older and "Title-24" not in older and "<html" not in older
    assert "created" in older


def test_company_detail_lists_its_people_with_link(client, rep, monkeypatch):
    from kehu.customers import views

    monkeypatch.setattr(views, "COMPANY_PEOPLE_SHOWN", 2)
    company = make_company(rep, "阿里巴巴")
    for name in ["A", "B", "C"]:
        make_person(rep, name, company=company.pk)
    body = text(login(client, rep).get(company.get_absolute_url()))
    assert ">A</a>" in body and ">B</a>" in body and ">C</a>" not in body
    assert f"{reverse('person-list')}?company={company.pk}" in body
    listed = text(client.get(reverse("person-list"), {"company": company.pk}))
    assert ">C</a>" in listed


# --- delete / restore / recycle bin ------------------------------------------------------


def test_delete_moves_to_recycle_bin_and_restore_brings_back(client, rep):
    person = make_person(rep, "张伟")
    login(client, rep)
    confirm = client.get(reverse("person-delete", args=[person.pk]))
    assert confirm.status_code == 200 and "recycle bin" in text(confirm)
    response = client.post(reverse("person-delete", args=[person.pk]), follow=True)
    assert "moved to the recycle bin" in text(response)
    assert not Person.objects.filter(pk=person.pk).exists()
    binned = text(client.get(reverse("recycle-bin")))
    assert "张伟" in binned and "rep" in binned
    detail = client.get(person.get_absolute_url())
    assert detail.status_code == 200 and "In the recycle bin" in text(detail)
    assert client.get(reverse("person-edit", args=[person.pk])).status_code == 404
    response = client.post(
        reverse("person-restore", args=[person.pk]), {"next": "bin"}, follow=True
    )
    assert "is restored" in text(response)
    assert Person.objects.filter(pk=person.pk).exists()


def test_recycle_bin_hides_others_and_restore_of_live_record_is_404(client, rep, outsider):
    mine = make_company(rep, "我的公司")
    theirs = make_company(outsider, "别人的公司")
    services.delete_company(rep, mine)
    services.delete_company(outsider, theirs)
    login(client, rep)
    body = text(client.get(reverse("recycle-bin")))
    assert "我的公司" in body and "别人的公司" not in body
    assert client.post(reverse("company-restore", args=[theirs.pk])).status_code == 404
    live = make_company(rep, "活的")
    assert client.post(reverse("company-restore", args=[live.pk])).status_code == 404


def test_deleting_a_company_keeps_its_people(client, rep):
    company = make_company(rep, "阿里巴巴")
    person = make_person(rep, "马云", company=company.pk)
    login(client, rep)
    confirm = text(client.get(reverse("company-delete", args=[company.pk])))
    assert "1 person stays" in confirm
    client.post(reverse("company-delete", args=[company.pk]))
    person.refresh_from_db()
    assert person.deleted_at is None and person.company is None
    client.post(reverse("company-restore", args=[company.pk]))
    person.refresh_from_db()
    assert person.company_id == company.pk


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("person-list"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_company_delete_confirmation_counts_only_people_the_user_can_see(
    client, rep, outsider, admin_user
):
    from kehu.customers import services
    from tests.factories import make_company, make_person

    company = make_company(rep, "星辰科技")
    make_person(rep, "张伟", company=company.pk)
    services.create_person(  # owned by someone in another team: hidden from rep
        admin_user, {"name": "李娜", "company": company.pk, "owner": outsider.pk}
    )
    client.force_login(rep)
    page = client.get(f"/companies/{company.pk}/delete/").content.decode()
    assert "Its 1 person stays" in page


def test_the_list_reads_the_tag_names_once_for_its_filter_and_bulk_bar(client, admin_user):
    services.create_person(admin_user, {"name": "有标签", "tags": ["VIP"]})
    login(client, admin_user)
    client.get(reverse("person-list"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as page:
        body = text(client.get(reverse("person-list")))
    assert "Add tag" in body and body.count(">VIP<") >= 2  # filter and bulk bar list it
    by_name = [q for q in page if re.search(r'FROM "customers_tag"\s+ORDER BY', q["sql"])]
    assert len(by_name) == 1, by_name
