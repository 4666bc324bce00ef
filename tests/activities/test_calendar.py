"""The calendar page (week, month, time zones, whose calendar) and the personal iCalendar feed
(parsed back with `icalendar`; revoked and unknown URLs; nobody else's activities)."""

import datetime

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kehu.activities import services
from kehu.activities.calendar import ical
from kehu.activities.calendar import services as calendar
from kehu.activities.models import Activity, CalendarFeed
from kehu.core.models import AuditEntry
from tests.factories import make_person

pytestmark = pytest.mark.django_db
HOST = ical.host()  # of KEHU_PUBLIC_URL: the domain of event UIDs
UTC = datetime.UTC


def _utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def _meeting(user, record, start, minutes=60, **data):
    return services.log_activity(
        user,
        record,
        "meeting",
        {
            "subject": data.pop("subject", "季度回顾 Quarterly review"),
            "at": start,
            "ends_at": start + datetime.timedelta(minutes=minutes),
            **data,
        },
    )


def _task(user, record, due, subject="给张伟回电话 Call back", **data):
    return services.log_activity(user, record, "task", {"subject": subject, "due_at": due, **data})


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shanghai_rep(rep):
    rep.time_zone = "Asia/Shanghai"
    rep.email = "rep@kehu.example"
    rep.save()
    return rep


@pytest.fixture
def person(shanghai_rep):
    return make_person(shanghai_rep, "张伟", email="zhang.wei@customer.example")


# ---------------------------------------------------------------- the page and its events


def _events(user, start="2027-03-08T00:00:00Z", end="2027-03-15T00:00:00Z", **params):
    """The events FullCalendar reads for the range (as it asks: UTC-coerced wall times)."""
    response = _client(user).get(reverse("calendar-events"), {"start": start, "end": end, **params})
    assert response.status_code == 200, response.content
    return response.json()


def _titles(events) -> dict[str, tuple[str, str]]:
    return {e["title"]: (e["start"], e["end"]) for e in events}


def test_events_are_meetings_and_tasks_in_the_users_time_zone(shanghai_rep, person, manager):
    rep = shanghai_rep
    # Wednesday 10 March 2027, 09:30 in Shanghai
    _meeting(rep, person, _utc(2027, 3, 10, 1, 30), subject="周三的会 Wednesday meeting",
             place="上海办公室")  # fmt: skip
    # Sunday 14 March 17:00 UTC is Monday 15 March 01:00 in Shanghai: next week there
    _meeting(rep, person, _utc(2027, 3, 14, 17, 0), subject="下周一 Next Monday")
    # Sunday 7 March 16:30 UTC is Monday 8 March 00:30 in Shanghai: this week there
    _meeting(rep, person, _utc(2027, 3, 7, 16, 30), subject="周一凌晨 Early Monday")
    _task(rep, person, _utc(2027, 3, 11, 7, 0), subject="发报价 Send the quote")
    done = _task(rep, person, _utc(2027, 3, 12, 7, 0), subject="已完成 Done already")
    services.complete_task(rep, done)
    # the manager invites the rep to a meeting on the rep's person
    _meeting(manager, person, _utc(2027, 3, 9, 6, 0), subject="经理的会 Manager's meeting",
             attendee_users=[rep.pk])  # fmt: skip

    events = _events(rep)
    found = _titles(events)
    assert found["周三的会 Wednesday meeting"] == ("2027-03-10T09:30", "2027-03-10T10:30")
    assert found["周一凌晨 Early Monday"][0] == "2027-03-08T00:30"
    assert "下周一 Next Monday" not in found
    assert found["发报价 Send the quote"] == ("2027-03-11T15:00", "2027-03-11T15:30")
    assert found["经理的会 Manager's meeting"][0] == "2027-03-09T14:00"
    by_title = {e["title"]: e for e in events}
    assert "cal-done" in by_title["已完成 Done already"]["classNames"]
    assert by_title["周三的会 Wednesday meeting"]["extendedProps"]["place"] == "上海办公室"
    assert by_title["周三的会 Wednesday meeting"]["editable"] is True
    # the manager's own meeting on the rep's person: the rep may edit the record, so may move it
    assert by_title["经理的会 Manager's meeting"]["editable"] is True
    assert by_title["发报价 Send the quote"]["durationEditable"] is False  # a task has no length
    following = _titles(_events(rep, "2027-03-15T00:00:00Z", "2027-03-22T00:00:00Z"))
    assert "下周一 Next Monday" in following and "周三的会 Wednesday meeting" not in following


