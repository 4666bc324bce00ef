# mypy: disable-error-code="arg-type, assignment, attr-defined, valid-type"
"""People and companies in the browser: lists, forms, detail pages with timeline, recycle bin.

Reads go through `visible_to`; writes go through the services. A record the user may not see
answers 404; a right the user lacks answers 403 (Django's handler renders `403.html`).
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from kehu.activities.views import panel_context
from kehu.core import search, visibility
from kehu.core.access import colleague_choices, get_visible_or_404
from kehu.core.bulk.bar import OPTION_LIMIT, bulk_bar
from kehu.core.pagination import capped_count
from kehu.core.saved_views.toolbar import toolbar
from kehu.customers import list_table, queries, services
from kehu.customers.duplicates import queries as duplicate_queries
from kehu.customers.duplicates import warnings as duplicate_warnings
from kehu.customers.fields.values import active_fields
from kehu.customers.forms import (
    CompanyForm,
    PersonForm,
    RecordForm,
)
from kehu.customers.models import Company, CustomField, Person, Tag
from kehu.web.pages import create_page, delete_page, edit_page, keyset_page, restore_page

COMPANY_PEOPLE_SHOWN = 50
FILTER_OPTION_LIMIT = OPTION_LIMIT  # the bulk bar's tags are the filter's
#: above this many visible companies the list's company filter becomes a type-ahead
FILTER_COMPANY_SELECT_LIMIT = 50
FILTER_KEYS = ["q", "owner", "tag", "company", "contact", "created_after", "created_before",
               "updated_after", "updated_before"]  # fmt: skip


@dataclass(frozen=True)
class Entity:
    key: str
    model: type[Model]
    form: type[RecordForm]
    create: callable
    update: callable
    delete: callable
    restore: callable
    nav: str
    plural: str
    singular: str
    new_title: str

    def url(self, action: str, *args) -> str:
        return reverse(f"{self.key}-{action}", args=args)


ENTITIES = {
    "person": Entity("person", Person, PersonForm, services.create_person,
                     services.update_person, services.delete_person, services.restore_person,
                     "people", gettext_lazy("People"), gettext_lazy("person"),
                     gettext_lazy("New person")),
    "company": Entity("company", Company, CompanyForm, services.create_company,
                      services.update_company, services.delete_company, services.restore_company,
                      "companies", gettext_lazy("Companies"), gettext_lazy("company"),
                      gettext_lazy("New company")),
}  # fmt: skip


def _related(entity: Entity, qs):
    # Owners are prefetched, not joined: an INNER JOIN lets SQLite's planner start from the
    # users table and sort a million people instead of walking the sort index (4 s vs 1 ms).
    if entity.key == "person":
        return qs.select_related("company").prefetch_related("owner")
    return qs.prefetch_related("owner")


def _filtered(qs, params, entity_key: str, user, definitions):
    """Apply the list filters; a bad filter is dropped and its message returned, never a 500."""
    params = params.copy()
    errors: dict[str, list[str]] = {}
    for _attempt in range(len(params) + 1):
        try:
            return queries.apply_filters(qs, params, entity_key, user, definitions), errors
        except ValidationError as exc:
            found = exc.message_dict if hasattr(exc, "error_dict") else {"q": exc.messages}
            errors.update(found)
            bad = [key for key in found if key in params]
            if not bad:
                break
            for key in bad:
                params.pop(key)
    return qs.none(), errors


def _filter_options(entity: Entity, user, params) -> dict:
    """What the filter bar offers: owners in the user's scope, tags, companies, custom fields."""
    # one who sees only their own records has no owner to choose
    own_only = visibility.owners_in_scope(user) == user.pk
    names = {} if own_only else dict(colleague_choices(user, "customers", "read"))
    tags = Tag.objects.order_by("name").values_list("pk", "name")[:FILTER_OPTION_LIMIT]
    options = {
        "owners": _choices(names.items(), params, "owner"),
        "owner_names": names,
        "tags": _choices(tags, params, "tag"),
        "custom_filters": [],
    }
    if entity.key == "person":
        # instances, not values_list: Django orders a values query by column number
        # (ORDER BY 2), which SQLite then serves 30 times slower than ORDER BY "name" from the
        # same index (1 ms against 0.03 at 200,000 companies)
        companies = [
            (company.pk, company.name)
            for company in Company.objects.visible_to(user)
            .only("id", "name")
            .order_by("name_sort_key", "id")[: FILTER_COMPANY_SELECT_LIMIT + 1]
        ]
        options["company_lookup"] = len(companies) > FILTER_COMPANY_SELECT_LIMIT
        options["companies"] = (
            [] if options["company_lookup"] else _choices(companies, params, "company")
        )
        chosen = params.get("company") or ""
        options["company_label"] = ""
        if chosen.isdigit():
            company = Company.objects.visible_to(user).filter(pk=int(chosen)).first()
            options["company_label"] = company.name if company else ""
    return options


