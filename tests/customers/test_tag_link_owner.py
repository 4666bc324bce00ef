"""Tag links carry their record's owner (for counting a tag within an owner's records): every
writer keeps the copy equal to the record's owner, and the counts it drives are right."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.customers import services
from kehu.customers.imports import running as importing
from kehu.customers.models import Company, CompanyTag, Person, PersonTag, Tag
from tests.customers.import_helpers import csv_text, job_from_bytes
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def link_owners(model) -> dict[str, set[int]]:
    """Record name -> owners on its links, for every link whose owner differs from the record's."""
    through, record = model.tags.through, model._meta.model_name
    wrong = {}
    for link in through.objects.select_related(record):
        owner = getattr(link, record).owner_id
        if link.owner_id != owner:
            wrong.setdefault(getattr(link, record).name, set()).add(link.owner_id)
    return wrong


def test_services_keep_the_links_owner_equal_to_the_records(admin_user, rep, teammate):
    person = make_person(rep, "张伟", tags=["VIP", "老客户"])
    company = make_company(rep, "阿里巴巴", tags=["Partner"])
    assert set(PersonTag.objects.values_list("owner_id", flat=True)) == {rep.pk}
    assert set(CompanyTag.objects.values_list("owner_id", flat=True)) == {rep.pk}

    person = services.update_person(admin_user, person, {"owner": teammate.pk})
    company = services.update_company(admin_user, company, {"owner": teammate.pk})
    assert link_owners(Person) == {} and link_owners(Company) == {}
    assert set(PersonTag.objects.values_list("owner_id", flat=True)) == {teammate.pk}

    # owner and tags changed together: the kept link and the new one both follow the owner
    services.update_person(admin_user, person, {"owner": rep.pk, "tags": ["VIP", "新"]})
    assert link_owners(Person) == {}
    assert PersonTag.objects.filter(owner_id=rep.pk).count() == 2

    # tags changed alone: new links take the record's current owner
    services.update_person(admin_user, Person.objects.get(), {"tags": ["VIP", "新", "more"]})
    assert link_owners(Person) == {} and PersonTag.objects.count() == 3


def test_import_writes_the_rows_owner_on_its_links(rep, manager, teammate):
    text = csv_text(["name,owner,tags", "A,teammate,VIP", "B,,VIP;Partner", "C,manager,"])
    job = job_from_bytes(manager, text.encode())
    importing.import_file(job)
    assert Person.objects.count() == 3
    assert link_owners(Person) == {}
    assert PersonTag.objects.filter(owner_id=teammate.pk).count() == 1
    assert PersonTag.objects.filter(owner_id=manager.pk).count() >= 1


def test_a_link_without_an_owner_is_refused(rep):
    person = make_person(rep, "张伟")
    tag = Tag.objects.create(name="VIP")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonTag.objects.create(person=person, tag=tag, owner_id=None)


def count_of(client, user, **params) -> str:
    client.force_login(user)
    body = client.get(reverse("person-list"), params).content.decode()
    return body.split('class="count"', 1)[1].split(">", 1)[1].split("</span>", 1)[0]


def test_tag_counts_within_an_owner_team_and_scope(
    client, admin_user, rep, teammate, manager, outsider
):
    for owner, names in ((rep, "ABC"), (teammate, "DE"), (outsider, "FGHI")):
        for name in names:
            make_person(owner, name, tags=["VIP"])
    make_person(rep, "untagged")
    services.delete_person(rep, make_person(rep, "binned", tags=["VIP"]))
    moved = make_person(outsider, "moved", tags=["VIP"])
    services.update_person(admin_user, moved, {"owner": rep.pk})  # now rep's: counted as such
    tag = Tag.objects.get(name="VIP").pk

    assert count_of(client, admin_user, tag=tag) == "10"
    assert count_of(client, admin_user, tag=tag, owner=rep.pk) == "4"
    assert count_of(client, admin_user, tag=tag, owner=outsider.pk) == "4"
    assert count_of(client, rep, tag=tag) == "4"  # own scope
    assert count_of(client, rep, tag=tag, owner="me") == "4"
    assert count_of(client, rep, tag=tag, owner=teammate.pk) == "0"  # not theirs to see
    assert count_of(client, manager, tag=tag) == "6"  # team scope: rep's and teammate's
    assert count_of(client, manager, tag=tag, owner=outsider.pk) == "0"
    assert count_of(client, manager, tag=tag, owner=teammate.pk, q="D") == "1"


def test_owner_and_tag_count_reads_only_the_owners_links(client, admin_user, rep, outsider):
    """The count is driven from the `(tag, owner, record)` index, whoever else has the tag."""
    make_person(rep, "A", tags=["VIP"])
    make_person(outsider, "B", tags=["VIP"])
    tag = Tag.objects.get(name="VIP").pk
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("person-list"), {"tag": tag, "owner": rep.pk})
    counts = [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper() and "activities_notification" not in q["sql"]  # the bell
    ]
    assert len(counts) == 1
    assert 'FROM "customers_person_tags"' in counts[0]
    assert f'"customers_person_tags"."owner_id" = {rep.pk}' in counts[0]


def test_tag_filtered_rows_within_an_owner_and_own_scope(client, admin_user, rep, outsider):
    """The rows (not only the count) of a tag within an owner: the tag's condition then reads
    the links of that owner, so the page and the API list show each such record once."""
    from tests.api.conftest import bearer_client

    for owner, names in ((rep, ["甲", "乙"]), (outsider, ["丙"])):
        for name in names:
            make_person(owner, name, tags=["VIP", "老客户"])
    make_person(rep, "untagged", tags=["老客户"])
    moved = make_person(outsider, "moved", tags=["VIP"])
    services.update_person(admin_user, moved, {"owner": rep.pk})
    tag = Tag.objects.get(name="VIP").pk

    def api_names(user, **params):
        response = bearer_client(user).get("/api/v1/people", {"tag": tag, **params})
        assert response.status_code == 200, response.content
        return sorted(p["name"] for p in response.json()["items"])

    assert api_names(admin_user, owner=rep.pk) == ["moved", "乙", "甲"]
    assert api_names(admin_user, owner=outsider.pk) == ["丙"]
    assert api_names(rep) == ["moved", "乙", "甲"]  # own scope, no owner filter
    assert api_names(rep, owner=outsider.pk) == []
    client.force_login(rep)
    page = client.get(reverse("person-list"), {"tag": tag, "sort": "name"}).content.decode()
    assert "moved" in page and "甲" in page and "丙" not in page and "untagged" not in page
