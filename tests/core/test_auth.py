import pytest
from django.test import override_settings

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_with_username_and_password(client, rep):
    response = client.post("/login/", {"username": "rep", "password": PASSWORD})
    assert response.status_code == 302


def test_production_hasher_is_argon2():
    import kehu.settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@override_settings(LOGIN_MAX_FAILURES=3)
def test_account_locks_after_repeated_failures(client, rep):
    for _ in range(3):
        response = client.post("/login/", {"username": "rep", "password": "wrong"})
    assert "an account is locked for a while" in response.content.decode()
    response = client.post("/login/", {"username": "rep", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    rep.refresh_from_db()
    assert rep.locked_until is not None


def test_secure_headers(client):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "csrftoken" in response.cookies


def test_language_follows_the_browser_then_the_users_choice(client, rep):
    response = client.get("/login/", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-hans">' in response.content.decode()
    client.force_login(rep)
    client.post("/language/", {"language": "en", "next": "/"})
    rep.refresh_from_db()
    assert rep.language == "en"


def test_language_switch_refuses_foreign_redirects(client):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
