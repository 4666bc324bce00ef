"""Record pages (docs/record-pages.md): Focus apart from the history, a person's deals, quotes
and orders, the follow-up after a call or meeting, and Undo in the confirmations."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.activities import services as activities
from kehu.activities.models import Activity
from kehu.customers import services as customers
from kehu.customers.models import Person
from kehu.sales.deals import services as deals
from kehu.sales.models import Deal, DealContact, Order
from kehu.sales.quotes import services as quotes
from tests.factories import make_company, make_deal, make_person, stage

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
FETCH = {"X-Requested-With": "fetch"}


def split_panel(html: str) -> tuple[str, str]:
    """(Focus, history) of a record page's panel."""
    focus_at = html.index('aria-labelledby="focus-title-')
    history_at = html.index('class="history-head"')
    return html[focus_at:history_at], html[history_at:]


def undo_token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "no Undo button"
    return found.group(1)


# --- Focus and history -------------------------------------------------------------------------


def test_focus_holds_what_is_coming_up_and_the_history_the_rest(client, rep):
    now = timezone.now()
    person = make_person(rep, "张伟")
    log = lambda kind, **data: activities.log_activity(rep, person, kind, data)  # noqa: E731
    log("task", subject="开放任务 open task", due_at=now + datetime.timedelta(days=2))
    log("task", subject="逾期任务 late task", due_at=now - datetime.timedelta(days=1))
    done = log("task", subject="做完的任务 done task")
    activities.complete_task(rep, done)
    log("meeting", subject="将来的会 future meeting", at=now + datetime.timedelta(days=3))
    log("call", subject="回电 planned call", at=now + datetime.timedelta(hours=5))
    log("call", subject="打过的电话 past call", at=now - datetime.timedelta(hours=5))
    log("note", body="一条备注 a note")
    client.force_login(rep)
    focus, history = split_panel(client.get(person.get_absolute_url()).content.decode())
    for upcoming in ("open task", "late task", "future meeting", "planned call"):
        assert upcoming in focus and upcoming not in history
    for past in ("done task", "past call", "a note"):
        assert past in history and past not in focus
    # soonest first: the overdue task, then the call in 5 hours, the task in 2 days, the meeting
    order = [focus.index(s) for s in ("late task", "planned call", "开放任务", "future meeting")]
    assert order == sorted(order)
    assert "overdue" in focus.split("late task")[1].split("</li>")[0]
    # the kind chips filter only the history; "Show older" never brings Focus items back
    chip = client.get(
        reverse("activity-timeline", args=["person", person.pk]) + "?kind=task"
    ).content.decode()
    assert "done task" in chip and "open task" not in chip


def test_a_deals_next_step_is_in_focus_and_an_empty_focus_says_so(client, rep):
    deal = make_deal(rep, "框架协议", next_step="发报价 send the quote", next_step_due="2020-01-02")
    client.force_login(rep)
    focus, _history = split_panel(client.get(deal.get_absolute_url()).content.decode())
    assert "send the quote" in focus and "2020-01-02" in focus and "overdue" in focus
    lead_person = make_person(rep, "空的")
    focus, _history = split_panel(client.get(lead_person.get_absolute_url()).content.decode())
    assert "data-focus-empty" in focus


def test_a_company_focus_holds_its_peoples_open_tasks(client, rep, outsider):
    company = make_company(rep, "青云科技")
    person = make_person(rep, "员工", company=company.pk)
    activities.log_activity(rep, person, "task", {"subject": "员工的任务 staff task"})
    client.force_login(rep)
    focus, _history = split_panel(client.get(company.get_absolute_url()).content.decode())
    assert "staff task" in focus


# --- a person's deals, quotes and orders -------------------------------------------------------


def test_a_persons_deals_quotes_and_orders_as_each_may_see_them(
    client, rep, teammate, manager, outsider, admin_user
):
    person = make_person(rep, "司马光")
    own = make_deal(rep, "自己的商机 own deal")
    deals.set_contact(rep, own, person.pk, "采购")
    hidden = deals.create_deal(admin_user, {"name": "别人的商机 other deal", "owner": outsider.pk})
    deals.set_contact(admin_user, hidden, person.pk)
    line = {"description": "服务", "quantity": "1", "unit_price": "100"}
    own_quote = quotes.create_quote(
        rep, {"title": "自己的报价 own quote", "person": person.pk, "lines": [line]}
    )
    quotes.accept_quote(rep, own_quote)
    quotes.create_quote(
        admin_user,
        {"title": "别人的报价 other quote", "person": person.pk, "owner": outsider.pk},
    )
    own_order = Order.objects.get(quote=own_quote)
    url = person.get_absolute_url()

    def sales_of(user) -> str:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        return page[page.index('id="person-sales"') :]

    for viewer in (rep, manager):  # the owner; the team's manager sees the team's
        seen = sales_of(viewer)
        assert "own deal" in seen and "own quote" in seen and own_order.number in seen
        assert "other deal" not in seen and "other quote" not in seen
    seen = sales_of(admin_user)
    assert "own deal" in seen and "other deal" in seen and "other quote" in seen
    for stranger in (teammate, outsider):  # a rep sees only their own: the person is hidden
        client.force_login(stranger)
        assert client.get(url).status_code == 404


