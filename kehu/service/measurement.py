# mypy: disable-error-code="misc"
"""Tickets in the condition language (lists, reports, rules) and the service metrics in the
catalogue (kehu/analytics/metrics): tickets opened and solved, first response and resolution
times in working hours, SLA attainment, backlog, reopen rate, one-touch resolution; and survey
responses with customer satisfaction (CSAT %) and the Net Promoter Score."""

import decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.analytics.metrics import (
    Aggregate,
    Count,
    Dimension,
    Formula,
    Metric,
    register_dimension,
    register_metrics,
)
from kehu.core import conditions
from kehu.core.conditions.common import custom_fields, record_fields
from kehu.core.conditions.registry import ConditionField as F

HUNDRED = decimal.Decimal(100)
BY_DATE = ("month", "quarter", "year")
DIMENSIONS = ("owner", "team", "category", "channel", "priority", *BY_DATE)
SOLVED = Q(status__in=("solved", "closed"))


def _category_names(keys: list) -> dict:
    from kehu.service.categories.models import TicketCategory

    return {
        c.pk: c.path for c in TicketCategory.objects.select_related("parent").filter(pk__in=keys)
    }


def _choice_names(choices):
    return lambda keys: {key: str(label) for key, label in choices}


def register() -> None:
    from kehu.service.tickets.models import Ticket

    conditions.register("ticket", Ticket, _("Tickets"), [
        F("subject", _("Subject"), "text", "subject"),
        F("status", _("Status"), "choice", "status", choices=lambda: Ticket.Status.choices),
        F("priority", _("Priority"), "choice", "priority",
          choices=lambda: Ticket.Priority.choices),
        F("channel", _("Channel"), "choice", "channel", choices=lambda: Ticket.Channel.choices),
        F("category", _("Category"), "ref", "category_id", nullable=True),
        F("team", _("Team"), "ref", "team_id", nullable=True),
        F("requester", _("Requester"), "ref", "requester_id"),
        F("company", _("Company"), "ref", "company_id", nullable=True),
        F("first_response_at", _("First response"), "datetime", "first_response_at",
          nullable=True),
        F("solved_at", _("Solved"), "datetime", "solved_at", nullable=True),
        F("reopened_count", _("Times reopened"), "number", "reopened_count"),
        *record_fields(),
    ], more_fields=lambda: custom_fields("ticket"))  # fmt: skip
    register_dimension(Dimension("category", _("Category"), lookup="category_id",
                                 names=_category_names))  # fmt: skip
    register_dimension(Dimension("channel", _("Channel"), lookup="channel",
                                 names=_choice_names(Ticket.Channel.choices)))  # fmt: skip
    register_dimension(Dimension("priority", _("Priority"), lookup="priority",
                                 names=_choice_names(Ticket.Priority.choices)))  # fmt: skip
    register_metrics(service_metrics())
    register_survey_responses()
    register_metrics(survey_metrics())


def register_survey_responses() -> None:
    from kehu.service.surveys.models import SurveyKind, SurveyResponse

    conditions.register("survey_response", SurveyResponse, _("Survey responses"), [
        F("kind", _("Kind"), "choice", "kind", choices=lambda: SurveyKind.choices),
        F("score", _("Score"), "number", "score", nullable=True),
        F("answered_at", _("Answered"), "datetime", "answered_at", nullable=True),
        F("sent_at", _("Sent"), "datetime", "sent_at"),
        F("team", _("Team"), "ref", "team_id", nullable=True),
        F("ticket", _("Ticket"), "ref", "ticket_id", nullable=True),
        F("person", _("Person"), "ref", "person_id"),
        *record_fields(),
    ])  # fmt: skip


#: what the survey metrics group by: the agent (a response's owner), the team, the month …
SURVEY_DIMENSIONS = ("owner", "team", *BY_DATE)
CSAT = Q(kind="csat", answered_at__isnull=False)
NPS = Q(kind="nps", answered_at__isnull=False)


def survey_metrics() -> list[Metric]:
    def answered(key, label, measure, unit, definition, formula, where, **more):
        return Metric(key, label, unit, "survey_response", measure, definition, formula,
                      date="answered_at", where=where, dimensions=SURVEY_DIMENSIONS,
                      domain="service", **more)  # fmt: skip

    return [
        answered("csat_answers", _("CSAT answers"), Count(), "count",
                 _("How many customers answered the satisfaction survey of a solved ticket in "
                   "the period."),
                 _("count of CSAT answers in the period"), CSAT),
        answered("csat_satisfied", _("Satisfied CSAT answers"), Count(), "count",
                 _("CSAT answers in the period that gave 4 or 5 of 5."),
                 _("count of CSAT answers in the period with a score of 4 or 5"),
                 CSAT & Q(score__gte=4)),
        answered("csat_percent", _("Customer satisfaction (CSAT)"),
                 Formula({"good": "csat_satisfied", "all": "csat_answers"},
                         lambda v: v["good"] * HUNDRED / v["all"],
                         _("No customer answered a satisfaction survey in this period.")),
                 "percent",
                 _("The share of the satisfaction answers in the period that gave 4 or 5 of 5."),
                 _("satisfied CSAT answers ÷ CSAT answers × 100"), None),
        answered("nps_answers", _("NPS answers"), Count(), "count",
                 _("How many people answered the NPS question in the period."),
                 _("count of NPS answers in the period"), NPS),
        answered("nps_promoters", _("NPS promoters"), Count(), "count",
                 _("NPS answers in the period that gave 9 or 10."),
                 _("count of NPS answers in the period with a score of 9 or 10"),
                 NPS & Q(score__gte=9)),
        answered("nps_detractors", _("NPS detractors"), Count(), "count",
                 _("NPS answers in the period that gave 0 to 6."),
                 _("count of NPS answers in the period with a score of 0 to 6"),
                 NPS & Q(score__lte=6)),
        answered("nps", _("Net Promoter Score (NPS)"),
                 Formula({"p": "nps_promoters", "d": "nps_detractors", "all": "nps_answers"},
                         lambda v: (v["p"] - v["d"]) * HUNDRED / v["all"],
                         _("Nobody answered the NPS question in this period.")),
                 "percent",
                 _("Promoters (9–10) minus detractors (0–6), as a share of all the NPS answers "
                   "in the period: from −100 to 100."),
                 _("(NPS promoters − NPS detractors) ÷ NPS answers × 100"), None),
    ]  # fmt: skip


