"""In-page confirmations: a delete asks in the page's own dialog, which the keyboard works
(Escape says no and gives the focus back; Enter on the dialog's button goes ahead)."""

import re

from playwright.sync_api import expect

from kehu.sales.models import Deal
from tests.e2e.helpers import login
from tests.factories import make_deal, make_user


def test_delete_asks_in_the_page_and_the_keyboard_answers(page, server_errors):
    rep = make_user("lina")
    deal = make_deal(rep, "待删除的商机")
    login(page, "lina")
    page.goto(f"/deals/{deal.pk}/")
    delete = page.locator(".page-head").get_by_role("button", name="Delete")
    dialog = page.get_by_role("dialog", name="Move 待删除的商机 to the recycle bin?")

    delete.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    cancel = dialog.get_by_role("button", name="Cancel")
    expect(cancel).to_be_focused()  # the safe answer first
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    assert Deal.objects.get(pk=deal.pk).deleted_at is None

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Delete")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/deals/$"))
    assert Deal.all_objects.get(pk=deal.pk).deleted_at is not None
    assert not server_errors