def _choices(items, params, key: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) for each (pk, label): compared here once, not in the template."""
    chosen = params.get(key)
    return [(str(pk), label, str(pk) == chosen) for pk, label in items]


def custom_filter_rows(definitions, params, errors) -> list[dict]:
    """The filter inputs of a list for its custom fields (people, companies, leads)."""
    kind = CustomField.Type
    rows = []
    for definition in definitions:
        name = queries.CUSTOM_PREFIX + definition.key
        if definition.type in (kind.CHOICE, kind.MULTI_CHOICE):
            choices = [(c, c) for c in definition.choices or []]
        elif definition.type == kind.BOOLEAN:
            choices = [("true", _("Yes")), ("false", _("No"))]
        else:
            choices = None
        rows.append(
            {
                "name": name,
                "label": definition.display_label,
                "value": params.get(name, ""),
                "choices": choices,
                "input_type": "date" if definition.type == kind.DATE else "text",
                "errors": errors.get(name, []),
            }
        )
    return rows


@login_required
def record_list(request, entity):
    entity = ENTITIES[entity]
    user = request.user
    params = request.GET
    base = entity.model.objects.visible_to(user)
    definitions = active_fields(entity.key)
    tools = toolbar(request, entity.key, definitions)
    qs, errors = _filtered(base, params, entity.key, user, definitions)
    qs = tools.narrow(qs, user)
    shown_custom = [d for d in definitions if f"{queries.CUSTOM_PREFIX}{d.key}" in tools.shown]
    listed = list_table.shown(qs, entity.key, with_custom=bool(shown_custom))
    sort = queries.clean_sort(params.get("sort") or tools.sort, entity.key)
    found = keyset_page(request, listed, sort)
    page = found["page"]
    count, more = capped_count(_counted(qs, base, params, errors, user))
    if params.get("q") and count >= search.LIST_MATCH_CAP:
        more = True  # a search shows at most its first LIST_MATCH_CAP matches: say there are more
    filtering = tools.view is not None or any(
        params.get(k) for k in params if k in FILTER_KEYS or k.startswith(queries.CUSTOM_PREFIX)
    )
    options = _filter_options(entity, user, params)
    tag_names = [label for _value, label, _chosen in options["tags"]]
    bulk = bulk_bar(request, entity.key, None if more else count, tags=tag_names)
    # the rows' owners are mostly among the filter's owners (or the user): no query for those
    owners = {user.pk: str(user), **options.pop("owner_names")}
    context = {
        **found,
        "entity": entity,
        "nav": entity.nav,
        "table_rows": list_table.render(
            entity.key,
            page.items,
            definitions,
            params,
            owners,
            tools.shown,
            selectable=bulk is not None,
        ),
        "table_header": list_table.header(
            entity.key, tools.shown, definitions, found["sort"], params
        ),
        "list_toolbar": tools,
        "bulk": bulk,
        "count": count,
        "more": more,
        "errors": errors,
        "filtering": filtering,
        "advanced_open": bool(errors)
        or any(params.get(k) for k in FILTER_KEYS[4:])
        or any(params.get(k) for k in params if k.startswith(queries.CUSTOM_PREFIX)),
        "has_records": bool(page.items) or (filtering and base.exists()),
        "custom_fields": definitions,
        "custom_filters": custom_filter_rows(definitions, params, errors),
        "other_errors": [
            message
            for key, found in errors.items()
            if key not in FILTER_KEYS
            and key not in {queries.CUSTOM_PREFIX + d.key for d in definitions}
            for message in found
        ],
        # a dict with every key: a key missing from a QueryDict costs the template a dir() call
        "params": {key: params.get(key, "") for key in FILTER_KEYS},
        "export_query": _export_query(params),
        **options,
    }
    return render(request, "customers/list.html", context)


def _counted(qs, base, params, errors, user):
    """What the list's count counts: `qs`, or, with a tag and nothing narrower than an owner
    or the user's own scope, the tag's links (see `queries.count_by_tag`): reading the links
    of one tag (and owner) is cheaper than probing each record for the tag. With any other
    filter, `qs` is cheaper to count: the planner probes that filter's rows for the tag."""
    filters = {k for k in params if params.get(k) and k not in ("cursor", "sort")}
    if errors or "tag" not in filters or filters - {"tag", "owner"}:
        return qs
    owner = queries.owner_filter(params, user)
    owners = owner if owner is not None else visibility.owners_in_scope(user)
    # The links hold the tag and the owner; each is checked against `base` (visible, not
    # binned) by its id. Checking the owner filter there too would make PostgreSQL read all
    # of the owner's records to join them (6 ms at 1M people) instead of 550 id lookups.
    return queries.count_by_tag(base, int(params["tag"]), owners)


def _export_query(params) -> str:
    query = params.copy()
    for key in ("cursor", "format"):
        query.pop(key, None)
    return query.urlencode()


def _custom_labels(entity_key: str) -> dict[str, str]:
    return {d.key: d.display_label for d in CustomField.objects.filter(entity=entity_key)}