def test_the_page_loads_fullcalendar_in_the_users_language(shanghai_rep):
    html = _client(shanghai_rep).get(reverse("calendar")).content.decode()
    assert "vendor/fullcalendar/core/index.global" in html and 'data-locale="en"' in html
    assert "zh-cn.global" not in html
    shanghai_rep.language = "zh-hans"
    shanghai_rep.save()
    html = _client(shanghai_rep).get(reverse("calendar")).content.decode()
    assert 'data-locale="zh-cn"' in html and "zh-cn.global" in html and "日历" in html


def test_the_page_gives_fullcalendar_a_style_nonce_and_nothing_else(rep):
    response = _client(rep).get(reverse("calendar"))
    policy = dict(p.strip().split(" ", 1) for p in response["Content-Security-Policy"].split(";"))
    nonce = policy["style-src"].split("'nonce-")[1].split("'")[0]
    assert f'<meta name="csp-nonce" content="{nonce}">' in response.content.decode()
    assert policy["script-src"] == "'self'" and "unsafe" not in response["Content-Security-Policy"]
    other = _client(rep).get(reverse("my-day"))
    assert "nonce" not in other["Content-Security-Policy"]


@pytest.mark.parametrize(
    "query",
    [
        {"start": "x", "end": "2027-03-15"},
        {"start": "2027-03-08", "end": "nonsense"},
        {"start": "2027-03-15", "end": "2027-03-08"},  # ends before it starts
        {"start": "2027-01-01", "end": "2027-06-01"},  # more than 62 days
        {"start": "9999-12-31", "end": "9999-12-31T23:00"},
        {"start": "2027-03-08T00:00:00+99:00", "end": "2027-03-15"},
    ],
)
def test_a_bad_range_is_a_clear_error(rep, query):
    response = _client(rep).get(reverse("calendar-events"), query)
    assert response.status_code == 422
    assert response.json()["detail"] and response.json()["errors"]


def test_without_a_range_the_events_are_this_weeks(rep):
    person = make_person(rep, "张伟")
    _meeting(rep, person, timezone.now() - datetime.timedelta(days=30), subject="上个月 Old")
    response = _client(rep).get(reverse("calendar-events"))
    assert response.status_code == 200 and response.json() == []


def test_a_manager_overlays_teammates_calendars_but_a_rep_may_not(
    shanghai_rep, person, manager, teammate, outsider
):
    rep = shanghai_rep
    _meeting(rep, person, _utc(2027, 3, 10, 1, 30), subject="代表的会 Rep's meeting")
    _meeting(teammate, make_person(teammate, "王芳"), _utc(2027, 3, 10, 3, 0),
             subject="队友的会 Teammate's meeting")  # fmt: skip
    both = _events(manager, owner=[rep.pk, teammate.pk])
    owners = {e["title"]: e["classNames"][0] for e in both}
    assert owners == {"代表的会 Rep's meeting": "cal-owner-0",
                      "队友的会 Teammate's meeting": "cal-owner-1"}  # fmt: skip
    for other in (teammate, outsider):
        titles = _titles(_events(other, owner=[rep.pk]))
        assert "代表的会 Rep's meeting" not in titles  # they get their own calendar instead
    query = {"owner": [rep.pk, teammate.pk], "layout": "side"}
    html = _client(manager).get(reverse("calendar"), query).content.decode()
    assert html.count("data-events-url=") == 2  # one calendar each, side by side
    assert calendar.owner_for(outsider, rep.pk) == outsider
    assert calendar.owner_for(manager, rep.pk) == rep


def test_private_activities_of_a_teammate_stay_hidden_from_the_manager(shanghai_rep, person,
                                                                       manager):  # fmt: skip
    rep = shanghai_rep
    task = _task(rep, person, _utc(2027, 3, 10, 2, 0), subject="私事 Private thing")
    services.set_private(rep, task, True)
    assert _events(manager, owner=[rep.pk]) == []
    assert [i.activity for i in calendar.items(rep, rep, _utc(2027, 3, 8), _utc(2027, 3, 15))] == [
        task
    ]


