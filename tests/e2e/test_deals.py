"""The pipeline board: drag a deal card to another stage and find the move in its history."""

from playwright.sync_api import expect

from kehu.sales.models import Deal, StageChange
from tests.e2e.helpers import login
from tests.factories import make_deal, make_user, stage


def test_drag_a_deal_to_the_next_stage_and_see_its_history(page, server_errors):
    rep = make_user("lina")
    deal = make_deal(rep, "华为 2027 框架协议", amount="128000")
    make_deal(rep, "另一个商机", amount="500")
    login(page, "lina")
    page.goto("/deals/board/")
    qualification = page.locator(f'[data-stage="{stage("Qualification").pk}"]')
    proposal = page.locator(f'[data-stage="{stage("Proposal").pk}"]')
    expect(qualification.locator("[data-count]")).to_have_text("2")
    expect(qualification).to_contain_text("128,500.00 CNY")

    card = page.locator(f'[data-deal="{deal.pk}"]')
    card.drag_to(proposal.locator("[data-drop]"))
    expect(proposal.locator(f'[data-deal="{deal.pk}"]')).to_be_visible()
    expect(proposal.locator("[data-count]")).to_have_text("1")
    expect(qualification.locator("[data-count]")).to_have_text("1")
    expect(proposal).to_contain_text("128,000.00 CNY")
    deal.refresh_from_db()
    assert deal.stage.name == "Proposal"

    page.get_by_role("link", name="华为 2027 框架协议").click()
    history = page.locator("section", has_text="Stage history")
    expect(history.locator("tbody tr").first).to_contain_text("Qualification")
    expect(history.locator("tbody tr").first).to_contain_text("Proposal")
    assert StageChange.objects.filter(deal=deal).count() == 2
    assert not server_errors


def test_dropping_on_lost_asks_why(page, server_errors):
    rep = make_user("lina")
    deal = make_deal(rep, "预算被砍的项目")
    login(page, "lina")
    page.goto("/deals/board/")
    page.once("dialog", lambda dialog: dialog.accept("预算取消"))
    page.locator(f'[data-deal="{deal.pk}"]').drag_to(
        page.locator(f'.board-drop[data-drop="{stage("Lost").pk}"]')
    )
    expect(page.locator(f'[data-deal="{deal.pk}"]')).to_have_count(0)
    deal = Deal.objects.get(pk=deal.pk)
    assert deal.stage.kind == "lost" and deal.close_reason == "预算取消"
    assert not server_errors
