"""The cross-user permission walk: every UI route and every API route, for every persona.

Routes are found by enumeration (the URL resolver for the UI, the OpenAPI schema for the API),
so a route added later is walked automatically. Each route must be classified in UI_RULES or
API_RULES below; an unclassified route fails `test_every_*_route_is_classified`, so whoever
adds a route says who may use it, and the walk then checks it.

Personas: the owner of the records (sales rep, team A), a teammate (sales rep, team A), the
team's manager (team scope), an outsider (sales rep, team B), a read-only user (all records,
read only) and an administrator. A record someone may not see answers 404 and is never listed;
a refused write changes nothing (the audit log and every field stay as they were).
"""

import datetime
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kehu.accounts.email_change import confirmation_url
from kehu.accounts.models import ApiToken, EmailChange, Role, Team, User
from kehu.activities.models import Activity, CalendarFeed, Notification
from kehu.activities.notifications.services import notify
from kehu.activities.services import add_note, delete_activity, log_activity
from kehu.analytics.dashboards.models import DashboardLayout
from kehu.analytics.goals import services as goal_services
from kehu.analytics.goals.models import Goal
from kehu.analytics.reports import services as report_services
from kehu.analytics.reports.models import ReportRun
from kehu.core.bulk.models import BulkJob
from kehu.core.models import AuditEntry, ListColumns, SavedView
from kehu.core.saved_views import services as view_services
from kehu.customers import services
from kehu.customers.duplicates import services as merging
from kehu.customers.duplicates.models import DuplicatePair, DuplicateScan, Merge
from kehu.customers.fields import services as field_services
from kehu.customers.imports import files as import_files
from kehu.customers.imports import mapping as import_mapping
from kehu.customers.imports.models import ImportJob
from kehu.customers.models import Company, CustomField, Person, Tag
from kehu.learning.feedback import services as feedback
from kehu.learning.models import Feedback, SampleDataLoad, TourSeen
from kehu.mail import receiving as mail_receive
from kehu.mail.models import EmailAttachment, EmailMessage
from kehu.mail.templating import save_template
from kehu.sales.assignment import services as assignment
from kehu.sales.catalog import services as catalog
from kehu.sales.deals import services as sales_services
from kehu.sales.leads import services as leads
from kehu.sales.models import (
    AssignmentRule,
    Deal,
    ExchangeRate,
    Lead,
    LostReason,
    Order,
    OrderLine,
    Pipeline,
    PriceList,
    PriceListItem,
    Product,
    Quote,
    QuoteLine,
    SalesTarget,
    ScoringRule,
    Stage,
    StageChange,
)
from kehu.sales.quotes import services as quotes
from kehu.sales.scoring import services as scoring
from kehu.service.categories import services as ticket_categories
from kehu.service.kb import services as kb_services
from kehu.service.kb.models import Article, KbSearchMiss
from kehu.service.macros import services as macro_services
from kehu.service.mailbox import services as support_mailboxes
from kehu.service.mailbox.models import TicketAttachment
from kehu.service.portal import services as portal_services
from kehu.service.sla import services as sla_services
from kehu.service.tickets import services as ticket_services
from tests.factories import make_company, make_deal, make_person, make_team, make_user, stage

PERSONAS = ("owner", "teammate", "manager", "outsider", "readonly", "admin")
#: personas who must never see the owner's records anywhere
HIDDEN_FROM = ("teammate", "outsider")
#: personas whose role and scope let them read the owner's records
SEES = ("owner", "manager", "readonly", "admin")


def statuses(default: int, **overrides) -> dict[str, int | tuple[int, ...]]:
    """Expected status per persona; a persona given as None is left out (not tried)."""
    answers = {persona: overrides.get(persona, default) for persona in PERSONAS}
    return {persona: status for persona, status in answers.items() if status is not None}


def accepts(expected, got: int) -> bool:
    return got in expected if isinstance(expected, tuple) else got == expected


def refusal(expected) -> bool:
    """Whether the expected answer refuses the request (and so must change nothing)."""
    return min(expected) >= 400 if isinstance(expected, tuple) else expected >= 400


ANYONE = statuses(200)
READ = statuses(200, teammate=404, outsider=404)
WRITE = statuses(200, teammate=404, outsider=404, readonly=403)
CREATE = statuses(200, readonly=403)
EXPORT = statuses(403, manager=200, admin=200)  # sales reps and read-only users may not export
ADMIN_ONLY = statuses(403, admin=200)
#: refused either way: a role without the right, asking for someone else's object
REFUSED = (403, 404)
#: an import belongs to whoever uploaded it; a read-only user may not import at all
IMPORT_OWN = statuses(404, owner=200, readonly=REFUSED)
#: POST to the owner's record: refused for those who may not, done (302) by the owner
CHANGE_OWN = {"teammate": 404, "outsider": 404, "readonly": 403, "owner": 302}
ADMIN_POST = statuses(403, admin=302)
#: tickets: who may work them (the owner, a sales rep, may only open and follow them)
TICKET_WRITE = statuses(200, owner=403, teammate=404, outsider=404, readonly=403)
TICKET_CHANGE = {"teammate": 404, "outsider": 404, "readonly": 403, "owner": 403, "manager": 302}
API_TICKET_CHANGE = {"teammate": 404, "outsider": 404, "readonly": 403, "owner": 403}
#: the knowledge base: everyone reads published articles; editors (service: edit) write them
#: and alone see drafts (the walk's article pages show its draft: 404 for the others)
KB_EDITORS = statuses(404, manager=200, admin=200)
KB_REFUSED = {"owner": 403, "teammate": 403, "outsider": 403, "readonly": 403}
KB_HIDDEN = {"owner": 404, "teammate": 404, "outsider": 404, "readonly": 404}


@dataclass(frozen=True)
class Rule:
    """Who may use a route. `get`: expected GET status per persona (None: POST only, 405).
    `post`: expected status per persona of a write (a POST; for the API, the operation's own
    method); a 2xx/3xx answer must change something, a refusal must change nothing. Without
    `post`, everyone refused on GET is also refused on POST. `shows`: the owner's records
    this page lists to those allowed to see them. `query`: added to the URL. `target`: the
    object filling the URL's parameters (default: by prefix, TARGET_BY_PREFIX). `anonymous`:
    what a visitor who is not signed in gets (None: a redirect to the login page).
    `post_data`: the form a POST sends, from the walk's objects (default: UI_POST_DATA)."""

    get: dict | None
    post: dict | None = None
    target: str | None = None
    shows: tuple[str, ...] = ()
    query: str = ""
    anonymous: int | None = None
    post_data: Callable[[dict], dict] | None = None


# Which object fills a route's parameters, by the route's path prefix (longest match wins);
# a restore route takes the binned record of the same kind. Rule.target overrides.
TARGET_BY_PREFIX = {
    "people/": "person",
    "companies/": "company",
    "activities/": "activity",
    "emails/review/": "email_review",
    "import/": "import",
    "bulk/jobs/": "bulk_job",
    "profile/tokens/": "token",
    "settings/users/": "user",
    "settings/teams/": "team",
    "settings/roles/": "role",
    "settings/fields/": "customfield",
    "settings/pipelines/": "pipeline",
    "settings/assignment/": "assignment_rule",
    "settings/scoring/": "scoring_rule",
    "settings/lost-reasons/": "lost_reason",
    "settings/ticket-categories/": "ticket_category",
    "settings/surveys/": "survey",
    "settings/support-mailboxes/": "support_mailbox",
    "settings/sla/policies/": "sla_policy",
    "settings/macros/": "macro",
    "settings/sla/calendars/": "sla_calendar",
    "/api/v1/sla-policies/": "sla_policy",
    "kb/": "kb_draft",
    "help-centre/": "kb_article",
    "support/t/": "portal_ticket",
    "/api/v1/kb/articles/": "kb_draft",
    "/api/v1/kb/public/articles/": "kb_article",
    "tickets/": "ticket",
    "/api/v1/tickets/": "ticket",
    "/api/v1/ticket-categories/": "ticket_category",
    "/api/v1/surveys/": "survey",
    "/api/v1/survey-responses/": "survey_response",
    "survey/": "survey_link",
    "deals/": "deal",
    "leads/": "lead",
    "products/": "product",
    "price-lists/": "price_list",
    "quotes/": "quote",
    "orders/": "order",
    "/api/v1/people/": "person",
    "/api/v1/bulk/": "bulk_job",
    "/api/v1/companies/": "company",
    "/api/v1/tags/": "tag",
    "/api/v1/custom-fields/": "customfield",
    "/api/v1/users/": "user",
    "/api/v1/teams/": "team",
    "/api/v1/deals/": "deal",
    "/api/v1/leads/": "lead",
    "/api/v1/pipelines/": "pipeline",
    "/api/v1/lost-reasons/": "lost_reason",
    "/api/v1/products/": "product",
    "/api/v1/price-lists/": "price_list",
    "/api/v1/quotes/": "quote",
    "/api/v1/activities/": "activity",
    "/api/v1/orders/": "order",
    "/api/v1/views/": "view",
    "/api/v1/goals/": "goal",
    "goals/": "goal",
    "views/": "view",
    "/api/v1/reports/": "report",
    "reports/runs/": "report_run",
    "reports/": "report",
    "/api/v1/emails/review/": "email_review",
    "help/": "help_page",
    "feedback/": "feedback",
    "sample-data/": "sample_load",
    "/api/v1/feedback/": "feedback",
}

PRODUCT_FORM = {"sku": "WALK-1", "name": "走查产品 Walk product", "unit": "pcs", "price": "9",
                "tax_rate": "13", "active": "on"}  # fmt: skip


SCORING_FORM = {"name": "走查评分 Walk score", "field": "source", "op": "equals", "value": "web",
                "points": "7", "active": "on"}  # fmt: skip


def bulk_form(objects: dict) -> dict:
    """The bulk bar's form: tag the owner's person."""
    return {"scope": "selected", "ids": [objects["person"].pk], "action": "add_tag",
            "tag": "走查 Walk"}  # fmt: skip


def rule_form(objects: dict) -> dict:
    return {"name": "走查规则 Walk rule", "entity": "lead", "position": "5", "method": "user",
            "user": objects["deal"].owner_id, "team": "", "active": "on",
            "conditions-TOTAL_FORMS": "1", "conditions-INITIAL_FORMS": "0",
            "conditions-0-field": "source", "conditions-0-op": "equals",
            "conditions-0-value": "event"}  # fmt: skip


def lost_reasons_form(objects: dict) -> dict:
    """The lost-reasons page as it comes, with a new reason added in its empty row."""
    rows = list(LostReason.objects.all())
    data = {"reasons-TOTAL_FORMS": str(len(rows) + 1), "reasons-INITIAL_FORMS": str(len(rows)),
            f"reasons-{len(rows)}-name": "走查原因 Walk reason"}  # fmt: skip
    for i, r in enumerate(rows):
        data |= {f"reasons-{i}-id": r.pk, f"reasons-{i}-position": i, f"reasons-{i}-name": r.name,
                 f"reasons-{i}-name_zh": r.name_zh}  # fmt: skip
    return data


def price_list_form(objects: dict) -> dict:
    product = objects["product"].pk
    return {"name": "走查价目 Walk prices", "currency": "CNY", "customer_tag": "", "active": "on",
            "prices-TOTAL_FORMS": "1", "prices-INITIAL_FORMS": "0", "prices-0-product": product,
            "prices-0-min_quantity": "1", "prices-0-unit_price": "8"}  # fmt: skip


#: a failed email sent again: its sender only (others who see it: 403)
SENDER_ONLY = statuses(404, owner=None, manager=403, readonly=403, admin=403)
EMAIL_TEMPLATE_FORM = {"name": "新模板 New template", "subject": "{{ person.name }} 您好",
                       "body": "正文 {{ user.name }}", "active": "on"}  # fmt: skip


def walk_email(sender: str, subject: str, message_id: str) -> bytes:
    """A received email, as its .eml file holds it."""
    return (
        f"From: {sender}\r\nTo: rep@kehu.example\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\nDate: Tue, 01 Dec 2026 09:00:00 +0800\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n正文 body\r\n"
    ).encode()


def upload_form(objects: dict) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    raw = walk_email(PERSON_EMAIL, "走查上传 Walk upload", "<upload@walk>")
    return {"files": SimpleUploadedFile("walk.eml", raw, content_type="message/rfc822")}


