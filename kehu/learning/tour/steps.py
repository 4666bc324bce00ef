"""The tour's steps per role. A step points at the element marked `data-tour="<target>"` (in
base.html and the home page); a step whose element is not on the page (a menu the role does not
have) is left out by the browser, and a step without a target is shown in the middle."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kehu.core import visibility


@dataclass(frozen=True)
class Step:
    target: str
    title: object  # lazy translations
    text: object


WELCOME = Step("", _("Welcome to Kehu"), _("A short tour of the places you will use most. "
               "Use the arrow keys or the buttons; Esc ends it."))  # fmt: skip
SEARCH = Step("search", _("Search everything"), _("Find people, companies, deals and more by "
              "name, pinyin or initials. Press / to jump here."))  # fmt: skip
PALETTE = Step("palette", _("Go to or do anything"), _("Ctrl+K (⌘K on a Mac) opens the command "
               "palette: type a page or an action, such as “new deal”."))  # fmt: skip
QUICK_ADD = Step("quick-add", _("Log an activity"), _("Log a call, meeting, task or note in a few "
                 "seconds; the key n does the same."))  # fmt: skip
MY_DAY = Step("my-day", _("My day"), _("Your overdue and due tasks and today's meetings, "
              "with one-click done and reschedule."))  # fmt: skip
PEOPLE = Step("people", _("People and companies"), _("Your customers: open one to see their "
              "whole history on the timeline."))  # fmt: skip
BOARD = Step("board", _("Pipeline board"), _("Your deals by stage: drag a card to move it on."))
TEAM_DAY = Step("my-day", _("Your team's day"), _("On My day you can pick a teammate and see "
                "their tasks and meetings."))  # fmt: skip
FORECAST = Step("forecast", _("Forecast"), _("What your team expects to win this period, "
                "weighted by stage, against the targets you set."))  # fmt: skip
IMPORT = Step("import", _("Import"), _("Bring in people and companies from Excel or CSV; "
              "duplicates are found as you go."))  # fmt: skip
USERS = Step("users", _("Users and roles"), _("Invite colleagues, put them in teams and give "
             "each a role: what they may do and whose records they see."))  # fmt: skip
FIELDS = Step("fields", _("Custom fields"), _("Add the fields your company needs to people, "
              "companies and leads."))  # fmt: skip
FEEDBACK_LIST = Step("feedback", _("Feedback"), _("What hinders your colleagues: work through "
                     "the list and reply."))  # fmt: skip
HELP = Step("help", _("Help on every page"), _("The ? opens the help for the page you are on; "
            "the help centre has the whole guide and this tour again."))  # fmt: skip
FEEDBACK = Step("feedback-link", _("Tell us what hinders you"), _("Feedback goes to your "
                "administrators, who answer it here."))  # fmt: skip

TOURS = {
    "rep": [WELCOME, MY_DAY, PEOPLE, BOARD, SEARCH, QUICK_ADD, PALETTE, HELP, FEEDBACK],
    "manager": [WELCOME, TEAM_DAY, BOARD, FORECAST, SEARCH, PALETTE, HELP, FEEDBACK],
    "admin": [WELCOME, USERS, FIELDS, IMPORT, FEEDBACK_LIST, SEARCH, PALETTE, HELP],
}


def tour_name(user) -> str:
    """admin for administrators, manager for whoever sees more than their own records (a
    team's or all), rep for everyone else."""
    if user.is_admin:
        return "admin"
    if visibility.scope_of(user) != visibility.SCOPE_OWN and visibility.can(user, "sales", "edit"):
        return "manager"
    return "rep"


def steps_for(user) -> tuple[str, list[dict]]:
    name = tour_name(user)
    steps = [{"target": s.target, "title": str(s.title), "text": str(s.text)} for s in TOURS[name]]
    return name, steps
