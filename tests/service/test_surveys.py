"""Customer surveys: a solved ticket's CSAT mail through a real SMTP server (aiosmtpd), the
one-click signed links (recorded once, forged ones 404), the comment, the follow-up task a low
score makes, NPS on its schedule (the condition, the 90-day rest) and the metrics by hand."""

import datetime
import decimal
import re
import zoneinfo

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from kehu.activities.models import Activity
from kehu.service.surveys import services as surveys
from kehu.service.surveys.models import Survey, SurveyResponse
from kehu.service.surveys.tasks import deliver_survey_mail
from kehu.service.tickets import services as tickets
from kehu.service.tickets.models import Ticket
from tests.factories import make_person, make_team, make_user

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
LINK = re.compile(r"^(\d+): https?://[^/\s]+(/survey/\S+/)\r?$", re.M)


@pytest.fixture
def support(db):
    return make_team("Support")


@pytest.fixture
def agent(support):
    return make_user("agent", role="Support agent", team=support)


@pytest.fixture
def rep(db):
    return make_user("rep", role="Sales rep")


@pytest.fixture
def customer(rep):
    return make_person(rep, "王芳", email="wang.fang@qingyun.example")


@pytest.fixture
def csat(db):
    return Survey.objects.create(kind="csat", name="CSAT")


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def solve(agent, ticket, commits, status="solved"):
    with commits(execute=True):
        tickets.update_ticket(agent, Ticket.objects.get(pk=ticket.pk), {"status": status})


def links_of(mail) -> dict[int, str]:
    return {
        int(score): path for score, path in LINK.findall(mail.get_payload(decode=True).decode())
    }


@pytest.fixture
def ticket(agent, customer):
    return tickets.create_ticket(agent, {"subject": "打印机无法连接 Printer offline",
                                         "requester": customer, "owner": agent})  # fmt: skip


def test_solving_a_ticket_mails_a_csat_survey_with_five_links(smtp_server, csat, agent, ticket,
                                                               commits):  # fmt: skip
    solve(agent, ticket, commits)
    (mail,) = smtp_server.messages
    assert mail["To"] == "wang.fang@qingyun.example"
    assert "How did we do?" in mail["Subject"] and f"[#{ticket.pk}]" in mail["Subject"]
    assert "打印机无法连接" in mail.get_payload(decode=True).decode()
    links = links_of(mail)
    assert sorted(links) == [1, 2, 3, 4, 5] and len(set(links.values())) == 5
    response = SurveyResponse.objects.get()
    assert (response.kind, response.ticket, response.owner, response.mail_status) == (
        "csat",
        ticket,
        agent,
        "sent",
    )
    assert response.team_id == agent.team_id and response.score is None

    page = Client().get(links[4])
    assert page.status_code == 200 and "We recorded your score: 4." in page.text
    response.refresh_from_db()
    assert response.score == 4 and response.answered_at is not None
    answered_at = response.answered_at

    again = Client().get(links[1])  # a second click, on another score: shown, not changed
    assert again.status_code == 200 and "You answered this survey already" in again.text
    assert "Your score: 4." in again.text
    response.refresh_from_db()
    assert (response.score, response.answered_at) == (4, answered_at)
    assert not Activity.objects.filter(kind="task").exists()  # 4 is not a low score


def test_forged_changed_and_expired_links_are_404_and_change_nothing(smtp_server, csat, agent,
                                                                      ticket, commits):  # fmt: skip
    solve(agent, ticket, commits)
    links = links_of(smtp_server.messages[0])
    response = SurveyResponse.objects.get()
    token = links[5].split("/")[2]
    client = Client()
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a changed signature
        signing.dumps([response.pk, 5, response.nonce], salt="another salt"),
        signing.dumps([response.pk, 5, response.nonce]),  # no salt
        surveys.signing.dumps([response.pk, 5, "not-the-nonce"], salt=surveys.SALT),
        surveys.signing.dumps([response.pk, 9, response.nonce], salt=surveys.SALT),  # off scale
        "nonsense",
    ]
    for bad in forged:
        assert client.get(f"/survey/{bad}/").status_code == 404, bad
        assert client.post(f"/survey/{bad}/", {"comment": "x"}).status_code == 404
    with time_machine.travel(timezone.now() + datetime.timedelta(days=61)):
        assert client.get(links[5]).status_code == 404  # too late
    response.refresh_from_db()
    assert response.answered_at is None and response.score is None and response.comment == ""