def test_new_deal_from_a_person_is_prefilled_and_puts_them_on_it(client, rep, outsider):
    company = make_company(rep, "青云科技")
    person = make_person(rep, "欧阳修", company=company.pk)
    client.force_login(rep)
    page = client.get(person.get_absolute_url()).content.decode()
    link = f"{reverse('deal-create')}?person={person.pk}&amp;company={company.pk}"
    assert link in page
    url = f"{reverse('deal-create')}?person={person.pk}"
    form = client.get(url).content.decode()
    assert "Deal with 欧阳修" in form
    assert f'value="{company.pk}" selected' in form or f'value="{company.pk}"' in form
    response = client.post(
        url,
        {"name": "欧阳修的订单", "pipeline": stage("Proposal").pipeline_id,
         "stage": stage("Proposal").pk, "currency": "CNY", "company": company.pk,
         "owner": rep.pk},
    )  # fmt: skip
    deal = Deal.objects.get(name="欧阳修的订单")
    assert response.status_code == 302 and deal.company == company
    assert DealContact.objects.filter(deal=deal, person=person).exists()
    # someone who cannot see the person: 404, nothing made
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "偷", "currency": "CNY"}).status_code == 404
    assert client.get(f"{reverse('deal-create')}?person=abc").status_code == 404
    assert Deal.objects.count() == 1


# --- follow-ups after a call or meeting --------------------------------------------------------


@pytest.fixture
def la_rep(rep):
    rep.time_zone = "America/Los_Angeles"
    rep.save(update_fields=["time_zone"])
    return rep


def due_local(task: Activity) -> datetime.datetime:
    return task.due_at.astimezone(LA).replace(tzinfo=None)