def service_metrics() -> list[Metric]:
    def solved(key, label, measure, unit, definition, formula, where=SOLVED, **more):
        return Metric(key, label, unit, "ticket", measure, definition, formula, date="solved_at",
                      where=where, dimensions=DIMENSIONS, domain="service", **more)  # fmt: skip

    return [
        Metric("tickets_opened", _("Tickets opened"), "count", "ticket", Count(),
               _("How many tickets were opened in the period."),
               _("count of tickets created in the period"), date="created_at",
               dimensions=DIMENSIONS, domain="service"),
        solved("tickets_solved", _("Tickets solved"), Count(), "count",
               _("How many tickets were solved in the period (and are still solved or closed)."),
               _("count of tickets solved in the period")),
        Metric("first_response_hours", _("First response time"), "hours", "ticket",
               Aggregate("median", field="first_response_hours"),
               _("The median working hours from a ticket's opening to the team's first public "
                 "reply, over the tickets first answered in the period (the team's calendar: "
                 "its hours, holidays and make-up days)."),
               _("median(first reply − opened, in working hours) over tickets first answered "
                 "in the period"), date="first_response_at", dimensions=DIMENSIONS,
               domain="service", extra={"better": "lower"}),
        solved("resolution_hours", _("Resolution time"),
               Aggregate("median", field="resolution_hours"), "hours",
               _("The median working hours from a ticket's opening to its solving, over the "
                 "tickets solved in the period."),
               _("median(solved − opened, in working hours) over tickets solved in the period"),
               extra={"better": "lower"}),
        solved("tickets_solved_in_sla", _("Tickets solved within SLA"), Count(), "count",
               _("Tickets solved in the period that met every SLA target they had."),
               _("count of tickets solved in the period with no breach"),
               where=SOLVED & Q(sla_policy__isnull=False, first_response_breached=False,
                                resolution_breached=False)),  # fmt: skip
        solved("tickets_solved_with_sla", _("Tickets solved with an SLA"), Count(), "count",
               _("Tickets solved in the period that had an SLA policy."),
               _("count of tickets solved in the period with an SLA policy"),
               where=SOLVED & Q(sla_policy__isnull=False)),
        solved("sla_attainment", _("SLA attainment"),
               Formula({"met": "tickets_solved_in_sla", "all": "tickets_solved_with_sla"},
                       lambda v: v["met"] * HUNDRED / v["all"],
                       _("No ticket with an SLA was solved in this period.")), "percent",
               _("The share of the tickets solved in the period (those with an SLA policy) that "
                 "met their first-response and resolution targets."),
               _("tickets solved within SLA ÷ tickets solved with an SLA × 100"), where=None),
        solved("tickets_reopened", _("Solved tickets reopened"), Count(), "count",
               _("Tickets solved in the period that had been solved before and came back."),
               _("count of tickets solved in the period with times reopened > 0"),
               where=SOLVED & Q(reopened_count__gt=0)),
        solved("reopen_rate", _("Reopen rate"),
               Formula({"again": "tickets_reopened", "all": "tickets_solved"},
                       lambda v: v["again"] * HUNDRED / v["all"],
                       _("No ticket was solved in this period.")), "percent",
               _("The share of the tickets solved in the period that had been reopened."),
               _("solved tickets reopened ÷ tickets solved × 100"), where=None,
               extra={"better": "lower"}),
        solved("tickets_one_touch", _("Tickets solved in one reply"), Count(), "count",
               _("Tickets solved in the period with a single public reply from the team."),
               _("count of tickets solved in the period with exactly one reply from the team"),
               where=SOLVED & Q(agent_replies=1)),
        solved("one_touch_rate", _("One-touch resolution"),
               Formula({"one": "tickets_one_touch", "all": "tickets_solved"},
                       lambda v: v["one"] * HUNDRED / v["all"],
                       _("No ticket was solved in this period.")), "percent",
               _("The share of the tickets solved in the period that took one reply."),
               _("tickets solved in one reply ÷ tickets solved × 100"), where=None),
        Metric("ticket_backlog", _("Ticket backlog"), "count", "ticket", Count(),
               _("How many tickets are unsolved now (new, open, pending customer, on hold; the "
                 "period does not apply)."),
               _("count of unsolved tickets"),
               where=Q(status__in=("new", "open", "pending", "on_hold")),
               dimensions=("owner", "team", "category", "channel", "priority"), domain="service"),
    ]  # fmt: skip
