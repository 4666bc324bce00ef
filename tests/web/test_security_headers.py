"""Security headers (docs/operations.md, "Security headers"): a strict Content-Security-Policy
on every page, `private, no-store` on whatever a signed-in user or the API is answered with,
static files still cacheable, the public web lead form embeddable, and JSON (not HTML) for
unknown addresses and methods under /api/."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from kehu.accounts.models import ApiToken
from tests.factories import make_deal, make_person

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict(response, *, style_nonce: bool = False):
    """`style_nonce`: the calendar, whose FullCalendar injects its stylesheet as a <style>
    element carrying the page's nonce (decision 0020); never a script nonce."""
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no hosts
    if style_nonce:
        assert len(csp["style-src"]) == 2 and csp["style-src"][1].startswith("'nonce-")
        assert csp["font-src"] == ["'self'", "data:"]  # FullCalendar's arrow icons
    else:
        assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]


def assert_not_stored(response):
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, response.get("Cache-Control")


def test_signed_in_pages_carry_the_policy_and_are_not_stored(client, rep):
    person = make_person(rep, "张伟")
    client.force_login(rep)
    for url in (
        reverse("person-list"),
        person.get_absolute_url(),
        reverse("deal-board"),
        reverse("calendar"),
        reverse("calendar-subscribe"),
        reverse("my-day"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response, style_nonce=url == reverse("calendar"))
        assert_not_stored(response)
    # an htmx fragment (the search dropdown) holds personal data too
    fragment = client.get(reverse("search"), {"q": "zhang"}, headers={"HX-Request": "true"})
    assert "张伟" in fragment.content.decode()
    assert_not_stored(fragment)


def test_a_view_that_asks_for_caching_is_still_not_stored_when_signed_in(client, rep):
    """A redirect or a page a view marked cacheable: once someone is signed in, no-store."""
    client.force_login(rep)
    response = client.get(reverse("home"))
    assert_not_stored(response)


def test_api_answers_are_not_stored_however_authenticated(client, rep):
    make_person(rep, "张伟")
    client.force_login(rep)
    by_session = client.get("/api/v1/people")
    assert by_session.status_code == 200 and by_session.json()["items"][0]["name"] == "张伟"
    assert_not_stored(by_session)

    _token, secret = ApiToken.issue(rep, "test")
    by_token = Client().get("/api/v1/people", headers={"Authorization": f"Bearer {secret}"})
    assert by_token.status_code == 200 and by_token.json()["items"][0]["name"] == "张伟"
    assert_not_stored(by_token)

    refused = Client().get("/api/v1/people")
    assert refused.status_code == 401
    assert_not_stored(refused)


def test_login_page_has_the_policy_and_is_not_stored(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_strict(response)
    assert_not_stored(response)
    assert response["X-Frame-Options"] == "DENY"


def test_static_files_stay_cacheable_for_signed_in_users(client, rep, settings):
    # whitenoise reads the files through the finders here (in production: collectstatic)
    settings.WHITENOISE_USE_FINDERS = True
    client = Client()
    client.force_login(rep)
    response = client.get("/static/kehu/kehu.js")
    assert response.status_code == 200
    cache = response.get("Cache-Control", "")
    assert "max-age=" in cache and "max-age=0" not in cache
    assert "no-store" not in cache and "private" not in cache
    assert "Set-Cookie" not in response


def test_the_api_docs_page_allows_swagger_uis_data_images_and_nothing_else(client, rep):
    client.force_login(rep)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    csp = policy(response)
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert_not_stored(response)
    # every other page keeps images to Kehu's own
    client.get(reverse("person-list"))
    assert policy(client.get(reverse("person-list")))["img-src"] == ["'self'"]


def test_web_lead_form_may_be_framed_by_any_site_by_default(client):
    response = client.get(reverse("lead-web-form"))
    assert response.status_code == 200
    csp = policy(response)
    assert csp["frame-ancestors"] == ["*"]
    assert "X-Frame-Options" not in response
    assert csp["default-src"] == ["'none'"]  # no script at all on it
    assert "script-src" not in csp
    assert csp["style-src"] == ["'self'"] and csp["form-action"] == ["'self'"]
    # a refused post (the form shown again) carries the same policy
    refused = client.post(reverse("lead-web-form"), {"name": ""})
    assert refused.status_code == 400
    assert policy(refused)["frame-ancestors"] == ["*"]


def test_web_lead_form_framing_can_be_narrowed_to_the_companys_sites(client, settings):
    settings.LEAD_FORM_FRAME_ANCESTORS = ["https://www.example.com", "https://example.cn"]
    csp = policy(client.get(reverse("lead-web-form")))
    assert csp["frame-ancestors"] == ["https://www.example.com", "https://example.cn"]
    settings.LEAD_FORM_FRAME_ANCESTORS = []
    assert policy(client.get(reverse("lead-web-form")))["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/nope", "/api/v1/people/1/nope", "/api/"])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_addresses_answer_json_404(client, rep, path, method):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(rep)
        response = getattr(client, method)(path)
        assert response.status_code == 404, (path, method)
        assert response["Content-Type"].startswith("application/json")
        assert json.loads(response.content) == {"detail": "Not found."}
        assert_not_stored(response)


def test_a_record_that_is_not_there_still_gets_the_apis_own_404(client, rep):
    client.force_login(rep)
    response = client.get("/api/v1/people/999999")
    assert response.status_code == 404
    assert json.loads(response.content) == {"detail": "Not found."}


def test_pages_outside_the_api_keep_the_html_404(client, rep):
    client.force_login(rep)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_wrong_methods_under_the_api_answer_json_405_with_allow(client, rep):
    deal = make_deal(rep, "华为")
    client.force_login(rep)
    for method, path in (
        ("put", "/api/v1/people"),
        ("delete", "/api/v1/people"),
        ("post", f"/api/v1/deals/{deal.pk}"),
    ):
        response = getattr(client, method)(path)
        assert response.status_code == 405, (method, path)
        assert response["Content-Type"].startswith("application/json")
        assert json.loads(response.content) == {"detail": "Method not allowed."}
        assert method.upper() not in response["Allow"] and "GET" in response["Allow"]
        assert_not_stored(response)


def test_405_detail_is_translated(client, rep):
    client.force_login(rep)
    response = client.put("/api/v1/people", headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 405
    assert json.loads(response.content)["detail"] != "Method not allowed."


def test_a_refused_form_says_so_on_a_page_the_policy_allows(rep):
    """Django's own CSRF failure page styles itself inline (blocked by the policy); Kehu's is
    a normal page."""
    from tests.web.test_no_inline_markup import inline_markup

    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    response = client.post(reverse("person-create"), {"name": "张伟"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "The form could not be sent" in html
    assert inline_markup(html) == []
    assert_strict(response)
    assert_not_stored(response)
