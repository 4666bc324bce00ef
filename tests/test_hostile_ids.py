"""The hostile-id walk: every form and API field that names another record is sent the id of
a record the user may not see, and must refuse it without naming it.

For each field in UI_FIELDS and API_FIELDS the walk sends, with a fresh and with a stale
version of the edited record, the id of a record of another team and of one in the recycle bin
(for owner fields: a user outside the sender's scope and an inactive one; for products, an
inactive one). The answer must be a field error (the form again with an error, or 400/422 from
the API; a stale API write may answer 412) or a 404. The response must hold nothing of the
hidden record: none of its markers below, and no word or number (so no count either) that the
same request naming an id no row has would not show. Nothing may change: the edited row, its
version, the audit log and the row counts stay as they were.

A field added later is one more row in UI_FIELDS or API_FIELDS. The world is built once for
the module, in a transaction rolled back after it.
"""

import copy
import datetime
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from kehu.accounts.models import ApiToken, User
from kehu.activities.forms import FORM_FIELDS, ActivityForm, initial_for
from kehu.activities.models import Activity
from kehu.activities.services import delete_activity, log_activity, update_activity
from kehu.analytics.dashboards.models import DashboardLayout
from kehu.analytics.goals.models import Goal
from kehu.analytics.reports import services as report_services
from kehu.analytics.reports.models import Report
from kehu.core.models import AuditEntry, SavedView
from kehu.customers import services
from kehu.customers.fields import services as field_services
from kehu.customers.forms import CompanyForm, PersonForm
from kehu.customers.models import Company, Person
from kehu.learning.feedback import services as feedback
from kehu.learning.models import Feedback
from kehu.mail import receiving as mail_receive
from kehu.mail.models import EmailMessage
from kehu.sales.catalog import services as catalog
from kehu.sales.deals import services as sales_services
from kehu.sales.deals.forms import DealForm
from kehu.sales.leads import services as leads
from kehu.sales.leads.forms import LeadForm
from kehu.sales.lost_reasons import services as lost_reasons
from kehu.sales.models import Deal, DealContact, Lead, Quote, QuoteLine, SalesTarget
from kehu.sales.quotes import services as quotes
from kehu.sales.quotes.forms import QuoteForm
from tests.factories import make_company, make_person, make_team, make_user

# The hidden records, with markers that must never show in an answer to the sender.
MARKERS = {
    "other_company": ["隐秘集团 HIDDENCO7731", "hiddenco7731@mark.example", "HIDDENCITY7731"],
    "binned_company": ["回收公司 BINNEDCO7732", "binnedco7732@mark.example"],
    "other_person": ["隐秘之人 HIDDENPERSON7733", "hiddenperson7733@mark.example"],
    "binned_person": ["回收之人 BINNEDPERSON7734", "binnedperson7734@mark.example"],
    "other_deal": ["隐秘商机 HIDDENDEAL7735", "9876543", "9,876,543", "HIDDENDEALFIELD7746"],
    "binned_deal": ["回收商机 BINNEDDEAL7736", "8765432", "8,765,432"],
    "other_lead": ["隐秘线索 HIDDENLEAD7737", "hiddenlead7737@mark.example"],
    "binned_lead": ["回收线索 BINNEDLEAD7738"],
    # + its number, added by the world
    "other_quote": ["隐秘报价 HIDDENQUOTE7739", "HIDDENQUOTEFIELD7747"],
    "binned_quote": ["回收报价 BINNEDQUOTE7740"],
    "other_email": ["隐秘邮件 HIDDENMAIL7743", "hidden7743@mark.example"],
    # users and products are read by everyone: their names may show where every colleague or
    # product is listed anyway, but a refusal must not name them (see `leaked`)
    "other_user": ["Hiddenuser7741", "hiddenuser7741@mark.example", "stranger7741"],
    "inactive_product": ["INACTIVEPROD7745", "旧产品 Retired7745"],
    "inactive_user": ["Goneuser7742", "goneuser7742@mark.example", "gone7742"],
    # feedback is its sender's and the administrators' only
    "other_feedback": ["隐秘反馈 HIDDENFEEDBACK7746", "/hidden7746/"],
    "other_view": ["隐秘视图 HIDDENVIEW7746"],
    "other_report": ["隐秘报表 HIDDENREPORT7747"],
    "archived_lost_reason": ["ARCHIVEDREASON7746", "旧原因7746"],
}
USER_KINDS = ("other_user", "inactive_user")
DIRECTORY_KINDS = (*USER_KINDS, "inactive_product", "archived_lost_reason")
#: the row counts a refused request must leave alone
COUNTED = (Person, Company, Deal, DealContact, Lead, Quote, QuoteLine, Activity, SalesTarget, Goal,
           Feedback, DashboardLayout)  # fmt: skip


