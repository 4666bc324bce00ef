# mypy: disable-error-code="arg-type, attr-defined"
"""The table of the people and company lists: rows read with only the columns it shows, and
rendered to HTML in Python.

A list page shows 50 rows of ten or more cells. Through the template engine every cell costs a
variable lookup, a filter and auto-escaping: about 0.2 ms a row, the largest part of the page and
the part that grows with the page size. Built here with `html.escape` and f-strings, a row costs a
tenth of that. The header row stays in `customers/list.html`: keep its columns and these in step.
"""

from html import escape

from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.template.defaulttags import querystring
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import User
from kehu.core.contact import display_phone
from kehu.core.saved_views import columns
from kehu.core.saved_views.columns import Column
from kehu.core.urls import record_url
from kehu.customers import queries
from kehu.customers.models import Company
from kehu.customers.queries import tag_links
from kehu.web.templatetags.kehu_tags import custom_value

#: what each list reads besides the id: never wide text such as notes or the search document
#: (the sort key: a page sorted by name ends its cursor with it)
COLUMNS = {
    "person": ["name", "name_sort_key", "title", "email", "phone", "company_id", "owner_id",
               "city", "created_at", "updated_at"],
    "company": ["name", "name_sort_key", "industry", "email", "phone", "city", "owner_id",
                "created_at", "updated_at"],
}  # fmt: skip


def shown(qs: QuerySet, entity_key: str, with_custom: bool) -> QuerySet:
    """`qs` reading what the table shows; a person's company name comes along in the same query.

    The name is a scalar subquery, not a join: when the page is sorted after filtering (e.g.
    the few people of an owner carrying a rare tag), PostgreSQL looks it up for the 50 rows
    shown instead of joining every match before the sort."""
    qs = qs.only(*COLUMNS[entity_key], *(["custom"] if with_custom else []))
    if entity_key == "person":
        companies = Company.all_objects.filter(pk=OuterRef("company_id")).values("name")[:1]
        qs = qs.annotate(company_name=Subquery(companies))
    return qs


def owner_names(rows: list[Model], known: dict[int, str]) -> dict[int, str]:
    """Each row owner's display name: from `known` (id → name), the others read in one query."""
    missing = {row.owner_id for row in rows} - known.keys()
    if not missing:
        return known
    return {**known, **{user.pk: str(user) for user in User.objects.filter(pk__in=missing)}}


class _Moments:
    """A stored moment as the list shows it: the day, and to the minute in the cell's title."""

    def __init__(self):
        self.zone = timezone.get_current_timezone()

    def cell(self, moment) -> str:
        if not moment:
            return '<td class="nowrap" title=""></td>'
        stamp = moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
        return f'<td class="nowrap" title="{stamp}">{stamp.partition(" ")[0]}</td>'


class _TagCells:
    """A row's tag links; each links to the current list filtered by that tag (first page)."""

    def __init__(self, query):
        self.query = query
        self.hrefs: dict[int, str] = {}

    def cell(self, tags: list[tuple[int, str]]) -> str:
        links = []
        for tag_id, name in tags:
            href = self.hrefs.get(tag_id)
            if href is None:
                href = escape(querystring(None, self.query, tag=tag_id, cursor=None))
                self.hrefs[tag_id] = href
            links.append(f'<a class="tag" href="{href}">{escape(name)}</a>')
        return f"<td>{''.join(links)}</td>"


def select_cell(pk: int, name: str) -> str:
    """A row's checkbox for the bulk bar; it belongs to the bar's form wherever it stands."""
    label = escape(gettext("Select %(name)s") % {"name": name})
    return (
        f'<td class="select"><input type="checkbox" name="ids" value="{int(pk)}" '
        f'form="bulk-form" aria-label="{label}"></td>'
    )


class _PhoneCells:
    """A row's phone as a `tel:` link that, once tapped, offers to log the call (kehu.js)."""

    def __init__(self, entity_key: str):
        marker = "9876543210"
        url = reverse("activity-log", args=[entity_key, int(marker), "call"])
        self.before, _sep, self.after = url.partition(marker)

    def cell(self, row) -> str:
        if not row.phone:
            return '<td class="nowrap"></td>'
        number, name = escape(row.phone), escape(row.name)
        log = f"{self.before}{int(row.pk)}{self.after}"
        return (
            f'<td class="nowrap"><a href="tel:{number}" data-log-call="{log}" '
            f'data-call-name="{name}">{escape(display_phone(row.phone))}</a></td>'
        )