def test_invitation_to_a_meeting_on_a_hidden_record_shows_as_busy(rep, teammate):
    """A teammate invites the rep to a meeting on the teammate's own customer, which the rep
    (own scope) may not see: the rep's calendar shows the slot, not the subject or a link,
    and the rep cannot move it."""
    theirs = make_person(teammate, "李娜")
    meeting = _meeting(teammate, theirs, _utc(2027, 3, 10, 1, 30), subject="机密会议 Secret",
                       attendee_users=[rep.pk])  # fmt: skip
    found = calendar.items(rep, rep, _utc(2027, 3, 8), _utc(2027, 3, 15))
    assert [(i.activity, i.hidden) for i in found] == [(meeting, True)]
    response = _client(rep).get(
        reverse("calendar-events"), {"start": "2027-03-08", "end": "2027-03-15"}
    )
    body = response.content.decode()
    assert "机密会议" not in body and "Secret" not in body and "李娜" not in body
    [event] = response.json()
    assert event["title"] == "Busy" and event["url"] == "" and event["editable"] is False
    moved = _client(rep).post(
        reverse("calendar-event-move", args=[meeting.pk]),
        {"start": "2027-03-10T11:00", "end": "2027-03-10T12:00", "version": meeting.version},
    )
    assert moved.status_code == 404


def test_the_events_have_a_fixed_number_of_queries(shanghai_rep, person, manager):
    rep = shanghai_rep
    client = _client(rep)
    url = reverse("calendar-events")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"start": "2027-03-08", "end": "2027-03-15"})
            assert response.status_code == 200
        return len(ctx.captured_queries)

    _meeting(rep, person, _utc(2027, 3, 10, 1, 30))
    _meeting(manager, person, _utc(2027, 3, 9, 6, 0), attendee_users=[rep.pk])
    _task(rep, person, _utc(2027, 3, 11, 7, 0))
    services.complete_task(rep, _task(rep, person, _utc(2027, 3, 12, 7, 0)))
    few = count()
    for day in range(8, 14):
        _meeting(rep, person, _utc(2027, 3, day, 3, 0))
        _meeting(manager, make_person(manager, f"人{day}"), _utc(2027, 3, day, 5, 0),
                 attendee_users=[rep.pk])  # fmt: skip
        _meeting(manager, person, _utc(2027, 3, day, 8, 0))  # the manager's, on the rep's person
        services.complete_task(rep, _task(rep, person, _utc(2027, 3, day, 7, 0)))
    assert count() == few


# ---------------------------------------------------------------- planning and moving


def _plan(user, **data):
    return _client(user).post(reverse("calendar-event-create"), data)


def test_plan_a_meeting_and_a_task_on_a_slot(shanghai_rep, person):
    rep = shanghai_rep
    answer = _plan(rep, kind="meeting", record=f"person:{person.pk}", subject="拜访 Visit",
                   start="2027-03-10T14:00:00Z", end="2027-03-10T15:30:00Z")  # fmt: skip
    assert answer.status_code == 201
    meeting = Activity.objects.get(pk=answer.json()["id"])
    assert (meeting.kind, meeting.owner, meeting.record) == ("meeting", rep, person)
    assert meeting.at == _utc(2027, 3, 10, 6, 0)  # 14:00 in Shanghai
    assert meeting.ends_at == _utc(2027, 3, 10, 7, 30)
    answer = _plan(rep, kind="task", record=f"person:{person.pk}", subject="回电 Call back",
                   start="2027-03-11T09:00")  # fmt: skip
    task = Activity.objects.get(pk=answer.json()["id"])
    assert task.kind == "task" and task.due_at == _utc(2027, 3, 11, 1, 0)
    assert AuditEntry.objects.filter(object_id=str(task.pk), action="create").exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "call"}, "kind"),
        ({"record": "person:999999"}, "record"),
        ({"record": "robot:1"}, "record"),
        ({"record": "person:x"}, "record"),
        ({"start": ""}, "start"),
        ({"end": "2027-03-10T13:00"}, "end"),  # before the start
        ({"subject": ""}, "subject"),
        ({"subject": "长" * 300}, "subject"),
    ],
)
def test_planning_with_bad_input_says_what_and_saves_nothing(shanghai_rep, person, data, field):
    good = {"kind": "meeting", "record": f"person:{person.pk}", "subject": "拜访 Visit",
            "start": "2027-03-10T14:00", "end": "2027-03-10T15:00"}  # fmt: skip
    answer = _plan(shanghai_rep, **(good | data))
    assert answer.status_code == 422
    assert field in answer.json()["errors"]
    assert not Activity.objects.exists()


def test_nobody_plans_on_a_record_they_cannot_see(person, outsider):
    answer = _plan(outsider, kind="task", record=f"person:{person.pk}", subject="偷看 Peek",
                   start="2027-03-10T14:00")  # fmt: skip
    assert answer.status_code == 422 and "张伟" not in answer.content.decode()
    assert not Activity.objects.exists()


