"""Activities of a record in the recycle bin: nobody reads them, an administrator included,
until the record is restored. The read door leaves them out, so the API list, My day, the
calendar page and feed and the company timeline agree."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kehu.activities import services, timeline
from kehu.activities.calendar import services as calendar
from kehu.activities.models import Activity
from kehu.activities.my_day import services as my_day
from kehu.customers import services as customer_services
from kehu.sales.deals import services as sales_services
from kehu.sales.leads import services as leads
from tests.api.conftest import bearer_client
from tests.factories import make_company, make_deal, make_person, make_user

pytestmark = pytest.mark.django_db

RECORDS = {
    "person": (
        lambda owner: make_person(owner, "张伟"),
        customer_services.delete_person,
        customer_services.restore_person,
    ),
    "company": (
        lambda owner: make_company(owner, "青云科技"),
        customer_services.delete_company,
        customer_services.restore_company,
    ),
    "lead": (
        lambda owner: leads.create_lead(owner, {"name": "王总", "company_name": "新客户公司"}),
        leads.delete_lead,
        leads.restore_lead,
    ),
    "deal": (
        lambda owner: make_deal(owner, "大单"),
        sales_services.delete_deal,
        sales_services.restore_deal,
    ),
}


@pytest.fixture
def readonly(db, team_b):
    """Read-only role, record scope "all"."""
    return make_user("readonly", role="Read-only", team=team_b)


def _listed(user, **params) -> set[int]:
    response = bearer_client(user).get("/api/v1/activities", params)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("record_type", sorted(RECORDS))
def test_api_list_leaves_out_activities_of_a_binned_record_for_everyone(
    record_type, rep, manager, readonly, admin_user
):
    make, delete, restore = RECORDS[record_type]
    record = make(rep)
    on_record = services.log_activity(rep, record, "call", {"subject": "电话 Call"})
    elsewhere = services.add_note(rep, make_person(rep, "李娜"), "还在 Still here")
    viewers = (rep, manager, readonly, admin_user)
    for user in viewers:
        assert _listed(user) == {on_record.pk, elsewhere.pk}, user
    delete(rep, record)
    for user in viewers:
        assert _listed(user) == {elsewhere.pk}, user
        assert _listed(user, kind="call") == set(), user
        assert not Activity.objects.visible_to(user).filter(pk=on_record.pk).exists(), user
        response = bearer_client(user).get(f"/api/v1/activities/{on_record.pk}")
        assert response.status_code == 404, user
    restore(rep, record)
    for user in viewers:
        assert _listed(user) == {on_record.pk, elsewhere.pk}, user


@pytest.mark.parametrize("viewer", ["rep", "admin_user"])
def test_my_day_calendar_feed_and_timeline_agree(viewer, request, rep):
    """The viewer's own task and meeting on a binned person leave every page they were on."""
    user = request.getfixturevalue(viewer)
    company = make_company(rep, "青云科技")
    person = make_person(rep, "张伟", company=company.pk)
    now = timezone.now()
    task = services.log_activity(
        user, person, "task", {"subject": "回电话 Call back", "due_at": now}
    )
    meeting = services.log_activity(
        user,
        person,
        "meeting",
        {"subject": "拜访 Visit", "at": now, "ends_at": now + datetime.timedelta(hours=1)},
    )
    mine = {task.pk, meeting.pk}
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=1)

    def shown() -> dict[str, set[int]]:
        sections = my_day.my_day(user, user)
        feed = calendar.feed_calendar(user).decode()
        on_company = timeline.page(company, user=user).items
        local = timezone.localtime(now).replace(tzinfo=None)
        page = _client(user).get(
            reverse("calendar-events"),
            {"start": (local - datetime.timedelta(days=1)).isoformat(),
             "end": (local + datetime.timedelta(days=1)).isoformat()},
        )  # fmt: skip
        return {
            "my day": {row.pk for s in sections.values() for row in s.rows} & mine,
            "calendar": {i.activity.pk for i in calendar.items(user, user, start, end)} & mine,
            "feed": {
                pk
                for pk, subject in ((task.pk, "Call back"), (meeting.pk, "Visit"))
                if subject in feed
            },
            "timeline": {i.obj.pk for i in on_company if i.kind == "activity"} & mine,
            "calendar page": {
                pk for pk in mine if reverse("activity-detail", args=[pk]) in page.content.decode()
            },
            "api": _listed(user) & mine,
        }

    readers = ("my day", "calendar", "feed", "timeline", "calendar page", "api")
    assert shown() == dict.fromkeys(readers, mine)
    customer_services.delete_person(rep, person)
    assert shown() == dict.fromkeys(readers, set())
    assert _client(user).get(reverse("activity-detail", args=[task.pk])).status_code == 404
    customer_services.restore_person(rep, person)
    assert shown() == dict.fromkeys(readers, mine)


def test_an_invitation_to_a_meeting_on_a_binned_record_shows_only_as_busy(rep, admin_user):
    person = make_person(rep, "张伟")
    now = timezone.now()
    meeting = services.log_activity(
        rep,
        person,
        "meeting",
        {"subject": "拜访", "at": now, "attendee_users": [admin_user.pk]},
    )
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=1)
    found = calendar.items(admin_user, admin_user, start, end)
    assert [(i.activity, i.hidden) for i in found] == [(meeting, False)]
    customer_services.delete_person(rep, person)
    found = calendar.items(admin_user, admin_user, start, end)
    assert [(i.activity, i.hidden) for i in found] == [(meeting, True)]
    assert all(not s.rows for s in my_day.my_day(admin_user, admin_user).values())
