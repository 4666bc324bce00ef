"""The help centre: the user guide in both languages, safe Markdown, search, and the "?" link
from each main page to its section."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kehu.learning.help import context, pages
from kehu.learning.help.rendering import render

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(rep):
    client = Client()
    client.force_login(rep)
    return client


def test_html_in_a_page_is_shown_as_text_and_links_stay_inside_the_help():
    html = render(
        "# T\n\n<script>alert(1)</script>\n\nSee <b onclick=x>bold</b> and "
        "[keys](shortcuts.md#what-the-search-finds), [a decision](decisions/0016-x.md), "
        "[bad](javascript:alert(1)), <kbd>Ctrl</kbd>\n\n"
        '<div><img src=x onerror="alert(1)"></div>\n\n## 标题 {#same-anchor onclick="x"}',
        pages._link_to,
    )
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tags = re.findall(r"<[^>]*>", html)  # the real tags; the source's HTML is escaped text
    assert not [
        t for t in tags if re.match(r"</?(b|img|div|script)\b", t) or re.search(r"\son\w+=", t)
    ]
    assert "&lt;b onclick=x&gt;bold" in html and "&lt;img" in html
    assert 'href="/help/shortcuts/#what-the-search-finds"' in html
    assert "javascript" not in "".join(tags)
    assert "a decision" in html and "0016" not in html
    assert "<kbd>Ctrl</kbd>" in html
    assert '<h2 id="same-anchor">' in html


def test_every_help_page_renders_in_both_languages_and_others_are_not_shown(client):
    index = client.get("/help/").content.decode()
    for page in pages.PAGES:
        assert reverse("help-page", args=[page.slug]) in index
        english = client.get(f"/help/{page.slug}/")
        assert english.status_code == 200
        with translation.override("zh-hans"):
            chinese = pages.shown(page.slug)
        assert chinese is not None and chinese.chinese and chinese.translated, page.slug
    for private in ("benchmarks", "operations", "api", "configuration", "..", "decisions"):
        assert client.get(f"/help/{private}/").status_code == 404


def test_a_chinese_reader_sees_the_chinese_page(rep):
    rep.language = "zh-hans"
    rep.save()
    client = Client()
    client.force_login(rep)
    page = client.get("/help/getting-started/").content.decode()
    assert "快速上手" in page and 'id="people-and-companies"' in page


def test_search_finds_headings_and_text_in_both_languages(client):
    page = client.get("/help/search/", {"q": "recycle bin"}).content.decode()
    assert "/help/getting-started/#the-recycle-bin" in page
    hits = pages.search("pinyin initials", "en")
    assert hits and hits[0].section.chinese is False
    chinese = pages.search("回收站", "zh-hans")
    assert chinese and chinese[0].section.chinese and chinese[0].section.anchor == "the-recycle-bin"
    nothing = client.get("/help/search/", {"q": "zzqxnothing"}).content.decode()
    assert "zzqxnothing" in nothing and "/help/getting-started/#" not in nothing
    escaped = client.get("/help/search/", {"q": "<script>x"}).content.decode()
    assert "<script>x" not in escaped


def test_each_main_page_links_to_its_help_section(client):
    for url, expected in [
        ("/my-day/", "/help/my-day-and-reminders/#my-day"),
        ("/people/", "/help/getting-started/#people-and-companies"),
        ("/calendar/", "/help/calendar/#the-calendar-page"),
        ("/feedback/", "/help/help-centre/#feedback"),
    ]:
        assert f'href="{expected}"' in client.get(url).content.decode(), url


def test_every_help_anchor_exists_on_its_page():
    for name, (slug, anchor) in context.CONTEXT.items():
        shown = pages.shown(slug, "en")
        assert shown is not None, name
        assert not anchor or f'id="{anchor}"' in shown.html, (name, anchor)
        with translation.override("zh-hans"):
            chinese = pages.shown(slug)
        assert not anchor or f'id="{anchor}"' in chinese.html, (name, anchor, "zh")