@dataclass
class World:
    actor: User  # a manager of team A: sees team A's records
    token: str
    own: dict  # the actor's records that the walk edits (version 2 or more)
    hidden: dict  # kind -> the record or user the actor may not see or pick
    missing: dict  # kind -> an id no row has
    session: SimpleCookie  # the actor signed in (one session for the module)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module in a transaction that is rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def build_world() -> World:
    team_a, team_b = make_team("Team A"), make_team("Team B")
    actor = make_user("hostile-manager", role="Manager", team=team_a)
    admin = make_user("hostile-admin", role="Administrator", superuser=True)
    stranger = make_user(
        "stranger7741",
        team=team_b,
        first_name="Hiddenuser7741",
        email="hiddenuser7741@mark.example",
    )
    gone = make_user(
        "gone7742",
        team=team_a,
        first_name="Goneuser7742",
        email="goneuser7742@mark.example",
        is_active=False,
    )
    product = catalog.save_product(
        admin, None, {"sku": "HOSTILE-P", "name": "Walk product", "price": "100", "tax_rate": "13"}
    )
    lines = [{"product": product.pk, "quantity": "1"}]
    retired = catalog.save_product(
        admin,
        None,
        {"sku": "INACTIVEPROD7745", "name": "旧产品 Retired7745", "price": "1", "active": False},
    )

    archived_reason = lost_reasons.create_reason(
        admin, {"name": "ARCHIVEDREASON7746", "name_zh": "旧原因7746"}
    )
    lost_reasons.update_reason(admin, archived_reason, {"archived": True})

    # the other team's records
    other_company = make_company(
        stranger,
        MARKERS["other_company"][0],
        email=MARKERS["other_company"][1],
        city=MARKERS["other_company"][2],
    )
    other_person = make_person(
        stranger,
        MARKERS["other_person"][0],
        email=MARKERS["other_person"][1],
        company=other_company.pk,
    )
    # custom field values of hidden deals and quotes must not show either
    for entity in ("deal", "quote"):
        field = {"entity": entity, "key": "secret", "label": "Secret", "type": "text"}
        field_services.create_field(admin, field)
    other_deal = sales_services.create_deal(
        stranger,
        {"name": MARKERS["other_deal"][0], "amount": "9876543", "company": other_company.pk,
         "custom": {"secret": MARKERS["other_deal"][3]}},
    )  # fmt: skip
    other_lead = leads.create_lead(
        stranger, {"name": MARKERS["other_lead"][0], "email": MARKERS["other_lead"][1]}
    )
    other_quote = quotes.create_quote(
        stranger,
        {"title": MARKERS["other_quote"][0], "deal": other_deal.pk, "lines": lines,
         "custom": {"secret": MARKERS["other_quote"][1]}},
    )  # fmt: skip
    MARKERS["other_quote"] = MARKERS["other_quote"][:2] + [other_quote.number]

    other_email = EmailMessage.objects.create(
        activity=log_activity(stranger, other_person, "email", {"subject": "x"}),
        owner=stranger,
        direction="out",
        status="sent",
        message_id="<hidden7743@mark.example>",
        thread_key="<hidden7743@mark.example>",
        to=[MARKERS["other_person"][1]],
        subject=MARKERS["other_email"][0],
        text="正文",
    )

    # the actor's own records in the recycle bin
    binned_company = make_company(
        actor, MARKERS["binned_company"][0], email=MARKERS["binned_company"][1]
    )
    binned_person = make_person(
        actor, MARKERS["binned_person"][0], email=MARKERS["binned_person"][1]
    )
    binned_deal = sales_services.create_deal(
        actor, {"name": MARKERS["binned_deal"][0], "amount": "8765432"}
    )
    binned_lead = leads.create_lead(actor, {"name": MARKERS["binned_lead"][0]})
    binned_quote = quotes.create_quote(actor, {"title": MARKERS["binned_quote"][0], "lines": lines})
    sales_services.delete_deal(actor, binned_deal)
    services.delete_company(actor, binned_company)
    services.delete_person(actor, binned_person)
    leads.delete_lead(actor, binned_lead)
    quotes.delete_quote(actor, binned_quote)

    # the actor's own records, each changed once so that a stale version exists
    company = make_company(actor, "本队公司 Own company")
    make_company(actor, "另一家本队公司 Another own company")  # two: above a limit of one
    services.update_company(actor, company, {"city": "成都"})
    person = make_person(actor, "本队联系人 Own person", company=company.pk)
    services.update_person(actor, person, {"city": "成都"})
    deal = sales_services.create_deal(actor, {"name": "本队商机 Own deal", "company": company.pk})
    sales_services.update_deal(actor, deal, {"next_step": "打电话"})
    lead = leads.create_lead(actor, {"name": "本队线索 Own lead"})
    leads.update_lead(actor, lead, {"region": "华东"})
    quote = quotes.create_quote(
        actor,
        {"title": "本队报价 Own quote", "company": company.pk, "person": person.pk, "lines": lines},
    )
    quotes.update_quote(actor, quote, {"terms": "30 天"})
    soon = timezone.now() + datetime.timedelta(days=2)
    task = log_activity(actor, person, "task", {"subject": "本队任务 Own task", "due_at": soon})
    update_activity(actor, task, {"priority": "high"})
    meeting = log_activity(
        actor, person, "meeting", {"subject": "本队会议 Own meeting", "at": soon}
    )
    update_activity(actor, meeting, {"place": "会议室"})
    binned_activity = log_activity(actor, person, "call", {"subject": "binned call"})
    delete_activity(actor, binned_activity)

    hidden = {
        "other_company": other_company,
        "binned_company": binned_company,
        "other_person": other_person,
        "binned_person": binned_person,
        "other_deal": other_deal,
        "binned_deal": binned_deal,
        "other_lead": other_lead,
        "binned_lead": binned_lead,
        "other_quote": other_quote,
        "other_email": other_email,
        "inactive_product": retired,
        "binned_quote": binned_quote,
        "other_user": stranger,
        "inactive_user": gone,
        "other_feedback": feedback.create_feedback(
            stranger,
            {"what": MARKERS["other_feedback"][0], "where": MARKERS["other_feedback"][1]},
        ),
        # another team's view (shared with that team): its name and condition stay theirs
        "other_view": SavedView.objects.create(
            owner=stranger, team=team_b, list_key="person", name="隐秘视图 HIDDENVIEW7746",
            condition={"field": "name", "op": "contains", "value": "隐"},
        ),
        "archived_lost_reason": archived_reason,
        # another team's report (shared with that team)
        "other_report": Report.objects.create(
            owner=stranger, team=team_b, sharing="team", name="隐秘报表 HIDDENREPORT7747",
            definition={"record_type": "person", "condition": {"all": []}, "group_by": [],
                        "measure": {"how": "count"}, "chart": "table"},
        ),
    }  # fmt: skip
    missing = {
        kind: type(obj)._base_manager.order_by("-pk").values_list("pk", flat=True)[0] + 1000
        for kind, obj in hidden.items()
    }
    review = mail_receive.receive(
        b"From: someone@unknown.example\r\nTo: hostile@kehu.example\r\nSubject: review\r\n"
        b"Message-ID: <review7744@walk>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0800\r\n\r\nhi\r\n",
        owner=actor,
        source="upload",
    ).message
    own = {
        "review": review,
        "company": company,
        "person": person,
        "deal": deal,
        "lead": lead,
        "quote": quote,
        "task": task,
        "meeting": meeting,
        "report": report_services.create_report(
            actor, {"name": "我的报表", "definition": {"record_type": "person"}}
        ),
    }
    signed_in = Client()
    signed_in.force_login(actor)
    token = ApiToken.issue(actor, "hostile walk")[1]
    return World(actor, token, own, hidden, missing, signed_in.cookies)


