"""The pipeline board: drag a deal card to another stage and find the move in its history."""

from playwright.sync_api import expect

from kehu.sales.models import Deal, StageChange
from tests.e2e.accessibility import serious_violations
from tests.e2e.helpers import drag, login
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
    drag(page, card, proposal.locator("[data-drop]"))
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


def test_dropping_on_lost_asks_why_in_the_page_and_escape_puts_the_card_back(page, server_errors):
    rep = make_user("lina")
    deal = make_deal(rep, "预算被砍的项目")
    login(page, "lina")
    page.goto("/deals/board/")
    card = page.locator(f'[data-deal="{deal.pk}"]')
    lost_zone = page.locator(f'.board-drop[data-drop="{stage("Lost").pk}"]')
    dialog = page.get_by_role("dialog", name="Why was this deal lost?")

    drag(page, card, lost_zone)
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    qualification = page.locator(f'[data-stage="{stage("Qualification").pk}"]')
    expect(qualification.locator(f'[data-deal="{deal.pk}"]')).to_be_visible()  # back in place
    assert Deal.objects.get(pk=deal.pk).version == 1

    drag(page, card, lost_zone)
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Mark as lost").click()  # no reason yet: stays open
    expect(dialog).to_be_visible()
    for _ in range(12):  # Tab keeps to the dialog's controls
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog')?.id") == "lost-dialog"
    assert serious_violations(page) == []
    dialog.get_by_role("radio", name="Other").check()
    dialog.get_by_role("button", name="Mark as lost").click()  # "Other" needs words
    expect(dialog).to_be_visible()
    dialog.get_by_role("radio", name="Price").check()
    dialog.get_by_label("Details").fill("预算取消")
    dialog.get_by_role("button", name="Mark as lost").click()
    expect(dialog).to_be_hidden()
    expect(card).to_have_count(0)
    deal = Deal.objects.get(pk=deal.pk)
    assert deal.stage.kind == "lost" and deal.close_reason == "预算取消"
    assert deal.lost_reason.key == "price"
    assert not server_errors


def test_convert_a_qualified_lead_into_person_company_and_deal(page, server_errors):
    from kehu.customers.models import Company, Person
    from kehu.sales.leads import services as leads

    rep = make_user("lina")
    lead = leads.create_lead(
        rep, {"name": "欧阳娜", "company_name": "青禾教育", "email": "ouyang@qinghe.example"}
    )
    login(page, "lina")
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Status").select_option("qualified")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Convert").click()
    expect(page.get_by_text("Creates the company 青禾教育.")).to_be_visible()
    page.get_by_label("Deal name").fill("青禾教育 首单")
    page.get_by_label("Amount").fill("36000")
    page.get_by_role("button", name="Convert").click()
    expect(page.locator("h1")).to_contain_text("青禾教育 首单")
    expect(page.get_by_text("36,000.00 CNY").first).to_be_visible()
    assert Person.objects.get().email == "ouyang@qinghe.example"
    assert Company.objects.get().name == "青禾教育"
    page.goto(f"/leads/{lead.pk}/")
    expect(page.get_by_text("Converted on")).to_be_visible()
    assert not server_errors