UI_RULES: dict[str, Rule] = {
    # public
    "login": Rule(get=statuses(302), anonymous=200),  # signed in: on to the home page
    "logout": Rule(get=None, post=statuses(302), anonymous=302),
    "set-language": Rule(get=None, post=statuses(302), anonymous=302),
    "healthz": Rule(get=ANYONE, anonymous=200),
    # on a phone's home screen: nothing personal in them, a browser fetches them signed out
    "manifest": Rule(get=ANYONE, anonymous=200),
    "service-worker": Rule(get=ANYONE, anonymous=200),
    "offline": Rule(get=ANYONE, anonymous=200),
    # the public lead form: anyone may send it; it shows nothing back
    "lead-web-form": Rule(
        get=ANYONE,
        anonymous=200,
        post={"owner": 200},
        post_data=lambda o: {"name": "网上来的 Web visitor", "email": "visitor@example.com"},
    ),
    # everyone signed in; lists show only what each may see
    "home": Rule(get=ANYONE),
    # the home dashboard: each their own layout; a manager publishes theirs to their team
    "dashboard-add": Rule(
        get=None, post=statuses(302), post_data=lambda o: {"widget": "my_pipeline"}
    ),
    "dashboard-remove": Rule(
        get=None, post=statuses(302), post_data=lambda o: {"widget": "my_tasks"}
    ),
    "dashboard-move": Rule(
        get=None,
        post=statuses(302),
        post_data=lambda o: {"widget": "my_pipeline", "direction": "down"},
    ),
    "dashboard-order": Rule(get=None, post=statuses(302), post_data=lambda o: {"widget": ["x"]}),
    "dashboard-reset": Rule(get=None, post=statuses(302)),
    "dashboard-publish": Rule(get=None, post=statuses(403, manager=302)),
    "report-pin": Rule(get=None, post=statuses(404, owner=302, admin=302)),
    "search": Rule(get=ANYONE, query="q=simaxiangru", shows=("person",)),
    "palette": Rule(get=ANYONE, query="q=simaxiangru", shows=("person",)),
    "profile": Rule(get=ANYONE),
    # changing one's own address (the request needs the password and an SMTP server: tested in
    # tests/accounts/test_email_change.py); the mailed link works only for the user it is for
    "email-change": Rule(get=statuses(302)),
    # one's own password (the current one is needed: tests/accounts/test_password_change.py)
    "password-change": Rule(get=statuses(302)),
    "email-change-confirm": Rule(
        get=statuses(404, owner=200), post=statuses(404, owner=302), target="email_change"
    ),
    "token-list": Rule(get=ANYONE),
    "token-revoke": Rule(get=None, post=statuses(404, owner=302)),
    "person-list": Rule(get=ANYONE, shows=("person",)),
    "company-list": Rule(get=ANYONE, shows=("company",)),
    "company-autocomplete": Rule(get=ANYONE, query="q=qingyun", shows=("company",)),
    # a company picker's "create company …": whoever may create companies
    "company-quick-create": Rule(
        get=None,
        post=statuses(200, readonly=403),
        post_data=lambda o: {"new_company": "走查公司 Walk company"},
    ),
    # Undo names what it undoes by a token kept in the session of whoever made the change:
    # nobody else's session has it (the undo itself: tests/web/test_record_pages.py)
    "undo": Rule(get=None, post=statuses(404), post_data=lambda o: {"token": "walk-token"}),
    "recycle-bin": Rule(
        get=ANYONE,
        shows=(
            "binned_person",
            "binned_company",
            "binned_deal",
            "binned_lead",
            "binned_quote",
            "binned_activity",
        ),  # fmt: skip
    ),
    # people and companies
    "duplicates-person": Rule(get=ANYONE, shows=("person",)),
    "duplicates-company": Rule(get=ANYONE),
    "duplicates-scan-status": Rule(get=ANYONE),
    "duplicates-scan": Rule(get=None, post=ADMIN_POST),
    "duplicates-dismiss": Rule(get=None, post=CHANGE_OWN, target="dup_pair"),
    "person-merge": Rule(
        get=WRITE, post=CHANGE_OWN, post_data=lambda o: {"with": str(o["twin"].pk)}
    ),
    "company-merge": Rule(
        get=WRITE, post=CHANGE_OWN, post_data=lambda o: {"with": str(o["company_twin"].pk)}
    ),
    "person-merge-undo": Rule(get=None, post=CHANGE_OWN, target="person_merge"),
    "company-merge-undo": Rule(get=None, post=CHANGE_OWN, target="company_merge"),
    "person-create": Rule(get=CREATE),
    # the person's page: the note in its history, the open task in its Focus
    "person-detail": Rule(get=READ, shows=("note", "activity")),
    "person-edit": Rule(get=WRITE),
    "person-delete": Rule(get=WRITE, post=CHANGE_OWN),
    "person-restore": Rule(get=None, post=CHANGE_OWN),
    "person-export": Rule(get=EXPORT, shows=("person",)),
    "company-create": Rule(get=CREATE),
    "company-detail": Rule(get=READ),
    "company-edit": Rule(get=WRITE),
    "company-delete": Rule(get=WRITE, post=CHANGE_OWN),
    "company-restore": Rule(get=None, post=CHANGE_OWN),
    "company-export": Rule(get=EXPORT, shows=("company",)),
    # activities: seen by whoever sees their record; changed by their owner and the record's
    # editors; logged by anyone who may read the record (as notes always were)
    "activity-quick-add": Rule(get=ANYONE, query="q=simaxiangru", shows=("person",)),
    # the history alone (filter chips, "Show older"): an open task is in Focus, not here
    "activity-timeline": Rule(get=READ, target="person", shows=("note",)),
    "activity-log": Rule(
        get=READ,
        post={**CHANGE_OWN, "readonly": 302},
        target="person",
        post_data=lambda o: {"body": "走查备注 walk note"},
    ),
    "activity-detail": Rule(
        get=READ,
        post=CHANGE_OWN,
        shows=("activity",),
        post_data=lambda o: {
            "subject": "走查改过 Walk changed",
            "priority": "high",
            "owner": o["activity"].owner_id,
        },  # fmt: skip
    ),
    "activity-done": Rule(get=None, post=CHANGE_OWN),
    # the next step after a call or meeting: a task on its record, by anyone who may log there
    "activity-follow-up": Rule(
        get=None,
        post={**CHANGE_OWN, "readonly": 302},
        post_data=lambda o: {"follow_up-when": "tomorrow", "follow_up-subject": "走查跟进 walk"},
    ),
    "activity-delete": Rule(get=None, post=CHANGE_OWN),
    "activity-restore": Rule(get=None, post=CHANGE_OWN),
    # only the owner hides or shares their own activity
    "activity-privacy": Rule(get=None, post=CHANGE_OWN, post_data=lambda o: {"private": "1"}),
    # the file of the activities on records the user may export (a manager's team's)
    "activity-export": Rule(get=EXPORT, query="format=csv", shows=("activity",)),
    # imports are private to the person who uploaded the file
    "import-start": Rule(get=CREATE),
    "import-map": Rule(get=IMPORT_OWN),
    "import-status": Rule(get=IMPORT_OWN),
    "import-errors": Rule(get=IMPORT_OWN),
    "import-cancel": Rule(get=None, post=statuses(404, owner=302, readonly=REFUSED)),
    "import-resume": Rule(
        get=None, post=statuses(404, owner=302, readonly=REFUSED), target="failed_import"
    ),
    # bulk actions: anyone may ask; rows they may not change are skipped and counted, never
    # changed (tests/core/test_bulk.py); a job is private to whoever started it
    "bulk-confirm": Rule(get=None, post=statuses(200), target="person", post_data=bulk_form),
    "bulk-start": Rule(get=None, post=statuses(302), target="person", post_data=bulk_form),
    "bulk-job": Rule(get=statuses(404, owner=200)),
    "bulk-job-status": Rule(get=statuses(404, owner=200)),
    "bulk-job-undo": Rule(get=None, post=statuses(404, owner=302), target="bulk_delete_job"),
    # administration
    "user-list": Rule(get=ADMIN_ONLY),
    "user-create": Rule(get=ADMIN_ONLY),
    "user-edit": Rule(get=ADMIN_ONLY),
    "user-password": Rule(get=ADMIN_ONLY),
    "user-deactivate": Rule(get=None, post=ADMIN_POST),
    "user-activate": Rule(get=None, post=ADMIN_POST, target="inactive_user"),
    "user-unlock": Rule(get=None, post=ADMIN_POST, target="locked_user"),
    "team-list": Rule(get=ADMIN_ONLY),
    "team-create": Rule(get=ADMIN_ONLY),
    "team-edit": Rule(get=ADMIN_ONLY),
    "role-list": Rule(get=ADMIN_ONLY),
    "role-create": Rule(get=ADMIN_ONLY),
    "role-edit": Rule(get=ADMIN_ONLY),
    "customfield-list": Rule(get=ADMIN_ONLY),
    "customfield-create": Rule(get=ADMIN_ONLY),
    "customfield-edit": Rule(get=ADMIN_ONLY),
    "customfield-deactivate": Rule(get=None, post=ADMIN_POST),
    "customfield-activate": Rule(get=None, post=ADMIN_POST, target="inactive_customfield"),
    "pipeline-list": Rule(get=ADMIN_ONLY),
    "pipeline-create": Rule(get=ADMIN_ONLY),
    "pipeline-edit": Rule(get=ADMIN_ONLY),
    "seller-settings": Rule(get=ADMIN_ONLY),
    "seller-logo": Rule(get=statuses(404)),  # no logo saved in the walk: nothing to show
    "exchange-rates": Rule(get=ADMIN_ONLY),
    "lost-reason-settings": Rule(get=ADMIN_ONLY, post=ADMIN_POST, post_data=lost_reasons_form),
    # deals: every default role reads sales; reps see their own, managers their team's
    "deal-list": Rule(get=ANYONE, shows=("deal",)),
    "deal-export": Rule(get=EXPORT, shows=("deal",)),
    "deal-board": Rule(get=ANYONE, shows=("deal", "deal_amount")),
    "deal-create": Rule(get=CREATE),
    "deal-detail": Rule(get=READ),
    "deal-edit": Rule(get=WRITE),
    "deal-move": Rule(
        get=None, post=CHANGE_OWN, post_data=lambda o: {"stage": stage("Proposal").pk}
    ),
    "deal-delete": Rule(get=WRITE, post=CHANGE_OWN),
    "deal-contact-set": Rule(
        get=None, post=CHANGE_OWN, post_data=lambda o: {"person": o["person"].pk, "role": "采购"}
    ),
    "deal-contact-remove": Rule(get=None, post=CHANGE_OWN, target="deal_with_contact"),
    "deal-restore": Rule(get=None, post=CHANGE_OWN),
    "deal-forecast": Rule(get=ANYONE, shows=("deal_amount",)),
    "my-pipeline": Rule(get=ANYONE, query="owner=1"),
    # leads: like deals; converting needs the right to create customers too
    "lead-list": Rule(get=ANYONE, shows=("lead",)),
    "lead-export": Rule(get=EXPORT, shows=("lead",)),
    "lead-create": Rule(get=CREATE),
    "lead-detail": Rule(get=READ),
    "lead-edit": Rule(get=WRITE),
    "lead-convert": Rule(get=WRITE, post=CHANGE_OWN, post_data=lambda o: {"make_deal": "on"}),
    "lead-delete": Rule(get=WRITE, post=CHANGE_OWN),
    "lead-restore": Rule(get=None, post=CHANGE_OWN),
    # tickets: the owner (a sales rep) opened the walk's ticket for their team and follows
    # it, but only support and managers work tickets (edit, reply, delete)
    "ticket-list": Rule(get=ANYONE, shows=("ticket",), query="queue=all"),
    "ticket-create": Rule(get=CREATE),
    "ticket-detail": Rule(get=READ, shows=("ticket",)),
    "ticket-edit": Rule(get=TICKET_WRITE),
    "ticket-reply": Rule(
        get=None,
        post=TICKET_CHANGE,
        post_data=lambda o: {
            "body": "走查备注 walk note",
            "kind": "note",
            "version": o["ticket"].version,
        },
    ),
    "ticket-delete": Rule(get=TICKET_WRITE, post=TICKET_CHANGE),
    "ticket-restore": Rule(get=None, post=TICKET_CHANGE),
    # a new portal link for the customer, the old ones dead: those who work the ticket
    "ticket-portal-revoke": Rule(get=None, post=TICKET_CHANGE),
    "ticket-categories": Rule(get=ADMIN_ONLY),
    "ticket-category-create": Rule(get=ADMIN_ONLY),
    "ticket-category-edit": Rule(get=ADMIN_ONLY),
    "survey-settings": Rule(get=ADMIN_ONLY),
    "survey-edit": Rule(get=ADMIN_ONLY),
    # a file a customer mailed in: whoever sees the ticket (walk_attachment_pk)
    "ticket-attachment": Rule(get=READ),
    # a customer's one-click survey link (signed, walk_token): anyone with the link, no login;
    # the first visit records the score, a comment can be added once
    "survey-answer": Rule(
        get=ANYONE,
        anonymous=200,
        post={"owner": 200},
        post_data=lambda o: {"comment": "走查评价 Walk comment"},
    ),
    "support-mailboxes": Rule(get=ADMIN_ONLY),
    "support-mailbox-create": Rule(get=ADMIN_ONLY),
    "support-mailbox-edit": Rule(get=ADMIN_ONLY),
    "support-mailbox-check": Rule(get=None, post=ADMIN_POST),
    "sla-settings": Rule(get=ADMIN_ONLY),
    "macro-settings": Rule(get=ADMIN_ONLY),
    "macro-edit": Rule(get=ADMIN_ONLY),
    "ticket-macro-text": Rule(get=TICKET_WRITE),
    "ticket-macro-apply": Rule(
        get=None, post=TICKET_CHANGE, post_data=lambda o: {"version": o["ticket"].version}
    ),
    "sla-policy-edit": Rule(get=ADMIN_ONLY),
    "sla-calendar-create": Rule(get=ADMIN_ONLY),
    "sla-calendar-edit": Rule(get=ADMIN_ONLY),
    # the knowledge base (the walk's article pages show its draft: editors only)
    "kb-article-list": Rule(get=ANYONE),
    "kb-article-create": Rule(
        get=statuses(403, manager=200, admin=200),
        post={**KB_REFUSED, "manager": 302},
        post_data=lambda o: {**KB_FORM, "title": "走查文章 Walk article"},
    ),
    "kb-article-detail": Rule(get=KB_EDITORS),
    "kb-article-edit": Rule(
        get=KB_EDITORS,
        post={**KB_HIDDEN, "manager": 302},
        post_data=lambda o: {**KB_FORM, "title": KB_DRAFT_TITLE, "version": o["kb_draft"].version},
    ),
    # the public help centre: anyone, signed in or not, reads published public articles
    "help-centre": Rule(get=ANYONE, anonymous=200),
    "help-centre-article": Rule(get=ANYONE, anonymous=200),
    # the public support form: anyone may send it; it shows back only the new reference
    "support-new": Rule(
        get=ANYONE,
        anonymous=200,
        post={"owner": 200},
        post_data=lambda o: {
            "name": "网上来的 Web visitor",
            "email": "help@visitor.example",
            "subject": "走查求助 Walk help",
            "description": "请帮忙",
        },
    ),  # fmt: skip
    # a ticket's portal page: whoever holds its signed link (walk_token), signed in or not
    "support-portal": Rule(get=ANYONE, anonymous=200),
    "support-portal-reply": Rule(
        get=None,
        post=statuses(302),
        anonymous=302,
        post_data=lambda o: {"body": "走查回复 walk reply"},
    ),
    "support-portal-solve": Rule(get=None, post={"owner": 302}, anonymous=302),
    # the catalogue: everyone in sales reads it, administrators keep it
    "product-list": Rule(get=ANYONE),
    "product-create": Rule(get=ADMIN_ONLY, post=ADMIN_POST, post_data=lambda o: PRODUCT_FORM),
    "product-edit": Rule(get=ADMIN_ONLY, post=ADMIN_POST, post_data=lambda o: PRODUCT_FORM),
    "price-list-list": Rule(get=ANYONE),
    "price-list-create": Rule(get=ADMIN_ONLY, post=ADMIN_POST, post_data=price_list_form),
    "price-list-edit": Rule(get=ADMIN_ONLY, post=ADMIN_POST, post_data=price_list_form),
    # quotes and orders: like deals
    "quote-list": Rule(get=ANYONE, shows=("quote",)),
    "quote-export": Rule(get=EXPORT, shows=("quote",)),
    # the quote form's running totals: POST only, for anyone in sales, saving nothing
    "quote-lines-preview": Rule(
        get=None,
        post=statuses(200),
        post_data=lambda o: {
            "currency": "CNY",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-description": "走查 walk",
            "lines-0-quantity": "2",
            "lines-0-unit_price": "5",
        },
    ),
    "quote-create": Rule(get=CREATE),
    "quote-detail": Rule(get=READ),
    "quote-edit": Rule(get=WRITE),
    "quote-print": Rule(get=READ),
    "quote-pdf": Rule(get=READ),
    "quote-send": Rule(get=WRITE, post=CHANGE_OWN, post_data=lambda o: {"mark_only": "1"}),
    "quote-accept": Rule(get=None, post=CHANGE_OWN),
    "quote-reject": Rule(get=None, post=CHANGE_OWN),
    "quote-revise": Rule(get=None, post=CHANGE_OWN, target="sent_quote"),
    "quote-delete": Rule(get=WRITE, post=CHANGE_OWN),
    "quote-restore": Rule(get=None, post=CHANGE_OWN),
    "order-list": Rule(get=ANYONE, shows=("order",)),
    "order-export": Rule(get=EXPORT, shows=("order",)),
    "order-detail": Rule(get=READ),
    "order-status": Rule(get=None, post=CHANGE_OWN, post_data=lambda o: {"status": "fulfilled"}),
    # notifications: everyone their own
    "notification-list": Rule(get=ANYONE),  # see test_notifications_are_only_their_own
    "notification-read": Rule(get=None, post=statuses(302)),
    # the calendar: everyone their own (a manager may pick a teammate's: test_calendar.py)
    "calendar": Rule(get=ANYONE, query="view=month"),
    # its events (JSON) and planning or moving on it: through the same door as the rest
    "calendar-events": Rule(get=ANYONE, query="start=2027-01-01T00:00&end=2027-02-01T00:00"),
    "calendar-pick": Rule(get=ANYONE, query="q=simaxiangru", shows=("person",)),
    "calendar-event-create": Rule(
        get=None,
        post=statuses(201, teammate=422, outsider=422),
        post_data=lambda o: {
            "kind": "task",
            "record": f"person:{o['person'].pk}",
            "subject": "走查日历 Walk calendar",
            "start": "2027-01-05T09:00",
        },
    ),
    "calendar-event-move": Rule(
        get=None,
        post={"teammate": 404, "outsider": 404, "readonly": 403, "owner": 200},
        target="activity",
        post_data=lambda o: {"start": "2027-01-05T10:00", "version": o["activity"].version},
    ),
    "calendar-subscribe": Rule(get=ANYONE, post=statuses(200)),  # a new feed URL, shown once
    "calendar-unsubscribe": Rule(get=None, post=statuses(302)),
    # the feed needs no login (its secret is the key): a made-up secret is 404 for anyone; the
    # real secret, revoked ones and leaks are in tests/activities/test_calendar.py
    "calendar-feed": Rule(get=statuses(404), anonymous=404, target="token"),
    # my day: everyone their own; a manager may pick a teammate's (test_my_day.py); done and
    # reschedule change a task like editing it does
    "my-day": Rule(get=ANYONE, query="owner=1"),
    "my-day-done": Rule(get=None, post=CHANGE_OWN, target="activity"),
    "my-day-reschedule": Rule(
        get=None, post=CHANGE_OWN, target="activity", post_data=lambda o: {"when": "tomorrow"}
    ),
    # sending email: whoever sees the person and may send (not Read-only) writes to them; only
    # the sender sends a failed email again (with no SMTP server in the walk the owner's retry
    # is in test_mail_views.py; tests/mail/test_send_permission.py)
    "person-email": Rule(get=WRITE),
    "email-retry": Rule(get=None, post=SENDER_ONLY, target="sent_email"),
    "email-reply": Rule(
        get=statuses(302, teammate=404, outsider=404, readonly=403), target="sent_email"
    ),
    "email-attachment": Rule(get=READ, target="email_attachment"),
    # receiving email: the review list and .eml upload are for those who may create customers;
    # each reviews the mail of mailboxes in their scope (tests/mail/test_mail_receive.py)
    "mail-review": Rule(get=CREATE, shows=("email_review",)),
    "mail-review-detail": Rule(get=WRITE),
    "mail-review-link": Rule(
        get=None, post=CHANGE_OWN, post_data=lambda o: {"person": o["person"].pk}
    ),
    "mail-review-person": Rule(
        get=None,
        post=CHANGE_OWN,
        post_data=lambda o: {"name": "走查新人", "email": "n@walk.example"},
    ),
    "mail-review-ignore": Rule(get=None, post=CHANGE_OWN),
    # the owner uploads mail from their person: it is filed on the person's timeline
    "mail-upload": Rule(get=CREATE, post={"readonly": 403, "owner": 200}, post_data=upload_form),
    "email-signature": Rule(get=ANYONE),  # everyone their own (tests/mail/test_mail_views.py)
    # email templates: administrators keep them (everyone reads them through the API)
    "email-template-list": Rule(get=ADMIN_ONLY),
    "email-template-create": Rule(
        get=ADMIN_ONLY, post=ADMIN_POST, post_data=lambda o: EMAIL_TEMPLATE_FORM
    ),
    "email-template-edit": Rule(
        get=ADMIN_ONLY,
        post=ADMIN_POST,
        post_data=lambda o: EMAIL_TEMPLATE_FORM,
        target="email_template",
    ),
    "email-template-delete": Rule(get=None, post=ADMIN_POST, target="email_template"),
    # saved views and chosen columns: anyone, for themselves; a view is its owner's to delete
    "view-save": Rule(get=None, post=statuses(302)),
    "view-delete": Rule(get=None, post=statuses(404, owner=302, admin=None)),
    "list-columns": Rule(
        get=None,
        post=statuses(302),
        target="view",
        post_data=lambda o: {"column": ["name", "email"], "next": "/"},
    ),  # fmt: skip
    # reports: anyone, for themselves; a private report is its owner's (each viewer of a
    # shared one sees only their own records: tests/analytics/test_report_pages.py)
    "report-list": Rule(get=ANYONE),
    "report-new": Rule(get=ANYONE, post=statuses(302), post_data=lambda o: REPORT_FORM),
    "report-detail": Rule(get=statuses(404, owner=200, admin=200)),
    "report-edit": Rule(
        get=statuses(404, owner=200, admin=200),
        post=statuses(404, owner=302, admin=None),
        post_data=lambda o: REPORT_FORM,
    ),
    "report-export": Rule(get=statuses(404, owner=403, admin=200)),  # reps may not export
    "report-schedule": Rule(
        get=statuses(404, owner=200, admin=200),
        post=statuses(404, owner=302, admin=None),
        post_data=lambda o: {
            "frequency": "weekly",
            "hour": "8",
            "weekday": "0",
            "day": "1",
            "recipients": [o["report"].owner_id],
        },
    ),  # fmt: skip
    "report-delete": Rule(get=None, post=statuses(404, owner=302, admin=None)),
    "report-run": Rule(get=statuses(404, owner=200)),  # a run is its viewer's alone
    # assignment rules: administrators
    "assignment-rule-list": Rule(get=ADMIN_ONLY),
    "assignment-rule-create": Rule(get=ADMIN_ONLY, post=ADMIN_POST, post_data=rule_form),
    "assignment-rule-edit": Rule(get=ADMIN_ONLY, post=ADMIN_POST, post_data=rule_form),
    "assignment-rule-delete": Rule(get=None, post=ADMIN_POST),
    # lead scoring: administrators
    "scoring-settings": Rule(get=ADMIN_ONLY, post=ADMIN_POST, post_data=lambda o: SCORING_FORM),
    "scoring-rule-edit": Rule(get=ADMIN_ONLY, post=ADMIN_POST, post_data=lambda o: SCORING_FORM),
    "scoring-rule-delete": Rule(get=None, post=ADMIN_POST),
    "scoring-train": Rule(get=None, post=ADMIN_POST),
    # targets: managers for their team, administrators for everyone
    # learning: the help centre and the tour for everyone; feedback: each their own, the
    # administrators everyone's (tests/learning/test_feedback.py)
    "help-index": Rule(get=ANYONE),
    "help-search": Rule(get=ANYONE, query="q=recycle"),
    "help-page": Rule(get=ANYONE),
    "tour-steps": Rule(get=ANYONE),
    "tour-seen": Rule(get=None, post=statuses(204), post_data=lambda o: {"finished": "1"}),
    "feedback-list": Rule(get=ANYONE),
    "feedback-create": Rule(
        get=ANYONE,
        post=statuses(302),
        post_data=lambda o: {"what": "走查反馈 walk feedback", "where": "/people/"},
    ),
    "feedback-detail": Rule(
        get=statuses(404, owner=200, admin=200),
        post=statuses(404, owner=403, admin=302),
        post_data=lambda o: {"status": "planned", "reply": "好的", "version": 1},
    ),
    # administrators only; the walk's world has customers, so the load is refused (a message)
    "sample-data-load": Rule(get=None, post=statuses(403, admin=302)),
    "sample-data-status": Rule(get=ADMIN_ONLY),
    # goals: everyone lists those they may see; the owner's goal is seen by those who see the
    # owner's records; managers set them for their team (administrators for everyone)
    # staff adoption: everyone, over the colleagues in their scope (a rep: themself), the
    # owner's quiet deal listed only to those who see it (tests/analytics/test_adoption_page.py)
    "adoption": Rule(get=ANYONE),
    # the ROI page: managers read it over what they see, administrators change its inputs
    "roi": Rule(
        get=statuses(403, manager=200, readonly=200, admin=200),
        post=statuses(403, admin=302),
        post_data=lambda o: {
            "hosting_monthly": "100",
            "staff_hours_monthly": "1",
            "hourly_rate": "50",
            "training_monthly": "0",
            "version": "1",
        },
    ),  # fmt: skip
    "goal-list": Rule(get=ANYONE),
    "goal-new": Rule(
        get=statuses(403, manager=200, admin=200),
        post=statuses(403, manager=302, admin=None),
        post_data=lambda o: {
            "metric": "revenue_won",
            "subject": f"user-{o['deal'].owner_id}",
            "period": "month",
            "start": "2027-03-01",
            "target": "5",
        },
    ),  # fmt: skip
    "goal-detail": Rule(get=READ),
    "goal-edit": Rule(
        get=statuses(403, teammate=404, outsider=404, manager=200, admin=200),
        post=statuses(403, teammate=404, outsider=404, manager=302, admin=None),
        post_data=lambda o: {
            "metric": "revenue_won",
            "subject": f"user-{o['deal'].owner_id}",
            "period": "month",
            "start": "2026-12-01",
            "target": "6",
        },
    ),  # fmt: skip
    "goal-delete": Rule(
        get=None, post=statuses(403, teammate=404, outsider=404, manager=302, admin=None)
    ),  # fmt: skip
    "goal-restore": Rule(get=None, post=statuses(404, manager=302, admin=None)),
    "sales-targets": Rule(
        get=statuses(403, manager=200, admin=200),
        post=statuses(403, manager=302, admin=None),
        post_data=lambda o: {"period": "2026-Q4", f"user-{o['deal'].owner_id}": "1000"},
    ),
}

