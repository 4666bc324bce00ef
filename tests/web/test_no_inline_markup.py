"""No page holds what the Content-Security-Policy blocks: the demo walked link by link (as
tests/web/test_crawl.py walks it) finds no inline <script> or <style>, no style="" attribute,
no on...= handler, no hx-on (htmx runs it as script) and no javascript: link; and every page it
reaches carries the policy and `no-store`. The browser test (tests/e2e/
test_content_security_policy.py) proves the same pages work under the policy."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from kehu.accounts.models import User
from tests.web.test_crawl import demo_data, linked_pages  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


#: script elements a browser never runs: data for a page's own script, allowed by any policy
DATA_SCRIPTS = ("application/json", "application/ld+json")


class InlineFinder(HTMLParser):
    """Collects what a strict policy (no 'unsafe-inline', no 'unsafe-eval') would block."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        kind = (dict(attrs).get("type") or "").lower()
        if tag == "script" and "src" not in names and kind not in DATA_SCRIPTS:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}>')
            elif name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"{name}= on <{tag}>")
            elif name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"{name}=javascript: on <{tag}>")


def inline_markup(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def test_the_finder_sees_each_kind():
    page = (
        '<script>x()</script><script src="/a.js"></script><script type="application/json">{}'
        '</script><style>p{}</style><p style="color:red" onclick="x()" hx-on:click="x()">'
        '<a href=" JavaScript:x()">'
    )
    found = inline_markup(page)
    assert found == [
        "inline <script>",
        "<style> element",
        'style="color:red" on <p>',
        "onclick= on <p>",
        "hx-on:click= on <p>",
        "href=javascript: on <a>",
    ]


@pytest.mark.parametrize("username", ["admin", "zhou.min"])
def test_no_page_holds_inline_script_style_or_handlers(demo_data, username):  # noqa: F811
    client = Client()
    client.force_login(User.objects.get(username=username))
    pages, failures = 0, []
    for url, response in linked_pages(client, ["/"], budget=300, samples=2):
        if response.status_code != 200:
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages += 1
        failures += [f"{url}: {what}" for what in inline_markup(response.content.decode())]
        policy = response.get("Content-Security-Policy", "")
        # the public pages (help centre, support form, portal) allow no script at all
        no_script = "default-src 'none'" in policy and "script-src" not in policy
        if "script-src 'self'" not in policy and not no_script:
            failures.append(f"{url}: no Content-Security-Policy")
        if "no-store" not in response.get("Cache-Control", ""):
            failures.append(f"{url}: may be stored ({response.get('Cache-Control')})")
    assert pages > 30, "the walk reached too little to mean anything"
    assert not failures, "\n".join(failures)