def test_the_comment_is_kept_once_with_csrf(smtp_server, csat, agent, ticket, commits):
    solve(agent, ticket, commits)
    link = links_of(smtp_server.messages[0])[3]
    client = Client(enforce_csrf_checks=True)
    page = client.get(link)
    assert 'name="comment"' in page.text
    assert client.post(link, {"comment": "没有 CSRF"}).status_code == 403
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    sent = client.post(link, {"comment": "等了两天 Waited two days", "csrfmiddlewaretoken": csrf})
    assert sent.status_code == 200 and "We have your comment" in sent.text
    response = SurveyResponse.objects.get()
    assert (response.score, response.comment) == (3, "等了两天 Waited two days")
    client.post(link, {"comment": "改了 Changed", "csrfmiddlewaretoken": csrf})
    response.refresh_from_db()
    assert response.comment == "等了两天 Waited two days"
    too_long = Client().post(links_of(smtp_server.messages[0])[3], {"comment": "x" * 2001})
    assert too_long.status_code in (200, 400)  # answered already: shown, nothing changes
    response.refresh_from_db()
    assert response.comment == "等了两天 Waited two days"


def test_a_low_csat_score_makes_a_follow_up_task_for_the_agent(
    smtp_server, csat, agent, customer, ticket, commits
):
    solve(agent, ticket, commits)
    Client().get(links_of(smtp_server.messages[0])[2])
    (task,) = Activity.objects.filter(kind="task")
    assert task.record == customer and task.owner == agent
    assert (
        task.subject.startswith("回访") and "Follow up: low satisfaction score 2/5" in task.subject
    )
    assert f"#{ticket.pk}" in task.subject
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert timezone.localtime(task.due_at).date() == tomorrow


def test_one_survey_a_solving(smtp_server, csat, agent, customer, ticket, commits):
    solve(agent, ticket, commits)
    assert SurveyResponse.objects.count() == 1 and len(smtp_server.messages) == 1
    # the same solving asked about again (the event replayed) sends nothing more
    assert surveys.invite_csat(Ticket.objects.get(pk=ticket.pk)) is None
    with commits(execute=True):  # the customer answers: the ticket opens again …
        tickets.add_customer_reply(Ticket.objects.get(pk=ticket.pk), customer, "又坏了",
                                   channel="email")  # fmt: skip
    assert Ticket.objects.get(pk=ticket.pk).status == "open"
    solve(agent, ticket, commits)  # … and its second solving is asked about
    assert SurveyResponse.objects.count() == 2 and len(smtp_server.messages) == 2
    solve(agent, ticket, commits, status="closed")  # solved → closed: not a new solving
    assert SurveyResponse.objects.count() == 2 and len(smtp_server.messages) == 2


def test_no_csat_unless_switched_on_or_without_an_address(smtp_server, agent, rep, commits):
    nobody = make_person(rep, "李雷")
    first = tickets.create_ticket(agent, {"subject": "A", "requester": nobody, "owner": agent})
    Survey.objects.create(kind="csat", name="CSAT", active=False)
    solve(agent, first, commits)
    Survey.objects.update(active=True)
    second = tickets.create_ticket(agent, {"subject": "B", "requester": nobody, "owner": agent})
    solve(agent, second, commits)  # on, but the requester has no address
    assert SurveyResponse.objects.count() == 0 and smtp_server.messages == []


def test_nps_goes_to_the_condition_once_in_90_days(smtp_server, rep, commits):
    cto = make_person(rep, "张伟", email="zhang@example.com", title="CTO")
    make_person(rep, "刘洋", email="liu@example.com", title="Buyer")  # not matched
    make_person(rep, "陈静", title="CTO")  # no address
    survey = Survey.objects.create(
        kind="nps", name="季度 NPS Quarterly", every_days=30,
        condition={"field": "title", "op": "eq", "value": "CTO"},
    )  # fmt: skip
    start = timezone.now()
    with commits(execute=True):
        assert surveys.send_due_nps(start) == 1
    (mail,) = smtp_server.messages
    assert mail["To"] == "zhang@example.com" and "recommend" in mail["Subject"]
    assert sorted(links_of(mail)) == list(range(11))
    later = start + datetime.timedelta(days=31)  # the survey is due again …
    with commits(execute=True):
        assert surveys.send_due_nps(start + datetime.timedelta(days=1)) == 0  # not yet due
        assert surveys.send_due_nps(later) == 0  # … but asked 31 days ago: rests 90 days
    survey.refresh_from_db()
    assert survey.last_sent_at == later
    with commits(execute=True):
        assert surveys.send_due_nps(start + datetime.timedelta(days=91)) == 1
    assert [r.person for r in SurveyResponse.objects.all()] == [cto, cto]


