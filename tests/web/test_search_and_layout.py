"""The global search box (dropdown and page), the layout, and error pages."""

import pytest
from django.urls import reverse

from tests.factories import make_company, make_person, make_user

pytestmark = pytest.mark.django_db


def test_search_dropdown_is_a_fragment_of_visible_matches(client, rep, outsider):
    make_person(rep, "张伟", email="zw@example.com")
    make_company(rep, "张家口钢铁")
    make_person(outsider, "张三")
    client.force_login(rep)
    response = client.get(reverse("search"), {"q": "zhang"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "张伟" in body and "张家口钢铁" in body and "张三" not in body
    assert 'role="option"' in body


def test_search_page_version_and_empty_results(client, rep):
    make_person(rep, "李娜")
    client.force_login(rep)
    page = client.get(reverse("search"), {"q": "lina"}).content.decode()
    assert "<html" in page and "李娜" in page
    nothing = client.get(reverse("search"), {"q": "<script>"}).content.decode()
    assert "Nothing found for “&lt;script&gt;”" in nothing
    blank = client.get(reverse("search"), HTTP_HX_REQUEST="true").content.decode()
    assert blank.strip() == ""


def test_layout_has_phone_toggle_search_shortcut_and_sidebar(client, rep):
    client.force_login(rep)
    body = client.get(reverse("person-list")).content.decode()
    assert 'name="viewport"' in body and "data-nav-toggle" in body
    assert 'id="global-search"' in body and "kehu.js" in body
    assert f'href="{reverse("recycle-bin")}"' in body
    assert 'class="active"' in body  # "People" is highlighted


def test_scripts_handle_escape_slash_and_confirm():
    from pathlib import Path

    import kehu

    static = Path(kehu.__file__).parent / "web/static/kehu"
    script = (static / "kehu.js").read_text()
    for behaviour in ('event.key === "/"', '"Escape"', "data-company-option"):
        assert behaviour in script
    # asking first (in the page's own dialog): kehu/dialogs.js
    assert 'closest("form[data-confirm]")' in (static / "dialogs.js").read_text()


def test_403_page_is_friendly(client, rep):
    reader = make_user("reader", role="Read-only")
    client.force_login(reader)
    response = client.get(reverse("company-create"))
    assert response.status_code == 403
    assert "You are not allowed to do that" in response.content.decode()


def test_404_page_for_missing_record(client, rep):
    client.force_login(rep)
    response = client.get(reverse("person-detail", args=[999999]))
    assert response.status_code == 404 and "Not found" in response.content.decode()
