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
from kehu.activities.models import CalendarFeed
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


# ---------------------------------------------------------------- the page


def test_week_shows_meetings_and_tasks_in_the_users_time_zone(shanghai_rep, person, manager):
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

    page = _client(rep).get(reverse("calendar"), {"date": "2027-03-10"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "周三的会 Wednesday meeting" in html
    assert "09:30–10:30" in html  # Shanghai time, not UTC 01:30
    assert "周一凌晨 Early Monday" in html and "00:30" in html
    assert "下周一 Next Monday" not in html
    assert "发报价 Send the quote" in html and "15:00" in html
    assert "<s>已完成 Done already</s>" in html  # done tasks are struck through
    assert "经理的会 Manager&#x27;s meeting" in html and "14:00" in html
    assert "data-calendar-empty" not in html
    assert "data-calendar-list" in html  # the day list phones see

    following = _client(rep).get(reverse("calendar"), {"date": "2027-03-15"}).content.decode()
    assert "下周一 Next Monday" in following and "周三的会 Wednesday meeting" not in following


def test_month_view_and_navigation(shanghai_rep, person):
    rep = shanghai_rep
    _meeting(rep, person, _utc(2027, 3, 31, 16, 30), subject="月底 End of March")  # 1 Apr 00:30
    _meeting(rep, person, _utc(2027, 3, 2, 2, 0), subject="三月初 Early March")
    html = (
        _client(rep)
        .get(reverse("calendar"), {"view": "month", "date": "2027-03-20"})
        .content.decode()
    )
    assert "data-calendar-month" in html
    assert "三月初 Early March" in html
    # 1 April in Shanghai: shown in the grid's trailing days, but not in March's day list
    assert html.count('<span class="cal-subject">月底 End of March</span>') == 1
    assert "view=month&amp;date=2027-02-01" in html and "view=month&amp;date=2027-04-01" in html


def test_empty_calendar_says_so(rep):
    html = _client(rep).get(reverse("calendar"), {"view": "week"}).content.decode()
    assert "data-calendar-empty" in html and "Nothing planned this week." in html
    html = _client(rep).get(reverse("calendar"), {"view": "month"}).content.decode()
    assert "Nothing planned this month." in html


def test_bad_parameters_fall_back(rep):
    page = _client(rep).get(reverse("calendar"), {"view": "year", "date": "2027-13-45"})
    assert page.status_code == 200 and "data-calendar-week" in page.content.decode()


def test_manager_may_open_a_teammates_calendar_but_a_rep_may_not(
    shanghai_rep, person, manager, teammate, outsider
):
    rep = shanghai_rep
    _meeting(rep, person, _utc(2027, 3, 10, 1, 30), subject="代表的会 Rep's meeting")
    url = reverse("calendar")
    query = {"date": "2027-03-10", "owner": rep.pk}
    assert "代表的会" in _client(manager).get(url, query).content.decode()
    for other in (teammate, outsider):
        html = _client(other).get(url, query).content.decode()
        assert "代表的会" not in html  # they get their own calendar instead
    assert calendar.owner_for(outsider, rep.pk) == outsider
    assert calendar.owner_for(manager, rep.pk) == rep


def test_private_activities_of_a_teammate_stay_hidden_from_the_manager(shanghai_rep, person,
                                                                       manager):  # fmt: skip
    rep = shanghai_rep
    task = _task(rep, person, _utc(2027, 3, 10, 2, 0), subject="私事 Private thing")
    services.set_private(rep, task, True)
    found = calendar.items(manager, rep, _utc(2027, 3, 8), _utc(2027, 3, 15))
    assert found == []
    assert [i.activity for i in calendar.items(rep, rep, _utc(2027, 3, 8), _utc(2027, 3, 15))] == [
        task
    ]


def test_invitation_to_a_meeting_on_a_hidden_record_shows_as_busy(rep, teammate):
    """A teammate invites the rep to a meeting on the teammate's own customer, which the rep
    (own scope) may not see: the rep's calendar shows the slot, not the subject or a link."""
    theirs = make_person(teammate, "李娜")
    meeting = _meeting(teammate, theirs, _utc(2027, 3, 10, 1, 30), subject="机密会议 Secret",
                       attendee_users=[rep.pk])  # fmt: skip
    found = calendar.items(rep, rep, _utc(2027, 3, 8), _utc(2027, 3, 15))
    assert [(i.activity, i.hidden) for i in found] == [(meeting, True)]
    html = _client(rep).get(reverse("calendar"), {"date": "2027-03-10"}).content.decode()
    assert "机密会议" not in html and "Busy" in html
    assert reverse("activity-detail", args=[meeting.pk]) not in html


def test_the_page_has_a_fixed_number_of_queries(shanghai_rep, person, manager):
    rep = shanghai_rep
    client = _client(rep)
    url = reverse("calendar")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"date": "2027-03-10"}).status_code == 200
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
        services.complete_task(rep, _task(rep, person, _utc(2027, 3, day, 7, 0)))
    assert count() == few


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
    for view in ("week", "month"):
        response = _client(shanghai_rep).get(reverse("calendar"), {"date": day, "view": view})
        assert response.status_code == 200
