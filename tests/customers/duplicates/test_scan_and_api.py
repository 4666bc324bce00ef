"""The background scan (blocking keys, dismissed pairs stay dismissed) and the API routes."""

import json

import pytest
from django.test import Client

from kehu.accounts.models import ApiToken
from kehu.customers.duplicates import scanning
from kehu.customers.duplicates.models import DuplicatePair, DuplicateScan, Merge
from kehu.customers.models import Person
from kehu.customers.tasks import scan_duplicates
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    _token, secret = ApiToken.issue(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def pairs_of(kind="person"):
    return {
        tuple(sorted((p.first_id, p.second_id)))
        for p in DuplicatePair.objects.filter(kind=kind, dismissed_at__isnull=True)
    }


def test_the_scan_finds_pairs_by_each_blocking_key(rep, admin_user):
    company = make_company(rep, "上海星辰科技有限公司")
    twin_company = make_company(rep, "星辰科技（上海）有限公司")
    make_company(rep, "完全不同的公司")
    a = make_person(rep, "张伟", company=company.pk)
    b = make_person(rep, "張偉", company=company.pk)
    c = make_person(rep, "王芳", email="fang@example.com")
    d = make_person(rep, "Wang Fang", email="FANG@example.com")
    e = make_person(rep, "李娜", phone="13800138000")
    f = make_person(rep, "李小娜", phone="+86 138 0013 8000")
    make_person(rep, "张伟", company=twin_company.pk)  # same name, another company: no pair
    scan = DuplicateScan.objects.create(started_by=admin_user)
    scan_duplicates.call(scan.pk)
    scan.refresh_from_db()
    assert scan.status == "done" and scan.done == scan.total == Person.objects.count() + 3
    assert pairs_of("person") == {(a.pk, b.pk), (c.pk, d.pk), (e.pk, f.pk)}
    assert pairs_of("company") == {(company.pk, twin_company.pk)}


def test_a_dismissed_pair_stays_dismissed_after_a_rescan(rep):
    a = make_person(rep, "王芳", email="fang@example.com")
    b = make_person(rep, "王芳", email="fang@example.com")
    scanning.store_pairs("person", scanning.scan_people())
    pair = DuplicatePair.objects.get()
    DuplicatePair.objects.filter(pk=pair.pk).update(dismissed_at="2026-01-01T00:00:00Z")
    scanning.store_pairs("person", scanning.scan_people())
    assert DuplicatePair.objects.count() == 1
    assert DuplicatePair.objects.get().dismissed_at is not None
    assert (a.pk, b.pk) not in pairs_of("person")


def test_large_blocks_compare_neighbours_only(rep):
    company = make_company(rep, "大公司")
    for i in range(scanning.BLOCK_ALL + 10):
        make_person(rep, f"张伟{i}", company=company.pk)
    make_person(rep, "张伟", company=company.pk)
    make_person(rep, "張偉", company=company.pk)
    found = scanning.scan_people()
    assert len(found) == 1  # the two look-alikes share a key; the rest are never compared


def test_api_lists_dismisses_checks_merges_and_undoes(rep, outsider):
    keep = make_person(rep, "王芳", email="fang@example.com")
    other = make_person(rep, "Wang Fang", email="FANG@example.com")
    scanning.store_pairs("person", scanning.scan_people())
    client = api(rep)
    listed = client.get("/api/v1/duplicates?kind=person").json()
    assert [(i["first_id"], i["second_id"]) for i in listed["items"]] == [(keep.pk, other.pk)]
    assert listed["items"][0]["reasons"] == ["same_email"]
    assert listed["items"][0]["reason_labels"] == ["same email"]
    # an outsider sees no pair naming records hidden from them
    assert api(outsider).get("/api/v1/duplicates").json()["items"] == []
    checked = client.get("/api/v1/duplicates/check", {"name": "W", "email": "Fang@Example.com"})
    assert {d["id"] for d in checked.json()["duplicates"]} == {keep.pk, other.pk}
    assert api(outsider).get("/api/v1/duplicates/check", {"email": "fang@example.com"}).json() == {
        "duplicates": []
    }
    merged = post(
        client,
        "/api/v1/people/merge",
        {"survivor_id": keep.pk, "other_ids": [other.pk], "choices": {"name": other.pk}},
    )
    assert merged.status_code == 200, merged.content
    body = merged.json()
    assert body["merged_ids"] == [other.pk]
    assert Person.objects.get(pk=keep.pk).name == "Wang Fang"
    undone = client.post(f"/api/v1/people/merges/{body['merge_id']}/undo")
    assert undone.status_code == 200, undone.content
    assert Person.objects.filter(pk=other.pk).exists()
    again = client.post(f"/api/v1/people/merges/{body['merge_id']}/undo")
    assert again.status_code == 422 and "merge" in again.json()["errors"]


def test_api_merge_bad_input(rep, outsider):
    keep = make_person(rep, "王芳")
    other = make_person(rep, "王芳")
    client = api(rep)
    itself = post(client, "/api/v1/people/merge", {"survivor_id": keep.pk, "other_ids": [keep.pk]})
    assert itself.status_code == 422 and "other_ids" in itself.json()["errors"]
    hidden = make_person(outsider, "秘密")
    refused = post(
        client, "/api/v1/people/merge", {"survivor_id": keep.pk, "other_ids": [hidden.pk]}
    )
    assert refused.status_code == 404 and "秘密" not in refused.content.decode()
    stale = post(
        client,
        "/api/v1/people/merge",
        {"survivor_id": keep.pk, "other_ids": [other.pk], "versions": {str(other.pk): 99}},
    )
    assert stale.status_code == 412
    outsider_try = post(
        api(outsider), "/api/v1/people/merge", {"survivor_id": keep.pk, "other_ids": [other.pk]}
    )
    assert outsider_try.status_code == 404
    assert not Merge.objects.exists()
    assert Person.objects.filter(pk__in=[keep.pk, other.pk]).count() == 2
    too_big = post(client, "/api/v1/people/merge", {"survivor_id": 2**63, "other_ids": [keep.pk]})
    assert too_big.status_code == 422


def test_only_admins_start_a_scan(rep, admin_user):
    assert api(rep).post("/api/v1/duplicates/scan").status_code == 403
    started = api(admin_user).post("/api/v1/duplicates/scan")
    assert started.status_code == 202 and started.json()["status"] in ("queued", "done")