# The API: "METHOD /path" as the OpenAPI schema lists it.
API_CHANGE_OWN = {"teammate": 404, "outsider": 404, "readonly": 403}
API_RULES: dict[str, Rule] = {
    # saved views: one's own (and the team's shared ones, tests/api/test_views.py)
    "GET /api/v1/views": Rule(get=ANYONE),
    "POST /api/v1/views": Rule(get=None, post=statuses(201)),
    "GET /api/v1/views/{view_id}": Rule(get=statuses(404, owner=200, admin=200)),
    "PATCH /api/v1/views/{view_id}": Rule(get=None, post=statuses(404, owner=200, admin=None)),
    "DELETE /api/v1/views/{view_id}": Rule(get=None, post=statuses(404, owner=204, admin=None)),
    # emails: read through their activity; sending needs an SMTP server (409 without one)
    "GET /api/v1/emails": Rule(get=ANYONE, shows=("sent_email",)),
    # feedback: each their own, administrators everyone's and answer it
    "GET /api/v1/feedback": Rule(get=ANYONE),
    "POST /api/v1/feedback": Rule(get=None, post=statuses(201)),
    "GET /api/v1/feedback/{feedback_id}": Rule(get=statuses(404, owner=200, admin=200)),
    "PATCH /api/v1/feedback/{feedback_id}": Rule(
        get=None, post=statuses(404, owner=403, admin=200)
    ),
    "POST /api/v1/emails": Rule(get=None, post={"teammate": 404, "outsider": 404, "readonly": 403}),
    # the review list, as its pages (tests/mail/test_review_api.py)
    "GET /api/v1/emails/review": Rule(get=CREATE, shows=("email_review",)),
    "GET /api/v1/emails/review/{email_id}": Rule(get=WRITE),
    "POST /api/v1/emails/review/{email_id}/link": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 200}
    ),
    "POST /api/v1/emails/review/{email_id}/person": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 201}
    ),
    "POST /api/v1/emails/review/{email_id}/ignore": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 200}
    ),
    "GET /api/v1/emails/{email_id}": Rule(get=READ, target="sent_email"),
    "POST /api/v1/emails/{email_id}/retry": Rule(get=None, post=SENDER_ONLY, target="sent_email"),
    "GET /api/v1/email-templates": Rule(get=ANYONE),
    "POST /api/v1/email-templates": Rule(get=None, post=statuses(403, admin=201)),
    "GET /api/v1/email-templates/{template_id}": Rule(get=ANYONE, target="email_template"),
    "PATCH /api/v1/email-templates/{template_id}": Rule(
        get=None, post=statuses(403, admin=200), target="email_template"
    ),
    "DELETE /api/v1/email-templates/{template_id}": Rule(
        get=None, post=statuses(403, admin=204), target="email_template"
    ),
    # a bulk action: rows the caller may not change are skipped and counted (200 for all);
    # a job is read only by whoever started it
    "POST /api/v1/bulk": Rule(get=None, post=statuses(200)),
    "GET /api/v1/bulk/{job_id}": Rule(get=statuses(404, owner=200)),
    "GET /api/v1/people": Rule(get=ANYONE, shows=("person",), query="q=simaxiangru"),
    "GET /api/v1/search": Rule(get=ANYONE, shows=("person",), query="q=simaxiangru"),
    "POST /api/v1/people": Rule(get=None, post={"readonly": 403, "outsider": 201}),
    "GET /api/v1/people/{person_id}": Rule(get=READ),
    "PATCH /api/v1/people/{person_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "DELETE /api/v1/people/{person_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 204}),
    "POST /api/v1/people/{person_id}/restore": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 200}
    ),
    "GET /api/v1/companies": Rule(get=ANYONE, shows=("company",), query="q=qingyun"),
    "POST /api/v1/companies": Rule(get=None, post={"readonly": 403, "outsider": 201}),
    "GET /api/v1/companies/{company_id}": Rule(get=READ),
    "PATCH /api/v1/companies/{company_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "DELETE /api/v1/companies/{company_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 204}),
    "POST /api/v1/companies/{company_id}/restore": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 200}
    ),
    "GET /api/v1/tags": Rule(get=ANYONE),
    "GET /api/v1/tags/{tag_id}": Rule(get=ANYONE),
    "GET /api/v1/custom-fields": Rule(get=ANYONE),
    "GET /api/v1/custom-fields/{field_id}": Rule(get=ANYONE),
    "POST /api/v1/custom-fields": Rule(get=None, post=statuses(403, admin=201)),
    "PATCH /api/v1/custom-fields/{field_id}": Rule(get=None, post=statuses(403, admin=200)),
    "DELETE /api/v1/custom-fields/{field_id}": Rule(get=None, post=statuses(403, admin=204)),
    # the company directory: everyone signed in may read it
    "GET /api/v1/users": Rule(get=ANYONE),
    "GET /api/v1/users/{user_id}": Rule(get=ANYONE),
    "GET /api/v1/teams": Rule(get=ANYONE),
    "GET /api/v1/teams/{team_id}": Rule(get=ANYONE),
    "GET /api/v1/pipelines": Rule(get=ANYONE),
    "GET /api/v1/pipelines/{pipeline_id}": Rule(get=ANYONE),
    # everyone in sales reads the lost reasons; administrators keep the list
    "GET /api/v1/lost-reasons": Rule(get=ANYONE),
    "GET /api/v1/lost-reasons/{reason_id}": Rule(get=ANYONE),
    "POST /api/v1/lost-reasons": Rule(get=None, post=statuses(403, admin=201)),
    "PATCH /api/v1/lost-reasons/{reason_id}": Rule(get=None, post=statuses(403, admin=200)),
    "GET /api/v1/exchange-rates": Rule(get=ANYONE),
    "GET /api/v1/deals": Rule(get=ANYONE, shows=("deal",), query="q=jingmi"),
    "POST /api/v1/deals": Rule(get=None, post={"readonly": 403, "outsider": 201}),
    "GET /api/v1/deals/{deal_id}": Rule(get=READ),
    "PATCH /api/v1/deals/{deal_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "DELETE /api/v1/deals/{deal_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 204}),
    "POST /api/v1/deals/{deal_id}/restore": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "POST /api/v1/deals/{deal_id}/move": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "POST /api/v1/deals/{deal_id}/contacts": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "DELETE /api/v1/deals/{deal_id}/contacts/{person_id}": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 204}, target="deal_with_contact"
    ),
    "GET /api/v1/forecast": Rule(get=ANYONE),
    "GET /api/v1/reports": Rule(get=ANYONE),
    "POST /api/v1/reports": Rule(get=None, post=statuses(201)),
    "GET /api/v1/reports/{report_id}": Rule(get=statuses(404, owner=200, admin=200)),
    "GET /api/v1/reports/{report_id}/run": Rule(get=statuses(404, owner=200, admin=200)),
    "PATCH /api/v1/reports/{report_id}": Rule(get=None, post=statuses(404, owner=200, admin=None)),
    "DELETE /api/v1/reports/{report_id}": Rule(get=None, post=statuses(404, owner=204, admin=None)),
    # the metric catalogue: everyone reads it; a value counts only the records one may see
    # (the open pipeline holds the owner's deal amount, which the walk looks for)
    "GET /api/v1/metrics": Rule(get=ANYONE),
    # the caller's own dashboard, over what they may see
    "GET /api/v1/dashboards": Rule(get=ANYONE),
    "GET /api/v1/metrics/{key}": Rule(get=ANYONE, target="metric", query="group_by=stage"),
    "GET /api/v1/leads": Rule(get=ANYONE, shows=("lead",), query="q=ouyang"),
    "POST /api/v1/web-leads": Rule(get=None, post={"owner": 201}, anonymous=201),
    "POST /api/v1/leads": Rule(get=None, post={"readonly": 403, "outsider": 201}),
    "GET /api/v1/leads/{lead_id}": Rule(get=READ),
    "PATCH /api/v1/leads/{lead_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "DELETE /api/v1/leads/{lead_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 204}),
    "POST /api/v1/leads/{lead_id}/restore": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "POST /api/v1/leads/{lead_id}/convert": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "GET /api/v1/tickets": Rule(get=ANYONE, shows=("ticket",), query="queue=all"),
    "POST /api/v1/tickets": Rule(get=None, post={"readonly": 403, "manager": 201}),
    "GET /api/v1/tickets/{ticket_id}": Rule(get=READ),
    "PATCH /api/v1/tickets/{ticket_id}": Rule(get=None, post={**API_TICKET_CHANGE, "manager": 200}),
    "DELETE /api/v1/tickets/{ticket_id}": Rule(
        get=None, post={**API_TICKET_CHANGE, "manager": 204}
    ),
    "POST /api/v1/tickets/{ticket_id}/restore": Rule(
        get=None, post={**API_TICKET_CHANGE, "manager": 200}
    ),
    "GET /api/v1/tickets/{ticket_id}/replies": Rule(get=READ),
    "POST /api/v1/tickets/{ticket_id}/replies": Rule(
        get=None, post={**API_TICKET_CHANGE, "manager": 201}
    ),
    "GET /api/v1/tickets/{ticket_id}/notes": Rule(get=READ),
    "POST /api/v1/tickets/{ticket_id}/notes": Rule(
        get=None, post={**API_TICKET_CHANGE, "manager": 201}
    ),
    "GET /api/v1/ticket-categories": Rule(get=ANYONE),
    "GET /api/v1/surveys": Rule(get=ANYONE),
    "GET /api/v1/surveys/{survey_id}": Rule(get=ANYONE),
    "POST /api/v1/surveys": Rule(get=None, post=statuses(403, admin=201)),
    "PATCH /api/v1/surveys/{survey_id}": Rule(get=None, post=statuses(403, admin=200)),
    # a survey response is seen by whoever sees its ticket
    "GET /api/v1/survey-responses": Rule(get=ANYONE, shows=("survey_response",)),
    "GET /api/v1/survey-responses/{response_id}": Rule(get=READ),
    "GET /api/v1/sla-policies": Rule(get=ANYONE),
    "GET /api/v1/sla-policies/{policy_id}": Rule(get=ANYONE),
    "POST /api/v1/sla-policies": Rule(get=None, post=statuses(403, admin=201)),
    "PATCH /api/v1/sla-policies/{policy_id}": Rule(get=None, post=statuses(403, admin=200)),
    "GET /api/v1/ticket-categories/{category_id}": Rule(get=ANYONE),
    "POST /api/v1/ticket-categories": Rule(get=None, post=statuses(403, admin=201)),
    "PATCH /api/v1/ticket-categories/{category_id}": Rule(get=None, post=statuses(403, admin=200)),
    "GET /api/v1/kb/articles": Rule(get=ANYONE),
    "POST /api/v1/kb/articles": Rule(get=None, post={**KB_REFUSED, "manager": 201}),
    "GET /api/v1/kb/articles/{article_id}": Rule(get=KB_EDITORS),
    "PATCH /api/v1/kb/articles/{article_id}": Rule(get=None, post={**KB_HIDDEN, "manager": 200}),
    # an agent says an article went into a reply: to a ticket they work (the walk's article)
    "POST /api/v1/kb/articles/{article_id}/uses": Rule(
        get=None,
        post={"owner": 403, "teammate": 404, "outsider": 404, "readonly": 403, "manager": 201},
        target="kb_article",
    ),
    "GET /api/v1/kb/public/articles": Rule(get=ANYONE, anonymous=200),
    "GET /api/v1/kb/public/articles/{article_id}": Rule(get=ANYONE, anonymous=200),
    "GET /api/v1/targets": Rule(get=statuses(403, manager=200, admin=200)),
    # staff adoption: everyone, over the colleagues in their scope; the ROI page's numbers:
    # managers and administrators read them, administrators change the inputs
    "GET /api/v1/adoption": Rule(get=ANYONE),
    "GET /api/v1/roi": Rule(get=statuses(403, manager=200, readonly=200, admin=200)),
    "PUT /api/v1/roi": Rule(get=None, post=statuses(403, admin=200)),
    "GET /api/v1/goals": Rule(get=ANYONE),
    "POST /api/v1/goals": Rule(get=None, post=statuses(403, manager=201, admin=None)),
    "GET /api/v1/goals/{goal_id}": Rule(get=READ),
    "PATCH /api/v1/goals/{goal_id}": Rule(
        get=None, post=statuses(403, teammate=404, outsider=404, manager=200, admin=None)
    ),
    "DELETE /api/v1/goals/{goal_id}": Rule(
        get=None, post=statuses(403, teammate=404, outsider=404, manager=204, admin=None)
    ),
    "POST /api/v1/goals/{goal_id}/restore": Rule(
        get=None, post=statuses(404, manager=200, admin=None)
    ),
    "GET /api/v1/activities": Rule(get=ANYONE, shows=("activity",), query="kind=task"),
    # logging on a record needs only read access to it
    # a record the writer cannot see is a 422 on record_id (as a hidden company is elsewhere)
    "POST /api/v1/activities": Rule(
        get=None, post={"teammate": 422, "outsider": 422, "readonly": 201, "owner": 201}
    ),
    "GET /api/v1/activities/{activity_id}": Rule(get=READ),
    "PATCH /api/v1/activities/{activity_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "DELETE /api/v1/activities/{activity_id}": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 204}
    ),
    "POST /api/v1/activities/{activity_id}/restore": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 200}
    ),
    "POST /api/v1/activities/{activity_id}/done": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 200}
    ),
    "GET /api/v1/activities/{activity_id}/answers": Rule(get=READ),
    "GET /api/v1/timeline/{record_type}/{record_id}": Rule(get=READ, target="person"),
    "GET /api/v1/notifications": Rule(get=ANYONE),
    "POST /api/v1/notifications/read": Rule(get=None, post=statuses(200)),
    "GET /api/v1/products": Rule(get=ANYONE),
    "POST /api/v1/products": Rule(get=None, post=statuses(403, admin=201)),
    "GET /api/v1/products/{product_id}": Rule(get=ANYONE),
    "PATCH /api/v1/products/{product_id}": Rule(get=None, post=statuses(403, admin=200)),
    "GET /api/v1/products/{product_id}/price": Rule(get=ANYONE),
    "GET /api/v1/price-lists": Rule(get=ANYONE),
    "POST /api/v1/price-lists": Rule(get=None, post=statuses(403, admin=201)),
    "GET /api/v1/price-lists/{price_list_id}": Rule(get=ANYONE),
    "PATCH /api/v1/price-lists/{price_list_id}": Rule(get=None, post=statuses(403, admin=200)),
    "GET /api/v1/quotes": Rule(get=ANYONE, shows=("quote",)),
    "POST /api/v1/quotes": Rule(get=None, post={"readonly": 403, "outsider": 201}),
    "GET /api/v1/quotes/{quote_id}": Rule(get=READ),
    "PATCH /api/v1/quotes/{quote_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "DELETE /api/v1/quotes/{quote_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 204}),
    "POST /api/v1/quotes/{quote_id}/restore": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "POST /api/v1/quotes/{quote_id}/send": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "POST /api/v1/quotes/{quote_id}/accept": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "POST /api/v1/quotes/{quote_id}/reject": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "POST /api/v1/quotes/{quote_id}/revise": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 201}, target="sent_quote"
    ),
    "GET /api/v1/quotes/{quote_id}/pdf": Rule(get=READ),
    "GET /api/v1/orders": Rule(get=ANYONE, shows=("order",)),
    "GET /api/v1/orders/{order_id}": Rule(get=READ),
    "PATCH /api/v1/orders/{order_id}": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "POST /api/v1/targets": Rule(get=None, post=statuses(403, manager=200, admin=None)),
    "GET /api/v1/duplicates": Rule(get=ANYONE),
    "GET /api/v1/duplicates/check": Rule(get=ANYONE, query="phone=13800138111&name=x"),
    "GET /api/v1/duplicates/scan": Rule(get=ANYONE),
    "POST /api/v1/duplicates/scan": Rule(get=None, post=statuses(403, admin=202)),
    "POST /api/v1/duplicates/{pair_id}/dismiss": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 200}, target="dup_pair"
    ),
    "POST /api/v1/people/merge": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "POST /api/v1/companies/merge": Rule(get=None, post={**API_CHANGE_OWN, "owner": 200}),
    "POST /api/v1/people/merges/{merge_id}/undo": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 200}, target="person_merge"
    ),
    "POST /api/v1/companies/merges/{merge_id}/undo": Rule(
        get=None, post={**API_CHANGE_OWN, "owner": 200}, target="company_merge"
    ),
}
# What a write sends: enough to succeed when allowed (the refusal must come first).
API_BODIES = {
    "/api/v1/emails": lambda o: {"person_id": o["person"].pk, "subject": "走查", "body": "正文"},
    "/api/v1/emails/{email_id}/retry": {},
    "/api/v1/emails/review/{email_id}/link": lambda o: {"person_id": o["person"].pk},
    "/api/v1/emails/review/{email_id}/person": {"name": "走查新人", "email": "n@walk.example"},
    "/api/v1/emails/review/{email_id}/ignore": {},
    "/api/v1/email-templates": {
        "name": "新模板 New template",
        "subject": "{{ person.name }}",
        "body": "正文",
    },
    "/api/v1/email-templates/{template_id}": {"subject": "改过的主题 Changed"},
    "/api/v1/custom-fields": {
        "entity": "person",
        "key": "wechat2",
        "label": "WeChat 2",
        "type": "text",
    },
    "/api/v1/custom-fields/{field_id}": {"label": "WeChat ID"},
    "/api/v1/deals/{deal_id}/move": lambda objects: {"stage_id": stage("Proposal").pk},
    "/api/v1/lost-reasons": {"name": "走查原因 Walk reason"},
    "/api/v1/tickets": lambda o: {"subject": "走查新工单", "requester_id": o["person"].pk},
    "/api/v1/tickets/{ticket_id}": {"subject": "改过的工单 Changed"},
    "/api/v1/tickets/{ticket_id}/replies": {"body": "走查回复 walk reply"},
    "/api/v1/tickets/{ticket_id}/notes": {"body": "走查备注 walk note"},
    "/api/v1/ticket-categories": {"name": "走查分类 Walk category"},
    "/api/v1/surveys": {"name": "走查 NPS Walk survey"},
    "/api/v1/surveys/{survey_id}": {"name": "改过的调查 Changed"},
    "/api/v1/sla-policies": {
        "name": "走查 SLA",
        "first_response_minutes": 60,
        "resolution_minutes": 480,
    },
    "/api/v1/sla-policies/{policy_id}": {"name": "改过的 SLA Changed"},
    "/api/v1/ticket-categories/{category_id}": {"name": "改过的分类 Changed"},
    "/api/v1/kb/articles": {"title": "走查文章 Walk article", "body": "正文"},
    "/api/v1/kb/articles/{article_id}": {"body": "改过的正文 Changed"},
    "/api/v1/kb/articles/{article_id}/uses": lambda o: {"ticket_id": o["ticket"].pk},
    "/api/v1/leads/{lead_id}/convert": {"make_deal": True},
    "/api/v1/deals/{deal_id}/contacts": lambda o: {"person_id": o["person"].pk, "role": "用户"},
    "/api/v1/web-leads": {"name": "网上来的 Web visitor", "email": "visitor@example.com"},
    "/api/v1/goals": lambda o: {
        "metric": "revenue_won",
        "user_id": o["deal"].owner_id,
        "period": "month",
        "start": "2027-04-01",
        "target": "5",
    },
    "/api/v1/goals/{goal_id}": {"target": "7"},
    "/api/v1/targets": lambda o: {"period": "2026-Q4", "user_id": o["deal"].owner_id, "amount": 1},
    "/api/v1/products": {"sku": "NEW-1", "name": "新产品 New product", "price": "10"},
    "/api/v1/products/{product_id}": {"price": "1.50"},
    "/api/v1/price-lists": {"name": "新价目表 New prices", "currency": "CNY"},
    "/api/v1/price-lists/{price_list_id}": {"active": False},
    "/api/v1/quotes": {"title": "新报价 New quote"},
    "/api/v1/quotes/{quote_id}": {"title": "改过的报价 Changed quote"},
    "/api/v1/quotes/{quote_id}/send": {},
    "/api/v1/quotes/{quote_id}/accept": {"note": "签字"},
    "/api/v1/quotes/{quote_id}/reject": {"note": "太贵"},
    "/api/v1/quotes/{quote_id}/revise": {},
    "/api/v1/orders/{order_id}": {"status": "fulfilled"},
    "/api/v1/notifications/read": {},
    "/api/v1/activities": lambda o: {
        "kind": "call",
        "record_type": "person",
        "record_id": o["person"].pk,
        "subject": "走查电话",
    },
    "/api/v1/activities/{activity_id}": {"subject": "改过的任务 Changed task"},
    "/api/v1/activities/{activity_id}/done": {"done": True},
}
API_BODIES["/api/v1/people/merge"] = lambda o: {
    "survivor_id": o["person"].pk, "other_ids": [o["twin"].pk]
}  # fmt: skip
API_BODIES["/api/v1/companies/merge"] = lambda o: {
    "survivor_id": o["company"].pk, "other_ids": [o["company_twin"].pk]
}  # fmt: skip
API_BODIES["/api/v1/duplicates/{pair_id}/dismiss"] = {}
API_BODIES["/api/v1/people/merges/{merge_id}/undo"] = {}
API_BODIES["/api/v1/companies/merges/{merge_id}/undo"] = {}
API_BODIES["/api/v1/duplicates/scan"] = {}
API_BODIES["/api/v1/bulk"] = lambda o: {"type": "person", "action": "add_tag", "value": "走查",
                                        "ids": [o["person"].pk]}  # fmt: skip
