"""The duplicates pages: the warning on the forms, the queue, the merge page and undo."""

import pytest
from django.test import Client
from django.urls import reverse

from kehu.customers.duplicates.models import DuplicatePair, Merge
from kehu.customers.models import Company, Person
from tests.factories import PASSWORD, make_company, make_person

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_creating_a_look_alike_warns_first_and_saves_when_confirmed(rep):
    company = make_company(rep, "星辰科技有限公司")
    existing = make_person(rep, "张伟", company=company.pk)
    client = client_for(rep)
    data = {"name": "張偉", "company": company.pk, "owner": rep.pk}
    page = client.post(reverse("person-create"), data)
    assert page.status_code == 200
    body = page.content.decode()
    assert existing.get_absolute_url() in body and "confirm_duplicates" in body
    assert Person.objects.count() == 1  # nothing saved yet
    saved = client.post(reverse("person-create"), {**data, "confirm_duplicates": "1"})
    assert saved.status_code == 302
    assert Person.objects.count() == 2


def test_the_warning_names_only_records_the_user_can_see(rep, outsider):
    theirs = make_person(outsider, "王芳", email="wang@example.com")
    page = client_for(rep).post(
        reverse("person-create"), {"name": "王芳", "email": "wang@example.com", "owner": rep.pk}
    )
    assert page.status_code == 302  # no look-alike the rep can see: saved at once
    assert theirs.get_absolute_url() not in page.content.decode()


def test_editing_into_a_look_alike_company_warns(rep):
    make_company(rep, "上海星辰科技有限公司")
    other = make_company(rep, "别的公司")
    client = client_for(rep)
    url = reverse("company-edit", args=[other.pk])
    page = client.post(
        url, {"name": "星辰科技股份有限公司", "owner": rep.pk, "version": other.version}
    )
    assert page.status_code == 200 and "confirm_duplicates" in page.content.decode()
    assert Company.objects.get(pk=other.pk).name == "别的公司"


def test_queue_merge_and_undo_through_the_pages(rep):
    keep = make_person(rep, "李娜", email="li.na@example.com")
    other = make_person(rep, "Li Na", email="LI.NA@example.com")
    DuplicatePair.objects.create(
        kind="person", person_a=keep, person_b=other, score=95, reasons=["same_email"]
    )
    client = client_for(rep)
    queue = client.get(reverse("duplicates-person"))
    assert queue.status_code == 200 and "Li Na" in queue.content.decode()
    merge_url = reverse("person-merge", args=[keep.pk]) + f"?with={other.pk}"
    page = client.get(merge_url)
    assert page.status_code == 200
    done = client.post(merge_url, {"with": f"{other.pk}", "survivor": keep.pk, "f_name": other.pk})
    assert done.status_code == 302
    assert Person.objects.get(pk=keep.pk).name == "Li Na"
    entry = Merge.objects.get()
    detail = client.get(keep.get_absolute_url())
    assert reverse("person-merge-undo", args=[entry.pk]) in detail.content.decode()
    binned = client.get(other.get_absolute_url())
    assert "Li Na" in binned.content.decode()
    client.post(reverse("person-merge-undo", args=[entry.pk]))
    assert Person.objects.filter(pk=other.pk).exists()
    assert Person.objects.get(pk=keep.pk).name == "李娜"


def test_dismissed_pairs_leave_the_queue(rep):
    a, b = make_person(rep, "甲", phone="13800138000"), make_person(rep, "乙", phone="13800138000")
    pair = DuplicatePair.objects.create(kind="person", person_a=a, person_b=b, score=85)
    client = client_for(rep)
    client.post(reverse("duplicates-dismiss", args=[pair.pk]))
    assert DuplicatePair.objects.get(pk=pair.pk).dismissed_at is not None
    assert "甲" not in client.get(reverse("duplicates-person")).content.decode()


def test_outsiders_get_404_naming_nothing(rep, outsider):
    a, b = make_person(rep, "秘密甲"), make_person(rep, "秘密乙")
    pair = DuplicatePair.objects.create(kind="person", person_a=a, person_b=b, score=85)
    client = client_for(outsider)
    assert "秘密" not in client.get(reverse("duplicates-person")).content.decode()
    page = client.get(reverse("person-merge", args=[a.pk]) + f"?with={b.pk}")
    assert page.status_code == 404 and "秘密" not in page.content.decode()
    assert client.post(reverse("duplicates-dismiss", args=[pair.pk])).status_code == 404
    assert DuplicatePair.objects.get(pk=pair.pk).dismissed_at is None