def _move(user, activity, version=None, **times):
    data = {"start": "2027-03-10T16:00", "end": "2027-03-10T17:00", **times}
    data["version"] = activity.version if version is None else version
    return _client(user).post(reverse("calendar-event-move", args=[activity.pk]), data)


def test_moving_keeps_the_version_and_refuses_a_stale_one(shanghai_rep, person):
    meeting = _meeting(shanghai_rep, person, _utc(2027, 3, 10, 1, 30))
    answer = _move(shanghai_rep, meeting)
    assert answer.status_code == 200 and answer.json()["version"] == 2
    meeting.refresh_from_db()
    assert (meeting.at, meeting.ends_at) == (_utc(2027, 3, 10, 8), _utc(2027, 3, 10, 9))
    stale = _move(shanghai_rep, meeting, version=1, start="2027-03-11T16:00",
                  end="2027-03-11T17:00")  # fmt: skip
    assert stale.status_code == 409 and "changed" in stale.json()["detail"]
    meeting.refresh_from_db()
    assert meeting.at == _utc(2027, 3, 10, 8) and meeting.version == 2
    task = _task(shanghai_rep, person, _utc(2027, 3, 11, 7, 0))
    assert _move(shanghai_rep, task, start="2027-03-12T08:00", end="").status_code == 200
    task.refresh_from_db()
    assert task.due_at == _utc(2027, 3, 12, 0, 0)


@pytest.mark.parametrize(
    "times",
    [{"start": "bad"}, {"end": "2027-03-10T15:00"}, {"start": "0001-01-01T00:00"}],
)
def test_a_bad_move_changes_nothing(shanghai_rep, person, times):
    meeting = _meeting(shanghai_rep, person, _utc(2027, 3, 10, 1, 30))
    assert _move(shanghai_rep, meeting, **times).status_code == 422
    assert _move(shanghai_rep, meeting, version="x").status_code == 422
    meeting.refresh_from_db()
    assert meeting.version == 1


def test_who_may_move_what(shanghai_rep, person, manager, teammate, outsider, readonly_user):
    meeting = _meeting(shanghai_rep, person, _utc(2027, 3, 10, 1, 30))
    for other in (teammate, outsider):
        assert _move(other, meeting).status_code == 404  # not theirs to see
    assert _move(readonly_user, meeting).status_code == 403  # seen, not theirs to change
    meeting.refresh_from_db()
    assert meeting.version == 1
    assert _move(manager, meeting).status_code == 200  # the team's records are the manager's
    note = services.add_note(shanghai_rep, person, "备注 note")
    assert _move(shanghai_rep, note).status_code == 404  # only meetings and tasks have times


def test_the_record_picker_lists_only_visible_records(shanghai_rep, person, outsider):
    make_person(outsider, "张伟伟")
    html = _client(shanghai_rep).get(reverse("calendar-pick"), {"q": "张伟"}).content.decode()
    assert f'value="person:{person.pk}"' in html and "张伟伟" not in html
    empty = _client(shanghai_rep).get(reverse("calendar-pick"), {"q": "<b>x</b>"}).content.decode()
    assert "<b>x</b>" not in empty and "&lt;b&gt;" in empty