API_BODIES["/api/v1/roi"] = {"hosting_monthly": "100", "staff_hours_monthly": "2",
                             "hourly_rate": "80", "training_monthly": "0"}  # fmt: skip
API_BODIES["/api/v1/feedback"] = {"what": "走查反馈 walk feedback", "where": "/deals/"}
API_BODIES["/api/v1/feedback/{feedback_id}"] = {"status": "planned", "reply": "好的"}
API_BODIES["/api/v1/views"] = {"list": "person", "name": "走查视图 Walk view"}
API_BODIES["/api/v1/reports"] = {"name": "走查报表 Walk report",
                                 "definition": {"record_type": "person"}}  # fmt: skip
REPORT_FORM = {"record_type": "person", "g1": "owner", "measure": "count", "chart": "bar",
               "name": "走查报表 Walk report", "sharing": "private"}  # fmt: skip
DEFAULT_API_BODY = {"name": "改过的名字 Changed"}


UI_POST_DATA = {"name": "改过的名字 Changed", "body": "a note 一条备注", "next": "/"}

PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")
# The owner's records, as they would show up in a page or export.
PERSON_NAME, PERSON_EMAIL = "司马相如", "sima.xiangru@qingyun.example"
COMPANY_NAME, COMPANY_EMAIL = "青云秘阁科技有限公司", "contact@qingyun.example"
BINNED_PERSON_NAME, BINNED_COMPANY_NAME = "诸葛孔明", "长孙无忌贸易行"
NOTE_BODY = "机密备注 owner-only note"
ACTIVITY_SUBJECT = "机密任务 owner-only task"
BINNED_ACTIVITY_SUBJECT = "走查删掉的电话 binned call"
SENT_EMAIL_SUBJECT = "机密邮件 owner-only email"
REVIEW_EMAIL_SUBJECT = "待审邮件 owner-only mail to review"
DEAL_NAME, BINNED_DEAL_NAME = "精密仪器采购 Jingmi order", "旧的框架协议 old frame deal"
LEAD_NAME, BINNED_LEAD_NAME = "欧阳修 Ouyang Xiu", "上官婉儿 Shangguan"
NOTIFICATION_TEXT = "只给主人看的提醒 owner-only notification"
VIEW_NAME = "机密视图 owner-only view"
REPORT_NAME = "机密报表 owner-only report"
QUOTE_TITLE, BINNED_QUOTE_TITLE = "机密报价 Secret quote", "作废的报价 Binned quote"
FEEDBACK_TEXT = "只给管理员看的反馈 owner's feedback"
TICKET_SUBJECT = "机密工单 the owner ticket"
SURVEY_COMMENT = "机密评价 the owner's survey comment"
BINNED_TICKET_SUBJECT = "走查删掉的工单 binned ticket"
PORTAL_TICKET_SUBJECT = "走查门户工单 portal ticket"
KB_ARTICLE_TITLE = "走查帮助文章 walk help article"
KB_DRAFT_TITLE = "未发布的草稿 unpublished kb draft"
KB_FORM = {"body": "走查正文 walk body", "language": "zh-hans", "visibility": "internal",
           "status": "draft", "category": ""}  # fmt: skip


