"""The OpenAPI schema: committed, true to the routes, served with docs that need no CDN."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from kehu.api_schema import schema_text

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_schema_matches_the_code():
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "docs/openapi.json is out of date; regenerate it with\n"
        "    .venv/bin/python -m kehu.api_schema > docs/openapi.json\n"
        "and commit the result."
    )


def test_served_schema_is_the_committed_one():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(COMMITTED.read_text(encoding="utf-8"))


#: the only operations that need no login
PUBLIC = {
    "/api/v1/web-leads",
    "/api/v1/kb/public/articles",
    "/api/v1/kb/public/articles/{article_id}",
}


def test_every_operation_declares_its_errors():
    schema = json.loads(schema_text())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            where = f"{method.upper()} {path}"
            public = path in PUBLIC  # no login: no 401 or 403 to declare
            assert {"422"} <= codes if public else {"401", "403", "422"} <= codes, where
            if "{" in path:
                assert "404" in codes, where
            if "requestBody" in operation:
                assert "400" in codes, where
            if method == "patch" and path.startswith(("/api/v1/people", "/api/v1/companies")):
                assert "412" in codes, where
            if public:
                assert not operation.get("security"), where
            else:
                assert operation["security"] == [{"BearerAuth": []}, {"SessionAuth": []}], where


@pytest.mark.django_db
def test_docs_page_loads_everything_from_our_own_static_files():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        # collected with the app's static files (`kehu serve` serves them with whitenoise)
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "cdn" not in html.lower()
    assert "/api/v1/openapi.json" in html


def _text_query_parameters() -> list[tuple[str, str]]:
    """(path, name) of every text query parameter of a GET route without path parameters."""
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    found = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get or "{" in path:
            continue
        for parameter in get.get("parameters", []):
            options = parameter["schema"].get("anyOf", [parameter["schema"]])
            if parameter["in"] == "query" and any(o.get("type") == "string" for o in options):
                found.append((path, parameter["name"]))
    return found


@pytest.mark.django_db
def test_a_nul_character_in_any_text_query_parameter_is_422(admin_user):
    """No database stores a NUL character; PostgreSQL refused one in `?q=` of the products
    list with a server error. Every text parameter of every list answers 422 instead."""
    from tests.api.conftest import assert_validation, bearer_client

    client = bearer_client(admin_user)
    parameters = _text_query_parameters()
    assert ("/api/v1/products", "q") in parameters and len(parameters) > 20
    for path, name in parameters:
        assert_validation(client.get(path, {name: "a\x00b"}), name)