# ---------------------------------------------------------------- the feed


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def test_subscribe_shows_the_url_once_and_the_feed_parses(shanghai_rep, person, manager):
    rep = shanghai_rep
    start = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0, second=0)
    meeting = _meeting(rep, person, start, minutes=90, place="会议室 A", body="带上样品",
                       attendee_people=[person.pk], attendee_users=[manager.pk])  # fmt: skip
    services.update_activity(rep, meeting, {"place": "会议室 B"})
    meeting.refresh_from_db()
    due = start + datetime.timedelta(days=1)
    task = _task(rep, person, due, subject="发合同 Send the contract")
    services.complete_task(rep, _task(rep, person, due, subject="已做 Done"))
    _task(rep, person, None, subject="没有期限 No due time")

    client = _client(rep)
    page = client.post(reverse("calendar-subscribe"))
    html = page.content.decode()
    url = html.split('data-feed-url id="feed-url">', 1)[1].split("<", 1)[0]
    assert url.startswith("http") and "/calendar/feed/" in url and url.endswith(".ics")
    assert url not in client.get(reverse("calendar-subscribe")).content.decode()  # shown once
    feed = CalendarFeed.objects.get(user=rep)
    secret = url.rsplit("/", 1)[1][: -len(".ics")]
    assert secret not in feed.key_hash and feed.prefix == secret[:12]

    path = url.split("://", 1)[1].split("/", 1)[1]
    cal = _feed(Client(), "/" + path)  # no login
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    event = events[f"activity-{meeting.pk}@{HOST}"]
    assert event["dtstart"].dt == start.astimezone(UTC)
    assert event["dtstart"].dt.utcoffset() == datetime.timedelta(0)  # in UTC
    assert event["dtend"].dt - event["dtstart"].dt == datetime.timedelta(minutes=90)
    assert int(event["sequence"]) == meeting.version == 2
    assert str(event["summary"]) == "季度回顾 Quarterly review"
    assert str(event["location"]) == "会议室 B"
    assert "带上样品" in str(event["description"])
    assert str(event["url"]).endswith(reverse("activity-detail", args=[meeting.pk]))
    assert str(event["organizer"]) == "mailto:rep@kehu.example"
    found = event.get("attendee")
    attendees = {str(a) for a in (found if isinstance(found, list) else [found])}
    assert "mailto:zhang.wei@customer.example" in attendees
    task_event = events[f"activity-{task.pk}@{HOST}"]
    local_due = timezone.localtime(due, datetime.timezone(datetime.timedelta(hours=8)))
    assert task_event["dtstart"].dt == local_due.date()  # an all-day event on its due day
    assert "发合同 Send the contract" in str(task_event["summary"])
    assert local_due.strftime("%H:%M") in str(task_event["summary"])
    assert str(task_event["transp"]) == "TRANSPARENT"
    summaries = " ".join(str(e["summary"]) for e in events.values())
    assert "已做 Done" not in summaries and "没有期限" not in summaries
    assert CalendarFeed.objects.get(user=rep).last_used_at is not None


def test_feed_window_is_bounded(shanghai_rep, person):
    rep = shanghai_rep
    now = timezone.now()
    old = _meeting(rep, person, now - datetime.timedelta(days=120), subject="很久以前 Long ago")
    far = _meeting(rep, person, now + datetime.timedelta(days=400), subject="遥远 Far ahead")
    near = _meeting(rep, person, now - datetime.timedelta(days=30), subject="上个月 Last month")
    feed = icalendar.Calendar.from_ical(calendar.feed_calendar(rep))
    uids = {str(e["uid"]) for e in feed.walk("VEVENT")}
    assert f"activity-{near.pk}@{HOST}" in uids
    assert f"activity-{old.pk}@{HOST}" not in uids and f"activity-{far.pk}@{HOST}" not in uids


def test_revoked_and_unknown_and_inactive_feeds_are_404(rep):
    _feed_obj, secret = calendar.issue_feed(rep)
    url = reverse("calendar-feed", kwargs={"secret": secret})
    anonymous = Client()
    assert anonymous.get(url).status_code == 200
    unknown = reverse("calendar-feed", kwargs={"secret": "cal_made-up"})
    assert anonymous.get(unknown).status_code == 404
    assert anonymous.get(url.replace(secret, secret[:-1] + "x")).status_code == 404
    # a new URL stops the old one at once
    _new, new_secret = calendar.issue_feed(rep)
    assert anonymous.get(url).status_code == 404
    new_url = reverse("calendar-feed", kwargs={"secret": new_secret})
    assert anonymous.get(new_url).status_code == 200
    # revoking from the page
    client = _client(rep)
    assert client.post(reverse("calendar-unsubscribe")).status_code == 302
    assert anonymous.get(new_url).status_code == 404
    assert CalendarFeed.objects.filter(user=rep, revoked_at__isnull=True).count() == 0
    # an inactive user's feed
    _again, third = calendar.issue_feed(rep)
    rep.is_active = False
    rep.save()
    assert anonymous.get(reverse("calendar-feed", kwargs={"secret": third})).status_code == 404


def test_revoking_adds_one_to_the_feeds_version_and_reading_it_does_not(rep):
    feed, secret = calendar.issue_feed(rep)
    assert feed.version == 1
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=None)
    calendar.feed_user(secret)  # a calendar app reading it is not an edit
    assert CalendarFeed.objects.get(pk=feed.pk).version == 1
    calendar.issue_feed(rep)  # a new URL revokes this one
    assert CalendarFeed.objects.get(pk=feed.pk).version == 2