# ---------------------------------------------------------------- enumeration


def ui_routes() -> list[tuple[str, str]]:
    """(name, path pattern) of every UI route; the API is walked from its schema instead."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            pattern = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, pattern)
            elif isinstance(entry, URLPattern) and not pattern.startswith("api/v1/"):
                found.append((entry.name or f"(unnamed) {pattern}", pattern))

    walk(get_resolver().url_patterns, "")
    return found


def api_routes() -> list[str]:
    from kehu.api import api

    schema = api.get_openapi_schema()
    return [
        f"{method.upper()} {path.rstrip('/') if path != '/' else path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def target_kind(route_name: str, pattern: str, rule: Rule) -> str | None:
    if not PARAM.search(pattern):
        return None
    if rule.target:
        return rule.target
    kind = None
    for prefix in sorted(TARGET_BY_PREFIX, key=len, reverse=True):
        bare = pattern.split(" ", 1)[-1]
        if bare.startswith(prefix) or bare.startswith(prefix.rstrip("/") + "/"):
            kind = TARGET_BY_PREFIX[prefix]
            break
    if kind and (route_name.endswith("-restore") or pattern.endswith("/restore")):
        kind = f"binned_{kind}"
    return kind


# ---------------------------------------------------------------- the world the walk runs in


def _walk_survey(ticket):
    """A CSAT survey and the answer of the walk ticket's requester (its owner: the ticket's)."""
    from kehu.service.surveys.models import Survey, SurveyResponse
    from kehu.service.surveys.services import make_token

    survey = Survey.objects.create(kind="csat", name="走查 CSAT")
    response = SurveyResponse.objects.create(
        survey=survey, kind="csat", ticket=ticket, person=ticket.requester,
        owner_id=ticket.owner_id or ticket.created_by_id, team_id=ticket.team_id,
        email=ticket.requester.email, mail_status="sent", answered_at=timezone.now(), score=2,
        comment=SURVEY_COMMENT,
    )  # fmt: skip
    # the link of an NPS answer given without a comment yet: a visit shows it, a POST adds it
    link = SurveyResponse.objects.create(
        survey=Survey.objects.create(kind="nps", name="走查 NPS"), kind="nps",
        person=ticket.requester, owner_id=ticket.requester.owner_id, email="walk@example.com",
        mail_status="sent", answered_at=timezone.now(), score=9,
    )  # fmt: skip
    link.walk_token = make_token(link, 9)
    return survey, response, link


@pytest.fixture
def world(db, rep, teammate, manager, outsider, admin_user, team_b, tmp_path, settings):
    settings.IMPORT_DIR = tmp_path / "imports"
    readonly = make_user("readonly", role="Read-only", team=team_b)
    users = {
        "owner": rep,
        "teammate": teammate,
        "manager": manager,
        "outsider": outsider,
        "readonly": readonly,
        "admin": admin_user,
    }
    company = make_company(rep, COMPANY_NAME, email=COMPANY_EMAIL, city="成都")
    person = make_person(
        rep, PERSON_NAME, email=PERSON_EMAIL, phone="13800138111", company=company.pk
    )
    binned_person = make_person(rep, BINNED_PERSON_NAME)
    services.delete_person(rep, binned_person)
    binned_company = make_company(rep, BINNED_COMPANY_NAME)
    services.delete_company(rep, binned_company)
    note = add_note(rep, person, NOTE_BODY)
    # the parameters of the activity-log and timeline routes
    person.walk_target = person.walk_record_type = "person"
    person.walk_kind, person.walk_record_id = "note", person.pk
    activity = log_activity(rep, person, "task", {"subject": ACTIVITY_SUBJECT})
    binned_activity = log_activity(rep, person, "call", {"subject": BINNED_ACTIVITY_SUBJECT})
    delete_activity(rep, binned_activity)
    deal = make_deal(
        rep, DEAL_NAME, company=company.pk, amount="7654321", expected_close=timezone.localdate()
    )
    binned_deal = make_deal(rep, BINNED_DEAL_NAME)
    deal_with_contact = make_deal(rep, "带联系人的商机", company=company.pk)
    sales_services.set_contact(rep, deal_with_contact, person, "决策人")
    deal_with_contact.walk_person_id = person.pk
    sales_services.delete_deal(rep, binned_deal)
    sales_services.set_exchange_rate(admin_user, "USD", "7.1")
    lead = leads.create_lead(
        rep, {"name": LEAD_NAME, "company_name": "欧阳书院", "status": "qualified"}
    )
    binned_lead = leads.create_lead(rep, {"name": BINNED_LEAD_NAME})
    leads.delete_lead(rep, binned_lead)
    product = catalog.save_product(
        admin_user, None, {"sku": "WALK-P", "name": "走查 Walk", "price": "100", "tax_rate": "13"}
    )
    catalog.save_price_list(admin_user, None, {"name": "Walk list", "currency": "CNY"}, [])
    lines = [{"product": product.pk, "quantity": "2", "discount_percent": "5"}]
    quote = quotes.create_quote(rep, {"title": QUOTE_TITLE, "deal": deal.pk, "lines": lines})
    sent_quote = quotes.send_quote(rep, quotes.create_quote(rep, {"title": QUOTE_TITLE,
                                                                   "lines": lines}))  # fmt: skip
    accepted = quotes.accept_quote(rep, quotes.create_quote(rep, {"title": QUOTE_TITLE,
                                                                  "lines": lines}))  # fmt: skip
    binned_quote = quotes.create_quote(rep, {"title": BINNED_QUOTE_TITLE, "lines": lines})
    quotes.delete_quote(rep, binned_quote)
    notification = notify(rep, "walk", NOTIFICATION_TEXT, "/")
    for persona, user in users.items():
        if persona != "owner":
            notify(user, "walk", f"给 {persona} 的提醒", "/")
    rule = assignment.save_rule(
        admin_user, None, {"name": "Walk", "entity": "lead", "method": "user", "user": rep.pk}, []
    )
    ticket_category = ticket_categories.create_category(admin_user, {"name": "走查 Walk"})
    ticket = ticket_services.create_ticket(
        rep, {"subject": TICKET_SUBJECT, "requester": person, "team": rep.team}
    )
    binned_ticket = ticket_services.create_ticket(
        rep, {"subject": BINNED_TICKET_SUBJECT, "requester": person, "team": rep.team}
    )
    ticket_services.delete_ticket(admin_user, binned_ticket)
    portal_ticket = ticket_services.open_customer_ticket(
        person, PORTAL_TICKET_SUBJECT, "走查门户 walk portal", "email", team=rep.team
    )
    portal_ticket.walk_token = portal_services.portal_token(portal_ticket)
    ticket.walk_attachment_pk = TicketAttachment.objects.create(
        ticket=ticket, filename="walk.txt", size=4, file=ContentFile(b"walk", name="walk.txt")
    ).pk
    support_mailbox = support_mailboxes.create_mailbox(
        admin_user,
        {"name": "走查 Walk desk", "address": "walk-desk@kehu.example", "imap_host": "127.0.0.1",
         "imap_port": 9, "imap_security": "none", "imap_user": "walk", "imap_password": "secret",
         "imap_folder": "INBOX", "person_owner": admin_user, "acknowledge": True, "active": True},
    )  # fmt: skip
    macro = macro_services.save_macro(
        admin_user, None, {"name": "走查宏 Walk macro", "body": "您好 {{ person.name }}"}
    )
    ticket.walk_macro_id = macro.pk
    survey, survey_response, survey_link = _walk_survey(ticket)
    kb_article = kb_services.create_article(admin_user, {"title": KB_ARTICLE_TITLE,
                                                         "visibility": "public",
                                                         "status": "published"})  # fmt: skip
    kb_draft = kb_services.create_article(admin_user, {"title": KB_DRAFT_TITLE, "body": "草稿"})
    scoring_rule = scoring.save_rule(admin_user, None, {"name": "Web", "field": "source",
                                                        "op": "equals", "value": "web",
                                                        "points": 5})  # fmt: skip
    token, _secret = ApiToken.issue(rep, "the owner's token")
    # the owner asked to change their email address; the link mailed to the new one
    email_change = EmailChange.objects.create(
        user=rep, new_email="owner.new@walk.example", nonce="walk-nonce"
    )
    email_change.walk_token = confirmation_url(email_change).rstrip("/").rsplit("/", 1)[1]
    # an email the owner sent their person, which the mail server refused (with an attachment)
    email_activity = log_activity(rep, person, "email", {"subject": SENT_EMAIL_SUBJECT})
    sent_email = EmailMessage.objects.create(
        activity=email_activity, owner=rep, direction="out", status="failed",
        error="SMTPServerDisconnected", message_id="<walk@kehu.example>",
        thread_key="<walk@kehu.example>", to=[PERSON_EMAIL], subject=SENT_EMAIL_SUBJECT,
        text="正文",
    )  # fmt: skip
    email_template = save_template(
        admin_user, None, {"name": "走查模板 Walk template", "subject": "您好", "body": "正文"}
    )
    email_attachment = EmailAttachment.objects.create(
        message=sent_email, filename="walk.txt", size=4,
        file=ContentFile(b"walk", name="walk.txt"),
    )  # fmt: skip
    field = field_services.create_field(
        admin_user, {"entity": "person", "key": "wechat", "label": "WeChat", "type": "text"}
    )
    inactive_field = field_services.create_field(
        admin_user, {"entity": "company", "key": "old", "label": "Old", "type": "text"}
    )
    field_services.deactivate_field(admin_user, inactive_field)
    target_user = make_user("someone", team=make_team("Team C"))
    inactive_user = make_user("gone", is_active=False)
    locked_user = make_user("locked", locked_until=timezone.now() + datetime.timedelta(hours=1))
    # a likely duplicate of the owner's person, and two merges the owner can undo
    twin = make_person(rep, "司马长卿", phone="13800138111")
    company_twin = make_company(rep, "青云秘阁科技股份有限公司")
    dup_pair = DuplicatePair.objects.create(
        kind="person", person_a=person, person_b=twin, score=85, reasons=["same_phone"]
    )
    merged_people = [make_person(rep, "合并留下 kept"), make_person(rep, "合并并入 merged")]
    person_merge = merging.merge("person", rep, merged_people[0].pk, [merged_people[1].pk])
    merged_companies = [make_company(rep, "合并留下公司"), make_company(rep, "合并并入公司")]
    company_merge = merging.merge("company", rep, merged_companies[0].pk, [merged_companies[1].pk])
    help_page = Tag.objects.create(name="walk help page")  # any row: it only names the page
    help_page.walk_slug = "getting-started"
    metric = Tag.objects.create(name="walk metric")  # any row: it only names the metric
    metric.walk_key = "pipeline_value"
    saved_view = view_services.create_view(
        rep,
        {
            "list": "person",
            "name": VIEW_NAME,
            "condition": {"field": "city", "op": "eq", "value": "成都"},
        },
    )
    saved_view.walk_list_key = "person"
    goal = goal_services.create_goal(manager, {"metric": "revenue_won", "user": rep,
                                               "period": "month", "start": "2026-12-01",
                                               "target": "100"})  # fmt: skip
    binned_goal = goal_services.create_goal(manager, {"metric": "deals_won", "user": rep,
                                                      "period": "month", "start": "2026-12-01",
                                                      "target": "3"})  # fmt: skip
    goal_services.delete_goal(manager, binned_goal)
    report = report_services.create_report(
        rep, {"name": REPORT_NAME, "definition": {"record_type": "person", "group_by": ["owner"],
                                                  "chart": "table"}})  # fmt: skip
    report_run = ReportRun.objects.create(viewer=rep, report=report,
                                          definition=report.definition, status="done",
                                          result=None)  # fmt: skip
    objects = {
        "person": person,
        "metric": metric,
        "twin": twin,
        "company_twin": company_twin,
        "dup_pair": dup_pair,
        "person_merge": person_merge,
        "company_merge": company_merge,
        "company": company,
        "binned_person": binned_person,
        "binned_company": binned_company,
        "note": note,
        "activity": activity,
        "binned_activity": binned_activity,
        "token": token,
        "email_change": email_change,
        "import": make_import_job(rep),
        "failed_import": make_import_job(rep, status="failed", processed=1, message="disk full"),
        "user": target_user,
        "inactive_user": inactive_user,
        "locked_user": locked_user,
        "team": Team.objects.get(name="Team A"),
        "role": Role.objects.get(name="Sales rep"),
        "customfield": field,
        "inactive_customfield": inactive_field,
        "tag": Tag.objects.create(name="VIP"),
        "deal": deal,
        "deal_amount": deal,  # the forecast and the board totals show it, not the name
        "deal_with_contact": deal_with_contact,
        "binned_deal": binned_deal,
        "lead": lead,
        "binned_lead": binned_lead,
        "pipeline": Pipeline.objects.get(),
        "product": product,
        "price_list": PriceList.objects.get(),
        "quote": quote,
        "sent_quote": sent_quote,
        "binned_quote": binned_quote,
        "order": Order.objects.get(quote=accepted),
        "notification": notification,
        "assignment_rule": rule,
        "scoring_rule": scoring_rule,
        "lost_reason": LostReason.objects.get(key="price"),
        "sent_email": sent_email,
        "email_attachment": email_attachment,
        # mail from someone unknown, uploaded by the owner: it waits in the review list
        "email_review": mail_receive.receive(
            walk_email("stranger@unknown.example", REVIEW_EMAIL_SUBJECT, "<review@walk>"),
            owner=rep,
            source="upload",
        ).message,
        "email_template": email_template,
        "bulk_job": BulkJob.objects.create(user=rep, kind="person", action="add_tag", value="x",
                                           ids=[person.pk], total=1, status="done"),
        "bulk_delete_job": BulkJob.objects.create(
            user=rep, kind="person", action="delete", ids=[binned_person.pk], total=1,
            changed=1, changed_ids=[binned_person.pk], status="done",
        ),
        "feedback": feedback.create_feedback(rep, {"what": FEEDBACK_TEXT, "where": "/people/"}),
        "sample_load": SampleDataLoad.objects.create(started_by=admin_user, state="done"),
        "help_page": help_page,
        "view": saved_view,
        "goal": goal,
        "binned_goal": binned_goal,
        "report": report,
        "report_run": report_run,
        "ticket": ticket,
        "survey": survey,
        "survey_response": survey_response,
        "survey_link": survey_link,
        "binned_ticket": binned_ticket,
        "portal_ticket": portal_ticket,
        "ticket_category": ticket_category,
        "support_mailbox": support_mailbox,
        "macro": macro,
        "sla_policy": sla_services.save_policy(admin_user, None, {
            "name": "Walk SLA", "first_response_minutes": 60, "resolution_minutes": 480}),
        "sla_calendar": sla_services.save_calendar(admin_user, None, {
            "name": "Walk calendar", "time_zone": "Asia/Shanghai"}),
        "kb_article": kb_article,
        "kb_draft": kb_draft,
    }  # fmt: skip
    return users, objects


def make_import_job(user, **state) -> ImportJob:
    """An uploaded CSV as the upload step leaves it (waiting for its column mapping)."""
    folder = Path(django_settings.IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"walk-{user.pk}-{ImportJob.objects.count()}.csv"
    (folder / stored).write_text("姓名,邮箱\n王小明,wang@example.com\n", encoding="utf-8")
    info = import_files.inspect_file(folder / stored, "csv")
    return ImportJob.objects.create(
        user=user,
        entity="person",
        original_name="people.csv",
        stored_name=stored,
        format="csv",
        size=(folder / stored).stat().st_size,
        mapping=import_mapping.guess_mapping(info["headers"], "person", []),
        **info,
        **state,
    )


MARKERS = {
    "view": lambda o: [VIEW_NAME],
    "report": lambda o: [REPORT_NAME],
    "person": lambda o: [PERSON_NAME, PERSON_EMAIL, f"/people/{o.pk}/"],
    "company": lambda o: [COMPANY_NAME, COMPANY_EMAIL, f"/companies/{o.pk}/"],
    "binned_person": lambda o: [BINNED_PERSON_NAME, f"/people/{o.pk}/"],
    "binned_company": lambda o: [BINNED_COMPANY_NAME, f"/companies/{o.pk}/"],
    "note": lambda o: [NOTE_BODY],
    "activity": lambda o: [ACTIVITY_SUBJECT, f"/activities/{o.pk}/"],
    "binned_activity": lambda o: [BINNED_ACTIVITY_SUBJECT, f"/activities/{o.pk}/"],
    "email_review": lambda o: [REVIEW_EMAIL_SUBJECT, f"/emails/review/{o.pk}/"],
    "sent_email": lambda o: [SENT_EMAIL_SUBJECT, f"/emails/{o.pk}/"],
    "deal": lambda o: [DEAL_NAME, f"/deals/{o.pk}/"],
    "deal_amount": lambda o: ["7,654,321", "7654321"],
    "binned_deal": lambda o: [BINNED_DEAL_NAME, f"/deals/{o.pk}/"],
    "lead": lambda o: [LEAD_NAME, f"/leads/{o.pk}/"],
    "binned_lead": lambda o: [BINNED_LEAD_NAME, f"/leads/{o.pk}/"],
    "quote": lambda o: [QUOTE_TITLE, f"/quotes/{o.pk}/"],
    "binned_quote": lambda o: [f"/quotes/{o.pk}/", BINNED_QUOTE_TITLE],  # the bin shows its number
    "order": lambda o: [o.number, f"/orders/{o.pk}/"],
    "notification": lambda o: [NOTIFICATION_TEXT],
    "feedback": lambda o: [FEEDBACK_TEXT, f"/feedback/{o.pk}/"],
    "ticket": lambda o: [TICKET_SUBJECT, f"/tickets/{o.pk}/"],
    "binned_ticket": lambda o: [BINNED_TICKET_SUBJECT, f"/tickets/{o.pk}/"],
    "survey_response": lambda o: [SURVEY_COMMENT],
    # published articles are everyone's; a draft only its editors'
    "kb_draft": lambda o: [KB_DRAFT_TITLE, f"/kb/{o.pk}/"],
}


def body_text(response) -> str:
    """What a person would read in the response, XLSX exports included."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def fingerprint(objects: dict) -> dict:
    """Everything a refused request must leave alone, read in a few queries (the walk takes it
    twice per request: one query per table and row made it most of the walk's time)."""
    state = {
        "audit entries": AuditEntry.objects.count(),
        "unread notifications": Notification.objects.filter(read_at__isnull=True).count(),
        "calendar feeds": CalendarFeed.objects.filter(revoked_at__isnull=True).count(),
    }
    models = (Person, Company, Activity, ImportJob, ApiToken, User, Team, Role, CustomField, Tag,
              Deal, Pipeline, Stage, StageChange, ExchangeRate, SalesTarget, Lead, Product,
              PriceList, PriceListItem, Quote, QuoteLine, Order, OrderLine,
              AssignmentRule, ScoringRule, DuplicatePair, DuplicateScan, Merge,
              BulkJob, Feedback, TourSeen, SampleDataLoad, SavedView, ListColumns,
              LostReason, Goal, DashboardLayout, Article, KbSearchMiss)  # fmt: skip
    state.update(_row_counts(models))
    state["dashboard layouts"] = list(
        DashboardLayout.objects.order_by("pk").values_list("widgets", "updated_at")
    )
    by_model: dict[type, list[tuple[str, int]]] = {}
    for kind, obj in objects.items():
        by_model.setdefault(type(obj), []).append((kind, obj.pk))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, wanted in by_model.items():
            pk_field = model._meta.pk
            table, key = quote(model._meta.db_table), quote(pk_field.column)
            ids = [pk_field.get_db_prep_value(pk, connection) for _kind, pk in wanted]
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"SELECT {key}, * FROM {table} WHERE {key} IN ({marks})", ids)  # noqa: S608
            found = {row[0]: row for row in cursor.fetchall()}
            for (kind, _pk), db_id in zip(wanted, ids, strict=True):
                state[kind] = found.get(db_id)
    return state


