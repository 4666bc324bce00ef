"""The first-run tour in the browser: it starts after the first login, Next and Back move it
with the part of the page highlighted, Skip ends it for good, and it can be replayed."""

import re

from playwright.sync_api import expect

from kehu.learning.models import TourSeen
from tests.e2e.helpers import login
from tests.factories import make_team, make_user


def test_the_tour_starts_once_moves_on_and_can_be_replayed(page):
    rep = make_user("lina", team=make_team("华东销售"))
    TourSeen.objects.filter(user=rep).delete()
    login(page, "lina")

    tour = page.get_by_role("dialog", name="Welcome to Kehu")
    expect(tour).to_be_visible()
    expect(tour.get_by_role("button", name="Next")).to_be_focused()
    expect(tour).to_contain_text(re.compile(r"1 of \d+"))
    page.keyboard.press("Enter")  # the focused Next
    step = page.get_by_role("dialog", name="My day")
    expect(step).to_be_visible()
    ring = page.locator(".tour-ring")
    link = page.locator('[data-tour="my-day"]').bounding_box()
    box = ring.bounding_box()
    assert box["x"] <= link["x"] and box["x"] + box["width"] >= link["x"] + link["width"]
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("dialog", name="People and companies")).to_be_visible()
    page.get_by_role("button", name="Back").click()
    expect(step).to_be_visible()

    step.get_by_role("button", name="Skip tour").click()
    expect(page.locator(".tour-box")).to_have_count(0)
    expect(ring).to_have_count(0)
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".tour-box")).to_have_count(0)  # seen: not started on its own again

    page.goto("/help/")
    page.get_by_role("button", name="Take the tour").click()
    expect(tour).to_be_visible()
    page.keyboard.press("Escape")
    expect(tour).to_be_hidden()
    seen = TourSeen.objects.get(user=rep)
    assert (seen.tour, seen.finished) == ("rep", False)
