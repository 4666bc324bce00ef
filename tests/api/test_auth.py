"""Who may call the API: a Bearer token or the browser session (with CSRF), nobody else."""

import pytest
from django.test import Client
from django.utils import timezone

from kehu.accounts.models import ApiToken
from tests.api.conftest import bearer_client, send
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def assert_unauthorized(response):
    assert response.status_code == 401, response.content
    assert set(response.json()) == {"detail"}
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "url", ["/api/v1/people", "/api/v1/companies", "/api/v1/tags", "/api/v1/users"]
)
def test_no_credentials_is_401(url):
    assert_unauthorized(Client().get(url))


def test_no_credentials_write_is_401_not_a_csrf_failure(rep):
    response = send(Client(enforce_csrf_checks=True), "post", "/api/v1/people", {"name": "李娜"})
    assert_unauthorized(response)


@pytest.mark.parametrize(
    "header", ["Bearer kehu_not-a-real-token", "Bearer ", "Basic cmVwOnB3", "kehu_abc"]
)
def test_bad_token_is_401(rep, header):
    make_person(rep, "张伟")
    assert_unauthorized(Client(headers={"Authorization": header}).get("/api/v1/people"))


def test_revoked_token_is_401(rep):
    token, secret = ApiToken.issue(rep, "laptop")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/people").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert_unauthorized(client.get("/api/v1/people"))


def test_token_of_deactivated_user_is_401(rep):
    client = bearer_client(rep)
    rep.is_active = False
    rep.save()
    assert_unauthorized(client.get("/api/v1/people"))


def test_token_sees_its_users_records(rep, teammate):
    mine = make_person(rep, "张伟")
    make_person(teammate, "李娜")
    body = bearer_client(rep).get("/api/v1/people").json()
    assert [p["id"] for p in body["items"]] == [mine.pk]


def test_session_works_for_reads(rep):
    person = make_person(rep, "张伟")
    client = Client()
    client.force_login(rep)
    response = client.get(f"/api/v1/people/{person.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == "张伟"


def test_session_writes_need_the_csrf_token(rep):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    refused = send(client, "post", "/api/v1/people", {"name": "李娜"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    client.get("/api/v1/docs")  # any page that renders the token sets the cookie
    token = client.cookies["csrftoken"].value
    accepted = send(client, "post", "/api/v1/people", {"name": "李娜"}, **{"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.content


def test_bearer_writes_need_no_csrf_token(rep):
    client = bearer_client(rep, enforce_csrf_checks=True)
    assert send(client, "post", "/api/v1/people", {"name": "李娜"}).status_code == 201


def test_errors_follow_the_token_users_language(rep):
    rep.language = "zh-hans"
    rep.save()
    response = send(bearer_client(rep), "post", "/api/v1/people", {"name": "李娜", "bogus": 1})
    assert response.status_code == 422
    assert response["Content-Language"] == "zh-hans"
