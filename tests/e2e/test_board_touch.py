"""The pipeline board on a phone: one stage at a time (scroll-snap), a card dragged by a finger
(SortableJS) moves the deal; axe-core finds no serious problem at phone and desktop sizes."""

import time

from playwright.sync_api import expect

from kehu.sales.models import Deal
from tests.e2e.accessibility import serious_violations
from tests.e2e.helpers import login
from tests.factories import make_deal, make_user, stage

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _touch_drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A finger that presses, holds (past SortableJS's touch delay) and slides: Playwright's
    touchscreen only taps, so the touch points go through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, x: float, y: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", *start)
    time.sleep(0.4)
    steps = 15
    for i in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * i / steps
        y = start[1] + (end[1] - start[1]) * i / steps
        touch("touchMove", x, y)
        time.sleep(0.03)
    time.sleep(0.2)
    touch("touchEnd", *end)


def _centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_finger_moves_a_card_on_a_phone(new_page, server_errors):
    rep = make_user("lina")
    deal = make_deal(rep, "华为 2027 框架协议", amount="128000")
    page = new_page(**PHONE)
    login(page, "lina")
    page.goto("/deals/board/")
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= 390
    )  # the board scrolls, not the page
    board = page.locator("[data-board]")
    assert board.evaluate("el => getComputedStyle(el).scrollSnapType").startswith("x")
    assert serious_violations(page) == []

    card = page.locator(f'[data-deal="{deal.pk}"]')
    won = page.locator(f'.board-drop[data-drop="{stage("Won").pk}"]')
    with page.expect_response(lambda r: "/move/" in r.url) as moved:
        _touch_drag(page, _centre(card), _centre(won))
    assert moved.value.status == 200
    expect(page.locator(f'[data-deal="{deal.pk}"]')).to_have_count(0)
    deal = Deal.objects.get(pk=deal.pk)
    assert deal.stage.kind == "won" and deal.version == 2


def test_the_board_passes_axe_on_a_desktop(new_page):
    rep = make_user("lina")
    make_deal(rep, "华为 2027 框架协议", amount="128000")
    page = new_page(viewport={"width": 1440, "height": 900})
    login(page, "lina")
    page.goto("/deals/board/")
    expect(page.locator("[data-deal]")).to_have_count(1)
    assert serious_violations(page) == []