@login_required
def record_detail(request, entity, pk):
    entity = ENTITIES[entity]
    user = request.user
    record = get_visible_or_404(
        entity.model,
        user,
        pk,
        include_bin=True,
        queryset=_related(entity, entity.model.all_objects.all()),
    )
    context = {
        "nav": entity.nav,
        "custom_fields": active_fields(entity.key),
        "tags": list(record.tags.all()),
        "can_delete": visibility.can(user, "customers", "delete"),
        "entity": entity,
        "can_edit": visibility.can(user, "customers", "edit"),
        **panel_context(request, record),
        "merges": duplicate_queries.merges_into(entity.key, record.pk),
        "merged_into": duplicate_queries.merged_into(record) if record.deleted_at else None,
    }
    if entity.key == "company":
        people = Person.objects.visible_to(user).filter(company=record)
        context["people"] = list(
            people.select_related("owner").order_by("name_sort_key", "id")[:COMPANY_PEOPLE_SHOWN]
        )
        context["people_count"], context["people_more"] = capped_count(people)
        for section in COMPANY_SECTIONS:  # what other apps show on a company (sales: deals)
            context.update(section(user, record))
    elif not record.deleted_at:
        for section in PERSON_SECTIONS:  # sales: the person's deals, quotes and orders
            context.update(section(user, record))
    return render(request, "customers/detail.html", context)


#: functions (user, company) → template context that other apps add to a company's page;
#: `sales` adds the company's deals (the customers app never imports the apps built on it)
COMPANY_SECTIONS: list = []
#: the same for a person's page (sales: their deals, quotes and orders)
PERSON_SECTIONS: list = []


@login_required
def record_create(request, entity):
    entity = ENTITIES[entity]
    user = request.user
    visibility.require(user, "customers", "create")
    initial = {}
    if entity.key == "person" and (request.GET.get("company") or "").isdigit():
        initial["company"] = request.GET["company"]
    warning = duplicate_warnings.DuplicateWarning()
    return create_page(
        request,
        entity.form(request.POST or None, user=user, initial=initial),
        create=duplicate_warnings.guarded_create(entity.key, request, entity.create, warning),
        template="web/record_form.html",
        list_url=f"{entity.key}-list",
        context={"entity": entity, "nav": entity.nav, "new_title": entity.new_title,
                 "duplicates": warning},
    )  # fmt: skip


@login_required
def record_edit(request, entity, pk):
    entity = ENTITIES[entity]
    user = request.user
    record = get_visible_or_404(
        entity.model, user, pk, queryset=_related(entity, entity.model.objects.all())
    )
    warning = duplicate_warnings.DuplicateWarning()
    return edit_page(
        request,
        record,
        form_class=entity.form,
        update=duplicate_warnings.guarded_update(entity.key, request, entity.update, warning),
        template="web/record_form.html",
        context={"entity": entity, "nav": entity.nav, "duplicates": warning},
    )


@login_required
def record_delete(request, entity, pk):
    entity = ENTITIES[entity]
    user = request.user
    record = get_visible_or_404(
        entity.model, user, pk, queryset=_related(entity, entity.model.objects.all())
    )
    note = ""
    if entity.key == "company" and request.method != "POST":
        people, _more = capped_count(Person.objects.visible_to(user).filter(company=record))
        if people:
            note = ngettext(
                "Its %(n)s person stays, without a company, and is linked again if you "
                "restore the company.",
                "Its %(n)s people stay, without a company, and are linked again if you "
                "restore the company.",
                people,
            ) % {"n": people}
    return delete_page(
        request, record, delete=entity.delete, list_url=f"{entity.key}-list", nav=entity.nav,
        note=note,
    )  # fmt: skip


@login_required
@require_POST
def record_restore(request, entity, pk):
    entity = ENTITIES[entity]
    return restore_page(request, entity.model, pk, restore=entity.restore)


@login_required
def company_autocomplete(request):
    """Visible companies matching what was typed, for the company pickers of the forms and the
    list filter; with `offer_create`, also "create company …" for those who may create one
    (unless a suggestion already bears the typed name)."""
    q = (request.GET.get("company_search") or request.GET.get("q") or "").strip()[:200]
    companies = []
    if q:
        visible = Company.objects.visible_to(request.user)
        companies = list(search.search(visible, q).order_by("name_sort_key", "id")[:10])
        if not companies:
            by_text = visible.filter(name__icontains=q)
            companies = list(by_text.order_by("name_sort_key", "id")[:10])
    can_create = (
        bool(request.GET.get("offer_create"))
        and visibility.can(request.user, "customers", "create")
        and not any(company.name == q for company in companies)
    )
    return render(
        request,
        "customers/_company_options.html",
        {"companies": companies, "q": q, "can_create": can_create},
    )


@login_required
@require_POST
def company_quick_create(request):
    """Create the company typed in a company picker (through the service, which checks the
    permission and the name) and answer it as the picker's chosen option."""
    visibility.require(request.user, "customers", "create")
    name = (request.POST.get("new_company") or "").strip()
    context: dict = {"name": name}
    try:
        if not name:
            raise ValidationError({"name": [_("Type the company's name first.")]})
        context["company"] = services.create_company(request.user, {"name": name})
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"name": exc.messages}
        context["errors"] = [message for messages in errors.values() for message in messages]
    return render(request, "customers/_company_created.html", context)
