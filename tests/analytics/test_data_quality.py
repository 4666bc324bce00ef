"""The people's data quality per owner (decision 0040): the counts equal a direct count of the
people each viewer may see, whatever door changed the people, and a change queues one refresh."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from kehu.accounts import services as accounts
from kehu.analytics.data_quality import rollup
from kehu.analytics.data_quality.models import PeopleQuality
from kehu.customers import services
from kehu.customers.models import Person
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def direct(user):
    """What the widget read before the rollup: one scan of the people the user may see."""
    return Person.objects.visible_to(user).aggregate(
        total=Count("id"),
        no_owner=Count("id", filter=Q(owner__is_active=False)),
        no_contact=Count("id", filter=Q(phone="", email="")),
        no_company=Count("id", filter=Q(company__isnull=True)),
    )


def counted(user):
    found = rollup.totals_for(user)
    del found["as_of"]
    return found


@pytest.fixture
def people(rep, teammate, outsider, admin_user):
    acme = make_company(rep, "甲公司 Acme")
    make_person(rep, "有电话", phone="13912345678", company=acme.pk)
    make_person(rep, "无联系")
    make_person(teammate, "有邮箱", email="a@example.com")
    make_person(outsider, "外人", phone="13800000000", company=make_company(outsider).pk)
    services.delete_person(rep, make_person(rep, "已删除"))  # binned: counted by nobody
    make_person(admin_user, "管理员的")


def test_the_counts_equal_a_direct_count_for_every_viewer(
    people, rep, teammate, manager, outsider, admin_user, readonly_user
):
    assert rollup.rebuild() == 4  # owners with people
    for user in (rep, teammate, manager, outsider, admin_user, readonly_user):
        assert counted(user) == direct(user), user
    assert counted(rep) == {"total": 2, "no_owner": 0, "no_contact": 1, "no_company": 1}
    assert counted(admin_user)["total"] == 5


def test_a_deactivated_owners_people_count_as_without_an_active_owner(
    people, teammate, manager, admin_user
):
    accounts.update_user(admin_user, teammate, {"is_active": False})
    rollup.rebuild()
    assert counted(manager)["no_owner"] == 1 == direct(manager)["no_owner"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_door_that_changes_people_refreshes_the_counts(
    monkeypatch, people, rep, teammate, outsider, admin_user
):
    """Real commits: the tests' task backend runs the queued refresh at once."""
    runs = []
    count = rollup.rebuild
    monkeypatch.setattr(rollup, "rebuild", lambda: runs.append(1) or count())
    doors = [
        lambda: make_person(rep, "新来的"),
        lambda: services.update_person(
            rep, Person.objects.get(name="无联系"), {"phone": "13911112222"}
        ),
        lambda: services.update_person(
            admin_user, Person.objects.get(name="有电话"), {"owner": teammate.pk}
        ),
        lambda: services.delete_person(rep, Person.objects.get(name="新来的")),
        # binning a company unlinks its people: one refresh for all of them
        lambda: services.delete_company(outsider, Person.objects.get(name="外人").company),
    ]
    for door in doors:
        runs.clear()
        door()
        assert len(runs) == 1
        for user in (rep, teammate, outsider, admin_user):
            assert counted(user) == direct(user)


def test_the_worker_queues_one_refresh_a_minute_after_changes(settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(rollup, "_last_queued", 0.0)
    rollup.schedule_refresh()
    rollup.schedule_refresh()  # a second change in this process
    monkeypatch.setattr(rollup, "_last_queued", 0.0)
    rollup.schedule_refresh()  # another app server: the queue has one waiting already
    (queued,) = DBTaskResult.objects.filter(task_path__endswith="refresh_data_quality")
    assert queued.status == "READY"
    rollup.schedule_nightly()
    rollup.schedule_nightly()
    assert (
        DBTaskResult.objects.filter(task_path__endswith="count_data_quality_nightly").count() == 1
    )


def test_the_command_counts_again(people, admin_user):
    PeopleQuality.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_data_quality", stdout=out)
    assert out.getvalue().strip() == "data quality counted for 4 owners"
    assert counted(admin_user) == direct(admin_user)
