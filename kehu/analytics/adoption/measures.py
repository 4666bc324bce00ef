"""The adoption measures as the dashboard will name and explain them, in both languages:
a label and a one-line definition each (decision 0035 holds the longer ones)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Measure:
    key: str
    label: Promise
    definition: Promise
    unit: str  # "count", "days", "share" (0…1) or "duration"


MEASURES = {
    m.key: m
    for m in (
        Measure(
            "active_days",
            _("Active days"),
            _("Days in the week the person signed in, opened a page or changed something."),
            "days",
        ),
        Measure("logins", _("Sign-ins"), _("Times the person signed in."), "count"),
        Measure(
            "actions",
            _("Actions"),
            _("Changes saved to people, companies, leads, deals and activities."),
            "count",
        ),
        Measure(
            "records_created",
            _("Records created"),
            _("People, companies, leads and deals the person created, imported ones included."),
            "count",
        ),
        Measure(
            "records_updated",
            _("Record edits"),
            _("Edits the person saved to people, companies, leads and deals."),
            "count",
        ),
        Measure(
            "activities_logged",
            _("Activities logged"),
            _("Calls, meetings, tasks, notes and emails the person logged."),
            "count",
        ),
        Measure("calls", _("Calls logged"), _("Calls the person logged."), "count"),
        Measure("meetings", _("Meetings logged"), _("Meetings the person logged."), "count"),
        Measure("tasks", _("Tasks created"), _("Tasks the person created."), "count"),
        Measure("notes", _("Notes written"), _("Notes the person wrote."), "count"),
        Measure("emails", _("Emails logged"), _("Emails filed under the person's name."), "count"),
        Measure(
            "tasks_done",
            _("Tasks completed"),
            _("The person's tasks marked done, counted on the day they were done."),
            "count",
        ),
        Measure(
            "tasks_done_on_time",
            _("Tasks completed on time"),
            _("Of the tasks completed, those done by their due time (or without one)."),
            "count",
        ),
        Measure(
            "overdue_tasks",
            _("Overdue tasks"),
            _("The person's open tasks whose due time has passed, now."),
            "count",
        ),
        Measure(
            "deals_with_next_step",
            _("Open deals with a next step"),
            _("Share of the person's open deals that have a next step or its due date."),
            "share",
        ),
        Measure(
            "people_with_contact_data",
            _("People with complete contact data"),
            _("Share of the people the person owns with a phone or email, and a company."),
            "share",
        ),
        Measure(
            "first_touch",
            _("Time to first touch"),
            _(
                "Median time from a new lead's creation to its first call, meeting or email, "
                "or to its first change of status, whichever came first."
            ),
            "duration",
        ),
        Measure(
            "untouched_leads",
            _("Leads not yet touched"),
            _("New leads of the period with no call, meeting, email or change of status yet."),
            "count",
        ),
        Measure(
            "neglected_deals",
            _("Neglected deals"),
            _("Open deals with no activity logged on them in the last 30 days."),
            "count",
        ),
        Measure(
            "neglected_people",
            _("Neglected people"),
            _("People with no activity logged on them in the last 90 days."),
            "count",
        ),
    )
}
