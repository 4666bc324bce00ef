"""The deal screens: board columns and totals, drag-and-drop moves, list filters, forms,
conflicts, pipeline and exchange-rate settings."""

import decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.sales.deals import services
from kehu.sales.models import Deal, Pipeline
from tests.factories import default_pipeline, make_company, make_deal, make_person, stage

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_board_shows_open_stages_with_counts_and_totals_in_company_currency(
    client, rep, admin_user, outsider
):
    services.set_exchange_rate(admin_user, "USD", "7")
    make_deal(rep, "甲", amount="1000")
    make_deal(rep, "乙", amount="100", currency="USD")
    make_deal(outsider, "别人的", amount="999999")
    won = make_deal(rep, "已赢", amount="5")
    services.move_deal(rep, won, stage("Won").pk)
    body = text(login(client, rep).get(reverse("deal-board")))
    assert "甲" in body and "乙" in body and "别人的" not in body and "已赢" not in body
    assert "1,700.00" in body  # 1000 CNY + 100 USD × 7
    assert "170.00" in body  # weighted at Qualification's 10 %
    assert f'data-drop="{stage("Won").pk}"' in body  # closed stages are drop targets


def test_board_reads_a_fixed_number_of_queries_whatever_the_cards(client, rep):
    make_deal(rep, "d0")
    login(client, rep).get(reverse("deal-board"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("deal-board"))
    for i in range(30):
        make_deal(rep, f"d{i + 1}", stage=stage("Proposal" if i % 2 else "Negotiation").pk)
    with CaptureQueriesContext(connection) as many:
        body = text(client.get(reverse("deal-board")))
    assert body.count(' data-deal="') == 31
    assert len(many) == len(few), [q["sql"] for q in many]


def test_drag_and_drop_moves_the_deal_and_answers_json(client, rep):
    deal = make_deal(rep)
    login(client, rep)
    url = reverse("deal-move", args=[deal.pk])
    headers = {"X-Requested-With": "fetch"}
    response = client.post(url, {"stage": stage("Proposal").pk, "version": 1}, headers=headers)
    assert response.status_code == 200 and response.json()["version"] == 2
    deal.refresh_from_db()
    assert deal.stage.name == "Proposal"
    # stale card: 409, nothing changes
    response = client.post(url, {"stage": stage("Negotiation").pk, "version": 1}, headers=headers)
    assert response.status_code == 409
    # lost without a reason: 400, the script asks for one
    response = client.post(url, {"stage": stage("Lost").pk, "version": 2}, headers=headers)
    assert response.status_code == 400 and response.json()["needs_reason"]
    deal.refresh_from_db()
    assert deal.stage.name == "Proposal" and deal.version == 2
    response = client.post(
        url, {"stage": stage("Lost").pk, "version": 2, "reason": "太贵"}, headers=headers
    )
    assert response.status_code == 200 and response.json()["closed"]


def test_move_from_the_deal_page_redirects_with_a_message(client, rep):
    deal = make_deal(rep)
    login(client, rep)
    response = client.post(
        reverse("deal-move", args=[deal.pk]), {"stage": stage("Won").pk, "version": 1}
    )
    assert response.status_code == 302
    body = text(client.get(response.url))
    assert "Won" in body and "Reopen in Qualification" in body
    client.post(
        reverse("deal-move", args=[deal.pk]),
        {"stage": stage("Negotiation").pk, "version": 2, "reopen": "1"},
    )
    deal.refresh_from_db()
    assert deal.stage.name == "Negotiation" and not deal.is_closed


def test_list_filters_sorts_and_flags_overdue_next_steps(client, rep):
    make_deal(rep, "大单", amount="900000", next_step="报价", next_step_due="2020-01-01")
    make_deal(rep, "小单", amount="10")
    lost = make_deal(rep, "丢了", amount="5")
    services.move_deal(rep, lost, stage("Lost").pk, reason="预算")
    login(client, rep)
    body = text(client.get(reverse("deal-list"), {"sort": "-amount"}))
    assert body.index("大单") < body.index("小单") and 'class="overdue-text"' in body
    body = text(client.get(reverse("deal-list"), {"status": "lost"}))
    assert "丢了" in body and "大单" not in body
    body = text(client.get(reverse("deal-list"), {"overdue": "1"}))
    assert "大单" in body and "小单" not in body
    body = text(client.get(reverse("deal-list"), {"q": "dadan"}))
    assert "大单" in body and "小单" not in body
    body = text(client.get(reverse("deal-list"), {"stage": "abc", "status": "nope"}))
    assert "Expected a number." in body and "Choose open, won or lost." in body


def test_create_and_edit_a_deal_through_the_form(client, rep):
    company = make_company(rep, "腾讯")
    login(client, rep)
    data = {
        "name": "腾讯云合同", "pipeline": default_pipeline().pk, "stage": stage("Proposal").pk,
        "amount": "250000", "currency": "CNY", "company": company.pk, "owner": rep.pk,
        "next_step": "发报价", "next_step_due": "2030-01-05",
    }  # fmt: skip
    response = client.post(reverse("deal-create"), data)
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert deal.amount == decimal.Decimal("250000") and deal.company == company
    body = text(client.get(deal.get_absolute_url()))
    assert "腾讯云合同" in body and "Stage history" in body and "发报价" in body
    response = client.post(
        reverse("deal-edit", args=[deal.pk]), {**data, "amount": "-5", "version": 1}
    )
    assert "Ensure this value is greater than or equal to 0." in text(response)
    assert Deal.objects.get().amount == decimal.Decimal("250000")


def test_edit_conflict_shows_the_other_change(client, rep):
    deal = make_deal(rep, amount="100")
    services.update_deal(rep, deal, {"amount": "200"})
    login(client, rep)
    data = {
        "name": deal.name, "pipeline": deal.pipeline_id, "stage": deal.stage_id,
        "amount": "300", "currency": "CNY", "owner": rep.pk, "version": 1,
    }  # fmt: skip
    body = text(client.post(reverse("deal-edit", args=[deal.pk]), data))
    assert "Someone else changed this record" in body and "200" in body
    assert Deal.objects.get().amount == decimal.Decimal("200")


def test_pipeline_settings_create_a_pipeline_with_stages(client, admin_user, rep):
    login(client, admin_user)
    data = {
        "name": "Projects", "name_zh": "项目", "stale_days": "14", "active": "on",
        "stages-TOTAL_FORMS": "3", "stages-INITIAL_FORMS": "0",
        "stages-0-name": "Scoping", "stages-0-probability": "20", "stages-0-kind": "open",
        "stages-1-name": "Signed", "stages-1-probability": "100", "stages-1-kind": "won",
        "stages-2-name": "Dropped", "stages-2-probability": "0", "stages-2-kind": "lost",
    }  # fmt: skip
    assert client.post(reverse("pipeline-create"), data).status_code == 302
    pipeline = Pipeline.objects.get(name="Projects")
    assert [s.name for s in pipeline.stages.all()] == ["Scoping", "Signed", "Dropped"]
    bad = {**data, "name": "Projects 2", "stages-1-kind": "open"}
    body = text(client.post(reverse("pipeline-create"), bad))
    assert "A pipeline needs a won stage and a lost stage." in body
    assert login(client, rep).get(reverse("pipeline-list")).status_code == 403


def test_exchange_rates_page(client, admin_user):
    login(client, admin_user)
    response = client.post(reverse("exchange-rates"), {"currency": "usd", "rate": "7.12"})
    assert response.status_code == 302
    assert "USD" in text(client.get(reverse("exchange-rates")))
    body = text(client.post(reverse("exchange-rates"), {"currency": "U$", "rate": "1"}))
    assert "three-letter ISO currency code" in body


def test_empty_states(client, rep):
    login(client, rep)
    assert "No deals yet." in text(client.get(reverse("deal-list")))
    assert "No deals in this stage." in text(client.get(reverse("deal-board")))


def test_a_company_page_lists_its_deals_the_user_may_see(client, rep, teammate):
    company = make_company(rep, "京东方")
    make_deal(rep, "京东方面板采购", company=company.pk, amount="3000")
    body = text(login(client, rep).get(company.get_absolute_url()))
    assert "京东方面板采购" in body and "3,000.00 CNY" in body
    assert f"/deals/new/?company={company.pk}" in body


def test_board_cards_escape_what_they_show(client, rep):
    company = make_company(rep, "<b>Acme</b> & Co")
    make_deal(rep, "<script>x</script>", company=company.pk, next_step='"call" <i>me</i>')
    body = text(login(client, rep).get(reverse("deal-board")))
    for raw in ("<script>x</script>", "<b>Acme</b>", "<i>me</i>"):
        assert raw not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body and "&lt;b&gt;Acme&lt;/b&gt; &amp; Co" in body
    assert "&quot;call&quot; &lt;i&gt;me&lt;/i&gt;" in body


@pytest.mark.parametrize("value", ["²", "9" * 30, "-1", "abc"])
def test_odd_ids_and_cursors_in_the_address_are_not_errors(client, rep, value):
    login(client, rep)
    for url in ("deal-board", "deal-create", "deal-list"):
        params = {"pipeline": value, "stage": value, "company": value}
        assert client.get(reverse(url), params).status_code == 200, url
    from kehu.core.pagination import encode_cursor

    huge = encode_cursor("a", 2**70)
    assert client.get(reverse("deal-list"), {"cursor": huge}).status_code == 200
    assert client.get(reverse("recycle-bin"), {"deal_cursor": huge}).status_code == 200


def test_a_move_without_a_stage_changes_nothing(client, rep):
    deal = make_deal(rep)
    login(client, rep)
    response = client.post(
        reverse("deal-move", args=[deal.pk]), {"version": 1}, headers={"X-Requested-With": "x"}
    )
    assert response.status_code == 400
    deal.refresh_from_db()
    assert deal.version == 1


def test_my_pipeline_lists_what_needs_doing(client, rep, teammate, manager):
    import datetime

    from django.utils import timezone

    from kehu.sales.leads import services as leads

    today = timezone.localdate()
    make_deal(rep, "逾期的单", next_step="回电", next_step_due=today - datetime.timedelta(days=2))
    make_deal(rep, "下周的单", next_step="报价", next_step_due=today + datetime.timedelta(days=3))
    make_deal(rep, "没有下一步")
    old = make_deal(rep, "好久没动")
    Deal.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=45), next_step="x"
    )
    leads.create_lead(rep, {"name": "逾期线索", "next_step_due": today - datetime.timedelta(1)})
    make_deal(teammate, "同事逾期", next_step_due=today - datetime.timedelta(days=2))
    body = text(login(client, rep).get(reverse("my-pipeline")))
    overdue = body.split("Deals with an overdue next step")[1].split("</section>")[0]
    assert "逾期的单" in overdue and "同事逾期" not in body
    assert "下周的单" in body.split("Deals: next step in the coming week")[1].split("</section>")[0]
    assert "好久没动" in body.split("Stale deals")[1].split("</section>")[0]
    assert "没有下一步" in body.split("Open deals without a next step")[1]
    assert "逾期线索" in body.split("Leads with an overdue next step")[1].split("</section>")[0]
    # a rep cannot look at someone else's; a manager can look at their team's
    body = text(client.get(reverse("my-pipeline"), {"owner": teammate.pk}))
    assert "同事逾期" not in body
    body = text(login(client, manager).get(reverse("my-pipeline"), {"owner": teammate.pk}))
    assert "同事逾期" in body


