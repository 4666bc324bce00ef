"""Settings forms show only the fields that apply: a custom field's choices for choice types,
an assignment rule's user or team by how it assigns (the server renders them all)."""

from playwright.sync_api import expect

from kehu.customers.models import CustomField
from tests.e2e.helpers import login
from tests.factories import make_user


def test_fields_that_do_not_apply_are_hidden_until_they_do(page, server_errors):
    make_user("boss", role="Administrator", superuser=True)
    login(page, "boss")
    page.goto("/settings/fields/new/")
    choices = page.get_by_label("Choices")
    expect(choices).to_be_hidden()  # a text field has none
    page.get_by_label("Type").select_option("choice")
    expect(choices).to_be_visible()
    choices.fill("金牌\n银牌")
    page.get_by_label("Type").select_option("date")
    expect(choices).to_be_hidden()
    page.get_by_label("Label *", exact=True).fill("Signed on")
    page.get_by_role("button", name="Save").click()  # the hidden choices are not sent
    expect(page.get_by_role("link", name="Signed on")).to_be_visible()
    assert CustomField.objects.get(key="signed_on").choices == []

    page.goto("/settings/assignment/new/")
    user, team = page.get_by_label("User", exact=True), page.get_by_label("Team", exact=True)
    page.get_by_label("Assign").select_option("user")
    expect(user).to_be_visible()
    expect(team).to_be_hidden()
    page.get_by_label("Assign").select_option("round_robin")
    expect(user).to_be_hidden()
    expect(team).to_be_visible()
    assert not server_errors
