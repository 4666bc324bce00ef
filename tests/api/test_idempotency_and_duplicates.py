"""POST creates: `Idempotency-Key` makes a retry create one record; a person whose email a
visible person has answers 409 with that person's id unless `?allow_duplicate=true`."""

import datetime
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from kehu.activities.models import Activity
from kehu.core.models import IdempotencyKey
from kehu.customers.models import Company, Person
from kehu.sales.models import Deal, Lead
from tests.api.conftest import bearer_client, send
from tests.cli_support import (
    ROOT,
    kehu,
    kehu_env,
    make_template,
    migrated_data_dir,
    own_sqlite_folder,
    query,
)
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_a_person_with_the_email_of_one_you_can_see_answers_409_with_its_id(rep, teammate):
    existing = make_person(rep, "张伟", email="Zhang.Wei@Example.com")
    client = bearer_client(rep)
    response = send(
        client, "post", "/api/v1/people", {"name": "张伟", "email": "zhang.wei@EXAMPLE.COM"}
    )
    assert response.status_code == 409, response.content
    assert response.json()["existing_id"] == existing.pk
    assert "allow_duplicate" in response.json()["detail"]
    assert Person.objects.count() == 1

    response = send(client, "post", "/api/v1/people?allow_duplicate=true",
                    {"name": "张伟", "email": "zhang.wei@example.com"})  # fmt: skip
    assert response.status_code == 201, response.content
    assert Person.objects.count() == 2
    # no email, or another one: no duplicate
    assert send(client, "post", "/api/v1/people", {"name": "张伟"}).status_code == 201
    other = {"name": "张伟", "email": "zw@example.com"}
    assert send(client, "post", "/api/v1/people", other).status_code == 201


def test_a_binned_person_is_no_duplicate(rep):
    from kehu.customers import services

    binned = make_person(rep, "张伟", email="zw@example.com")
    services.delete_person(rep, binned)
    response = send(
        bearer_client(rep), "post", "/api/v1/people", {"name": "张伟", "email": "zw@example.com"}
    )
    assert response.status_code == 201


def test_a_person_you_cannot_see_is_not_revealed_and_does_not_block(rep, outsider):
    hidden = make_person(outsider, "张伟", email="zw@example.com")
    response = send(
        bearer_client(rep), "post", "/api/v1/people", {"name": "张伟", "email": "zw@example.com"}
    )
    assert response.status_code == 201, response.content
    assert "existing_id" not in response.json() and response.json()["id"] != hidden.pk
    assert Person.objects.count() == 2


KEYED_CREATES = [
    ("/api/v1/people", {"name": "张伟"}, Person),
    ("/api/v1/companies", {"name": "华为"}, Company),
    ("/api/v1/leads", {"name": "线索"}, Lead),
    ("/api/v1/deals", {"name": "框架协议", "amount": "100.00"}, Deal),
    ("/api/v1/activities", "activity", Activity),
]


def _body(body, rep):
    if body == "activity":
        person = make_person(rep, "李雷")
        return {"record_type": "person", "record_id": person.pk, "kind": "note", "body": "hi"}
    return body


@pytest.mark.parametrize(("url", "body", "model"), KEYED_CREATES)
def test_a_retry_with_the_same_key_creates_one_record_and_gets_the_first_answer(
    rep, url, body, model
):
    body = _body(body, rep)
    client = bearer_client(rep)
    first = send(client, "post", url, body, **{"Idempotency-Key": "retry-1"})
    assert first.status_code == 201, first.content
    again = send(client, "post", url, body, **{"Idempotency-Key": "retry-1"})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"] and again["Location"] == first["Location"]
    assert model.objects.count() == 1

    # the same key with another body is refused; a new key creates another record
    changed = {**body, "name": "other"} if "name" in body else {**body, "body": "other"}
    refused = send(client, "post", url, changed, **{"Idempotency-Key": "retry-1"})
    assert refused.status_code == 422
    assert "Idempotency-Key" in refused.json()["errors"]
    assert model.objects.count() == 1
    assert send(client, "post", url, body, **{"Idempotency-Key": "retry-2"}).status_code == 201
    assert model.objects.count() == 2
    # without a key nothing changes: each request creates
    assert send(client, "post", url, body).status_code == 201
    assert model.objects.count() == 3


