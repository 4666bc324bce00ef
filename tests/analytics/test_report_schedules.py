"""Scheduled reports: sent by the worker over real SMTP to active recipients only, each run as
its recipient, never twice, and stopped when the owner is deactivated."""

import datetime
import io
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from kehu.analytics.reports import schedules, services
from kehu.analytics.reports.models import ReportDelivery, ReportSchedule
from kehu.analytics.reports.tasks import send_scheduled_reports
from tests.factories import make_deal

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DEFINITION = {
    "record_type": "deal",
    "group_by": ["owner"],
    "chart": "table",
    "measure": {"how": "sum", "field": "amount"},
}


@pytest.fixture
def scheduled(manager, rep, teammate, outsider):
    for user, email in (
        (rep, "rep@example.com"),
        (teammate, "mate@example.com"),
        (outsider, "out@example.com"),
        (manager, "boss@example.com"),
    ):
        user.email, user.time_zone = email, "Asia/Shanghai"
        user.save()  # fmt: skip
    make_deal(rep, "代表的", amount="100")
    make_deal(teammate, "队友的", amount="300")
    make_deal(outsider, "外人的", amount="999")
    report = services.create_report(
        manager, {"name": "每周商机", "definition": DEFINITION, "sharing": "everyone"}
    )
    schedule = services.set_schedule(
        manager,
        report,
        {"frequency": "daily", "hour": 8, "recipients": [rep.pk, teammate.pk, outsider.pk]},
    )
    return schedule


def make_due(schedule):
    ReportSchedule.objects.filter(pk=schedule.pk).update(
        next_run_at=timezone.now() - datetime.timedelta(minutes=1)
    )


def by_recipient(messages):
    return {m["To"]: m for m in messages}


def test_each_recipient_gets_the_report_run_as_themselves(smtp_server, scheduled, teammate):
    teammate.is_active = False  # deactivated since it was scheduled
    teammate.save()
    make_due(scheduled)
    sent = send_scheduled_reports.enqueue()
    assert sent.return_value == 2
    mails = by_recipient(smtp_server.messages)
    assert set(mails) == {"rep@example.com", "out@example.com"}
    rep_mail = mails["rep@example.com"]
    html = rep_mail.get_body(("html",)).get_content()
    assert "100.00" in html and "999.00" not in html and "300.00" not in html
    attachment = next(rep_mail.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")
    book = load_workbook(io.BytesIO(attachment.get_content()))
    values = {str(c.value) for row in book.active.iter_rows() for c in row}
    assert "100.00" in values and "999.00" not in values
    out_html = mails["out@example.com"].get_body(("html",)).get_content()
    assert "999.00" in out_html and "100.00" not in out_html
    # each delivery is done once: the next sweep sends nothing more today
    assert ReportDelivery.objects.filter(status="sent").count() == 2
    assert send_scheduled_reports.enqueue().return_value == 0
    assert len(smtp_server.messages) == 2
    # the next run is 08:00 Shanghai tomorrow
    scheduled.refresh_from_db()
    local = scheduled.next_run_at.astimezone(SHANGHAI)
    assert local.hour == 8 and local > timezone.now()


def test_it_stops_when_the_owner_is_deactivated(smtp_server, scheduled, manager):
    manager.is_active = False
    manager.save()
    make_due(scheduled)
    assert send_scheduled_reports.enqueue().return_value == 0
    assert smtp_server.messages == []
    scheduled.refresh_from_db()
    assert not scheduled.active


def test_recipients_must_be_active_users(scheduled, manager, outsider, rep):
    outsider.is_active = False
    outsider.save()
    with pytest.raises(ValidationError) as caught:
        services.set_schedule(manager, scheduled.report, {"frequency": "weekly",
                                                          "recipients": [outsider.pk]})  # fmt: skip
    assert "recipients" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.set_schedule(manager, scheduled.report, {"frequency": "yearly",
                                                          "recipients": [rep.pk]})  # fmt: skip
    with pytest.raises(ValidationError):
        services.set_schedule(manager, scheduled.report, {"frequency": "daily",
                                                          "recipients": ["1 or 1=1"]})  # fmt: skip


def test_a_refused_email_is_tried_again_and_never_sent_twice(scheduled, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    make_due(scheduled)
    made = schedules.queue_due()
    assert len(made) == 3
    assert schedules.deliver(made[0]) == "retry"
    delivery = ReportDelivery.objects.get(pk=made[0])
    assert delivery.status == "queued" and delivery.attempts == 1 and delivery.error
    for _try in range(schedules.MAX_ATTEMPTS - 1):
        schedules.deliver(made[0])
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == schedules.MAX_ATTEMPTS
    assert schedules.deliver(made[0]) == "failed"  # left alone


@pytest.mark.parametrize(
    ("frequency", "extra", "now", "expected"),
    [
        ("daily", {}, "2026-12-07 07:00", "2026-12-07 08:00"),
        ("daily", {}, "2026-12-07 08:00", "2026-12-08 08:00"),
        ("weekly", {"weekday": 4}, "2026-12-07 09:00", "2026-12-11 08:00"),  # the Friday
        ("monthly", {"day": 1}, "2026-12-07 09:00", "2027-01-01 08:00"),
    ],
)
def test_next_run_in_the_owners_time_zone(manager, frequency, extra, now, expected):
    manager.time_zone = "Asia/Shanghai"
    schedule = ReportSchedule(frequency=frequency, hour=8, **extra)
    start = datetime.datetime.fromisoformat(now).replace(tzinfo=SHANGHAI)
    found = schedules.next_run(schedule, manager, start)
    assert found == datetime.datetime.fromisoformat(expected).replace(tzinfo=SHANGHAI)


def test_old_runs_in_the_worker_are_forgotten(rep):
    from kehu.analytics.reports.models import ReportRun

    old = ReportRun.objects.create(viewer=rep, definition={"record_type": "person"})
    ReportRun.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - schedules.KEEP_RUNS - datetime.timedelta(hours=1)
    )
    fresh = ReportRun.objects.create(viewer=rep, definition={"record_type": "person"})
    assert schedules.prune_runs() == 1
    assert list(ReportRun.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_nothing_is_sent_without_an_email_server(scheduled, settings):
    settings.EMAIL_HOST = ""
    make_due(scheduled)
    made = schedules.queue_due()
    assert {schedules.deliver(pk) for pk in made} == {"skipped"}
