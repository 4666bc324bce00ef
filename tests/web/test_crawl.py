"""Every page a user can reach by following links opens: the demo data, each demo user (and a
read-only one), every link on every page followed breadth-first — no server error, no
traceback. The permission walk (tests/test_permissions.py) proves who may see what; this
proves that what they reach is drawn, with data as varied as the demo's."""

import re
from collections import deque
from urllib.parse import urldefrag

import pytest
from django.db import transaction
from django.test import Client

from kehu import demo
from kehu.accounts.models import User
from kehu.activities.models import Activity
from tests.factories import make_user

pytestmark = pytest.mark.django_db

#: pages per user at most; the walk takes the most varied ones first (see `_shape`)
BUDGET = 500
#: links of one shape (same path with the numbers taken out, same query keys) followed
SAMPLES = 3
#: links, and the fragments htmx loads into a page (asked for as htmx asks: HX-Request)
LINK = re.compile(r'(href|hx-get)="([^"#][^"]*)"')
#: links that do something or leave the page's world: not walked
SKIP = re.compile(
    r"^/(logout|static|media|api/v1/docs)|/(export|download|ics|feed)\b|\.(ics|csv|xlsx|pdf|eml)\b"
)


def _shape(url: str) -> tuple:
    path, _, query = url.partition("?")
    keys = tuple(sorted({part.partition("=")[0] for part in query.split("&") if part}))
    return re.sub(r"\d+", "N", path), keys


def linked_pages(client: Client, start: list[str], budget: int = BUDGET, samples: int = SAMPLES):
    """(url, response) of each page reached from `start` by links and htmx fragments,
    breadth-first, at most `budget` pages and `samples` links of one shape (`_shape`)."""
    seen_shapes: dict[tuple, int] = {}
    queued = set(start)
    waiting = deque((url, False) for url in start)
    for _page in range(budget):
        if not waiting:
            return
        url, fragment = waiting.popleft()
        response = client.get(url, headers={"HX-Request": "true"} if fragment else {})
        yield url, response
        if response.status_code != 200:
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        for attribute, href in LINK.findall(response.content.decode()):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            if not href.startswith("/") or href.startswith("//") or SKIP.search(href):
                continue
            shape = _shape(href)
            if href in queued or seen_shapes.get(shape, 0) >= samples:
                continue
            seen_shapes[shape] = seen_shapes.get(shape, 0) + 1
            queued.add(href)
            waiting.append((href, attribute == "hx-get"))


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module in a transaction that is rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        # pages, not years of them: two months of sales, a few tickets in every state
        demo.load(log=lambda _message: None, history_months=2, tickets=30)
        make_user("reader", role="Read-only")
        yield
        transaction.set_rollback(True)


#: who walks in which language: the administrator, who reaches nearly every page, in both; the
#: others in one each, both languages among them (a page's code is the same in either: the
#: translations are checked by msgfmt and the page walk in tests/e2e)
WALKERS = [
    ("admin", "en"),
    ("admin", "zh-hans"),
    ("zhou.min", "zh-hans"),
    ("liu.yang", "en"),
    ("emily.carter", "zh-hans"),
    ("reader", "en"),
]


@pytest.mark.parametrize(("username", "language"), WALKERS)
def test_every_linked_page_opens(demo_data, username, language):
    client = Client(headers={"Accept-Language": language})
    user = User.objects.get(username=username)
    client.force_login(user)
    # links of one shape are sampled: start from one activity of each kind besides "/", so
    # that every kind's page is drawn (a meeting's, an email's) whichever the samples are
    visible = Activity.objects.visible_to(user).order_by("-id")
    kinds = [visible.filter(kind=kind).first() for kind in Activity.Kind.values]
    start = ["/"] + [a.get_absolute_url() for a in kinds if a is not None]
    pages, failures = 0, []
    for url, response in linked_pages(client, start):
        pages += 1
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {url}")
    assert pages > 30, "the walk reached too little to mean anything"
    assert not failures, failures