# ---------------------------------------------------------------- what a form posts


def form_post(form) -> dict:
    """What a browser sends for `form` as it is shown (its initial values)."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        else:
            data[name] = field.widget.format_value(value) or ""
    return data


def current(obj):
    return type(obj)._base_manager.get(pk=obj.pk)


def person_form(w):
    return form_post(PersonForm(user=w.actor, instance=current(w.own["person"])))


def company_form(w):
    return form_post(CompanyForm(user=w.actor, instance=current(w.own["company"])))


def deal_form(w):
    return form_post(DealForm(user=w.actor, instance=current(w.own["deal"])))


def lead_form(w):
    return form_post(LeadForm(user=w.actor, instance=current(w.own["lead"])))


def quote_form(w):
    quote = current(w.own["quote"])
    data = form_post(QuoteForm(user=w.actor, instance=quote))
    line = quote.lines.first()
    data.update(
        {
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "1",
            "lines-0-product": str(line.product_id),
            "lines-0-description": line.description,
            "lines-0-quantity": str(line.quantity),
            "lines-0-unit_price": str(line.unit_price),
            "lines-0-discount_percent": str(line.discount_percent),
            "lines-0-tax_rate": str(line.tax_rate),
        }
    )
    return data


def activity_form(kind):
    def make(w):
        activity = current(w.own[kind])
        form = ActivityForm(
            kind=activity.kind,
            user=w.actor,
            record=activity.record,
            activity=activity,
            initial=initial_for(activity),
        )
        return {k: v for k, v in form_post(form).items() if k in FORM_FIELDS[kind] + ["version"]}

    return make


def new_activity(kind, **extra):
    def make(w):
        soon = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
        data = {
            "subject": "新的 New",
            "due_at": soon,
            "at": soon,
            "priority": "normal",
            "owner": str(w.actor.pk),
            **extra,
        }
        return data

    return make


# ---------------------------------------------------------------- the table


COMPANIES = ("other_company", "binned_company")
PEOPLE = ("other_person", "binned_person")
DEALS = ("other_deal", "binned_deal")
LEADS = ("other_lead", "binned_lead")
USERS = USER_KINDS


@dataclass(frozen=True)
class Field:
    """One field that names another record. `url(w)` is where it is sent; `data(w)` the rest of
    a valid request (a UI form as shown, an API body); `edits`: the own record it changes (its
    version is sent, fresh and stale; None for a create); `many`: the field takes a list;
    `typeahead`: the company field is the type-ahead search (it always is, since issue 14);
    `get`: a filter or parameter of a page read (`{id}` in the URL),
    answered by the page as if it named nothing, or 404; `refusals`: the statuses that refuse
    it, if not the kind's usual ones; `counted`: a bulk action, answered with counts in which
    a hidden id reads as one no row has (the job's own id, link and times are left out of the
    comparison)."""

    url: Callable[[World], str]
    field: str
    hidden: tuple[str, ...]
    data: Callable[[World], dict]
    edits: str | None = None
    many: bool = False
    typeahead: bool = False
    get: bool = False
    refusals: tuple[int, ...] | None = None
    value: Callable[[int], object] | None = None  # the API value holding the id, if not the id
    counted: bool = False


def lost_stage():
    """The default pipeline's lost stage (made by the migrations)."""
    from tests.factories import stage

    return stage("Lost")


def own_url(pattern: str, kind: str):
    return lambda w: pattern.format(pk=w.own[kind].pk)


def fixed(url: str):
    return lambda w: url


def nothing(w):
    return {}