def test_follow_up_presets_count_days_where_the_user_is(client, la_rep, time_machine):
    # Monday 7 December 03:00 UTC: still Sunday 6 December in Los Angeles (the server's zone,
    # Shanghai, is already at Monday 11:00)
    time_machine.move_to(datetime.datetime(2026, 12, 7, 3, 0, tzinfo=datetime.UTC))
    person = make_person(la_rep, "张伟")
    client.force_login(la_rep)
    log = reverse("activity-log", args=["person", person.pk, "call"])
    form = client.get(log, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="follow_up-when" value="tomorrow"' in form
    assert "Follow up with 张伟" in form
    response = client.post(
        log,
        {"subject": "第一次电话", "direction": "out", "follow_up-when": "tomorrow",
         "follow_up-subject": "寄样品 send samples"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    task = Activity.objects.get(kind="task")
    assert due_local(task) == datetime.datetime(2026, 12, 7, 9, 0)  # LA's tomorrow, 09:00
    assert task.subject == "寄样品 send samples" and task.record == person
    focus, _history = split_panel(response.content.decode())
    assert "send samples" in focus and "data-follow-up-box" not in response.content.decode()

    # saved without a next step: the panel offers one; one click makes it
    response = client.post(
        log, {"subject": "第二次电话", "direction": "out"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "data-follow-up-box" in body and "Next step after “第二次电话”?" in body
    call = Activity.objects.get(subject="第二次电话")
    follow_up = reverse("activity-follow-up", args=[call.pk])
    for preset, day in (("next_week", 7), ("in_3_days", 9)):
        client.post(
            follow_up,
            {"follow_up-when": preset, "follow_up-subject": f"跟进 {preset}"},
            HTTP_HX_REQUEST="true",
        )
        made = Activity.objects.get(subject=f"跟进 {preset}")
        assert due_local(made) == datetime.datetime(2026, 12, day, 9, 0)
    client.post(
        follow_up,
        {"follow_up-when": "date", "follow_up-day": "2026-12-24", "follow_up-subject": "圣诞"},
    )
    assert due_local(Activity.objects.get(subject="圣诞")) == datetime.datetime(2026, 12, 24, 9)


def test_a_bad_follow_up_saves_nothing(client, la_rep, outsider, time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 7, 3, 0, tzinfo=datetime.UTC))
    person = make_person(la_rep, "张伟")
    client.force_login(la_rep)
    log = reverse("activity-log", args=["person", person.pk, "meeting"])
    start = {"subject": "拜访", "at": "2026-12-08T10:00", "ends_at": "2026-12-08T11:00"}
    for bad, error in (
        ({"follow_up-when": "date"}, "Choose the day of the follow-up."),
        ({"follow_up-when": "date", "follow_up-day": "2026-12-05"}, "Choose today or a later"),
        ({"follow_up-when": "someday"}, "Select a valid choice"),
        ({"follow_up-when": "tomorrow", "follow_up-subject": "  "}, "Say what the follow-up is"),
    ):
        body = client.post(log, {**start, **bad}, HTTP_HX_REQUEST="true").content.decode()
        assert error in body
        assert not Activity.objects.exists()  # neither the meeting nor its follow-up
    meeting = activities.log_activity(la_rep, person, "meeting", {"subject": "拜访"})
    follow_up = reverse("activity-follow-up", args=[meeting.pk])
    body = client.post(follow_up, {"follow_up-subject": "x"}, HTTP_HX_REQUEST="true")
    assert "Choose when the follow-up is due." in body.content.decode()
    client.force_login(outsider)
    assert client.post(follow_up, {"follow_up-when": "tomorrow"}).status_code == 404
    assert Activity.objects.count() == 1


# --- Undo --------------------------------------------------------------------------------------


def test_undo_a_stage_move_from_the_page_and_the_board(client, rep, admin_user):
    deal = make_deal(rep, "框架协议", stage=stage("Proposal").pk)
    client.force_login(rep)
    move = reverse("deal-move", args=[deal.pk])
    response = client.post(move, {"stage": stage("Negotiation").pk, "version": 1}, follow=True)
    page = response.content.decode()
    assert "is now in Negotiation" in page and 'aria-live="polite"' in page
    token = undo_token(page)
    response = client.post(reverse("undo"), {"token": token, "next": deal.get_absolute_url()})
    deal.refresh_from_db()
    assert response.status_code == 302 and deal.stage == stage("Proposal") and deal.version == 3
    assert client.post(reverse("undo"), {"token": token}).status_code == 404  # once only

    # the board: the answer carries the confirmation and its token; a won deal is reopened
    answer = client.post(
        move, {"stage": stage("Won").pk, "version": deal.version}, headers=FETCH
    ).json()
    assert "is now in Won" in answer["message"] and answer["undo"]
    undone = client.post(reverse("undo"), {"token": answer["undo"]}, headers=FETCH)
    deal.refresh_from_db()
    assert undone.json()["ok"] and deal.stage == stage("Proposal") and not deal.is_closed

    # lost, then reopened: Undo puts it back in Lost with its reason
    deals.move_deal(rep, deal, stage("Lost").pk, reason="太贵")
    deal.refresh_from_db()
    answer = client.post(
        move, {"stage": stage("Proposal").pk, "version": deal.version, "reopen": "1"},
        headers=FETCH,
    ).json()  # fmt: skip
    client.post(reverse("undo"), {"token": answer["undo"]}, headers=FETCH)
    deal.refresh_from_db()
    assert deal.stage == stage("Lost") and deal.close_reason == "太贵"

    # changed by someone since: nothing is undone, and the answer says so
    deal = make_deal(rep, "第二个", stage=stage("Proposal").pk)
    answer = client.post(
        reverse("deal-move", args=[deal.pk]),
        {"stage": stage("Negotiation").pk, "version": 1},
        headers=FETCH,
    ).json()
    deals.update_deal(admin_user, deal, {"amount": "5000"})
    undone = client.post(reverse("undo"), {"token": answer["undo"]}, headers=FETCH)
    deal.refresh_from_db()
    assert undone.status_code == 409 and "changed by someone since" in undone.json()["message"]
    assert deal.stage == stage("Negotiation")


def test_undo_is_only_for_the_session_that_did_it_and_those_still_allowed(
    client, rep, outsider, admin_user
):
    deal = make_deal(rep, "框架协议", stage=stage("Proposal").pk)
    client.force_login(rep)
    answer = client.post(
        reverse("deal-move", args=[deal.pk]),
        {"stage": stage("Negotiation").pk, "version": 1},
        headers=FETCH,
    ).json()
    # another user's session does not know the token
    other = type(client)()
    other.force_login(outsider)
    assert other.post(reverse("undo"), {"token": answer["undo"]}).status_code == 404
    # the deal given to someone outside the rep's reach: the rep's Undo finds no deal
    deal.refresh_from_db()
    given = deals.update_deal(admin_user, deal, {"owner": outsider.pk})
    assert client.post(reverse("undo"), {"token": answer["undo"]}).status_code == 404
    given.refresh_from_db()
    assert given.stage == stage("Negotiation") and given.version == deal.version + 1
    assert client.get(reverse("undo")).status_code == 405


def test_undo_done_reopens_the_task_and_drops_the_next_occurrence(client, rep, admin_user):
    person = make_person(rep, "张伟")
    due = timezone.now() + datetime.timedelta(days=1)
    task = activities.log_activity(
        rep, person, "task", {"subject": "每周回访 weekly call", "due_at": due, "repeat": "weekly"}
    )
    client.force_login(rep)
    done = reverse("activity-done", args=[task.pk])
    response = client.post(done, {"panel": "1", "done": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'hx-swap-oob="innerHTML"' in body and "“每周回访 weekly call” is done." in body
    task.refresh_from_db()
    following = Activity.objects.get(pk=task.next_occurrence_id)
    response = client.post(
        reverse("undo"), {"token": undo_token(body), "next": person.get_absolute_url()}
    )
    task.refresh_from_db()
    following.refresh_from_db()
    assert response.status_code == 302 and response.url == person.get_absolute_url()
    assert task.done_at is None and task.next_occurrence_id is None
    assert following.deleted_at is not None  # still as it was made: binned with the undo
    # done again, it makes its next occurrence anew
    activities.complete_task(rep, task)
    task.refresh_from_db()
    assert task.next_occurrence_id not in (None, following.pk)

    # stale: someone changed the task after it was done
    other = activities.log_activity(rep, person, "task", {"subject": "寄合同"})
    body = client.post(
        reverse("activity-done", args=[other.pk]), {"panel": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    other.refresh_from_db()
    activities.update_activity(admin_user, other, {"priority": "high"})
    page = client.post(reverse("undo"), {"token": undo_token(body)}, follow=True)
    other.refresh_from_db()
    assert other.done_at is not None and "changed by someone since" in page.content.decode()


def test_undo_a_delete_restores_from_the_recycle_bin(client, rep, admin_user):
    person = make_person(rep, "张伟")
    client.force_login(rep)
    response = client.post(reverse("person-delete", args=[person.pk]), follow=True)
    page = response.content.decode()
    assert "is moved to the recycle bin" in page and "Undo" in page
    response = client.post(reverse("undo"), {"token": undo_token(page)})
    person.refresh_from_db()
    assert person.deleted_at is None and response.url == person.get_absolute_url()

    deal = make_deal(rep, "框架协议")
    page = client.post(reverse("deal-delete", args=[deal.pk]), follow=True).content.decode()
    client.post(reverse("undo"), {"token": undo_token(page)})
    deal.refresh_from_db()
    assert deal.deleted_at is None

    note = activities.add_note(rep, person, "备注")
    body = client.post(
        reverse("activity-delete", args=[note.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    client.post(reverse("undo"), {"token": undo_token(body)})
    note.refresh_from_db()
    assert note.deleted_at is None

    # restored and binned again by someone else since: Undo leaves it as it is
    page = client.post(reverse("person-delete", args=[person.pk]), follow=True).content.decode()
    binned = Person.all_objects.get(pk=person.pk)
    customers.restore_person(admin_user, binned)
    customers.delete_person(admin_user, Person.objects.get(pk=person.pk))
    version = Person.all_objects.get(pk=person.pk).version
    page = client.post(reverse("undo"), {"token": undo_token(page)}, follow=True)
    stored = Person.all_objects.get(pk=person.pk)
    assert stored.deleted_at is not None and stored.version == version
    assert "changed by someone since" in page.content.decode()


def test_deleting_on_a_record_page_asks_no_browser_question(client, rep):
    person = make_person(rep, "张伟")
    activities.add_note(rep, person, "备注")
    deal = make_deal(rep, "框架协议")
    client.force_login(rep)
    for url in (person.get_absolute_url(), deal.get_absolute_url()):
        # deleting offers Undo afterwards instead of asking first (data-confirm="…" would ask)
        assert 'data-confirm="' not in client.get(url).content.decode()