def test_people_on_a_deal_with_their_roles(client, rep, outsider):
    from kehu.core import audit

    company = make_company(rep, "京东方")
    buyer = make_person(rep, "李娜", company=company.pk)
    deal = make_deal(rep, "面板采购", company=company.pk)
    login(client, rep)
    body = text(client.get(deal.get_absolute_url()))
    assert f'<option value="{buyer.pk}">李娜</option>' in body
    client.post(reverse("deal-contact-set", args=[deal.pk]), {"person": buyer.pk, "role": "采购"})
    client.post(reverse("deal-contact-set", args=[deal.pk]), {"person": buyer.pk, "role": "决策人"})
    body = text(client.get(deal.get_absolute_url()))
    assert "决策人" in body and deal.contacts.count() == 1
    entry = audit.history(deal).filter(changes__has_key="contacts").first()
    assert entry.changes["contacts"] == ["李娜 (采购)", "李娜 (决策人)"]
    hidden = make_person(outsider, "别人的联系人")
    response = client.post(reverse("deal-contact-set", args=[deal.pk]), {"person": hidden.pk})
    assert "Choose a person you can see." in text(client.get(response.url))
    assert deal.contacts.count() == 1
    client.post(reverse("deal-contact-remove", args=[deal.pk, buyer.pk]))
    assert deal.contacts.count() == 0