UI_FIELDS = {
    # feedback: another's item is not there for the actor (a manager, not an administrator)
    "feedback-detail (another's)": Field(
        fixed("/feedback/{id}/"), "feedback", ("other_feedback",), nothing, get=True
    ),
    "feedback-detail answer (another's)": Field(
        fixed("/feedback/{id}/"),
        "feedback",
        ("other_feedback",),
        lambda w: {"status": "done", "reply": "偷改", "version": "1"},
    ),
    "person-list view": Field(
        fixed("/people/?view={id}"), "view", ("other_view",), nothing, get=True
    ),
    # reports: another team's report is no report at all; a schedule goes to active users only
    "report-detail (another's)": Field(
        fixed("/reports/{id}/"), "report", ("other_report",), nothing, get=True
    ),
    "report-pin (another's)": Field(
        fixed("/reports/{id}/pin/"), "report", ("other_report",), nothing
    ),
    "report-schedule recipients": Field(
        own_url("/reports/{pk}/schedule/", "report"),
        "recipients",
        ("inactive_user",),
        lambda w: {"frequency": "weekly", "hour": "8", "weekday": "0", "day": "1"},
        many=True,
    ),
    "person-merge with": Field(own_url("/people/{pk}/merge/", "person"), "with", PEOPLE, nothing),
    "company-merge with": Field(
        own_url("/companies/{pk}/merge/", "company"), "with", COMPANIES, nothing
    ),
    # people and companies
    "person-edit company": Field(
        own_url("/people/{pk}/edit/", "person"), "company", COMPANIES, person_form, edits="person"
    ),
    "person-edit company (type-ahead)": Field(
        own_url("/people/{pk}/edit/", "person"),
        "company",
        COMPANIES,
        person_form,
        edits="person",
        typeahead=True,
    ),
    "person-edit owner": Field(
        own_url("/people/{pk}/edit/", "person"), "owner", USERS, person_form, edits="person"
    ),
    "person-create company": Field(
        fixed("/people/new/"),
        "company",
        COMPANIES,
        lambda w: {"name": "新人 New", "owner": w.actor.pk},
    ),
    "person-create company (type-ahead)": Field(
        fixed("/people/new/"),
        "company",
        COMPANIES,
        lambda w: {"name": "新人 New", "owner": w.actor.pk},
        typeahead=True,
    ),
    "person-create owner": Field(
        fixed("/people/new/"), "owner", USERS, lambda w: {"name": "新人 New"}
    ),
    "company-edit owner": Field(
        own_url("/companies/{pk}/edit/", "company"), "owner", USERS, company_form, edits="company"
    ),
    # deals
    "deal-edit company": Field(
        own_url("/deals/{pk}/edit/", "deal"), "company", COMPANIES, deal_form, edits="deal"
    ),
    "deal-edit company (type-ahead)": Field(
        own_url("/deals/{pk}/edit/", "deal"),
        "company",
        COMPANIES,
        deal_form,
        edits="deal",
        typeahead=True,
    ),
    # an archived lost reason is no longer offered (a deal lost for it keeps it)
    "deal-edit lost reason": Field(
        own_url("/deals/{pk}/edit/", "deal"),
        "lost_reason",
        ("archived_lost_reason",),
        deal_form,
        edits="deal",
    ),
    "deal-move lost reason": Field(
        own_url("/deals/{pk}/move/", "deal"),
        "lost_reason",
        ("archived_lost_reason",),
        lambda w: {"stage": lost_stage().pk, "reason": "走查 walk"},
        edits="deal",
    ),
    "deal-edit owner": Field(
        own_url("/deals/{pk}/edit/", "deal"), "owner", USERS, deal_form, edits="deal"
    ),
    "deal-create company (type-ahead)": Field(
        fixed("/deals/new/"),
        "company",
        COMPANIES,
        lambda w: {k: v for k, v in deal_form(w).items() if k != "version"},
        typeahead=True,
    ),
    "deal-contact-set person": Field(
        own_url("/deals/{pk}/contacts/", "deal"),
        "person",
        PEOPLE,
        lambda w: {"role": "采购"},
        edits="deal",
    ),
    # leads
    "lead-edit owner": Field(
        own_url("/leads/{pk}/edit/", "lead"), "owner", USERS, lead_form, edits="lead"
    ),
    # quotes
    "quote-edit company": Field(
        own_url("/quotes/{pk}/edit/", "quote"), "company", COMPANIES, quote_form, edits="quote"
    ),
    "quote-edit company (type-ahead)": Field(
        own_url("/quotes/{pk}/edit/", "quote"),
        "company",
        COMPANIES,
        quote_form,
        edits="quote",
        typeahead=True,
    ),
    "quote-edit person": Field(
        own_url("/quotes/{pk}/edit/", "quote"), "person", PEOPLE, quote_form, edits="quote"
    ),
    "quote-edit owner": Field(
        own_url("/quotes/{pk}/edit/", "quote"), "owner", USERS, quote_form, edits="quote"
    ),
    "quote-create deal": Field(lambda w: "/quotes/new/?deal={id}", "deal", DEALS, nothing),
    # activities: the assignee, the attendees, the record they are logged on
    "activity-edit owner": Field(
        own_url("/activities/{pk}/", "task"), "owner", USERS, activity_form("task"), edits="task"
    ),
    "activity-edit attendee people": Field(
        own_url("/activities/{pk}/", "meeting"),
        "attendee_people",
        PEOPLE,
        activity_form("meeting"),
        edits="meeting",
        many=True,
    ),
    "activity-edit attendee users": Field(
        own_url("/activities/{pk}/", "meeting"),
        "attendee_users",
        ("inactive_user",),
        activity_form("meeting"),
        edits="meeting",
        many=True,
    ),
    "activity-log owner": Field(
        own_url("/activities/on/person/{pk}/task/", "person"), "owner", USERS, new_activity("task")
    ),
    "activity-log attendee people": Field(
        own_url("/activities/on/person/{pk}/meeting/", "person"),
        "attendee_people",
        PEOPLE,
        new_activity("meeting"),
        many=True,
    ),
    "deal-create company": Field(
        fixed("/deals/new/"),
        "company",
        COMPANIES,
        lambda w: {k: v for k, v in deal_form(w).items() if k != "version"},
    ),
    "deal-create owner": Field(
        fixed("/deals/new/"),
        "owner",
        USERS,
        lambda w: {k: v for k, v in deal_form(w).items() if k != "version"},
    ),
    "lead-create owner": Field(
        fixed("/leads/new/"),
        "owner",
        USERS,
        lambda w: {k: v for k, v in lead_form(w).items() if k != "version"},
    ),
    "quote-create company": Field(
        fixed("/quotes/new/"), "company", COMPANIES, lambda w: {"title": "新", "currency": "CNY"}
    ),
    "quote-create person": Field(
        fixed("/quotes/new/"), "person", PEOPLE, lambda w: {"title": "新", "currency": "CNY"}
    ),
    "quote-create owner": Field(
        fixed("/quotes/new/"), "owner", USERS, lambda w: {"title": "新", "currency": "CNY"}
    ),
    # the running totals of the quote form: a hidden company prices as no company
    "quote-lines-preview company": Field(
        fixed("/quotes/lines/preview/"),
        "company",
        COMPANIES,
        lambda w: {
            "currency": "CNY",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-description": "走查 walk",
            "lines-0-quantity": "1",
            "lines-0-unit_price": "10",
        },  # fmt: skip
    ),
    "quote-edit line product": Field(
        own_url("/quotes/{pk}/edit/", "quote"),
        "lines-0-product",
        ("inactive_product",),
        quote_form,
        edits="quote",
    ),
    "lead-edit product interest": Field(
        own_url("/leads/{pk}/edit/", "lead"),
        "product_interest",
        ("inactive_product",),
        lead_form,
        edits="lead",
    ),
    "mail-review-link person": Field(
        own_url("/emails/review/{pk}/link/", "review"),
        "person",
        PEOPLE,
        nothing,
        refusals=(400, 404),
    ),
    # pages that take a record from their address: they show it only if the user may see it
    "person-create ?company=": Field(
        fixed("/people/new/?company={id}"), "company", COMPANIES, nothing, get=True
    ),
    "person-create ?company= (type-ahead)": Field(
        fixed("/people/new/?company={id}"), "company", COMPANIES, nothing, get=True, typeahead=True
    ),
    # a person's page's "New deal": the deal is made with them on it
    "deal-create ?person=": Field(
        fixed("/deals/new/?person={id}"), "person", PEOPLE, nothing, get=True
    ),
    "deal-create ?company=": Field(
        fixed("/deals/new/?company={id}"), "company", COMPANIES, nothing, get=True
    ),
    "deal-create ?company= (type-ahead)": Field(
        fixed("/deals/new/?company={id}"), "company", COMPANIES, nothing, get=True, typeahead=True
    ),
    "person-list ?company=": Field(
        fixed("/people/?company={id}"), "company", COMPANIES, nothing, get=True
    ),
    "deal-list ?company=": Field(
        fixed("/deals/?company={id}"), "company", COMPANIES, nothing, get=True
    ),
    "deal-list ?owner=": Field(fixed("/deals/?owner={id}"), "owner", USERS, nothing, get=True),
    "person-list ?owner=": Field(fixed("/people/?owner={id}"), "owner", USERS, nothing, get=True),
    "my-pipeline ?owner=": Field(
        fixed("/deals/mine/?owner={id}"), "owner", USERS, nothing, get=True
    ),
    "calendar ?owner=": Field(fixed("/calendar/?owner={id}"), "owner", USERS, nothing, get=True),
    "calendar-events ?owner=": Field(
        fixed("/calendar/events/?owner={id}"), "owner", USERS, nothing, get=True
    ),
    "my-day ?owner=": Field(fixed("/my-day/?owner={id}"), "owner", USERS, nothing, get=True),
    "quote-list ?owner=": Field(fixed("/quotes/?owner={id}"), "owner", USERS, nothing, get=True),
    "adoption ?user=": Field(fixed("/adoption/?user={id}"), "user", USERS, nothing, get=True),
    "activity-log on a record": Field(
        lambda w: "/activities/on/person/{id}/note/",
        "record",
        PEOPLE,
        lambda w: {"body": "偷看 peek"},
    ),
}