PERSON_COLUMNS = [
    Column("name", _("Name")), Column("company", _("Company")), Column("email", _("Email")),
    Column("phone", _("Phone")), Column("city", _("City"), default=False),
    Column("owner", _("Owner")), Column("tags", _("Tags")), Column("updated_at", _("Updated")),
    Column("created_at", _("Created")),
]  # fmt: skip
COMPANY_COLUMNS = [
    Column("name", _("Name")), Column("industry", _("Industry")), Column("email", _("Email")),
    Column("phone", _("Phone")), Column("city", _("City")), Column("owner", _("Owner")),
    Column("tags", _("Tags")), Column("updated_at", _("Updated")),
    Column("created_at", _("Created")),
]  # fmt: skip
#: columns whose header sorts the list, and the direction a first click asks for
SORTABLE = {"name": "name", "updated_at": "-updated_at", "created_at": "-created_at"}


def register_columns() -> None:
    """The columns a person may choose on these lists, and how their filters read as a
    condition (to save them as a view)."""
    from kehu.core.saved_views.views import PARAMS_TO_CONDITION
    from kehu.customers.condition_fields import list_condition

    columns.register("person", PERSON_COLUMNS, custom_entity="person")
    columns.register("company", COMPANY_COLUMNS, custom_entity="company")
    for entity in ("person", "company"):
        PARAMS_TO_CONDITION[entity] = lambda params, user, e=entity: list_condition(e, params, user)


def header(entity_key: str, keys: list[str], custom_fields, sort: str, query) -> SafeString:
    """The `<th>` of each shown column; sortable ones link to their sort (custom fields too)."""
    labels = {c.key: c.label for c in columns.offered(entity_key, custom_fields)}
    sortable = dict(SORTABLE)
    for definition in custom_fields:
        if queries.sort_kind(definition):
            sortable[f"cf_{definition.key}"] = f"cf_{definition.key}"
    out = []
    for key in keys:
        label = escape(str(labels.get(key, key)))
        first = sortable.get(key)
        if first is None:
            out.append(f"<th>{label}</th>")
            continue
        column = first.lstrip("-")
        if sort == column:
            target, mark, aria = f"-{column}", " ▲", ' aria-sort="ascending"'
        elif sort == f"-{column}":
            target, mark, aria = column, " ▼", ' aria-sort="descending"'
        else:
            target, mark, aria = first, "", ""
        href = escape(querystring(None, query, sort=target, cursor=None))
        out.append(f'<th{aria}><a href="{href}">{label}{mark}</a></th>')
    return mark_safe("".join(out))  # labels escaped above


def render(
    entity_key: str, rows: list[Model], custom_fields, query, owners: dict[int, str],
    keys: list[str] | None = None, selectable: bool = False,
) -> SafeString:  # fmt: skip
    """The `<tr>` of each row, with the cells of `keys` (the shown columns) in order. `query`
    is the request's GET, which the tag links build on; `owners`, the display names of users
    already read (id → name); `selectable`: a first cell with the row's checkbox for the bulk
    bar (kehu/core/templates/bulk/_bar.html)."""
    if not rows:
        return SafeString("")
    keys = keys or columns.defaults(entity_key)
    owners = owner_names(rows, owners)
    tags = tag_links(type(rows[0]), rows) if "tags" in keys else {}
    moments, tag_cells, call = _Moments(), _TagCells(query), _PhoneCells(entity_key)
    person = entity_key == "person"
    detail = "person-detail" if person else "company-detail"
    by_key = {f"cf_{f.key}": f for f in custom_fields}
    out = []
    for row in rows:
        cells = [select_cell(row.pk, row.name)] if selectable else []
        for key in keys:
            if key == "name":
                name = f'<a href="{record_url(detail, row.pk)}">{escape(row.name)}</a>'
                if person and row.title:
                    name += f'<div class="muted small">{escape(row.title)}</div>'
                cells.append(f'<td class="name nowrap">{name}</td>')
            elif key == "company":
                cell = '<td class="nowrap">'
                if row.company_id is not None:
                    company = record_url("company-detail", row.company_id)
                    cell += f'<a href="{company}">{escape(row.company_name)}</a>'
                cells.append(cell + "</td>")
            elif key == "email":
                email = escape(row.email)
                cells.append(
                    f'<td><a href="mailto:{email}">{email}</a></td>' if email else "<td></td>"
                )
            elif key == "phone":
                cells.append(call.cell(row))
            elif key in ("industry", "city"):
                cells.append(f"<td>{escape(getattr(row, key))}</td>")
            elif key == "owner":
                cells.append(f'<td class="nowrap">{escape(owners.get(row.owner_id, ""))}</td>')
            elif key == "tags":
                cells.append(tag_cells.cell(tags.get(row.pk, ())))
            elif key in ("updated_at", "created_at"):
                cells.append(moments.cell(getattr(row, key)))
            elif key in by_key:
                cells.append(f"<td>{escape(custom_value(row, by_key[key]))}</td>")
            else:
                cells.append("<td></td>")
        out.append("  <tr>\n    " + "\n    ".join(cells) + "\n  </tr>\n")
    return mark_safe("".join(out))  # every value in it is escaped above
