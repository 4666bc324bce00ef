"""Template helpers that build HTML in Python instead of a template loop: escaped like the
template would, and the sidebar the same for every user of one menu variant."""

from django.urls import reverse

from kehu.web.templatetags.kehu_tags import option_tags
from tests.factories import make_user


def test_options_escape_values_and_labels_and_mark_the_chosen_one():
    html = option_tags([("1", "<b>张伟</b>", False), ('2"', "A & B", True)])
    assert html == (
        '<option value="1">&lt;b&gt;张伟&lt;/b&gt;</option>'
        '<option value="2&quot;" selected>A &amp; B</option>'
    )
    assert option_tags([(7, "x")]) == '<option value="7">x</option>'
    assert option_tags(["<VIP>"]) == '<option value="&lt;VIP&gt;">'  # a datalist's values


def test_the_sidebar_follows_the_role_the_page_and_the_language(client, db):
    rep = make_user("rep", role="Sales rep")
    admin = make_user("admin", role="Administrator", superuser=True)
    client.force_login(rep)
    page = client.get(reverse("person-list")).content.decode()
    assert reverse("user-list") not in page  # a rep has no settings menu
    assert f'<a href="{reverse("person-list")}" data-tour="people" class="active">' in page
    client.force_login(admin)
    page = client.get(reverse("company-list")).content.decode()
    assert reverse("user-list") in page
    assert f'<a href="{reverse("company-list")}" class="active">Companies</a>' in page
    page = client.get(reverse("company-list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'<a href="{reverse("company-list")}" class="active">公司</a>' in page
