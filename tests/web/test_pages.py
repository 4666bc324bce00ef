"""The shared page helpers (kehu.web.pages), wired here as a new domain would wire them: a
list, a create form, an edit form with a stale version, a delete confirmation, a restore, a
settings form, and 404 for a record the user may not see."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import path, reverse

import kehu.urls
from kehu.accounts import services as account_services
from kehu.accounts.admin_forms import TeamForm
from kehu.accounts.models import Team
from kehu.core.access import get_visible_or_404
from kehu.customers import services
from kehu.customers.forms import PersonForm
from kehu.customers.models import Person
from kehu.sales.models import Pipeline
from kehu.web import pages
from tests.factories import make_deal, make_person

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def _list(request):
    visible = Person.objects.visible_to(request.user)
    q = request.GET.get("q") or ""
    people = visible.filter(name__contains=q) if q else visible
    return pages.list_page(
        request,
        people,
        template="web/_pager.html",
        sort=pages.chosen_sort(request, ["name", "-name"]),
        base=visible,
        filter_keys=("q",),
        page_size=2,
        context={"nav": "people"},
    )


def _create_unless_reserved(user, data):
    """The person service, with one more rule of the kind a service checks on save."""
    if data["name"] == "保留":
        raise ValidationError({"name": ["This name is reserved."]})
    return services.create_person(user, data)


def _create(request):
    return pages.create_page(
        request,
        PersonForm(request.POST or None, user=request.user),
        create=_create_unless_reserved,
        template="web/record_form.html",
        list_url="person-list",
        context={"nav": "people", "new_title": "New person"},
    )


def _edit(request, pk):
    return pages.edit_page(
        request,
        get_visible_or_404(Person, request.user, pk),
        form_class=PersonForm,
        update=services.update_person,
        template="web/record_form.html",
        context={"nav": "people"},
    )


def _delete(request, pk):
    return pages.delete_page(
        request,
        get_visible_or_404(Person, request.user, pk),
        delete=services.delete_person,
        list_url="person-list",
        nav="people",
    )


def _restore(request, pk):
    return pages.restore_page(request, Person, pk, restore=services.restore_person)


def _team(request, pk=None):
    team = pages.setting_or_404(Team, pk)

    def save(form, _rows):
        if team is None:
            return account_services.create_team(request.user, form.cleaned_data)
        return account_services.update_team(request.user, team, form.cleaned_data)

    return pages.settings_page(
        request,
        team,
        TeamForm(request.POST or None, initial={"name": team.name} if team else None),
        save=save,
        template="web/record_form.html",
        done="team-list",
        error_status=400,
        context={"nav": "teams", "new_title": "New team"},
    )


def _team_delete(request, pk):
    return pages.settings_delete(
        request, Team, pk, delete=lambda user, team: team.delete(), done="team-list"
    )


urlpatterns = [
    path("t/people/", _list, name="t-list"),
    path("t/people/new/", _create, name="t-create"),
    path("t/people/<int:pk>/edit/", _edit, name="t-edit"),
    path("t/people/<int:pk>/delete/", _delete, name="t-delete"),
    path("t/people/<int:pk>/restore/", _restore, name="t-restore"),
    path("t/teams/new/", _team, name="t-team-create"),
    path("t/teams/<int:pk>/", _team, name="t-team-edit"),
    path("t/teams/<int:pk>/delete/", _team_delete, name="t-team-delete"),
    *kehu.urls.urlpatterns,
]


def logged_in(user, language="en") -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def edit_data(person, **changes) -> dict:
    data = {"name": person.name, "email": person.email, "phone": person.phone,
            "title": person.title, "owner": person.owner_id, "version": person.version,
            "tags": "", "company": ""}  # fmt: skip
    return {**data, **changes}


def test_list_page_walks_the_visible_records_by_cursor(rep, outsider):
    for name in ("甲", "乙", "丙"):
        make_person(rep, name)
    make_person(outsider, "丁")  # another team's: never listed, never counted
    client = logged_in(rep)

    first = client.get(reverse("t-list"))
    in_pinyin = ["丙", "甲", "乙"]  # bing, jia, yi
    assert [p.name for p in first.context["rows"]] == in_pinyin[:2]
    assert (first.context["count"], first.context["more"]) == (3, False)
    assert first.context["has_records"] and not first.context["filtering"]
    cursor = first.context["page"].next_cursor
    assert cursor and f"cursor={cursor}" in first.content.decode()

    second = client.get(reverse("t-list"), {"cursor": cursor})
    assert [p.name for p in second.context["rows"]] == in_pinyin[2:]
    assert second.context["page"].next_cursor is None

    backwards = client.get(reverse("t-list"), {"sort": "-name"})
    assert [p.name for p in backwards.context["rows"]] == in_pinyin[::-1][:2]

    broken = client.get(reverse("t-list"), {"cursor": "not-a-cursor"})
    assert broken.status_code == 200 and broken.context["cursor_error"]
    assert broken.context["rows"] == first.context["rows"]

    nothing = client.get(reverse("t-list"), {"q": "丁"})  # the hidden one does not match
    assert nothing.context["rows"] == [] and nothing.context["count"] == 0
    assert nothing.context["filtering"] and nothing.context["has_records"]
    assert nothing.context["params"] == {"q": "丁"}


def test_create_page_shows_form_and_service_errors_and_saves_nothing(rep):
    client = logged_in(rep)
    page = client.get(reverse("t-create"))
    assert page.status_code == 200 and "New person" in page.content.decode()
    assert 'name="version"' not in page.content.decode()

    bad = client.post(reverse("t-create"), {"name": "张伟", "email": "nope", "owner": rep.pk})
    assert bad.status_code == 200 and "email" in bad.context["form"].errors

    refused = client.post(reverse("t-create"), {"name": "保留", "owner": rep.pk})
    assert refused.status_code == 200
    assert refused.context["form"].errors["name"] == ["This name is reserved."]
    assert not Person.all_objects.exists()

    made = client.post(reverse("t-create"), {"name": "张伟", "owner": rep.pk}, follow=True)
    person = Person.objects.get()
    assert made.redirect_chain[-1][0] == person.get_absolute_url()
    assert messages_of(made) == ["“张伟” is created."]


def test_edit_page_with_a_stale_version_shows_the_conflict_and_overwrites_nothing(rep, manager):
    person = make_person(rep, "张伟", title="工程师")
    stale = edit_data(person, title="销售")
    services.update_person(manager, person, {"title": "总监"})
    client = logged_in(rep)

    response = client.post(reverse("t-edit", args=[person.pk]), stale)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this record" in body
    assert [(r["theirs"], r["yours"]) for r in response.context["conflict"]] == [("总监", "销售")]
    person.refresh_from_db()
    assert (person.title, person.version) == ("总监", 2)
    assert f'name="version" value="{person.version}"' in body

    saved = client.post(reverse("t-edit", args=[person.pk]), {**stale, "version": 2}, follow=True)
    person.refresh_from_db()
    assert (person.title, person.version) == ("销售", 3)
    assert messages_of(saved) == ["“张伟” is saved."]

    bad = client.post(reverse("t-edit", args=[person.pk]), edit_data(person, email="nope"))
    assert bad.status_code == 200 and "email" in bad.context["form"].errors
    person.refresh_from_db()
    assert person.version == 3


def test_hidden_records_answer_404_and_seen_but_not_editable_ones_403(rep, outsider, readonly_user):
    hidden = make_person(outsider, "李娜", email="lina@example.com")
    client = logged_in(rep)
    for name in ("t-edit", "t-delete"):
        for method in (client.get, client.post):
            response = method(reverse(name, args=[hidden.pk]), edit_data(hidden, title="x"))
            assert response.status_code == 404
            assert "李娜" not in response.content.decode()
            assert "lina@example.com" not in response.content.decode()
    hidden.refresh_from_db()
    assert hidden.title == "" and hidden.deleted_at is None and hidden.version == 1

    reader = logged_in(readonly_user)  # sees every person, may change none
    assert reader.get(reverse("t-edit", args=[hidden.pk])).status_code == 403
    assert reader.post(reverse("t-delete", args=[hidden.pk])).status_code == 403
    hidden.refresh_from_db()
    assert hidden.deleted_at is None


@pytest.mark.parametrize(
    ("language", "question"),
    [("en", "Move person “张伟” to the recycle bin?"), ("zh-hans", "移入回收站？")],
)
def test_delete_page_asks_with_kind_and_name_then_bins_and_restores(rep, language, question):
    person = make_person(rep, "张伟")
    client = logged_in(rep, language)

    asked = client.get(reverse("t-delete", args=[person.pk]))
    assert asked.status_code == 200 and question in asked.content.decode()
    if language == "zh-hans":
        assert "“张伟”" in asked.content.decode() and "Move" not in asked.content.decode()
    person.refresh_from_db()
    assert person.deleted_at is None  # asking changes nothing

    gone = client.post(reverse("t-delete", args=[person.pk]))
    assert gone.status_code == 302 and gone["Location"] == reverse("person-list")
    person.refresh_from_db()
    assert person.deleted_at is not None

    back = client.post(reverse("t-restore", args=[person.pk]))
    assert back["Location"] == person.get_absolute_url()
    person.refresh_from_db()
    assert person.deleted_at is None


def test_settings_page_puts_service_errors_on_the_field_and_says_saved(admin_user):
    Team.objects.create(name="华东")
    client = logged_in(admin_user)
    assert client.get(reverse("t-team-create")).status_code == 200

    taken = client.post(reverse("t-team-create"), {"name": "华东"})
    assert taken.status_code == 400 and "name" in taken.context["form"].errors
    assert Team.objects.count() == 1

    made = client.post(reverse("t-team-create"), {"name": "华南"}, follow=True)
    assert made.redirect_chain[-1][0] == reverse("team-list")
    assert messages_of(made) == ["“华南” is saved."]
    team = Team.objects.get(name="华南")

    page = client.get(reverse("t-team-edit", args=[team.pk]))
    assert "<h1>华南</h1>" in page.content.decode()
    renamed = client.post(reverse("t-team-edit", args=[team.pk]), {"name": "华南二部"})
    assert renamed.status_code == 302
    team.refresh_from_db()
    assert team.name == "华南二部"
    assert client.get(reverse("t-team-edit", args=[9999])).status_code == 404

    removed = client.post(reverse("t-team-delete", args=[team.pk]), follow=True)
    assert messages_of(removed) == ["“华南二部” is removed."]
    assert not Team.objects.filter(pk=team.pk).exists()


def test_settings_rows_errors_show_above_the_rows(admin_user):
    """A real settings page with rows: the pipeline's stages."""
    client = logged_in(admin_user)
    data = {"name": "渠道", "stale_days": 30, "active": "on", "stages-TOTAL_FORMS": 2,
            "stages-INITIAL_FORMS": 0, "stages-0-name": "初步接触", "stages-0-probability": 10,
            "stages-0-kind": "open", "stages-1-name": "赢单", "stages-1-probability": 100,
            "stages-1-kind": "won"}  # fmt: skip
    response = client.post(reverse("pipeline-create"), data)
    assert response.status_code == 200
    assert response.context["row_errors"] == ["A pipeline needs a won stage and a lost stage."]
    assert "A pipeline needs a won stage and a lost stage." in response.content.decode()
    assert not Pipeline.objects.filter(name="渠道").exists()


def test_the_converted_record_pages_share_the_templates(rep):
    deal = make_deal(rep, "华为框架协议")
    client = logged_in(rep)
    asked = client.get(reverse("deal-delete", args=[deal.pk])).content.decode()
    assert "Move deal “华为框架协议” to the recycle bin?" in asked
    form = client.get(reverse("deal-edit", args=[deal.pk]))
    assert [t.name for t in form.templates][0] == "web/record_form.html"
    assert "Edit 华为框架协议" in form.content.decode()
