"""In-page dialogs: "Lost" on a deal's page asks why in the reasons dialog, and a delete that
asks first (an activity's; record pages offer Undo instead) asks in the page's own
confirmation, which the keyboard works (Escape says no and gives the focus back; Enter on the
dialog's button goes ahead)."""

import re

from playwright.sync_api import expect

from kehu.activities.models import Activity
from kehu.activities.services import add_note
from kehu.sales.models import Deal
from tests.e2e.helpers import login
from tests.factories import make_deal, make_user


def test_lost_and_delete_ask_in_the_page_and_the_keyboard_answers(page, server_errors):
    rep = make_user("lina")
    deal = make_deal(rep, "待删除的商机")
    login(page, "lina")
    page.goto(f"/deals/{deal.pk}/")
    stages = page.locator(".stage-path")
    expect(stages.get_by_role("combobox")).to_be_hidden()  # the inline choice, for no scripts
    stages.get_by_role("button", name="Lost").click()
    reasons = page.get_by_role("dialog", name="Why was this deal lost?")
    reasons.get_by_role("radio", name="No budget").check()
    reasons.get_by_label("Details").fill("明年再说")
    page.keyboard.press("Enter")  # sends the dialog's form
    expect(page.locator(".props")).to_contain_text("No budget: 明年再说")
    assert Deal.objects.get(pk=deal.pk).lost_reason.key == "budget"

    note = add_note(rep, deal, "待删除的备注")
    page.goto(f"/activities/{note.pk}/")
    delete = page.locator(".page-head").get_by_role("button", name="Delete")
    dialog = page.get_by_role("dialog", name="Move this to the recycle bin?")

    delete.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    cancel = dialog.get_by_role("button", name="Cancel")
    expect(cancel).to_be_focused()  # the safe answer first
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    assert Activity.objects.get(pk=note.pk).deleted_at is None

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Delete")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(rf"/activities/{note.pk}/$"))
    assert Activity.all_objects.get(pk=note.pk).deleted_at is not None
    assert not server_errors