def body(**extra):
    return lambda w: extra


def api_activity(kind, **extra):
    def make(w):
        soon = (timezone.now() + datetime.timedelta(days=3)).isoformat()
        return {
            "kind": kind,
            "record_type": "person",
            "record_id": w.own["person"].pk,
            "subject": "新的 New",
            "at": soon,
            **extra,
        }

    return make


API_FIELDS = {
    "GET feedback (another's)": Field(
        fixed("/api/v1/feedback/{id}"), "feedback", ("other_feedback",), nothing, get=True
    ),
    "PATCH feedback (another's)": Field(
        fixed("/api/v1/feedback/{id}"),
        "status",
        ("other_feedback",),
        nothing,
        value=lambda pk: "done",
    ),
    # saved views: another team's view is no view at all (the same answer as a missing id)
    "GET people view": Field(
        fixed("/api/v1/people?view={id}"), "view", ("other_view",), nothing, get=True
    ),
    "GET orders view": Field(
        fixed("/api/v1/orders?view={id}"), "view", ("other_view",), nothing, get=True
    ),
    "GET views view_id": Field(
        fixed("/api/v1/views/{id}"), "view_id", ("other_view",), nothing, get=True
    ),
    "GET reports report_id": Field(
        fixed("/api/v1/reports/{id}"), "report_id", ("other_report",), nothing, get=True
    ),
    "GET reports run": Field(
        fixed("/api/v1/reports/{id}/run"), "report_id", ("other_report",), nothing, get=True
    ),
    # merging: every id a merge names must be a record the sender may see and edit
    "POST people merge other_ids": Field(
        fixed("/api/v1/people/merge"),
        "other_ids",
        PEOPLE,
        lambda w: {"survivor_id": w.own["person"].pk},
        many=True,
    ),
    "POST people merge survivor_id": Field(
        fixed("/api/v1/people/merge"),
        "survivor_id",
        PEOPLE,
        lambda w: {"other_ids": [w.own["person"].pk]},
    ),
    "POST companies merge other_ids": Field(
        fixed("/api/v1/companies/merge"),
        "other_ids",
        COMPANIES,
        lambda w: {"survivor_id": w.own["company"].pk},
        many=True,
    ),
    "GET duplicates check company_id": Field(
        fixed("/api/v1/duplicates/check?name=x&company_id={id}"),
        "company_id",
        COMPANIES,
        nothing,
        get=True,
    ),
    "PATCH people company_id": Field(
        own_url("/api/v1/people/{pk}", "person"), "company_id", COMPANIES, nothing, edits="person"
    ),
    "PATCH people owner_id": Field(
        own_url("/api/v1/people/{pk}", "person"), "owner_id", USERS, nothing, edits="person"
    ),
    "POST people company_id": Field(
        fixed("/api/v1/people"), "company_id", COMPANIES, body(name="新人 New")
    ),
    "POST people owner_id": Field(
        fixed("/api/v1/people"), "owner_id", USERS, body(name="新人 New")
    ),
    "PATCH companies owner_id": Field(
        own_url("/api/v1/companies/{pk}", "company"), "owner_id", USERS, nothing, edits="company"
    ),
    "POST companies owner_id": Field(
        fixed("/api/v1/companies"), "owner_id", USERS, body(name="新公司 New")
    ),
    "PATCH deals company_id": Field(
        own_url("/api/v1/deals/{pk}", "deal"), "company_id", COMPANIES, nothing, edits="deal"
    ),
    "PATCH deals owner_id": Field(
        own_url("/api/v1/deals/{pk}", "deal"), "owner_id", USERS, nothing, edits="deal"
    ),
    "POST deals company_id": Field(
        fixed("/api/v1/deals"), "company_id", COMPANIES, body(name="新商机 New")
    ),
    "POST deals owner_id": Field(
        fixed("/api/v1/deals"), "owner_id", USERS, body(name="新商机 New")
    ),
    "PATCH deals lost_reason_id": Field(
        own_url("/api/v1/deals/{pk}", "deal"),
        "lost_reason_id",
        ("archived_lost_reason",),
        nothing,
        edits="deal",
    ),
    "POST deal move lost_reason_id": Field(
        own_url("/api/v1/deals/{pk}/move", "deal"),
        "lost_reason_id",
        ("archived_lost_reason",),
        lambda w: {"stage_id": lost_stage().pk},
        edits="deal",
    ),
    "POST deals lost_reason_id": Field(
        fixed("/api/v1/deals"),
        "lost_reason_id",
        ("archived_lost_reason",),
        lambda w: {"name": "新商机 New", "stage_id": lost_stage().pk},
    ),
    "POST deal contacts person_id": Field(
        own_url("/api/v1/deals/{pk}/contacts", "deal"),
        "person_id",
        PEOPLE,
        body(role="采购"),
        edits="deal",
    ),
    "PATCH leads owner_id": Field(
        own_url("/api/v1/leads/{pk}", "lead"), "owner_id", USERS, nothing, edits="lead"
    ),
    "POST leads owner_id": Field(
        fixed("/api/v1/leads"), "owner_id", USERS, body(name="新线索 New")
    ),
    "PATCH quotes company_id": Field(
        own_url("/api/v1/quotes/{pk}", "quote"), "company_id", COMPANIES, nothing, edits="quote"
    ),
    "PATCH quotes person_id": Field(
        own_url("/api/v1/quotes/{pk}", "quote"), "person_id", PEOPLE, nothing, edits="quote"
    ),
    "PATCH quotes owner_id": Field(
        own_url("/api/v1/quotes/{pk}", "quote"), "owner_id", USERS, nothing, edits="quote"
    ),
    "PATCH quotes lines product_id": Field(
        own_url("/api/v1/quotes/{pk}", "quote"),
        "lines",
        ("inactive_product",),
        nothing,
        edits="quote",
        value=lambda pk: [{"product_id": pk, "quantity": "1"}],
    ),
    "POST quotes deal_id": Field(fixed("/api/v1/quotes"), "deal_id", DEALS, body(title="新")),
    "POST quotes company_id": Field(
        fixed("/api/v1/quotes"), "company_id", COMPANIES, body(title="新")
    ),
    "POST quotes person_id": Field(fixed("/api/v1/quotes"), "person_id", PEOPLE, body(title="新")),
    "POST quotes owner_id": Field(fixed("/api/v1/quotes"), "owner_id", USERS, body(title="新")),
    "POST activities record_id (person)": Field(
        fixed("/api/v1/activities"), "record_id", PEOPLE, api_activity("call")
    ),
    "POST activities record_id (deal)": Field(
        fixed("/api/v1/activities"), "record_id", DEALS, api_activity("call", record_type="deal")
    ),
    "POST activities record_id (lead)": Field(
        fixed("/api/v1/activities"), "record_id", LEADS, api_activity("call", record_type="lead")
    ),
    "POST activities owner_id": Field(
        fixed("/api/v1/activities"), "owner_id", USERS, api_activity("task")
    ),
    "POST activities attendee_person_ids": Field(
        fixed("/api/v1/activities"),
        "attendee_person_ids",
        PEOPLE,
        api_activity("meeting"),
        many=True,
    ),
    "POST activities attendee_user_ids": Field(
        fixed("/api/v1/activities"),
        "attendee_user_ids",
        ("inactive_user",),
        api_activity("meeting"),
        many=True,
    ),
    "PATCH activities owner_id": Field(
        own_url("/api/v1/activities/{pk}", "task"), "owner_id", USERS, nothing, edits="task"
    ),
    "PATCH activities attendee_person_ids": Field(
        own_url("/api/v1/activities/{pk}", "meeting"),
        "attendee_person_ids",
        PEOPLE,
        nothing,
        edits="meeting",
        many=True,
    ),
    "POST emails person_id": Field(
        fixed("/api/v1/emails"), "person_id", PEOPLE, body(subject="偷看", body="正文")
    ),
    "POST activities record_id (company)": Field(
        fixed("/api/v1/activities"),
        "record_id",
        COMPANIES,
        api_activity("call", record_type="company"),
    ),
    "POST emails in_reply_to_id": Field(
        fixed("/api/v1/emails"),
        "in_reply_to_id",
        ("other_email",),
        lambda w: {"person_id": w.own["person"].pk, "subject": "偷看", "body": "正文"},
    ),
    "POST review link person_id": Field(
        own_url("/api/v1/emails/review/{pk}/link", "review"), "person_id", PEOPLE, nothing
    ),
    # reads that take a record as a filter or parameter
    "GET product price ?company_id=": Field(
        lambda w: (
            f"/api/v1/products/{w.own['quote'].lines.first().product_id}/price?company_id={{id}}"
        ),
        "company_id",
        COMPANIES,
        nothing,
        get=True,
    ),
    "GET people ?company=": Field(
        fixed("/api/v1/people?company={id}"), "company", COMPANIES, nothing, get=True
    ),
    "GET deals ?company=": Field(
        fixed("/api/v1/deals?company={id}"), "company", COMPANIES, nothing, get=True
    ),
    "GET deals ?owner=": Field(
        fixed("/api/v1/deals?owner={id}"), "owner", USERS, nothing, get=True
    ),
    "GET quotes ?deal=": Field(fixed("/api/v1/quotes?deal={id}"), "deal", DEALS, nothing, get=True),
    "GET activities ?record_id=": Field(
        fixed("/api/v1/activities?record_type=person&record_id={id}"),
        "record_id",
        PEOPLE,
        nothing,
        get=True,
    ),
    "GET emails ?person=": Field(
        fixed("/api/v1/emails?person={id}"), "person", PEOPLE, nothing, get=True
    ),
    "GET timeline": Field(
        fixed("/api/v1/timeline/person/{id}"), "record", PEOPLE, nothing, get=True
    ),
    "GET forecast ?owner=": Field(
        fixed("/api/v1/forecast?owner={id}"), "owner", USERS, nothing, get=True
    ),
    # a bulk action skips and counts what the caller cannot see, as rows no one has
    **{
        f"POST bulk ids ({kind})": Field(
            fixed("/api/v1/bulk"),
            "ids",
            hidden,
            lambda w, kind=kind: {"type": kind, "action": "assign_owner", "value": w.actor.pk},
            many=True,
            refusals=(200,),
            counted=True,
        )
        for kind, hidden in (
            ("person", PEOPLE),
            ("company", COMPANIES),
            ("deal", DEALS),
            ("lead", LEADS),
        )
    },  # fmt: skip
    "POST bulk value (owner)": Field(
        fixed("/api/v1/bulk"),
        "value",
        USERS,
        lambda w: {"type": "person", "action": "assign_owner", "ids": [w.own["person"].pk]},
    ),
    "POST targets user_id": Field(
        fixed("/api/v1/targets"), "user_id", ("other_user",), body(period="2026-Q4", amount=1)
    ),
    "POST goals user_id": Field(
        fixed("/api/v1/goals"),
        "user_id",
        ("other_user",),
        body(metric="revenue_won", period="month", start="2026-12-01", target="1"),
    ),  # fmt: skip
}

