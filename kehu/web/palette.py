"""The command palette (Ctrl/⌘+K, or the ⌘ button in the top bar): jump to a page, run an
action, or open any record the user may see, by typing (docs/shortcuts.md)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override, pgettext_lazy

from kehu.core import visibility
from kehu.core.search import everything


@dataclass(frozen=True)
class Command:
    label: object  # a lazy translation
    url_name: str
    query: str = ""
    module: str = ""  # the module the user needs `action` on; "" for everyone
    action: str = "read"
    admin: bool = False
    keywords: str = ""  # English words that find it in either language

    def allowed(self, user) -> bool:
        if self.admin and not user.is_admin:
            return False
        return not self.module or visibility.can(user, self.module, self.action)

    @property
    def url(self) -> str:
        return reverse(self.url_name) + (f"?{self.query}" if self.query else "")


ACTIONS = [
    Command(_("New person"), "person-create", module="customers", action="create",
            keywords="add contact"),
    Command(_("New company"), "company-create", module="customers", action="create",
            keywords="add account organisation"),
    Command(_("Log a call"), "activity-quick-add", "kind=call", keywords="phone"),
    Command(_("Log a meeting"), "activity-quick-add", "kind=meeting"),
    Command(_("New task"), "activity-quick-add", "kind=task", keywords="todo to-do"),
    Command(_("Add a note"), "activity-quick-add", "kind=note"),
    Command(_("New lead"), "lead-create", module="sales", action="create"),
    Command(_("New deal"), "deal-create", module="sales", action="create",
            keywords="opportunity"),
    Command(_("New quote"), "quote-create", module="sales", action="create",
            keywords="offer"),
    Command(_("Import people or companies"), "import-start", module="customers",
            action="create", keywords="upload excel csv"),
    Command(_("Send feedback"), "feedback-create", keywords="suggest problem complaint idea"),
    Command(_("Take the tour"), "home", "tour=1", keywords="help guide introduction"),
]  # fmt: skip

PAGES = [
    Command(_("My day"), "my-day", keywords="today tasks"),
    Command(_("People"), "person-list", module="customers", keywords="contacts"),
    Command(_("Companies"), "company-list", module="customers", keywords="accounts"),
    Command(_("Calendar"), "calendar"),
    Command(_("Leads"), "lead-list", module="sales"),
    Command(_("Pipeline board"), "deal-board", module="sales", keywords="kanban"),
    Command(_("Deals"), "deal-list", module="sales", keywords="opportunities"),
    Command(_("My pipeline"), "my-pipeline", module="sales"),
    Command(_("Quotes"), "quote-list", module="sales"),
    Command(_("Orders"), "order-list", module="sales"),
    Command(_("Forecast"), "deal-forecast", module="sales"),
    Command(_("Products"), "product-list", module="sales", keywords="catalogue catalog"),
    Command(_("Notifications"), "notification-list"),
    Command(_("Recycle bin"), "recycle-bin", keywords="trash deleted restore"),
    Command(_("Your profile"), "profile", keywords="settings password language"),
    Command(_("Help centre"), "help-index", keywords="help guide manual documentation"),
    Command(_("Feedback"), "feedback-list", keywords="suggestions problems"),
    Command(_("Users"), "user-list", admin=True),
    Command(_("Teams"), "team-list", admin=True),
]

#: commands shown for an empty palette (the rest are found by typing)
FIRST_SHOWN = 8


def matching_commands(user, query: str, commands: list[Command]) -> list[Command]:
    """The commands the user may run whose name (or its pinyin, initials, English keywords)
    holds the query; all of them for an empty query."""
    wanted = everything.clean_query(query).lower()
    found = []
    for command in commands:
        if not command.allowed(user):
            continue
        label = str(command.label)
        with override("en"):
            words = f"{label} {command.label} {command.keywords}"
        if (
            not wanted
            or wanted in words.lower()
            or everything.match_rank(wanted, label) < everything.CONTAINS
        ):
            found.append(command)
    return found


@login_required
def palette(request):
    """The palette's options for what was typed: actions, pages, then records by kind."""
    q = everything.clean_query(request.GET.get("q") or "")
    actions = matching_commands(request.user, q, ACTIONS)
    pages = matching_commands(request.user, q, PAGES)
    if not q:
        actions, pages = actions[:FIRST_SHOWN], pages[:FIRST_SHOWN]
    groups = everything.search_everything(request.user, q, per_kind=5) if q else []
    context = {
        "q": q,
        "sections": [
            (pgettext_lazy("palette section", "Actions"), actions),
            (pgettext_lazy("palette section", "Go to"), pages),
        ],
        "groups": groups,
    }
    return render(request, "web/palette_options.html", context)