def test_a_detractor_gets_a_follow_up_from_the_persons_owner(smtp_server, rep, commits):
    person = make_person(rep, "张伟", email="zhang@example.com")
    Survey.objects.create(kind="nps", name="NPS")
    with commits(execute=True):
        surveys.send_due_nps()
    links = links_of(smtp_server.messages[0])
    page = Client().get(links[6])
    assert page.status_code == 200 and "Why did you give this score?" in page.text
    (task,) = Activity.objects.filter(kind="task")
    assert task.record == person and task.owner == rep
    assert "Follow up: low satisfaction score 6/10" in task.subject
    response = SurveyResponse.objects.get()
    assert response.owner == rep and response.ticket is None


def test_the_mail_is_sent_once(smtp_server, csat, agent, ticket, commits):
    solve(agent, ticket, commits)
    response = SurveyResponse.objects.get()
    assert deliver_survey_mail.call(response.pk) == "sent"  # a retry: nothing more
    assert len(smtp_server.messages) == 1


def _answer(response_kind, score, person, owner, team, when):
    survey = Survey.objects.get_or_create(kind=response_kind, defaults={"name": response_kind})[0]
    return SurveyResponse.objects.create(
        survey=survey, kind=response_kind, person=person, owner=owner, team=team,
        email="x@example.com", mail_status="sent", sent_at=when, answered_at=when, score=score,
    )  # fmt: skip


def test_the_survey_metrics_by_hand(admin_user, agent, rep, support, customer):
    """March 2026: CSAT 5, 4, 2 and one unanswered → 2 of 3 satisfied, 66.67 %; NPS 10, 9,
    8, 3 → 2 promoters, 1 detractor of 4: (2 − 1) ÷ 4 × 100 = 25; one answer from February
    counts in neither."""
    from kehu.analytics import metrics
    from kehu.analytics.metrics import compute

    march = datetime.datetime(2026, 3, 10, 10, tzinfo=SHANGHAI)
    for score in (5, 4, 2):
        _answer("csat", score, customer, agent, support, march)
    unanswered = _answer("csat", 1, customer, agent, support, march)
    SurveyResponse.objects.filter(pk=unanswered.pk).update(answered_at=None, score=None)
    _answer("csat", 1, customer, agent, support, march - datetime.timedelta(days=30))
    for score in (10, 9, 8, 3):
        _answer("nps", score, customer, rep, None, march)
    expected = {
        "csat_answers": 3,
        "csat_satisfied": 2,
        "csat_percent": decimal.Decimal("66.7"),  # 2 ÷ 3 × 100, shown to one place
        "nps_answers": 4,
        "nps_promoters": 2,
        "nps_detractors": 1,
        "nps": 25,
    }
    survey_metrics = {m.key for m in metrics.metrics() if m.record_type == "survey_response"}
    assert survey_metrics == set(expected)
    with time_machine.travel(datetime.datetime(2026, 3, 20, 12, tzinfo=SHANGHAI), tick=False):
        month = compute.period_for(admin_user, "this_month")
        got = {key: compute.value(key, admin_user, month).total.value for key in expected}
        mine = compute.value("csat_percent", agent, month).total.value
        outsider = make_user("outsider", role="Support agent", team=make_team("Other"))
        none = compute.value("csat_answers", outsider, month).total.value
    assert got == expected
    assert mine == expected["csat_percent"]  # the agent sees their own answers
    assert none == 0  # another team's agent sees none of them


def test_the_ticket_and_the_customers_pages_show_the_answers(
    smtp_server, csat, agent, rep, customer, ticket, commits
):
    from django.template.loader import render_to_string

    from tests.factories import PASSWORD

    solve(agent, ticket, commits)
    html = render_to_string("service/surveys/_ticket_result.html", {"ticket": ticket})
    assert "not answered yet" in html
    link = links_of(smtp_server.messages[0])[5]
    Client().get(link)
    Client().post(link, {"comment": "很快就修好了 Fixed fast"})
    html = render_to_string("service/surveys/_ticket_result.html", {"ticket": ticket})
    assert "5 of 5" in html and "很快就修好了 Fixed fast" in html

    client = Client()
    client.login(username=agent.username, password=PASSWORD)
    page = client.get(customer.get_absolute_url())
    assert page.status_code == 200
    assert 'id="customer-satisfaction"' in page.text and "5.0 of 5 (1 answer)" in page.text
    outsider = Client()  # a rep of no support team: sees the person, not the service answers
    make_user("other", role="Support agent", team=make_team("Other"))
    outsider.login(username="other", password=PASSWORD)
    assert 'id="customer-satisfaction"' not in outsider.get(customer.get_absolute_url()).text


