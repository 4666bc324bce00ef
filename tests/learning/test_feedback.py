"""Feedback: anyone sends it (page and API), sees only their own; administrators see all and
answer with status and reply (If-Match); bad input saves nothing."""

import pytest
from django.test import Client

from kehu.core import events
from kehu.core.models import AuditEntry
from kehu.learning.feedback import services
from kehu.learning.models import Feedback
from tests.api.conftest import assert_validation, bearer_client, send

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_rep_sends_feedback_from_the_page_they_were_on(rep, monkeypatch):
    client = signed_in(rep)
    form = client.get("/feedback/new/", headers={"Referer": "http://testserver/people/?q=x"})
    assert 'value="/people/?q=x"' in form.content.decode()
    seen = []
    monkeypatch.setitem(events._handlers, "feedback.created", [lambda **kw: seen.append(kw)])
    response = client.post(
        "/feedback/new/", {"what": "导入太慢 Import is slow", "where": "/import/"}
    )
    assert response.status_code == 302
    item = Feedback.objects.get()
    assert (item.author, item.what, item.where, item.status) == (
        rep,
        "导入太慢 Import is slow",
        "/import/",
        "new",
    )
    assert seen and seen[-1]["record"] == item
    assert AuditEntry.objects.filter(object_id=item.pk, action="create").exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"what": "  ", "where": "/people/"}, "what"),
        ({"what": "x" * 4001, "where": ""}, "what"),
        ({"what": "ok", "where": "//evil.example/x"}, "where"),
        ({"what": "ok", "where": "javascript:alert(1)"}, "where"),
        # browsers read a backslash as a slash: /\\evil.example is another site's address
        ({"what": "ok", "where": "/\\evil.example/x"}, "where"),
        ({"what": "ok", "where": "https://kehu.example/\\evil.example/x"}, "where"),
        ({"what": "nul \x00", "where": ""}, "what"),
    ],
)
def test_bad_feedback_is_refused_with_a_field_error_and_nothing_saved(rep, data, field):
    response = signed_in(rep).post("/feedback/new/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Feedback.objects.exists()


def test_a_full_address_is_kept_as_its_path_only(rep):
    item = services.create_feedback(rep, {"what": "x", "where": "https://evil.example/people/1/"})
    assert item.where == "/people/1/"


def test_each_sees_their_own_and_administrators_see_all(rep, teammate, admin_user):
    mine = services.create_feedback(rep, {"what": "REP-ITEM-1"})
    theirs = services.create_feedback(teammate, {"what": "MATE-ITEM-2"})
    page = signed_in(rep).get("/feedback/").content.decode()
    assert "REP-ITEM-1" in page and "MATE-ITEM-2" not in page
    assert signed_in(rep).get(f"/feedback/{theirs.pk}/").status_code == 404
    assert signed_in(rep).get(f"/feedback/{mine.pk}/").status_code == 200
    admin_page = signed_in(admin_user).get("/feedback/").content.decode()
    assert "REP-ITEM-1" in admin_page and "MATE-ITEM-2" in admin_page
    api = bearer_client(rep).get("/api/v1/feedback").json()
    assert [i["what"] for i in api["items"]] == ["REP-ITEM-1"]
    assert bearer_client(rep).get(f"/api/v1/feedback/{theirs.pk}").status_code == 404
    everyone = bearer_client(admin_user).get("/api/v1/feedback?status=new").json()
    assert {i["what"] for i in everyone["items"]} == {"REP-ITEM-1", "MATE-ITEM-2"}


def test_an_administrator_answers_on_the_page_and_a_stale_form_saves_nothing(rep, admin_user):
    item = services.create_feedback(rep, {"what": "需要批量改负责人"})
    admin = signed_in(admin_user)
    response = admin.post(
        f"/feedback/{item.pk}/", {"status": "planned", "reply": "下个版本", "version": 1}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.reply, item.replied_by, item.version) == (
        "planned",
        "下个版本",
        admin_user,
        2,
    )
    stale = admin.post(f"/feedback/{item.pk}/", {"status": "done", "reply": "", "version": 1})
    assert stale.status_code == 409
    item.refresh_from_db()
    assert item.status == "planned"
    # the author reads the reply and may not answer it themselves
    assert "下个版本" in signed_in(rep).get(f"/feedback/{item.pk}/").content.decode()
    refused = signed_in(rep).post(f"/feedback/{item.pk}/", {"status": "done", "version": 2})
    assert refused.status_code == 403
    item.refresh_from_db()
    assert item.status == "planned"


def test_the_api_creates_and_administrators_patch_with_if_match(rep, admin_user):
    created = send(
        bearer_client(rep), "post", "/api/v1/feedback", {"what": "API 反馈", "where": "/deals/"}
    )
    assert created.status_code == 201, created.content
    assert created["ETag"] == 'W/"1"'
    pk = created.json()["id"]
    admin = bearer_client(admin_user)
    stale = send(
        admin, "patch", f"/api/v1/feedback/{pk}", {"status": "done"}, **{"If-Match": 'W/"7"'}
    )
    assert stale.status_code == 412
    done = send(
        admin,
        "patch",
        f"/api/v1/feedback/{pk}",
        {"status": "wont_do", "reply": "不做"},
        **{"If-Match": 'W/"1"'},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "wont_do" and done["ETag"] == 'W/"2"'
    by_rep = send(bearer_client(rep), "patch", f"/api/v1/feedback/{pk}", {"status": "new"})
    assert by_rep.status_code == 403
    assert Feedback.objects.get().status == "wont_do"


def test_bad_api_input_answers_422_and_saves_nothing(rep, admin_user):
    client = bearer_client(rep)
    assert_validation(send(client, "post", "/api/v1/feedback", {"what": ""}), "what")
    assert_validation(
        send(client, "post", "/api/v1/feedback", {"what": "x", "where": "//x.example"}), "where"
    )
    assert_validation(send(client, "post", "/api/v1/feedback", {"what": "x", "extra": 1}), "extra")
    assert not Feedback.objects.exists()
    item = services.create_feedback(rep, {"what": "x"})
    admin = bearer_client(admin_user)
    assert_validation(
        send(admin, "patch", f"/api/v1/feedback/{item.pk}", {"status": "maybe"}), "status"
    )
    assert_validation(
        send(admin, "patch", f"/api/v1/feedback/{item.pk}", {"status": None}), "status"
    )
    item.refresh_from_db()
    assert (item.status, item.version) == ("new", 1)
