"""Activities: logging each kind, validation, who sees and changes them, the 360° timeline."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from kehu.activities import services, timeline
from kehu.activities.models import Activity, Reminder
from kehu.customers import services as customer_services
from tests.factories import make_company, make_deal, make_person, make_user

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def readonly(db, team_b):
    return make_user("readonly", role="Read-only", team=team_b)


def at(day: int, hour: int = 10, month: int = 12, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def test_each_kind_is_logged_with_its_fields_and_audited(rep):
    person = make_person(rep, "张伟")
    task = services.log_activity(
        rep, person, "task", {"subject": "发报价", "due_at": at(5), "priority": "high"}
    )
    call = services.log_activity(
        rep,
        person,
        "call",
        {"subject": "询价", "direction": "in", "outcome": "connected", "duration_minutes": 12},
    )
    meeting = services.log_activity(
        rep, person, "meeting", {"subject": "拜访", "at": at(6, 14), "attendee_people": [person.pk]}
    )
    assert task.is_open_task and task.priority == "high"
    assert call.duration_minutes == 12 and call.outcome == "connected"
    assert meeting.ends_at == at(6, 15)  # an hour unless told
    assert list(meeting.attendee_people.all()) == [person]
    assert {a.kind for a in Activity.objects.on(person)} == {"task", "call", "meeting"}
    from kehu.core.models import AuditEntry

    created = AuditEntry.objects.filter(content_type__model="activity", action="create")
    assert created.count() == 3
    assert created.filter(object_id=call.pk).get().changes["_record"] == f"person:{person.pk}"


@pytest.mark.parametrize(
    "kind, data, field",
    [
        ("meeting", {"subject": "拜访", "at": at(6, 14), "ends_at": at(6, 13)}, "ends_at"),
        ("task", {"subject": ""}, "subject"),
        ("call", {"subject": "x", "duration_minutes": 10_000}, "duration_minutes"),
        ("task", {"subject": "x", "remind_minutes": 10}, "remind_minutes"),  # no due time
        ("note", {"body": "x", "due_at": at(5)}, "due_at"),  # not a note's field
        ("note", {"body": "   "}, "body"),
        ("task", {"subject": "x" * 201}, "subject"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(rep, kind, data, field):
    person = make_person(rep, "张伟")
    with pytest.raises(ValidationError) as error:
        services.log_activity(rep, person, kind, data)
    assert field in error.value.message_dict
    assert not Activity.all_objects.exists()


def test_a_task_goes_only_to_someone_who_can_see_the_record(rep, teammate, manager):
    person = make_person(rep, "张伟")
    with pytest.raises(ValidationError) as error:
        services.log_activity(rep, person, "task", {"subject": "跟进", "owner": teammate.pk})
    assert "owner" in error.value.message_dict
    task = services.log_activity(rep, person, "task", {"subject": "跟进", "owner": manager.pk})
    assert task.owner == manager


def test_a_meeting_cannot_invite_people_the_actor_cannot_see(rep, outsider):
    person = make_person(rep, "张伟")
    hidden = make_person(outsider, "李娜")
    with pytest.raises(ValidationError):
        services.log_activity(
            rep, person, "meeting", {"subject": "拜访", "attendee_people": [hidden.pk]}
        )
    assert not Activity.objects.exists()


def test_visibility_follows_the_record_and_private_ones_stay_with_their_owner(
    rep, teammate, manager, outsider
):
    person = make_person(rep, "张伟")
    note = services.add_note(rep, person, "见面聊了")
    email = services.log_activity(rep, person, "email", {"subject": "私信"})
    services.set_private(rep, email, True)
    for user, sees in (
        (rep, {note, email}),
        (manager, {note}),
        (teammate, set()),
        (outsider, set()),
    ):
        assert set(Activity.objects.visible_to(user)) == sees, user
    # a task given to the manager on the rep's record: the manager sees it either way
    assert timeline.page(person, user=manager).items[0].obj != email
    with pytest.raises(PermissionDenied):
        services.set_private(manager, note, True)
    with pytest.raises(Http404):
        services.update_activity(outsider, note, {"body": "改"})


def test_owner_and_record_editors_change_an_activity_readers_do_not(rep, manager, readonly):
    person = make_person(rep, "张伟")
    note = services.add_note(manager, person, "经理的备注")
    services.update_activity(manager, note, {"body": "改过"})
    services.update_activity(rep, note, {"body": "owner of the record edits too"})
    with pytest.raises(PermissionDenied):
        services.update_activity(readonly, note, {"body": "只读"})
    own = services.add_note(readonly, person, "只读用户的备注")  # reading is enough to log
    services.delete_activity(readonly, own)
    assert Activity.all_objects.get(pk=own.pk).deleted_at is not None


def test_stale_version_is_a_conflict(rep):
    from kehu.core.records import VersionConflict

    task = services.log_activity(rep, make_person(rep), "task", {"subject": "a"})
    services.update_activity(rep, task, {"subject": "b"}, expected_version=1)
    with pytest.raises(VersionConflict):
        services.update_activity(rep, task, {"subject": "c"}, expected_version=1)


def test_repeating_task_makes_the_next_one_when_done(rep, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    person = make_person(rep)
    monthly = services.log_activity(
        rep,
        person,
        "task",
        {
            "subject": "月报",
            "due_at": at(31, 9, month=1, year=2027),
            "repeat": "monthly",
        },  # fmt: skip
    )
    done, following = services.complete_task(rep, monthly)
    assert done.done_at is not None and not done.is_open_task
    assert timezone.localtime(following.due_at, SHANGHAI) == at(28, 9, month=2, year=2027)
    assert following.repeat == "monthly" and following.is_open_task
    again, none = services.complete_task(rep, monthly)  # already done: nothing new
    assert none is None and Activity.objects.filter(kind="task").count() == 2
    reopened, _ = services.complete_task(rep, monthly, done=False)
    assert reopened.done_at is None


def test_reminders_follow_the_meeting_and_stop_when_it_is_deleted(rep, manager):
    person = make_person(rep)
    start = timezone.now() + datetime.timedelta(days=2)
    meeting = services.log_activity(
        rep,
        person,
        "meeting",
        {"subject": "拜访", "at": start, "remind_minutes": 30, "attendee_users": [manager.pk]},
    )
    due = {r.user_id: r.due_at for r in Reminder.objects.filter(activity=meeting)}
    assert due == {rep.pk: start - datetime.timedelta(minutes=30)} | {
        manager.pk: start - datetime.timedelta(minutes=30)
    }
    later = start + datetime.timedelta(hours=3)
    services.update_activity(rep, meeting, {"at": later, "ends_at": later})
    assert {r.due_at for r in Reminder.objects.filter(activity=meeting)} == {
        later - datetime.timedelta(minutes=30)
    }
    services.delete_activity(rep, meeting)
    assert not Reminder.objects.filter(activity=meeting, sent_at__isnull=True).exists()


def test_company_timeline_holds_its_people_and_deals_activities(rep, manager, teammate, admin_user):
    company = make_company(rep, "青云科技")
    person = make_person(rep, "张伟", company=company.pk)
    # a colleague's contact at the same company: the rep cannot see her
    theirs = customer_services.create_person(
        admin_user, {"name": "王芳", "company": company.pk, "owner": teammate.pk}
    )
    deal = make_deal(rep, "大单", company=company.pk)
    on_company = services.add_note(rep, company, "公司备注")
    on_person = services.log_activity(rep, person, "call", {"subject": "给张伟打电话"})
    on_deal = services.log_activity(rep, deal, "task", {"subject": "报价"})
    hidden = services.log_activity(teammate, theirs, "call", {"subject": "王芳的电话"})
    items = [i.obj for i in timeline.page(company, user=rep).items if i.kind == "activity"]
    assert items == [on_deal, on_person, on_company]
    assert hidden not in items
    as_manager = [i.obj for i in timeline.page(company, user=manager).items if i.kind == "activity"]
    assert hidden in as_manager
    # the person's own timeline has only what was logged on them
    mine = [i.obj for i in timeline.page(person, user=rep).items if i.kind == "activity"]
    assert mine == [on_person]


def test_timeline_filters_by_kind_and_pages_without_gaps(rep):
    person = make_person(rep)
    for i in range(5):
        services.add_note(rep, person, f"note {i}")
        services.log_activity(rep, person, "call", {"subject": f"call {i}"})
        customer_services.update_person(rep, person, {"title": f"t{i}"})
    calls = timeline.page(person, user=rep, kinds=["call"]).items
    assert [i.obj.subject for i in calls] == [f"call {i}" for i in reversed(range(5))]
    changes = timeline.page(person, user=rep, kinds=["changes"]).items
    assert {i.kind for i in changes} == {"audit"} and len(changes) == 6
    seen, cursor = [], None
    while True:
        page = timeline.page(person, cursor, user=rep, size=4, kinds=["note", "changes"])
        seen += [(i.kind, i.obj.pk) for i in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == 11 == len(set(seen))


def test_record_page_panel_logs_each_kind_with_htmx(client, rep):
    company = make_company(rep, "青云科技")
    client.force_login(rep)
    url = reverse("activity-log", args=["company", company.pk, "call"])
    response = client.post(
        url,
        {
            "subject": "电话 <b>",
            "direction": "out",
            "outcome": "no_answer",
            "at": "2026-12-01T09:30",
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="activity-panel"' in body
    assert "电话 &lt;b&gt;" in body and "no answer" in body
    call = Activity.objects.get()
    assert timezone.localtime(call.at).strftime("%H:%M") == "09:30"
    response = client.post(
        reverse("activity-log", args=["company", company.pk, "meeting"]),
        {"subject": "拜访", "at": "2026-12-01T14:00", "ends_at": "2026-12-01T13:00"},
        HTTP_HX_REQUEST="true",
    )
    assert "cannot end before it starts" in response.content.decode()
    assert Activity.objects.count() == 1
    assert (
        client.post(reverse("activity-log", args=["company", company.pk, "email"])).status_code
        == 404
    )
    assert client.post(reverse("activity-log", args=["ticket", 1, "note"])).status_code == 404


def test_record_pages_show_the_panel_in_a_fixed_number_of_queries(
    client, rep, django_assert_max_num_queries
):
    company = make_company(rep, "青云科技")
    client.force_login(rep)
    url = company.get_absolute_url()
    first = make_person(rep, "员工", company=company.pk)
    services.log_activity(rep, first, "task", {"subject": "任务", "due_at": at(3)})
    client.get(url)
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for i in range(25):
        person = make_person(rep, f"员工{i}", company=company.pk)
        services.log_activity(rep, person, "task", {"subject": f"任务 {i}", "due_at": at(3)})
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    page = response.content.decode()
    # open tasks are in Focus, soonest due first (then oldest), at most 20 of them
    assert "任务 18" in page and "任务 19" not in page
    assert "More is coming up than is shown here" in page


def test_done_and_delete_from_the_timeline(client, rep):
    person = make_person(rep)
    task = services.log_activity(rep, person, "task", {"subject": "回电"})
    client.force_login(rep)
    response = client.post(
        reverse("activity-done", args=[task.pk]), {"panel": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'class="check checked"' in response.content.decode()
    assert Activity.objects.get().done_at is not None
    client.post(reverse("activity-delete", args=[task.pk]))
    assert not Activity.objects.exists()
    client.post(reverse("activity-restore", args=[task.pk]))
    assert Activity.objects.get() == task


@pytest.mark.parametrize("back", ["-1", "张伟", "activity-list", "https://evil.example/", "//x"])
def test_done_goes_back_to_the_record_when_next_is_no_path_here(client, rep, back):
    # a `next` that is no path on this site once reached redirect() as a view name: a 500
    person = make_person(rep)
    task = services.log_activity(rep, person, "task", {"subject": "回电"})
    client.force_login(rep)
    response = client.post(reverse("activity-done", args=[task.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
    assert Activity.objects.get(pk=task.pk).done_at is not None
    response = client.post(reverse("activity-done", args=[task.pk]), {"next": "/my-day/"})
    assert response["Location"] == "/my-day/"


def test_activity_page_edits_with_the_form(client, rep, readonly):
    person = make_person(rep)
    task = services.log_activity(rep, person, "task", {"subject": "回电", "due_at": at(3)})
    client.force_login(rep)
    page = client.get(reverse("activity-detail", args=[task.pk])).content.decode()
    assert "回电" in page and 'name="due_at"' in page
    response = client.post(
        reverse("activity-detail", args=[task.pk]),
        {
            "version": task.version,
            "subject": "回电话",
            "due_at": "2026-12-04T10:00",
            "priority": "low",
            "owner": rep.pk,
        },  # fmt: skip
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.subject == "回电话" and task.priority == "low" and task.version == 2
    client.force_login(readonly)
    page = client.get(reverse("activity-detail", args=[task.pk])).content.decode()
    assert "回电话" in page and 'name="due_at"' not in page


def test_quick_add_from_anywhere_finds_the_record_by_pinyin(client, rep, outsider):
    make_person(rep, "张伟")
    make_person(outsider, "张伟伟")
    client.force_login(rep)
    page = client.get(reverse("activity-quick-add"), {"q": "zhangwei"}).content.decode()
    assert page.count("?record=person:") == 1
    person = make_person(rep, "李娜")
    response = client.post(
        reverse("activity-quick-add"),
        {
            "record": f"person:{person.pk}",
            "kind": "task",
            "subject": "寄样品",
            "priority": "normal",
            "owner": rep.pk,
        },  # fmt: skip
    )
    assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
    assert Activity.objects.get().subject == "寄样品"
    hidden = make_person(outsider, "赵六")
    response = client.get(reverse("activity-quick-add"), {"record": f"person:{hidden.pk}"})
    assert response.status_code == 404


# ---------------------------------------------------------------- API


def iso(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def api(client, user):
    client.force_login(user)
    return client


def test_api_logs_changes_and_completes_a_task(client, rep):
    person = make_person(rep)
    client = api(client, rep)
    response = client.post(
        "/api/v1/activities",
        {
            "kind": "task",
            "record_type": "person",
            "record_id": person.pk,
            "subject": "报价",
            "due_at": "2026-12-05T10:00:00+08:00",
            "repeat": "weekly",
        },  # fmt: skip
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    task = response.json()
    assert task["record_type"] == "person" and iso(task["due_at"]) == at(5)
    url = f"/api/v1/activities/{task['id']}"
    stale = client.patch(
        url, {"subject": "x"}, content_type="application/json", headers={"If-Match": 'W/"9"'}
    )
    assert stale.status_code == 412
    done = client.post(f"{url}/done", {"done": True}, content_type="application/json").json()
    assert done["activity"]["done_at"] and iso(done["next"]["due_at"]) == at(12)
    listed = client.get("/api/v1/activities", {"open": "true"}).json()
    assert [a["id"] for a in listed["items"]] == [done["next"]["id"]]
    timeline_page = client.get(f"/api/v1/timeline/person/{person.pk}?kind=task").json()
    assert {i["activity"]["id"] for i in timeline_page["items"]} == {task["id"], done["next"]["id"]}


@pytest.mark.parametrize(
    "body, field",
    [
        (
            {
                "kind": "meeting",
                "subject": "m",
                "at": "2026-12-05T10:00:00Z",
                "ends_at": "2026-12-05T09:00:00Z",
            },
            "ends_at",
        ),
        ({"kind": "call", "subject": "c", "duration_minutes": -1}, "duration_minutes"),
        ({"kind": "note", "body": "n", "due_at": "2026-12-05T10:00:00Z"}, "due_at"),
        ({"kind": "ticket", "subject": "t"}, "kind"),
        ({"kind": "task", "subject": "t", "owner_id": 999999}, "owner_id"),
        ({"kind": "task", "subject": "t", "due_at": "2027-01-05T10:00:00"}, "due_at"),  # no zone
        ({"kind": "task", "subject": "t", "due_at": "2027-01-05T10:00:00+18:04"}, "due_at"),
        ({"kind": "task", "subject": "t", "due_at": "1389-01-05T10:00:00+08:00"}, "due_at"),
    ],
)
def test_api_bad_input_is_422_with_field_errors(client, rep, body, field):
    person = make_person(rep)
    client = api(client, rep)
    payload = {"record_type": "person", "record_id": person.pk, **body}
    response = client.post("/api/v1/activities", payload, content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Activity.objects.exists()


def test_api_hides_other_peoples_records(client, rep, outsider):
    person = make_person(rep)
    services.add_note(rep, person, "机密")
    client = api(client, outsider)
    assert client.get(f"/api/v1/timeline/person/{person.pk}").status_code == 404
    assert client.get("/api/v1/activities").json()["items"] == []
    response = client.post(
        "/api/v1/activities",
        {"kind": "note", "record_type": "person", "record_id": person.pk, "body": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "record_id" in response.json()["errors"]
    assert not Activity.objects.filter(owner=outsider).exists()


# ---------------------------------------------------------------- found in review


def test_an_activity_is_no_way_back_into_a_lost_record(client, rep, outsider, admin_user):
    person = make_person(rep, "张伟")
    task = services.log_activity(rep, person, "task", {"subject": "回访"})
    person = customer_services.update_person(admin_user, person, {"owner": outsider.pk})
    services.add_note(outsider, person, "新负责人的机密备注")
    assert not Activity.objects.visible_to(rep).exists()
    client.force_login(rep)
    response = client.post(
        reverse("activity-done", args=[task.pk]), {"panel": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/activities/{task.pk}").status_code == 404


def test_emails_are_kept_as_sent(rep, manager):
    person = make_person(rep)
    email = services.log_activity(rep, person, "email", {"subject": "报价", "body": "附件"})
    with pytest.raises(ValidationError):
        services.update_activity(manager, email, {"subject": "改过"})
    with pytest.raises(ValidationError):
        services.update_activity(manager, email, {"private": True})  # only its owner
    assert Activity.objects.get(pk=email.pk).subject == "报价"


def test_editing_a_task_keeps_who_it_is_for(client, rep, manager):
    person = make_person(rep)
    task = services.log_activity(rep, person, "task", {"subject": "跟进", "owner": manager.pk})
    client.force_login(rep)
    page = client.get(reverse("activity-detail", args=[task.pk]))
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["subject"] = "跟进报价"
    response = client.post(reverse("activity-detail", args=[task.pk]), data)
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.subject == "跟进报价" and task.owner == manager


def test_daily_task_keeps_its_wall_clock_time_across_daylight_saving(rep):
    rep.time_zone = "Europe/Berlin"
    rep.save()
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    due = datetime.datetime(2027, 3, 27, 9, tzinfo=berlin)  # the clocks go forward that night
    task = services.log_activity(
        rep, make_person(rep), "task", {"subject": "日报", "due_at": due, "repeat": "daily"}
    )
    _done, following = services.complete_task(rep, task)
    assert following.due_at.astimezone(berlin) == datetime.datetime(2027, 3, 28, 9, tzinfo=berlin)


def test_a_converted_leads_activities_show_on_its_company(rep):
    from kehu.sales.leads import services as leads

    lead = leads.create_lead(
        rep, {"name": "王总", "company_name": "新客户公司", "status": "qualified"}
    )
    call = services.log_activity(rep, lead, "call", {"subject": "初次电话"})
    converted = leads.convert_lead(rep, lead, make_deal=False)
    items = timeline.page(converted.company, user=rep).items
    assert call in [i.obj for i in items if i.kind == "activity"]


def test_the_company_a_converted_leads_activities_get_is_a_versioned_change(client, rep):
    from kehu.core import audit, events
    from kehu.sales.leads import services as leads

    lead = leads.create_lead(
        rep, {"name": "王总", "company_name": "新客户公司", "status": "qualified"}
    )
    call = services.log_activity(rep, lead, "call", {"subject": "初次电话"})
    note = services.add_note(rep, lead, "预算充足")
    services.delete_activity(rep, note)  # binned: it follows too, and comes back with it
    note.refresh_from_db()
    before = {call.pk: call.version, note.pk: note.version}
    seen = []

    def handler(**event):
        seen.append((event["activity"].pk, event["changes"]))

    events.subscribe("activity.updated")(handler)
    try:
        converted = leads.convert_lead(rep, lead, make_deal=False)
    finally:
        events._handlers["activity.updated"].remove(handler)
    change = {"company": [None, "新客户公司"], "_record": f"lead:{lead.pk}"}
    assert sorted(seen) == sorted([(call.pk, change), (note.pk, change)])
    for activity in (call, note):
        activity.refresh_from_db()
        assert activity.company_id == converted.company_id
        assert activity.version == before[activity.pk] + 1
        entry = audit.history(activity).first()
        assert (entry.action, entry.actor, entry.changes) == ("update", rep, change)
    response = api(client, rep).get(f"/api/v1/activities/{call.pk}")
    assert response.json()["company_id"] == converted.company_id
    assert response["ETag"] == f'W/"{call.version}"'


def test_api_list_refuses_times_no_calendar_holds(client, rep):
    client = api(client, rep)
    response = client.get("/api/v1/activities", {"due_after": "1389-01-19T10:18:18+18:04"})
    assert response.status_code == 422 and "due_after" in response.json()["errors"]
