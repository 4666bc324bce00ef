"""The "?" in the top bar of every page: a link to the help section about the page shown.

CONTEXT maps URL names (exactly, or by their prefix up to a "-") to a help page and anchor; a
page not listed gets the help centre's index. No database query: it reads only the URL."""

from django.urls import reverse

from kehu.learning.help.pages import BY_SLUG, page_url

#: URL name -> (help page, anchor on it)
CONTEXT: dict[str, tuple[str, str]] = {
    "home": ("dashboards", "dashboards"),
    "dashboard": ("dashboards", "arranging"),
    "search": ("shortcuts", "what-the-search-finds"),
    "palette": ("shortcuts", "the-command-palette-命令面板"),
    "my-day": ("my-day-and-reminders", "my-day"),
    "notification-list": ("my-day-and-reminders", "reminders"),
    "person": ("getting-started", "people-and-companies"),
    "company": ("getting-started", "people-and-companies"),
    "recycle-bin": ("getting-started", "the-recycle-bin"),
    "import": ("getting-started", "importing"),
    "activity": ("activities", "logging-one"),
    "calendar": ("calendar", "the-calendar-page"),
    "person-email": ("email", "sending-email"),
    "email-signature": ("email", "signature"),
    "email-template": ("email", "templates-and-placeholders"),
    "mail-review": ("email-receiving", "the-review-list"),
    "mail-upload": ("email-receiving", "uploading-eml-files"),
    "quote": ("quotes", "building-a-quote"),
    "order": ("quotes", "orders"),
    "seller-settings": ("quotes", "seller-details-administrators"),
    "report": ("reports", "building-a-report"),
    "report-list": ("reports", "reports"),
    "report-schedule": ("reports", "email-on-a-schedule"),
    "adoption": ("adoption-and-roi", "staff-adoption"),
    "roi": ("adoption-and-roi", "is-the-crm-paying-off"),
    "duplicates": ("duplicates", "the-duplicates-queue"),
    "person-merge": ("duplicates", "merging"),
    "company-merge": ("duplicates", "merging"),
    "lead": ("getting-started", "sales-leads-deals-and-quotes"),
    "deal": ("getting-started", "sales-leads-deals-and-quotes"),
    "my-pipeline": ("getting-started", "sales-leads-deals-and-quotes"),
    "user": ("getting-started", "administration"),
    "team": ("getting-started", "administration"),
    "role": ("getting-started", "administration"),
    "customfield": ("getting-started", "administration"),
    "pipeline": ("getting-started", "administration"),
    "feedback": ("help-centre", "feedback"),
    "sample-data": ("help-centre", "sample-data"),
    "help": ("help-centre", ""),
    "profile": ("getting-started", "your-profile"),
    "token-list": ("getting-started", "your-profile"),
}


def help_for(url_name: str | None) -> tuple[str, str] | None:
    """The (page, anchor) for a URL name: its own entry, else the longest prefix that has one."""
    name = url_name or ""
    while name:
        if name in CONTEXT:
            return CONTEXT[name]
        name = name.rpartition("-")[0]
    return None


def help_link(request) -> dict:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    found = help_for(match.url_name if match else None)
    if found is None or found[0] not in BY_SLUG:
        return {"help_url": reverse("help-index")}
    return {"help_url": page_url(*found)}