def _row_counts(models) -> dict[str, int]:
    """Every table's row count (soft-deleted rows included), in one query."""
    quote = connection.ops.quote_name
    columns = [f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns))
        counts = cursor.fetchone()
    return {f"{model.__name__} rows": count for model, count in zip(models, counts, strict=True)}


def changed(before: dict, after: dict) -> list[str]:
    return [key for key in before if before[key] != after.get(key)]


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def fill(pattern: str, obj) -> str:
    """The route's parameters from `obj`: its id, or for a second parameter (a deal's person)
    the `walk_<name>` attribute the world gave it."""
    return PARAM.sub(
        lambda m: str(getattr(obj, f"walk_{m.group(1) or m.group(2)}", obj.pk)), pattern
    )


# ---------------------------------------------------------------- classification


def test_every_ui_route_is_classified():
    unknown = [f"{name}  ({pattern})" for name, pattern in ui_routes() if name not in UI_RULES]
    assert not unknown, (
        "Routes the permission walk does not know; add them to UI_RULES in "
        f"tests/test_permissions.py: {unknown}"
    )
    for name, pattern in ui_routes():
        if PARAM.search(pattern):
            assert target_kind(name, pattern, UI_RULES[name]), (
                f"{name} ({pattern}) has a parameter but no record kind: add its prefix to "
                "TARGET_BY_PREFIX or a target to its rule"
            )