#: how each kind of request may refuse (a stale API write may also answer 412)
UI_REFUSALS = (200, 404)
API_REFUSALS = (400, 404, 422)
#: a read may also answer as if it named nothing (an empty list, the page unfiltered)
READ_ANSWERS = (200, 400, 404, 422)


# ---------------------------------------------------------------- checks


def snapshot(w: World, field: Field) -> dict:
    state = {"audit entries": AuditEntry.objects.count()}
    for model in COUNTED:
        state[model.__name__] = model._base_manager.count()
    state["attendees"] = Activity.attendee_people.through.objects.count()
    state["invited users"] = Activity.attendee_users.through.objects.count()
    if field.edits:
        record = w.own[field.edits]
        state["edited row"] = type(record)._base_manager.filter(pk=record.pk).values().first()
    return state


TOKEN = re.compile(r"\w+")
RANDOM = re.compile(r"(csrfmiddlewaretoken\" value=\"|nonce=\"|X-CSRFToken\"?: ?\")[^\"]*")


def words(text: str) -> Counter:
    return Counter(TOKEN.findall(RANDOM.sub("", text)))


def leaked(hidden_text: str, missing_text: str, kind: str, hidden_id: int, missing_id: int):
    """What the answer naming a hidden record tells that the one naming no record does not."""
    problems = []
    for marker in MARKERS[kind]:
        if marker in hidden_text and (kind not in DIRECTORY_KINDS or marker not in missing_text):
            problems.append(f"shows {marker!r}")
    if kind in DIRECTORY_KINDS:  # listed to everyone anyway: only their names count
        return problems
    extra = words(hidden_text) - words(missing_text)
    extra.pop(str(hidden_id), None)
    lacking = words(missing_text) - words(hidden_text)
    lacking.pop(str(missing_id), None)
    if extra or lacking:
        problems.append(f"differs from naming nothing: +{dict(extra)} -{dict(lacking)}")
    return problems


