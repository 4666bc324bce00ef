"""The main pages under Kehu's Content-Security-Policy, in a real browser: nothing the policy
blocks (an inline script, style or handler; eval) is on them, and they still work — the board
drags, the chart draws, htmx searches, the key is suggested, the feed URL is copied, the API
docs render."""

import datetime
import re
import threading
import zoneinfo
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer

from playwright.sync_api import expect

from kehu.activities import services
from tests.e2e.helpers import drag, global_search, login
from tests.factories import make_deal, make_person, make_user, stage

# The machine running the suite may be busy: give the server's work (a move, a lead, a page)
# time rather than fail on the default 5 s.
WAIT_MS = 15_000

# Report every violation as a console error too (the event carries the directive and the
# place); Playwright's init scripts run outside the page's policy.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


def watch(page) -> list[str]:
    """Collect the page's CSP violations and console errors (from now on, on every page)."""
    problems: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            problems.append(f"{page.url}: {message.text}") if message.type == "error" else None
        ),
    )
    return problems


def _today_at(user, hour: int) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(user.zone)
    today = datetime.datetime.now(zone).date()
    return datetime.datetime.combine(today, datetime.time(hour), tzinfo=zone)


def test_main_pages_work_without_breaking_the_policy(new_page, server_errors):
    from tests.sales.test_quotes import two_product_quote

    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    problems = watch(page)
    admin = make_user("boss", role="Administrator", superuser=True)
    person = make_person(admin, "张伟", email="zw@example.com")
    deal = make_deal(
        admin, "华为 2027 框架协议", amount="128000", expected_close=datetime.date.today()
    )
    start = _today_at(admin, 10)
    two_hours = {"at": start, "ends_at": start + datetime.timedelta(hours=2)}
    services.log_activity(admin, person, "meeting", {"subject": "季度回顾", **two_hours})
    quote, _deal = two_product_quote(admin, admin)
    login(page, "boss")

    # every response of the app carries the policy (the browser enforces what we test)
    response = page.goto("/people/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("link", name="张伟")).to_be_visible(timeout=WAIT_MS)
    # htmx under the policy: the search dropdown fills as one types
    global_search(page).fill("zhang")
    popup = page.locator("#search-popup")
    expect(popup.get_by_role("option", name=re.compile("张伟"))).to_be_visible(timeout=WAIT_MS)

    page.goto(person.get_absolute_url())
    expect(page.locator("h1")).to_contain_text("张伟", timeout=WAIT_MS)

    # the board: choosing a pipeline submits by itself, and a card still drags
    page.goto("/deals/board/")
    proposal = page.locator(f'[data-stage="{stage("Proposal").pk}"]')
    drag(page, page.locator(f'[data-deal="{deal.pk}"]'), proposal.locator("[data-drop]"))
    expect(proposal.locator(f'[data-deal="{deal.pk}"]')).to_be_visible(timeout=WAIT_MS)
    expect(proposal.locator("[data-count]")).to_have_text("1", timeout=WAIT_MS)

    # the calendar (FullCalendar) gets its injected stylesheet through this page's style
    # nonce, and only styles get one: the meeting spans two hours of the grid
    response = page.goto("/calendar/")
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    assert "'nonce-" in policy["style-src"] and "'unsafe-inline'" not in policy["style-src"]
    assert policy["script-src"] == "'self'"
    slot = page.locator(".fc-timegrid-event", has_text="季度回顾")
    expect(slot).to_be_visible(timeout=WAIT_MS)
    assert slot.evaluate("s => s.getBoundingClientRect().height") > 60

    # the forecast chart (ECharts, SVG) draws its weighted bars from its inert JSON script
    page.goto("/deals/forecast/")
    weighted = page.locator('[data-chart-canvas] svg path[fill="#c2410c"]').first  # 2nd colour
    expect(weighted).to_be_visible(timeout=WAIT_MS)
    assert weighted.evaluate("b => b.getBoundingClientRect().width") > 10

    page.goto(f"/quotes/{quote.pk}/print/")
    expect(page.get_by_role("button", name="Print")).to_be_visible(timeout=WAIT_MS)

    # the custom field form suggests a key from the label (once inline script, now kehu.js)
    page.goto("/settings/fields/new/")
    page.locator("[data-key-source]").fill("Région préférée")
    expect(page.locator("[data-key-target]")).to_have_value("region_preferee", timeout=WAIT_MS)

    # the calendar subscription page copies the new URL
    page.goto("/calendar/subscribe/")
    page.get_by_role("button", name="Create my feed URL").click()
    url = page.locator("[data-feed-url]").inner_text()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("navigator.clipboard.readText()") == url

    # the API docs (django-ninja's Swagger UI) render under the same policy
    page.goto("/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("/api/v1/people", exact=True).first).to_be_visible(timeout=WAIT_MS)
    people_list = page.locator(".opblock-get").filter(
        has=page.get_by_text("/api/v1/people", exact=True)
    )  # the people list: it needs no parameter
    people_list.first.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    expect(page.get_by_role("button", name="Execute")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200", timeout=WAIT_MS)

    # my day (its styles moved to kehu.css) still lays out its list
    page.goto("/my-day/")
    expect(page.locator("h1")).to_contain_text("My day", timeout=WAIT_MS)
    assert not problems, "Console errors or CSP violations:\n" + "\n".join(problems)
    assert not server_errors


def test_the_watch_sees_a_blocked_inline_script(new_page, site):
    """The watch itself works: an inline script put into a page is blocked and reported, so a
    clean walk above means something."""
    page = new_page()
    problems = watch(page)
    page.goto("/login/")
    page.evaluate(
        """() => { const s = document.createElement("script");
        s.textContent = "window.ran = 1"; document.body.append(s); }"""
    )
    expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=WAIT_MS)
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert any("CSP violation: script-src" in p for p in problems), problems


@contextmanager
def company_site(html: str):
    """A company's own website on another origin (127.0.0.1, a port of this project's range,
    while Kehu's live server is on localhost): a real HTTP server that answers `html`."""
    body = html.encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    for port in range(18401, 18421):
        try:
            server = HTTPServer(("127.0.0.1", port), Page)
            break
        except OSError:
            continue
    else:
        raise RuntimeError("no free port in 18401-18420")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_company_site_frames_the_web_lead_form_but_no_other_page(new_page, site):
    """The company's site (another origin) shows the web form in an iframe and a visitor sends
    it; the login page framed the same way is refused by the browser (frame-ancestors)."""
    from kehu.sales.models import Lead

    make_user("boss", role="Administrator", superuser=True)
    page = new_page()
    assert site.startswith("http://localhost:")
    shop = (
        f'<h1>Shop</h1><iframe id="form" src="{site}/forms/lead/"></iframe>'
        f'<iframe id="crm" src="{site}/login/"></iframe>'
    )
    with company_site(shop) as url:
        page.goto(url)
        form = page.frame_locator("#form")
        expect(form.get_by_role("heading", name="Contact us")).to_be_visible(timeout=WAIT_MS)
        form.get_by_label("Name").first.fill("欧阳娜")
        form.get_by_label("Email").first.fill("ouyang@qinghe.example")
        form.get_by_role("button", name="Send").click()
        expect(form.get_by_role("heading", name="Thank you")).to_be_visible(timeout=WAIT_MS)
        assert Lead.objects.filter(name="欧阳娜").exists()
        # the login page, like every page of Kehu's but the form, refuses to be framed
        crm = page.frame_locator("#crm")
        expect(crm.get_by_role("button", name="Log in")).to_have_count(0)
        assert any(frame.url.startswith("chrome-error:") for frame in page.frames)
