import pytest
from django.test import Client

from kehu.accounts.models import ApiToken
from tests.factories import make_user


def bearer_client(user, **kwargs) -> Client:
    """A test client that authenticates with a fresh API token of `user`."""
    _token, secret = ApiToken.issue(user, "test")
    return Client(headers={"Authorization": f"Bearer {secret}"}, **kwargs)


def send(client: Client, method: str, url: str, data=None, **headers):
    """A JSON request (`data` is sent as the body) with extra headers."""
    return getattr(client, method)(url, data, content_type="application/json", headers=headers)


def assert_validation(response, *fields: str) -> dict:
    """422 in the API's shape, naming (at least) `fields`; returns the errors."""
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "Validation failed"
    assert isinstance(body["errors"], dict)
    for field in fields:
        assert field in body["errors"], body["errors"]
        assert all(isinstance(m, str) and m for m in body["errors"][field])
    return body["errors"]


@pytest.fixture
def readonly(db, team_a):
    """Read-only role: sees every record, may change none."""
    return make_user("viewer", role="Read-only", team=team_a)