def test_the_api_lists_surveys_and_the_responses_one_may_see(admin_user, agent, rep, customer,
                                                             ticket, csat):  # fmt: skip
    from tests.api.conftest import assert_validation, bearer_client, send

    admin = bearer_client(admin_user)
    made = send(admin, "post", "/api/v1/surveys", {
        "name": "季度 NPS", "every_days": 30,
        "condition": {"field": "title", "op": "eq", "value": "CTO"},
    })  # fmt: skip
    assert made.status_code == 201, made.content
    survey = made.json()
    assert (survey["kind"], survey["every_days"], survey["active"]) == ("nps", 30, True)
    bad = {"name": "x", "condition": {"field": "nonsense", "op": "eq", "value": 1}}
    assert_validation(send(admin, "post", "/api/v1/surveys", bad), "condition")
    assert_validation(send(admin, "post", "/api/v1/surveys", {"kind": "csat", "name": "2"}),
                      "kind")  # fmt: skip
    assert send(bearer_client(agent), "post", "/api/v1/surveys", {"name": "x"}).status_code == 403
    url = f"/api/v1/surveys/{survey['id']}"
    stale = send(admin, "patch", url, {"active": False}, **{"If-Match": '"7"'})
    assert stale.status_code == 412
    off = send(admin, "patch", url, {"active": False}, **{"If-Match": '"1"'})
    assert off.status_code == 200 and off.json()["active"] is False and off.json()["version"] == 2
    assert [s["name"] for s in bearer_client(agent).get("/api/v1/surveys").json()["items"]] == [
        "CSAT", "季度 NPS"
    ]  # fmt: skip

    with_ticket = _answer("csat", 5, customer, agent, agent.team, timezone.now())
    SurveyResponse.objects.filter(pk=with_ticket.pk).update(ticket=ticket)
    _answer("nps", 3, customer, rep, None, timezone.now())
    mine = bearer_client(agent).get("/api/v1/survey-responses").json()["items"]
    assert [(r["kind"], r["score"], r["ticket_id"]) for r in mine] == [("csat", 5, ticket.pk)]
    everyone = admin.get("/api/v1/survey-responses?kind=nps").json()["items"]
    assert [r["score"] for r in everyone] == [3]
    assert (
        admin.get(f"/api/v1/survey-responses?ticket={ticket.pk}").json()["items"][0]["id"]
        == with_ticket.pk
    )
    assert len(admin.get(f"/api/v1/survey-responses?person={customer.pk}").json()["items"]) == 2
    other = make_user("other", role="Support agent", team=make_team("Other"))
    assert bearer_client(other).get(f"/api/v1/survey-responses/{with_ticket.pk}").status_code == 404
    assert bearer_client(agent).get(f"/api/v1/survey-responses/{with_ticket.pk}").status_code == 200


def test_an_administrator_sets_up_an_nps_survey_from_a_saved_view(admin_user, agent):
    from kehu.core.saved_views import services as saved_views
    from tests.factories import PASSWORD

    view = saved_views.create_view(admin_user, {
        "list": "person", "name": "上海的 CTO",
        "condition": {"field": "title", "op": "eq", "value": "CTO"},
    })  # fmt: skip
    client = Client()
    client.login(username=admin_user.username, password=PASSWORD)
    page = client.get("/settings/surveys/")
    assert page.status_code == 200 and "上海的 CTO" in page.text
    data = {"kind": "nps", "name": "季度 NPS", "audience": str(view.pk), "every_days": 30,
            "active": "on"}  # fmt: skip
    assert client.post("/settings/surveys/", data).status_code == 302
    survey = Survey.objects.get()
    assert (survey.kind, survey.every_days, survey.condition) == ("nps", 30, view.condition)
    change = {"name": "季度 NPS", "audience": "keep", "every_days": 60, "version": 1}
    assert client.post(f"/settings/surveys/{survey.pk}/", change).status_code == 302
    survey.refresh_from_db()
    assert (survey.every_days, survey.active, survey.condition, survey.version) == (
        60, False, view.condition, 2
    )  # fmt: skip
    agent_client = Client()
    agent_client.login(username=agent.username, password=PASSWORD)
    assert agent_client.get("/settings/surveys/").status_code == 403
