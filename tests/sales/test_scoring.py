"""Lead scores with their reasons: admin rules (recomputed on change and nightly), a learned
chance of winning from the instance's own history, lists sorted by score; the daily jobs
run once a day and send the follow-up digest."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kehu.activities.models import Notification
from kehu.core.schedule import next_daily_run
from kehu.sales.daily import services as daily
from kehu.sales.deals import services
from kehu.sales.leads import services as leads
from kehu.sales.models import DailyRun, Lead, LearnedScoreModel, ScoringRule
from kehu.sales.scoring import services as scoring
from tests.api.conftest import bearer_client
from tests.factories import make_deal, make_user, stage

pytestmark = pytest.mark.django_db


def rule(admin, name, field, op, value, points):
    return scoring.save_rule(admin, None, {"name": name, "field": field, "op": op,
                                           "value": value, "points": points})  # fmt: skip


def test_rules_add_up_with_their_reasons(admin_user, rep):
    rule(admin_user, "Company email", "email_kind", "equals", "company", 10)
    rule(admin_user, "Free email", "email_kind", "equals", "free", -5)
    rule(admin_user, "Referral", "source", "equals", "referral", 15)
    good = leads.create_lead(
        rep, {"name": "好线索", "email": "li@huawei.com", "source": "referral"}
    )
    free = leads.create_lead(rep, {"name": "一般", "email": "abc@qq.com"})
    assert good.score == 25 and free.score == -5
    assert good.score_reasons == [{"label": "Referral", "points": 15},
                                  {"label": "Company email", "points": 10}]  # fmt: skip
    changed = leads.update_lead(rep, free, {"email": "abc@huawei.com"})
    assert changed.score == 10 and Lead.objects.get(pk=free.pk).score == 10


def test_days_without_contact_count_down_every_night(admin_user, rep):
    rule(admin_user, "Gone quiet", "days_since_contact", "gt", "30", -10)
    lead = leads.create_lead(rep, {"name": "沉默的"})
    assert lead.score == 0
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    assert scoring.rescore_open_leads() == 1
    lead.refresh_from_db()
    assert lead.score == -10 and lead.score_reasons[0]["label"] == "Gone quiet"
    leads.update_lead(rep, lead, {"title": "经理"})  # an edit is not contact
    lead.refresh_from_db()
    assert lead.score == -10


def test_a_call_on_the_lead_is_contact(admin_user, rep):
    from kehu.activities import services as activities

    rule(admin_user, "Gone quiet", "days_since_contact", "gt", "30", -10)
    lead = leads.create_lead(rep, {"name": "沉默的"})
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    scoring.rescore_open_leads()
    old_call = timezone.now() - datetime.timedelta(days=35)
    activities.log_activity(rep, lead, "call", {"subject": "早先的电话", "at": old_call})
    assert Lead.objects.get(pk=lead.pk).score == -10
    activities.log_activity(rep, lead, "note", {"body": "a note is not contact"})
    assert Lead.objects.get(pk=lead.pk).score == -10
    call = activities.log_activity(rep, lead, "call", {"subject": "打过电话"})
    assert Lead.objects.get(pk=lead.pk).score == 0  # in touch today
    activities.delete_activity(rep, call)
    assert Lead.objects.get(pk=lead.pk).score == -10


def test_lists_sort_by_score(client, admin_user, rep):
    rule(admin_user, "Event", "source", "equals", "event", 20)
    leads.create_lead(rep, {"name": "低分", "source": "web"})
    leads.create_lead(rep, {"name": "高分", "source": "event"})
    client.force_login(rep)
    body = client.get(reverse("lead-list"), {"sort": "-score"}).content.decode()
    assert body.index("高分") < body.index("低分")
    items = bearer_client(rep).get("/api/v1/leads?ordering=-score").json()["items"]
    assert [i["name"] for i in items] == ["高分", "低分"]
    assert items[0]["score"] == 20 and items[0]["score_reasons"][0]["points"] == 20


def decided_history(owner, n_each=20):
    """Referral leads that were won, web leads that were lost or disqualified."""
    for i in range(n_each):
        won = leads.create_lead(owner, {"name": f"转介绍 {i}", "source": "referral",
                                        "company_name": f"甲{i}", "status": "qualified",
                                        "email": f"a{i}@corp{i}.cn"})  # fmt: skip
        won = leads.convert_lead(owner, won, make_deal=True, deal={"name": f"赢 {i}"})
        services.move_deal(owner, won.deal, stage("Won"))
        lost = leads.create_lead(owner, {"name": f"网上 {i}", "source": "web",
                                         "email": f"b{i}@qq.com"})  # fmt: skip
        if i % 2:
            leads.update_lead(owner, lost, {"status": "disqualified", "disqualify_reason": "无"})
        else:
            lost = leads.update_lead(owner, lost, {"status": "qualified"})
            lost = leads.convert_lead(owner, lost, make_deal=True, deal={"name": f"输 {i}"})
            services.move_deal(owner, lost.deal, stage("Lost"), reason="价格")


def test_the_learned_score_comes_from_won_and_lost_history(admin_user, rep):
    assert scoring.train() is None  # nothing decided yet
    decided_history(rep)
    model = scoring.train()
    assert model.examples == 40 and model.won == 20 and model.auc > 0.9
    referral = leads.create_lead(rep, {"name": "新转介绍", "source": "referral",
                                       "email": "x@corp.cn"})  # fmt: skip
    web = leads.create_lead(rep, {"name": "新网上", "source": "web", "email": "y@qq.com"})
    assert referral.learned_score > 70 > 30 > web.learned_score
    labels = [scoring.feature_label(r["feature"]) for r in referral.learned_reasons]
    assert "Source: Referral" in labels
    assert all(r["weight"] > 0 for r in referral.learned_reasons[:1])


def test_too_little_history_trains_nothing(admin_user, rep):
    decided_history(rep, n_each=3)
    assert scoring.train() is None and not LearnedScoreModel.objects.exists()
    assert leads.create_lead(rep, {"name": "x"}).learned_score is None


@pytest.mark.parametrize(
    "data, field",
    [
        ({"field": "shoe_size"}, "field"),
        ({"op": "near"}, "op"),
        ({"value": ""}, "value"),
        ({"points": 500}, "points"),
        ({"points": "many"}, "points"),
        ({"op": "gt", "value": "lots"}, "value"),
    ],
)
def test_bad_scoring_rules_are_refused(admin_user, data, field):
    base = {"name": "R", "field": "source", "op": "equals", "value": "web", "points": 5}
    with pytest.raises(ValidationError) as caught:
        scoring.save_rule(admin_user, None, {**base, **data})
    assert field in caught.value.message_dict
    assert not ScoringRule.objects.exists()


def test_only_admins_keep_scoring(client, admin_user, rep):
    with pytest.raises(PermissionDenied):
        rule(rep, "x", "source", "equals", "web", 1)
    client.force_login(rep)
    assert client.get(reverse("scoring-settings")).status_code == 403
    client.force_login(admin_user)
    data = {"name": "活动", "field": "source", "op": "equals", "value": "event", "points": "12",
            "active": "on"}  # fmt: skip
    assert client.post(reverse("scoring-settings"), data).status_code == 302
    assert "活动" in client.get(reverse("scoring-settings")).content.decode()


def test_the_daily_jobs_run_once_and_send_the_digest(admin_user, smtp_server, settings):
    rep = make_user("lina", email="lina@kehu.example")
    overdue = timezone.localdate() - datetime.timedelta(days=2)
    make_deal(rep, "过期的商机", next_step="回电话", next_step_due=overdue)
    make_user("idle", email="idle@kehu.example")  # nothing due: no digest
    assert daily.run_daily() is True
    assert daily.run_daily() is False  # the same day again: nothing twice
    assert DailyRun.objects.get().digests == 1
    (message,) = smtp_server.messages
    assert message["To"] == "lina@kehu.example"
    body = message.get_content()
    assert "过期的商机" in body and "回电话" in body and settings.PUBLIC_URL in body
    assert Notification.objects.filter(user=rep, kind="digest").count() == 1


def test_the_next_daily_run_is_at_the_daily_hour(settings):
    settings.DAILY_HOUR = 7
    now = timezone.make_aware(datetime.datetime(2026, 12, 1, 6, 0))
    assert timezone.localtime(next_daily_run(now)).hour == 7
    assert timezone.localtime(next_daily_run(now)).day == 1
    later = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))
    assert timezone.localtime(next_daily_run(later)).day == 2


def test_workers_queue_the_daily_run_once(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    daily.schedule_next()
    daily.schedule_next()  # a second worker starting
    (queued,) = DBTaskResult.objects.filter(task_path="kehu.sales.tasks.daily_jobs")
    assert queued.status == "READY" and queued.run_after > timezone.now()


def test_not_a_number_is_refused_everywhere(client, admin_user, rep):
    """NaN passes Decimal() but compares with nothing: it must be a clear error, not a 500."""
    from kehu.sales.catalog import services as catalog

    with pytest.raises(ValidationError):
        scoring.save_rule(admin_user, None, {"name": "x", "field": "days_since_contact",
                                             "op": "gt", "value": "NaN", "points": 1})  # fmt: skip
    with pytest.raises(ValidationError):
        catalog.save_product(admin_user, None, {"sku": "N", "name": "N", "price": "NaN"})
    rule(admin_user, "Long title", "title", "gt", "3", 5)
    lead = leads.create_lead(rep, {"name": "奇怪的", "title": "NaN"})  # compares as no number
    assert lead.score == 0
    client.force_login(admin_user)
    response = client.post(reverse("notification-read"), {"id": "²"})
    assert response.status_code == 302


def _daily_task_row(started_hours_ago: float):
    """A run of the daily jobs a worker took `started_hours_ago` and still shows as running."""
    from django_tasks_db.models import DBTaskResult

    from kehu.sales.tasks import daily_jobs

    result = daily_jobs.enqueue()
    started = timezone.now() - datetime.timedelta(hours=started_hours_ago)
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", started_at=started)
    return DBTaskResult.objects.get(pk=result.id)


def test_daily_jobs_left_half_done_by_a_killed_worker_are_finished_without_a_second_digest(
    admin_user, smtp_server, settings
):
    from django_tasks_db.models import DBTaskResult

    from kehu.core import recovery

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    overdue = timezone.localdate() - datetime.timedelta(days=2)
    told, waiting = make_user("told", email="told@kehu.example"), make_user("waiting")
    for user in (told, waiting):
        make_deal(user, f"{user.username} 的商机", next_step="回电话", next_step_due=overdue)
    # 7 hours ago a worker started today's run, sent the first digest and was killed
    started = timezone.now() - datetime.timedelta(hours=7)
    run = DailyRun.objects.create(day=timezone.localdate(), started_at=started, digests=1)
    Notification.objects.create(user=told, kind="digest", text="…", created_at=started)
    dead = _daily_task_row(7)

    recovery.recover()  # the sweep: the run is dead, and today's jobs are queued again now
    dead.refresh_from_db()
    assert dead.status == "FAILED"
    (again,) = DBTaskResult.objects.ready().filter(task_path=dead.task_path)  # to run now
    recovery.recover()  # never a second one
    assert DBTaskResult.objects.filter(task_path=dead.task_path, status="READY").count() == 1

    assert daily.run_daily(own_run=again.id) is True  # what the queued run does
    run.refresh_from_db()
    assert run.finished_at is not None and run.digests == 2
    assert Notification.objects.filter(user=told, kind="digest").count() == 1
    assert Notification.objects.filter(user=waiting, kind="digest").count() == 1
    assert daily.run_daily() is False  # done now


def test_daily_jobs_a_live_worker_runs_are_not_taken_over(admin_user, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    started = timezone.now() - datetime.timedelta(hours=2)
    run = DailyRun.objects.create(day=timezone.localdate(), started_at=started)
    _daily_task_row(2)  # its worker is still on it (under the 6 hours a run may take)
    assert daily.run_daily() is False
    daily.queue_abandoned_run()
    run.refresh_from_db()
    assert run.finished_at is None and run.started_at == started
