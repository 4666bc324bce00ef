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

from kehu.accounts.models import User
from kehu.core.contact import display_phone
from kehu.core.urls import record_url
from kehu.customers.models import Company
from kehu.customers.queries import tag_links
from kehu.web.templatetags.kehu_tags import custom_value

#: what each list reads besides the id: never wide text such as notes or the search document
#: (the sort key: a page sorted by name ends its cursor with it)
COLUMNS = {
    "person": ["name", "name_sort_key", "title", "email", "phone", "company_id", "owner_id",
               "created_at", "updated_at"],
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


def select_cell(pk: int, name: str) -> str:
    """A row's checkbox for the bulk bar; it belongs to the bar's form wherever it stands."""
    label = escape(gettext("Select %(name)s") % {"name": name})
    return (
        f'<td class="select"><input type="checkbox" name="ids" value="{int(pk)}" '
        f'form="bulk-form" aria-label="{label}"></td>'
    )


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


def render(
    entity_key: str,
    rows: list[Model],
    custom_fields,
    query,
    owners: dict[int, str],
    selectable: bool = False,
) -> SafeString:
    """The `<tr>` of each row. `query` is the request's GET, which the tag links build on;
    `owners`, the display names of users already read (id → name); `selectable`: a first
    cell with the row's checkbox for the bulk bar (kehu/core/templates/bulk/_bar.html)."""
    if not rows:
        return SafeString("")
    owners = owner_names(rows, owners)
    tags = tag_links(type(rows[0]), rows)
    moments, tag_cells, call = _Moments(), _TagCells(query), _PhoneCells(entity_key)
    person = entity_key == "person"
    detail = "person-detail" if person else "company-detail"
    out = []
    for row in rows:
        name = f'<a href="{record_url(detail, row.pk)}">{escape(row.name)}</a>'
        if person:
            if row.title:
                name += f'<div class="muted small">{escape(row.title)}</div>'
            second = '<td class="nowrap">'
            if row.company_id is not None:
                company = record_url("company-detail", row.company_id)
                second += f'<a href="{company}">{escape(row.company_name)}</a>'
            second += "</td>"
        else:
            second = f"<td>{escape(row.industry)}</td>"
        email = escape(row.email)
        cells = [select_cell(row.pk, row.name)] if selectable else []
        cells += [
            f'<td class="name nowrap">{name}</td>',
            second,
            f'<td><a href="mailto:{email}">{email}</a></td>' if email else "<td></td>",
            call.cell(row),
        ]
        if not person:
            cells.append(f"<td>{escape(row.city)}</td>")
        cells += [
            f'<td class="nowrap">{escape(owners.get(row.owner_id, ""))}</td>',
            tag_cells.cell(tags.get(row.pk, ())),
            moments.cell(row.updated_at),
            moments.cell(row.created_at),
        ]
        if custom_fields:
            cells.append("".join(f"<td>{escape(custom_value(row, f))}</td>" for f in custom_fields))
        out.append("  <tr>\n    " + "\n    ".join(cells) + "\n  </tr>\n")
    return mark_safe("".join(out))  # every value in it is escaped above