def test_deal_contacts_in_the_api(rep, outsider):
    from tests.api.conftest import assert_validation, bearer_client, send

    person = make_person(rep, "王五")
    deal = make_deal(rep)
    client = bearer_client(rep)
    read_before = client.get(f"/api/v1/deals/{deal.pk}")
    response = send(client, "post", f"/api/v1/deals/{deal.pk}/contacts",
                    {"person_id": person.pk, "role": "用户"})  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["contacts"] == [{"person_id": person.pk, "name": "王五", "role": "用户"}]
    # The deal's people are part of the deal: an edit read before they changed is stale.
    assert response.json()["version"] == read_before.json()["version"] + 1
    assert client.get(f"/api/v1/deals/{deal.pk}").headers["ETag"] != read_before.headers["ETag"]
    stale = send(client, "patch", f"/api/v1/deals/{deal.pk}", {"name": "改名"},
                 **{"If-Match": read_before.headers["ETag"]})  # fmt: skip
    assert stale.status_code == 412
    hidden = make_person(outsider, "看不见")
    response = send(client, "post", f"/api/v1/deals/{deal.pk}/contacts", {"person_id": hidden.pk})
    assert_validation(response, "person_id")
    url = f"/api/v1/deals/{deal.pk}/contacts/{person.pk}"
    assert client.delete(url).status_code == 204
    assert_validation(client.delete(url), "person_id")
    assert bearer_client(outsider).delete(url).status_code == 404
