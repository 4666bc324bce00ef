"""Administrators' forms look like the rest of the app: every label starts with a capital, and
a field that applies only to some values of another is marked so the page hides it while it
does not apply (kehu/conditional_fields.js); without scripts every field is there."""

import re

import pytest
from django.test import Client

from tests.factories import default_pipeline

pytestmark = pytest.mark.django_db

#: every settings form, new and (where there is one) an existing row
SETTINGS_PAGES = [
    "/settings/users/new/", "/settings/teams/new/", "/settings/roles/new/",
    "/settings/fields/new/", "/settings/pipelines/new/", "/settings/exchange-rates/",
    "/settings/seller/", "/settings/assignment/new/", "/settings/email-templates/new/",
    "/settings/scoring/", "/settings/lost-reasons/",
]  # fmt: skip
LABEL = re.compile(r"<label[^>]*>(.*?)</label>", re.S)
TAG = re.compile(r"<[^>]*>")


def labels(html: str) -> list[str]:
    """The text of every label (a checkbox's label holds its input first)."""
    texts = (TAG.sub("", found).strip() for found in LABEL.findall(html))
    return [text for text in texts if text]


def shown_when(html: str, name: str) -> str | None:
    """The data-shown-when of the control named `name`, or None."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', html)
    assert tag, name
    found = re.search(r'data-shown-when="([^"]*)"', tag.group(0))
    return found.group(1) if found else None


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_every_settings_form_label_starts_with_a_capital(admin_client):
    pages = [*SETTINGS_PAGES, f"/settings/pipelines/{default_pipeline().pk}/"]
    lower = {}
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        found = [t for t in labels(response.content.decode()) if t[0].islower()]
        if found:
            lower[url] = found
    assert lower == {}
    found = labels(admin_client.get("/settings/fields/new/").content.decode())
    assert {"For *", "Choices", "Required", "Active"} <= set(found)


def test_fields_that_do_not_apply_are_marked_and_still_rendered(admin_client):
    html = admin_client.get("/settings/fields/new/").content.decode()
    assert shown_when(html, "choices") == "type=choice,multi_choice"
    assert shown_when(html, "label") is None
    html = admin_client.get("/settings/assignment/new/").content.decode()
    assert shown_when(html, "user") == "method=user"
    assert shown_when(html, "team") == "method=round_robin,least_loaded"
    html = admin_client.get("/deals/new/").content.decode()
    lost = default_pipeline().stages.get(kind="lost").pk
    assert shown_when(html, "lost_reason") == f"stage={lost}"