def test_every_api_route_is_classified():
    routes = api_routes()
    assert routes, "the OpenAPI schema lists no paths"
    unknown = [route for route in routes if route not in API_RULES]
    assert not unknown, (
        "API operations the permission walk does not know; add them to API_RULES in "
        f"tests/test_permissions.py: {unknown}"
    )
    for route in routes:
        if PARAM.search(route):
            assert target_kind(route, route, API_RULES[route]), (
                f"{route} has a parameter but no record kind: add it to TARGET_BY_PREFIX"
            )


def test_the_walk_finds_the_routes_it_must_cover():
    names = {name for name, _pattern in ui_routes()}
    for required in ("person-detail", "person-edit", "company-detail", "search", "user-list"):
        assert required in names, f"{required} is missing from the URL configuration"
    api = set(api_routes())
    assert "GET /api/v1/people/{person_id}" in api
    assert "PATCH /api/v1/people/{person_id}" in api


# ---------------------------------------------------------------- the UI walk


def _classified_ui_routes():
    try:
        return [(n, p) for n, p in ui_routes() if n in UI_RULES]
    except Exception:  # noqa: BLE001  (URL configuration broken: the tests above say so)
        return []


@pytest.mark.parametrize(("name", "pattern"), _classified_ui_routes())
def test_ui_route(world, name, pattern):
    users, objects = world
    rule = UI_RULES[name]
    kind = target_kind(name, pattern, rule)
    url = "/" + (fill(pattern, objects[kind]) if kind else pattern)
    problems: list[str] = []
    clients = {persona: client_for(user) for persona, user in users.items()}

    def check(persona, method, expected, url=url, query="", shows=()):
        full = f"{url}?{query}" if query else url
        before = fingerprint(objects)
        client = clients.get(persona) or Client()
        data = rule.post_data(objects) if rule.post_data else UI_POST_DATA
        response = client.get(full) if method == "GET" else client.post(full, data)
        got = response.status_code
        after = fingerprint(objects)
        if persona == "anonymous" and rule.anonymous is None:
            login = reverse("login")
            if got != 302 or not response["Location"].startswith(login):
                problems.append(f"anonymous {method} {full}: {got}, not a redirect to {login}")
            if changed(before, after):
                problems.append(f"anonymous {method} {full} changed {changed(before, after)}")
            return None
        if not accepts(expected, got):
            problems.append(f"{persona} {method} {full}: {got}, expected {expected}")
        refused = refusal(expected)
        if (refused or method == "GET") and changed(before, after):
            problems.append(f"{persona} {method} {full} changed {changed(before, after)}")
        # they change the session, not records; or queue a task, which runs on a commit
        # (nobody in the walk has a calendar feed to revoke)
        # (the quote form's running totals are a POST that only computes)
        # (a bulk action's review only shows what it would do; sample data is refused with a
        # message, since the walk's world holds customers)
        quiet = name in ("logout", "set-language", "scoring-train", "calendar-unsubscribe",
                         "quote-lines-preview", "bulk-confirm", "sample-data-load",
                         # a widget already last, an order that lists other widgets, a layout
                         # already the default: told so, nothing to change
                         "dashboard-move", "dashboard-order", "dashboard-reset",
                         # logs in to the mailbox and says how it went
                         "support-mailbox-check",
                         # the customer marks solved a ticket already solved: nothing to change
                         "support-portal-solve")  # fmt: skip
        done = method == "POST" and not refused and accepts(expected, got)
        if done and not quiet and not changed(before, after):
            problems.append(f"{persona} {method} {full}: answered {got} but changed nothing")
        if got == 200 and persona in HIDDEN_FROM:
            text = body_text(response)
            for leak_kind in MARKERS:
                for marker in MARKERS[leak_kind](objects[leak_kind]):
                    if marker in text:
                        problems.append(
                            f"{persona} GET {full} shows the owner's {leak_kind} ({marker!r})"
                        )
        if got == 200 and method == "GET" and persona in SEES:
            text = body_text(response)
            for shown in shows:
                if MARKERS[shown](objects[shown])[0] not in text:
                    problems.append(f"{persona} GET {full} does not list the owner's {shown}")
        return response

    queries = [""] + ([rule.query] if rule.query else [])
    if rule.get is None:
        for persona in PERSONAS:
            if persona not in (rule.post or {}):
                response = clients[persona].get(url)
                if response.status_code not in (405, 404, 403):
                    problems.append(f"{persona} GET {url}: {response.status_code}, expected 405")
    else:
        for query in queries:
            for persona in PERSONAS:
                shows = rule.shows if query == rule.query else ()
                check(persona, "GET", rule.get[persona], query=query, shows=shows)
    post = rule.post
    if post is None and rule.get is not None:
        post = {p: status for p, status in rule.get.items() if refusal(status)}
    # refusals first, then the one persona allowed to do it
    for persona, expected in sorted((post or {}).items(), key=lambda item: not refusal(item[1])):
        check(persona, "POST", expected)
    check("anonymous", "GET" if rule.get is not None else "POST", rule.anonymous or 0)
    assert not problems, "\n".join(problems)


