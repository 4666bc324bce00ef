"""The knowledge base in the browser: an agent writes and publishes an article; a customer,
not signed in, finds it in the help centre by pinyin and reads it."""

import re

from playwright.sync_api import expect

from kehu.service.kb.models import Article
from tests.e2e.helpers import login
from tests.factories import make_team, make_user


def test_an_agent_publishes_an_article_a_visitor_finds_by_pinyin(new_page):
    make_user("agent", role="Support agent", team=make_team("Support"))
    page = new_page()
    login(page, "agent")
    page.get_by_role("link", name="Knowledge base").click()
    page.get_by_role("link", name="New article").first.click()
    page.get_by_label(re.compile("^Title")).fill("如何重置密码")
    page.get_by_label(re.compile("^Article")).fill("1. 打开**设置**\n2. 点击“重置密码”")
    page.get_by_label(re.compile("^Who may read it")).select_option("public")
    page.get_by_label(re.compile("^Status")).select_option("published")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="如何重置密码")).to_be_visible()
    expect(page.locator("article strong")).to_have_text("设置")
    article = Article.objects.get()
    link = page.get_by_label("Public link")
    expect(link).to_have_value(re.compile(rf"/help-centre/{article.pk}/$"))

    visitor = new_page()
    visitor.goto("/help-centre/")
    visitor.get_by_label("Search the help centre").fill("chongzhi")
    visitor.get_by_role("button", name="Search").click()
    visitor.get_by_role("link", name="如何重置密码").click()
    expect(visitor.locator("article h1")).to_have_text("如何重置密码")
    expect(visitor.locator("article li")).to_have_count(2)