def test_a_subscribe_page_loaded_before_the_feed_changed_elsewhere_changes_nothing(rep):
    client = _client(rep)
    page = client.get(reverse("calendar-subscribe")).content.decode()
    assert 'name="feed" value=""' in page and 'name="version" value="0"' in page
    first = client.post(reverse("calendar-subscribe"), {"feed": "", "version": "0"})
    assert first.status_code == 200 and "data-feed-url" in first.content.decode()
    feed = CalendarFeed.objects.get(user=rep)
    shown = {"feed": str(feed.pk), "version": str(feed.version)}
    assert f'name="feed" value="{feed.pk}"' in first.content.decode()

    # another tab (or window) makes a new URL: this page is out of date
    newer, _secret = calendar.issue_feed(rep, (feed.pk, feed.version))
    for url in ("calendar-subscribe", "calendar-unsubscribe"):
        stale = client.post(reverse(url), shown)
        assert stale.status_code == 409
        body = stale.content.decode()
        assert "data-feed-conflict" in body and "data-feed-url" not in body
        assert f'name="feed" value="{newer.pk}"' in body  # the page as it is now
    assert list(CalendarFeed.objects.filter(user=rep, revoked_at__isnull=True)) == [newer]
    # a page that showed no feed while there is one is out of date too
    assert (
        client.post(reverse("calendar-subscribe"), {"feed": "", "version": "0"}).status_code == 409
    )
    assert (
        client.post(reverse("calendar-unsubscribe"), {"feed": "x", "version": "1"}).status_code
        == 409
    )
    assert list(CalendarFeed.objects.filter(user=rep, revoked_at__isnull=True)) == [newer]

    current = {"feed": str(newer.pk), "version": str(newer.version)}
    assert client.post(reverse("calendar-unsubscribe"), current).status_code == 302
    assert not CalendarFeed.objects.filter(user=rep, revoked_at__isnull=True).exists()
    assert CalendarFeed.objects.get(pk=newer.pk).version == 2


def test_last_used_is_written_at_most_once_an_hour(rep):
    feed, secret = calendar.issue_feed(rep)
    assert calendar.feed_user(secret) == rep
    first = CalendarFeed.objects.get(pk=feed.pk).last_used_at
    assert calendar.feed_user(secret) == rep
    assert CalendarFeed.objects.get(pk=feed.pk).last_used_at == first
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=first - datetime.timedelta(hours=2))
    calendar.feed_user(secret)
    assert CalendarFeed.objects.get(pk=feed.pk).last_used_at > first


def test_feed_holds_only_the_users_own_activities(rep, teammate, manager):
    """The rep's own private task is in the rep's feed; a teammate's private and public
    activities, and meetings the rep is not invited to, are not."""
    soon = timezone.now() + datetime.timedelta(days=2)
    mine = make_person(rep, "张伟")
    theirs = make_person(teammate, "李娜")
    private = _task(rep, mine, soon, subject="我的私事 My private task")
    services.set_private(rep, private, True)
    their_private = _task(teammate, theirs, soon, subject="别人的私事 Their private task")
    services.set_private(teammate, their_private, True)
    _meeting(teammate, theirs, soon, subject="别人的会 Their meeting")
    _meeting(manager, mine, soon, subject="经理自己的会 Manager alone")  # rep not invited
    text = calendar.feed_calendar(rep).decode()
    assert "我的私事 My private task" in text
    assert "别人的私事" not in text and "别人的会" not in text and "经理自己的会" not in text
    their_text = calendar.feed_calendar(teammate).decode()
    assert "我的私事" not in their_text and "别人的会 Their meeting" in their_text


def test_the_feed_leaves_out_attendees_its_reader_cannot_see(shanghai_rep, person, outsider):
    hidden = make_person(outsider, "外人", email="hidden@outsider.example")
    meeting = _meeting(shanghai_rep, person, timezone.now() + datetime.timedelta(days=1))
    meeting.attendee_people.add(person, hidden)
    _feed, secret = calendar.issue_feed(shanghai_rep)
    body = Client().get(reverse("calendar-feed", args=[secret])).content.decode()
    assert f"activity-{meeting.pk}@" in body  # the meeting is there, its hidden guest is not
    assert "hidden@outsider.example" not in body


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30", "x"])
def test_odd_dates_show_today_instead_of_failing(shanghai_rep, day):
    for view in ("day", "week", "month", "year"):
        response = _client(shanghai_rep).get(reverse("calendar"), {"date": day, "view": view})
        assert response.status_code == 200
        assert (
            f'data-initial-date="{timezone.localdate().isoformat()}"' in response.content.decode()
        )