def test_search_by_name_never_shows_hidden_records(world):
    users, objects = world
    person = objects["person"]
    link = f"/people/{person.pk}/"
    for persona in PERSONAS:
        client = client_for(users[persona])
        page = client.get("/search/", {"q": PERSON_NAME})
        popup = client.get("/search/", {"q": PERSON_NAME}, headers={"HX-Request": "true"})
        api = client.get("/api/v1/people", {"q": PERSON_NAME})
        assert page.status_code == popup.status_code == api.status_code == 200, persona
        ids = [item["id"] for item in api.json()["items"]]
        if persona in HIDDEN_FROM:
            assert link not in page.content.decode(), persona
            assert link not in popup.content.decode(), persona
            assert person.pk not in ids, persona
        else:
            assert link in page.content.decode(), persona
            assert link in popup.content.decode(), persona
            assert ids == [person.pk], persona


@pytest.mark.parametrize("kind", ["company", "deal", "lead", "quote", "order"])
def test_the_search_over_every_type_never_shows_hidden_records(world, kind):
    """The search box, the palette and GET /api/v1/search find each kind of record only for
    those who may see it; the others get no group for it at all, not even a count."""
    users, objects = world
    record = objects[kind]
    query = {
        "company": "mgkj",  # initials from the middle: 秘阁科技 of 青云秘阁科技有限公司
        "deal": "精密仪器",
        "lead": "欧阳修",
        "quote": getattr(record, "number", ""),
        "order": getattr(record, "number", ""),
    }[kind]
    link = MARKERS[kind](record)[-1]
    for persona in PERSONAS:
        client = client_for(users[persona])
        pages = [
            client.get("/search/", {"q": query}),
            client.get("/search/", {"q": query}, headers={"HX-Request": "true"}),
            client.get("/palette/", {"q": query}),
        ]
        api = client.get("/api/v1/search", {"q": query})
        assert all(page.status_code == 200 for page in pages) and api.status_code == 200
        kinds = {group["type"] for group in api.json()["groups"]}
        if persona in HIDDEN_FROM:
            assert all(link not in page.content.decode() for page in pages), persona
            assert kind not in kinds, persona
        else:
            assert all(link in page.content.decode() for page in pages), (persona, kind)
            assert kind in kinds, persona


def test_notifications_are_only_their_own(world):
    """Not even an administrator reads someone else's notifications, nor marks them read."""
    users, objects = world
    for persona in PERSONAS:
        client = client_for(users[persona])
        page = client.get("/notifications/").content.decode()
        api = client.get("/api/v1/notifications").json()
        texts = [item["text"] for item in api["items"]]
        own = persona == "owner"
        assert (NOTIFICATION_TEXT in page) is own, persona
        assert (NOTIFICATION_TEXT in texts) is own, persona
        if not own:
            pk = objects["notification"].pk
            client.post("/notifications/read/", {"id": pk})
            body = json.dumps({"ids": [pk]})
            client.post("/api/v1/notifications/read", body, content_type="application/json")
            assert Notification.objects.get(pk=pk).read_at is None


def test_hidden_records_cannot_be_attached_or_handed_over(world):
    """A person cannot be linked to a company one cannot see, through the form or the API."""
    users, objects = world
    company = objects["company"]
    for persona in HIDDEN_FROM:
        client = client_for(users[persona])
        before = Person.all_objects.count()
        response = client.post(
            "/api/v1/people",
            json.dumps({"name": "新人", "company_id": company.pk}),
            content_type="application/json",
        )
        assert response.status_code in (400, 404, 422), (persona, response.status_code)
        response = client.post("/people/new/", {"name": "新人", "company": company.pk})
        assert response.status_code == 200, persona  # the form again, with an error
        assert Person.all_objects.count() == before, persona


# ---------------------------------------------------------------- the API walk


def _classified_api_routes():
    try:
        return [route for route in api_routes() if route in API_RULES]
    except Exception:  # noqa: BLE001
        return []


@pytest.mark.parametrize("route", _classified_api_routes())
def test_api_route(world, route):
    users, objects = world
    rule = API_RULES[route]
    method, pattern = route.split(" ", 1)
    kind = target_kind(route, route, rule)
    url = fill(pattern, objects[kind]) if kind else pattern
    secrets = {persona: ApiToken.issue(user, "walk")[1] for persona, user in users.items()}
    problems: list[str] = []

    def call(persona, method, query=""):
        headers = {"Authorization": f"Bearer {secrets[persona]}"} if persona in secrets else {}
        target = objects.get(kind)
        if method in ("PATCH", "PUT", "DELETE") and hasattr(target, "version"):
            current = type(target)._base_manager.filter(pk=target.pk).first()
            if current is not None:  # a setting removed by an earlier call has none
                headers["If-Match"] = f'W/"{current.version}"'
        full = f"{url}?{query}" if query else url
        body = API_BODIES.get(pattern, DEFAULT_API_BODY)
        body = json.dumps(body(objects) if callable(body) else body)
        client = Client()
        if method == "GET":
            return full, client.get(full, headers=headers)
        return full, client.generic(method, full, body, "application/json", headers=headers)

    def check(persona, method, expected, query="", shows=()):
        before = fingerprint(objects)
        full, response = call(persona, method, query)
        after = fingerprint(objects)
        got = response.status_code
        if not accepts(expected, got):
            problems.append(
                f"{persona} {method} {full}: {got}, expected {expected} {response.content[:200]!r}"
            )
        if (refusal(expected) or method == "GET") and changed(before, after):
            problems.append(f"{persona} {method} {full} changed {changed(before, after)}")
        done = method != "GET" and not refusal(expected) and accepts(expected, got)
        if done and not changed(before, after):
            problems.append(f"{persona} {method} {full}: answered {got} but changed nothing")
        if got == 200 and method == "GET" and response["Content-Type"] != "application/json":
            if persona in HIDDEN_FROM and any(
                marker in body_text(response)
                for kind in MARKERS
                for marker in MARKERS[kind](objects[kind])[:2]
            ):
                problems.append(f"{persona} GET {full} shows the owner's records")
        elif got == 200 and method == "GET":
            text = response.content.decode()
            if persona in HIDDEN_FROM:
                for leak_kind in MARKERS:
                    for marker in MARKERS[leak_kind](objects[leak_kind])[:2]:
                        if marker in text:
                            problems.append(f"{persona} GET {full} shows the owner's {leak_kind}")
                items = response.json().get("items") if response.json() else None
                for item in items or []:
                    for own_kind in ("person", "company"):
                        if item.get("id") == objects[own_kind].pk and pattern.endswith(
                            "/people" if own_kind == "person" else "/companies"
                        ):
                            problems.append(f"{persona} GET {full} lists the owner's {own_kind}")
            if persona in SEES:
                items = response.json().get("items")
                for shown in shows:
                    if items is not None and objects[shown].pk not in [i["id"] for i in items]:
                        problems.append(f"{persona} GET {full} does not list the owner's {shown}")

    if rule.get is not None:
        for query in [""] + ([rule.query] if rule.query else []):
            for persona in PERSONAS:
                shows = rule.shows if query == rule.query else ()
                check(persona, "GET", rule.get[persona], query, shows)
    for persona, expected in sorted(
        (rule.post or {}).items(), key=lambda item: not refusal(item[1])
    ):
        check(persona, method, expected)
    # without a token or a session: 401, and nothing changes (unless the route is public)
    before = fingerprint(objects)
    full, response = call("anonymous", method)
    expected = rule.anonymous or 401
    if response.status_code != expected:
        problems.append(f"anonymous {method} {full}: {response.status_code}, expected {expected}")
    if rule.anonymous is None and changed(before, fingerprint(objects)):
        problems.append(f"anonymous {method} {full} changed something")
    assert not problems, "\n".join(problems)
