"""Lost reasons: the administrators' list (built-in ones in both languages, their own as
written, archived never offered), a lost deal's reason by reference plus words, the API that
reads and changes both, and old free-text reasons kept readable under "Other"."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from kehu.core.models import AuditEntry
from kehu.sales.deals import services as deals
from kehu.sales.lost_reasons import services
from kehu.sales.models import Deal, LostReason
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_deal, stage

pytestmark = pytest.mark.django_db


def reason(key: str) -> LostReason:
    return LostReason.objects.get(key=key)


def test_built_in_reasons_show_in_the_readers_language_and_own_ones_as_written(admin_user):
    price = reason("price")
    with translation.override("zh-hans"):
        assert price.display_name == "价格" and reason("other").display_name == "其他"
    with translation.override("en"):
        assert price.display_name == "Price"
    own = services.create_reason(admin_user, {"name": "客户倒闭了"})
    with translation.override("en"):
        assert own.display_name == "客户倒闭了"
    assert own.position > reason("other").position  # added last
    assert AuditEntry.objects.filter(object_id=own.pk, action="create").exists()


def test_only_administrators_change_the_list_and_bad_input_saves_nothing(rep, admin_user):
    with pytest.raises(PermissionDenied):
        services.create_reason(rep, {"name": "太远"})
    with pytest.raises(PermissionDenied):
        services.update_reason(rep, reason("price"), {"archived": True})
    with pytest.raises(ValidationError) as error:
        services.create_reason(admin_user, {"name": "  "})
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.create_reason(admin_user, {"name": "Price"})  # a duplicate
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.update_reason(admin_user, reason("other"), {"archived": True})
    assert "archived" in error.value.message_dict
    assert LostReason.objects.count() == 7 and not LostReason.objects.filter(archived=True)


def test_a_lost_deal_takes_a_reason_from_the_list_with_words_where_other_asks(rep, admin_user):
    deal = make_deal(rep)
    lost = stage("Lost").pk
    for bad, field in ((999999, "lost_reason"), ("x", "lost_reason")):
        with pytest.raises(ValidationError) as error:
            deals.move_deal(rep, deal, lost, lost_reason=bad)
        assert field in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        deals.move_deal(rep, deal, lost, lost_reason=reason("other").pk)
    assert "close_reason" in error.value.message_dict  # "Other" needs words
    services.update_reason(admin_user, reason("budget"), {"archived": True})
    with pytest.raises(ValidationError) as error:
        deals.move_deal(rep, deal, lost, lost_reason=reason("budget").pk)
    assert "archived" in error.value.message_dict["lost_reason"][0]
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification" and deal.version == 1

    deal = deals.move_deal(rep, deal, lost, lost_reason=reason("price").pk, reason="贵了 20%")
    assert deal.lost_reason.key == "price" and deal.close_reason == "贵了 20%"
    # archived later: the deal keeps it, and can still be edited
    services.update_reason(admin_user, reason("price"), {"archived": True})
    deal = deals.update_deal(rep, Deal.objects.get(pk=deal.pk), {"next_step": "半年后再联系"})
    assert deal.lost_reason.key == "price"
    # reopened: no lost reason any more
    deal = deals.reopen_deal(rep, deal)
    assert deal.lost_reason is None and deal.close_reason == ""


def test_the_settings_page_renames_reorders_archives_and_adds(client, admin_user):
    client.force_login(admin_user)
    url = reverse("lost-reason-settings")
    page = client.get(url)
    assert page.status_code == 200 and "Chose a competitor" in page.content.decode()
    reasons = list(LostReason.objects.all())
    data = {"reasons-TOTAL_FORMS": str(len(reasons) + 1), "reasons-INITIAL_FORMS": "7"}
    for i, r in enumerate(reasons):
        data |= {f"reasons-{i}-id": r.pk, f"reasons-{i}-position": i, f"reasons-{i}-name": r.name,
                 f"reasons-{i}-name_zh": r.name_zh}  # fmt: skip
    data["reasons-0-name"] = "Price too high"  # rename
    data["reasons-1-position"] = "99"  # competitor goes last
    data["reasons-2-archived"] = "on"  # archive budget
    data |= {"reasons-7-name": "客户倒闭", "reasons-7-position": "50"}  # a new one
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    names = [r.name for r in LostReason.objects.all()]
    assert names[0] == "Price too high" and names[-2:] == ["客户倒闭", "Chose a competitor"]
    assert reason("budget").archived
    # a row emptied: refused, nothing saved
    data["reasons-3-name"] = ""
    response = client.post(url, data | {"reasons-0-name": "Changed again"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert reason("price").name == "Price too high"


def test_settings_page_refuses_everyone_but_administrators(client, rep):
    client.force_login(rep)
    assert client.get(reverse("lost-reason-settings")).status_code == 403


def test_old_free_text_reasons_are_kept_under_other_by_the_migration(rep):
    deal = make_deal(rep)
    deal = deals.move_deal(rep, deal, stage("Lost").pk, lost_reason=reason("price").pk)
    Deal.objects.filter(pk=deal.pk).update(lost_reason=None, close_reason="老系统里的原因")
    migration = importlib.import_module("kehu.sales.migrations.0018_lost_reasons")
    migration.seed_reasons(apps, None)  # a second run adds no reasons
    deal.refresh_from_db()
    assert deal.lost_reason.key == "other" and deal.close_reason == "老系统里的原因"
    assert LostReason.objects.count() == 7


def test_the_deal_page_marks_lost_with_a_reason_and_shows_it(client, rep):
    deal = make_deal(rep)
    client.force_login(rep)
    url = reverse("deal-move", args=[deal.pk])
    # no reason: back to the page with the error, nothing saved (no JSON for a plain form)
    response = client.post(url, {"stage": stage("Lost").pk, "version": 1}, follow=True)
    assert "Choose why the deal was lost." in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).version == 1
    response = client.post(
        url,
        {"stage": stage("Lost").pk, "version": 1, "lost_reason": reason("fit").pk, "reason": ""},
        follow=True,
    )
    body = response.content.decode()
    assert "Product does not fit" in body and 'id="lost-dialog"' not in body  # closed now
    assert Deal.objects.get(pk=deal.pk).lost_reason.key == "fit"


def test_api_lists_reasons_and_only_administrators_change_them(rep, admin_user):
    reader, admin = bearer_client(rep), bearer_client(admin_user)
    items = reader.get("/api/v1/lost-reasons").json()["items"]
    assert [i["key"] for i in items][-1] == "other" and items[-1]["needs_text"]
    response = send(reader, "post", "/api/v1/lost-reasons", {"name": "太远"})
    assert response.status_code == 403
    response = send(admin, "post", "/api/v1/lost-reasons", {"name": "太远", "name_zh": ""})
    assert response.status_code == 201 and response["ETag"] == 'W/"1"'
    url = f"/api/v1/lost-reasons/{response.json()['id']}"
    response = send(admin, "patch", url, {"archived": True}, **{"If-Match": 'W/"1"'})
    assert response.status_code == 200 and response.json()["archived"]
    response = send(admin, "patch", url, {"name": "x"}, **{"If-Match": 'W/"1"'})
    assert response.status_code == 412
    other = f"/api/v1/lost-reasons/{reason('other').pk}"
    assert_validation(send(admin, "patch", other, {"archived": True}), "archived")
    assert_validation(send(admin, "patch", other, {"position": None}), "position")
    active = reader.get("/api/v1/lost-reasons?archived=false").json()["items"]
    assert "太远" not in [i["name"] for i in active]


def test_api_moves_a_deal_to_lost_by_reason_id_and_refuses_bad_ones(rep, admin_user):
    client = bearer_client(rep)
    deal = make_deal(rep)
    move = f"/api/v1/deals/{deal.pk}/move"
    lost = stage("Lost").pk
    assert_validation(send(client, "post", move, {"stage_id": lost, "lost_reason_id": 99999}),
                      "lost_reason_id")  # fmt: skip
    assert_validation(send(client, "post", move, {"stage_id": lost, "lost_reason_id": 0}),
                      "lost_reason_id")  # fmt: skip
    services.update_reason(admin_user, reason("timing"), {"archived": True})
    body = {"stage_id": lost, "lost_reason_id": reason("timing").pk}
    assert_validation(send(client, "post", move, body), "lost_reason_id")
    body = {"stage_id": lost, "lost_reason_id": reason("other").pk}
    assert_validation(send(client, "post", move, body), "close_reason")
    assert Deal.objects.get(pk=deal.pk).version == 1
    body = {"stage_id": lost, "lost_reason_id": reason("competitor").pk, "reason": "华为"}
    response = send(client, "post", move, body, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["lost_reason_id"] == reason("competitor").pk and answer["close_reason"] == "华为"
    assert answer["lost_reason_name"] in ("Chose a competitor", "选择了竞争对手")
    # PATCH changes it; the free-text field alone still works on a new deal
    patched = send(client, "patch", f"/api/v1/deals/{deal.pk}",
                   {"lost_reason_id": reason("price").pk})  # fmt: skip
    assert patched.json()["lost_reason_id"] == reason("price").pk
    created = send(client, "post", "/api/v1/deals",
                   {"name": "老脚本", "stage_id": lost, "close_reason": "旧字段"})  # fmt: skip
    assert created.status_code == 201 and created.json()["lost_reason_id"] == reason("other").pk
