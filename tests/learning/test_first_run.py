"""The first run: the tour starts once per user (its steps fit the role), and an empty instance
offers sample data (administrators only) and an import."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client

from kehu import demo
from kehu.accounts.models import User
from kehu.customers.models import Company
from kehu.learning.models import SampleDataLoad, TourSeen
from kehu.learning.sample_data import services as sample_data
from tests.factories import make_company

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_tour_starts_until_it_is_seen_and_again_on_request(rep):
    client = signed_in(rep)
    assert "data-tour-autostart" in client.get("/").content.decode()
    assert "data-tour-autostart" not in client.get("/my-day/").content.decode()  # home only
    assert client.get("/tour/seen/").status_code == 405
    assert client.post("/tour/seen/", {"finished": "0"}).status_code == 204
    seen = TourSeen.objects.get(user=rep)
    assert (seen.tour, seen.finished) == ("rep", False)
    assert "data-tour-autostart" not in client.get("/").content.decode()
    assert "data-tour-autostart" in client.get("/?tour=1").content.decode()
    client.post("/tour/seen/", {"finished": "1"})
    assert TourSeen.objects.get(user=rep).finished is True


def test_each_role_gets_its_own_steps_in_its_language(rep, manager, admin_user, readonly_user):
    tours = {
        u.username: signed_in(u).get("/tour/").json()
        for u in (rep, manager, admin_user, readonly_user)
    }
    assert [tours[n]["tour"] for n in ("rep", "manager", "admin", "reader")] == [
        "rep",
        "manager",
        "admin",
        "rep",
    ]
    assert "board" in [s["target"] for s in tours["rep"]["steps"]]
    assert "forecast" in [s["target"] for s in tours["manager"]["steps"]]
    assert "users" in [s["target"] for s in tours["admin"]["steps"]]
    rep.language = "zh-hans"
    rep.save()
    chinese = signed_in(rep).get("/tour/").json()
    assert chinese["labels"]["next"] == "下一步"
    assert all(step["title"] and step["text"] for step in chinese["steps"])
    # every target is on the page the tour starts on, for the role it is shown to
    for user, name in ((rep, "rep"), (manager, "manager"), (admin_user, "admin")):
        home = signed_in(user).get("/").content.decode()
        for step in tours[user.username]["steps"]:
            assert not step["target"] or f'data-tour="{step["target"]}"' in home, (name, step)


def test_an_empty_instance_offers_sample_data_to_administrators_only(rep, admin_user):
    admin_home = signed_in(admin_user).get("/").content.decode()
    assert 'action="/sample-data/"' in admin_home and 'href="/import/"' in admin_home
    rep_home = signed_in(rep).get("/my-day/").content.decode()
    assert 'action="/sample-data/"' not in rep_home and "Kehu is empty so far" in rep_home
    refused = signed_in(rep).post("/sample-data/")
    assert refused.status_code == 403
    assert not SampleDataLoad.objects.exists()


def test_no_offer_once_there_is_a_customer_even_in_the_recycle_bin(admin_user):
    company = make_company(admin_user, "回收公司")
    company.deleted_at = company.updated_at
    company.save()
    client = signed_in(admin_user)
    assert "Kehu is empty so far" not in client.get("/").content.decode()
    response = client.post("/sample-data/", follow=True)
    assert "only loaded into an instance without people or companies" in response.content.decode()
    assert not SampleDataLoad.objects.exists()
    assert Company.all_objects.count() == 1


def small_demo(actor, log=print):
    """The demo's loader cut to one company (the whole demo takes 20 s; tests/test_demo.py
    covers its content): the real colleagues, made as the offer makes them."""
    users = demo.colleagues_for(actor)
    make_company(users["zhou.min"], "示例公司 Sample Co")
    log("  1 companies")
    return True


def test_an_administrator_loads_the_sample_data_in_the_background(
    admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(demo, "load_sample", small_demo)
    client = signed_in(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/sample-data/")
    load = SampleDataLoad.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sample-data/{load.pk}/"
    assert load.state == "done", load.error
    assert Company.objects.get().name == "示例公司 Sample Co"
    status = client.get(response["Location"]).content.decode()
    assert "1 companies" in status and "every 2s" not in status
    colleagues = User.objects.exclude(pk=admin_user.pk)
    # the two sales reps, their manager and the support team's agent and lead
    assert colleagues.count() == 5 and not any(u.has_usable_password() for u in colleagues)
    assert "Kehu is empty so far" not in client.get("/").content.decode()
    with pytest.raises(ValidationError, match="only loaded"):
        sample_data.start_load(admin_user)


def test_a_failed_load_says_so_logs_why_and_leaves_nothing(
    admin_user, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broken(actor, log=print):
        make_company(actor, "半途公司")
        raise RuntimeError("disk full")

    monkeypatch.setattr(
        demo, "load_sample", lambda actor, log=print: transaction.atomic()(broken)(actor, log)
    )
    queued = signed_in(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        queued.post("/sample-data/")
    load = SampleDataLoad.objects.get()
    assert load.state == "failed"
    assert "disk full" in caplog.text  # the why is in the server's log ...
    assert not Company.all_objects.exists()
    page = queued.get(f"/sample-data/{load.pk}/").content.decode()
    # ... and the page says what happened, with no exception text
    assert "could not be loaded. Nothing was added" in page
    assert "RuntimeError" not in page and "disk full" not in page
    assert (
        signed_in(admin_user)
        .get(f"/sample-data/{load.pk}/", headers={"HX-Request": "true"})
        .status_code
        == 200
    )


def test_a_load_already_under_way_is_not_started_twice(admin_user):
    SampleDataLoad.objects.create(started_by=admin_user)
    home = signed_in(admin_user).get("/").content.decode()
    assert "Sample data is being loaded" in home
    signed_in(admin_user).post("/sample-data/")
    assert SampleDataLoad.objects.count() == 1


def test_sample_colleagues_get_the_built_in_roles_even_once_renamed(admin_user):
    """An administrator may rename the installed roles (销售代表 for "Sales rep"); the sample
    data still finds them by their key, and gives each colleague one whole name."""
    from kehu.accounts.models import Role

    Role.objects.filter(key="sales_rep").update(name="销售代表")
    Role.objects.filter(key="manager").update(name="经理")
    users = demo.colleagues_for(admin_user)
    assert users["liu.yang"].role.key == "sales_rep"
    assert users["zhou.min"].role.key == "manager"
    assert (users["emily.carter"].first_name, users["emily.carter"].last_name) == (
        "Emily Carter",
        "",
    )