def without_job_identity(text: str) -> str:
    """A bulk job's answer without what differs from one job to the next."""
    try:
        answer = json.loads(text)
    except ValueError:
        return text
    for key in ("id", "url", "created_at", "finished_at"):
        answer.pop(key, None)
    return json.dumps(answer, ensure_ascii=False)


def value_for(field: Field, pk: int):
    if field.value is not None:
        return field.value(pk)
    return [pk] if field.many else pk


def send_ui(w: World, field: Field, pk: int, stale: bool):
    url = field.url(w).format(id=pk)
    client = Client()
    client.cookies = copy.deepcopy(w.session)
    if field.get:
        return client.get(url)
    data = field.data(w)
    if "{id}" not in field.url(w):
        data[field.field] = [str(pk)] if field.many else str(pk)
    if field.edits:
        version = current(w.own[field.edits]).version
        data["version"] = str(version - 1 if stale else version)
    return client.post(url, data, follow=True)


def send_api(w: World, field: Field, pk: int, stale: bool):
    url = field.url(w).format(id=pk)
    headers = {"Authorization": f"Bearer {w.token}"}
    if field.edits:
        version = current(w.own[field.edits]).version
        headers["If-Match"] = f'W/"{version - 1 if stale else version}"'
    if field.get:
        return Client().get(url, headers=headers)
    payload = {**field.data(w), field.field: value_for(field, pk)}
    method = "PATCH" if url.rstrip("/").split("/")[-1].isdigit() else "POST"
    return Client().generic(method, url, json.dumps(payload), "application/json", headers=headers)