def test_keys_belong_to_one_user(rep, teammate):
    body = {"name": "张伟"}
    first = send(bearer_client(rep), "post", "/api/v1/people", body, **{"Idempotency-Key": "k"})
    second = send(
        bearer_client(teammate), "post", "/api/v1/people", body, **{"Idempotency-Key": "k"}
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


def test_a_failed_request_keeps_no_key_so_a_corrected_retry_works(rep):
    client = bearer_client(rep)
    bad = send(client, "post", "/api/v1/people", {"name": ""}, **{"Idempotency-Key": "fix-me"})
    assert bad.status_code == 422
    assert not IdempotencyKey.objects.exists()
    good = send(client, "post", "/api/v1/people", {"name": "张伟"}, **{"Idempotency-Key": "fix-me"})
    assert good.status_code == 201


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "a\r\nb"])
def test_a_bad_key_is_422_and_creates_nothing(rep, key):
    response = send(bearer_client(rep), "post", "/api/v1/people", {"name": "张伟"},
                    **{"Idempotency-Key": key})  # fmt: skip
    assert response.status_code == 422, response.content
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Person.objects.exists()


def test_keys_expire_after_24_hours(rep):
    client = bearer_client(rep)
    send(client, "post", "/api/v1/people", {"name": "张伟"}, **{"Idempotency-Key": "old"})
    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    again = send(client, "post", "/api/v1/people", {"name": "张伟"}, **{"Idempotency-Key": "old"})
    assert again.status_code == 201
    assert Person.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


def test_the_openapi_schema_declares_the_header_and_the_409(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/people"]["post"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"Idempotency-Key", "allow_duplicate"} <= names
    assert "409" in operation["responses"]
    deal = schema["paths"]["/api/v1/deals"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in deal["parameters"]}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_identical_requests_at_once_create_one_record(rep):
    """Threads on PostgreSQL; SQLite's in-memory test database cannot make one writer wait for
    another, so SQLite is tested with real processes below."""
    if connection.vendor != "postgresql":
        pytest.skip("threads need PostgreSQL; SQLite: the test with processes below")
    body = {"name": "并发"}
    answers = []
    barrier = threading.Barrier(2)

    def post():
        try:
            client = bearer_client(rep)
            barrier.wait()
            answers.append(
                send(client, "post", "/api/v1/people", body, **{"Idempotency-Key": "same"})
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Person.objects.count() == 1


POST_AT_ONCE = """
import pathlib, time
from django.test import Client
from kehu.accounts.models import ApiToken, User
secret = ApiToken.issue(User.objects.get(username="ana"), "t")[1]
client = Client(HTTP_HOST="localhost", headers={"Authorization": "Bearer " + secret})
go = pathlib.Path(%r)
while not go.exists():
    time.sleep(0.005)
answer = client.post("/api/v1/people", {"name": "并发"}, content_type="application/json",
                     headers={"Idempotency-Key": "same"})
print(answer.status_code, answer.content.decode())
"""


@own_sqlite_folder
def test_identical_requests_from_processes_at_once_make_one_record_on_sqlite(
    tmp_path_factory, tmp_path
):
    """Real processes on one SQLite file (WAL, IMMEDIATE transactions): the later ones wait for
    the first and get its answer."""
    data_dir = migrated_data_dir(make_template(tmp_path_factory), tmp_path / "data")
    assert kehu(data_dir, "createuser", "ana", "--role", "Administrator",
                "--password", "plum-orchard-42").returncode == 0  # fmt: skip
    go = tmp_path / "go"
    script = POST_AT_ONCE % str(go)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "kehu.cli", "manage", "shell", "-c", script],
            cwd=ROOT,
            env=kehu_env(data_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(3)
    ]
    time.sleep(8)  # every process is up and waiting
    go.touch()
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _out, err in outputs]
    answers = [out.strip().splitlines()[-1].split(" ", 1) for out, _err in outputs]
    assert [status for status, _body in answers] == ["201", "201", "201"]
    assert len({body for _status, body in answers}) == 1
    assert query(data_dir, "SELECT count(*) FROM customers_person") == [(1,)]
