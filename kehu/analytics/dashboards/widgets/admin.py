"""An administrator's widgets: adoption (active colleagues and activities per week), data
quality of the people they may see, and the health of imports, email and background jobs."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.analytics.dashboards.widgets import Ask, Shown, Stat, Widget, register
from kehu.analytics.dashboards.widgets.common import people_url, week_start
from kehu.core import visibility
from kehu.web.charts import Chart, Series

ADMIN_ROLES = ("admin",)
TREND_WEEKS = 8
HEALTH_DAYS = 30
#: a job or an email waiting longer than this is stuck (no worker running?)
STUCK_AFTER = datetime.timedelta(hours=1)


def adoption(ask: Ask) -> Shown:
    from kehu.analytics.adoption import queries

    since = week_start(ask.today) - datetime.timedelta(weeks=TREND_WEEKS - 1)
    weeks = queries.trend(ask.user, since=since)
    colleagues = queries.scope(ask.user).order_by().count()
    if not weeks or not any(w.active_users for w in weeks):
        return Shown(empty=_("Nothing recorded yet: adoption counts logins and work from the "
                             "day people start using Kehu."),
                     action=(_("Users"), reverse("user-list")))  # fmt: skip
    users_link = reverse("user-list")
    this = weeks[-1]
    chart = Chart(
        kind="line", title=_("Active colleagues per week"),
        categories=[w.week.isoformat() for w in weeks],
        series=[Series(_("Active colleagues"), [w.active_users for w in weeks]),
                Series(_("Activities logged"), [w.activities_logged for w in weeks])],
        links=[users_link] * len(weeks), category_label=_("Week of"),
        key=f"w-adoption-{ask.user.pk}",
    )  # fmt: skip
    share = f"{this.active_users * 100 // colleagues}%" if colleagues else "—"
    return Shown(stats=[
        Stat(_("Active this week"), f"{this.active_users} / {colleagues}", users_link,
             this.active_users, _("%(share)s of the active colleagues") % {"share": share}),
        Stat(_("Activities this week"), str(this.activities_logged), reverse("calendar"),
             this.activities_logged),
    ], chart=chart)  # fmt: skip


def data_quality(ask: Ask) -> Shown:
    from kehu.analytics.data_quality.rollup import totals_for
    from kehu.customers.duplicates.queries import visible_pairs

    if not visibility.can(ask.user, "customers", "read"):
        return Shown(empty=_("Your role does not include customers."))
    found = totals_for(ask.user)  # counts per owner, refreshed a minute after a change
    total = found["total"]
    if not total:
        return Shown(empty=_("No people yet. Add the first one or import a file."),
                     action=(_("Import"), reverse("import-start")))  # fmt: skip
    duplicates = visible_pairs(ask.user, "person").order_by()[:1001].count()

    def share(n: int) -> str:
        return f"{n * 100 / total:.1f}%"

    return Shown(stats=[
        Stat(_("Without an active owner"), share(found["no_owner"]),
             people_url(owner="inactive"), found["no_owner"],
             _("%(n)s of %(total)s people") % {"n": found["no_owner"], "total": total}),
        Stat(_("Without phone and email"), share(found["no_contact"]),
             people_url(contact="none"), found["no_contact"],
             _("%(n)s of %(total)s people") % {"n": found["no_contact"], "total": total}),
        Stat(_("Without a company"), share(found["no_company"]), people_url(company="none"),
             found["no_company"],
             _("%(n)s of %(total)s people") % {"n": found["no_company"], "total": total}),
        Stat(_("Suspected duplicates"), "1,000+" if duplicates > 1000 else str(duplicates),
             reverse("duplicates-person"), duplicates, _("Pairs of people to review")),
    ], note=_("Counted at %(time)s; counted again a minute after people change.") % {
        "time": date_format(timezone.localtime(found["as_of"]), "SHORT_DATETIME_FORMAT"),
    })  # fmt: skip


def system_health(ask: Ask) -> Shown:
    from django_tasks_db.models import DBTaskResult

    from kehu.customers.imports.models import ImportJob
    from kehu.mail.models import EmailMessage

    now = timezone.now()
    since = now - datetime.timedelta(days=HEALTH_DAYS)
    imports = (
        ImportJob.objects.filter(created_at__gte=since)
        .order_by()
        .aggregate(total=Count("id"), failed=Count("id", filter=Q(status=ImportJob.Status.FAILED)))
    )
    mails = EmailMessage.objects.filter(
        direction=EmailMessage.Direction.OUTGOING, created_at__gte=since
    ).order_by().aggregate(
        total=Count("id"), failed=Count("id", filter=Q(status=EmailMessage.Status.FAILED)),
        stuck=Count("id", filter=Q(status=EmailMessage.Status.QUEUED,
                                   created_at__lt=now - STUCK_AFTER)),
    )  # fmt: skip
    jobs = DBTaskResult.objects.filter(enqueued_at__gte=since).order_by().aggregate(
        failed=Count("id", filter=Q(status="FAILED")),
        waiting=Count("id", filter=Q(status="READY", enqueued_at__lt=now - STUCK_AFTER)),
    )  # fmt: skip
    days = {"days": HEALTH_DAYS}
    return Shown(stats=[
        Stat(_("Imports failed"), f"{imports['failed']} / {imports['total']}",
             reverse("import-start"), imports["failed"],
             _("In the last %(days)s days") % days),
        Stat(_("Emails failed"), f"{mails['failed']} / {mails['total']}", None, mails["failed"],
             _("Sent in the last %(days)s days; %(stuck)s waiting for over an hour") % {
                 **days, "stuck": mails["stuck"]}),
        Stat(_("Background jobs failed"), str(jobs["failed"]), None, jobs["failed"],
             _("%(waiting)s waiting for over an hour: is the worker running?") % {
                 "waiting": jobs["waiting"]} if jobs["waiting"] else
             _("In the last %(days)s days") % days),
    ])  # fmt: skip


register(
    Widget(
        "adoption",
        gettext_lazy("Adoption"),
        ADMIN_ROLES,
        adoption,
        gettext_lazy("Colleagues active each week and the activities they logged."),
        wide=True,
    )
)
register(
    Widget(
        "data_quality",
        gettext_lazy("Data quality"),
        ADMIN_ROLES,
        data_quality,
        gettext_lazy("People without an owner, contact data or company; duplicates."),
    )
)
register(
    Widget(
        "system_health",
        gettext_lazy("Imports, email and jobs"),
        ADMIN_ROLES,
        system_health,
        gettext_lazy("Failed imports, failed emails and background jobs."),
    )
)