def walk(w: World, name: str, field: Field, send, refusals) -> list[str]:
    """Send `field` each of its hidden ids, fresh and stale; what went wrong, in words."""
    problems = []
    baselines = {}  # the answer naming no record, per missing id and version
    for kind in field.hidden:
        hidden_pk, missing_pk = w.hidden[kind].pk, w.missing[kind]
        for stale in (False, True) if field.edits else (False,):
            label = f"{name} = {kind}{' (stale version)' if stale else ''}"
            if (missing_pk, stale) not in baselines:
                baselines[missing_pk, stale] = send(w, field, missing_pk, stale)
            baseline = baselines[missing_pk, stale]
            before = snapshot(w, field)
            response = send(w, field, hidden_pk, stale)
            changed = [key for key, value in snapshot(w, field).items() if before[key] != value]
            if changed:
                problems.append(f"{label}: changed {changed}")
            status, text = response.status_code, response.content.decode()
            base_text = baseline.content.decode()
            if field.counted:
                text, base_text = without_job_identity(text), without_job_identity(base_text)
            allowed = (field.refusals or (READ_ANSWERS if field.get else refusals)) + (
                (412,) if stale and send is send_api else ()
            )
            if status not in allowed:
                problems.append(f"{label}: answered {status}, expected one of {allowed}")
            if status != baseline.status_code:
                problems.append(f"{label}: {status}, but {baseline.status_code} for no record")
            refused = "errorlist" in text or "flash error" in text
            if send is send_ui and status == 200 and not refused and not field.get:
                problems.append(f"{label}: answered 200 without a field error")
            if field.typeahead and '<select name="company"' in text:
                problems.append(f"{label}: the company field is not the type-ahead one")
            shown = leaked(text, base_text, kind, hidden_pk, missing_pk)
            problems += [f"{label}: {problem}" for problem in shown]
    return problems


# ---------------------------------------------------------------- the walk


@pytest.mark.parametrize("name", list(UI_FIELDS))
def test_forms_refuse_hidden_ids_without_naming_them(world, db, name):
    field = UI_FIELDS[name]
    problems = walk(world, name, field, send_ui, UI_REFUSALS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", list(API_FIELDS))
def test_api_refuses_hidden_ids_without_naming_them(world, db, name, settings):
    settings.EMAIL_HOST = "smtp.invalid"  # email is set up: sending checks what it is sent
    problems = walk(world, name, API_FIELDS[name], send_api, API_REFUSALS)
    assert not problems, "\n".join(problems)


def test_the_walk_sees_what_it_hides(world, db):
    """The markers are real: the records exist, and their owner sees them."""
    hidden = world.hidden
    assert hidden["other_user"].team_id != world.actor.team_id
    assert not hidden["inactive_user"].is_active
    for kind in ("other_company", "other_person", "other_deal", "other_lead", "other_quote"):
        record = hidden[kind]
        assert not type(record).objects.visible_to(world.actor).filter(pk=record.pk).exists()
        assert type(record).objects.visible_to(record.owner).filter(pk=record.pk).exists()
    for kind in ("binned_company", "binned_person", "binned_deal", "binned_lead", "binned_quote"):
        record = hidden[kind]
        assert record.deleted_at is not None and record.owner_id == world.actor.pk
