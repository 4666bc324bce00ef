"""The board's cards: read with only the columns a card shows, and rendered in Python.

A board shows up to 50 cards in each open stage. Through the template engine (one `include` a
card) they were half of the page's time at 150 cards; built here with `html.escape`, as the
people list's rows are (decision 0008), they cost a tenth of that. Keep in step with the board's
script (`web/static/kehu/board.js`), which reads the `data-` attributes.
"""

from html import escape

from django.db.models import Case, F, QuerySet, When
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from kehu.accounts.models import User
from kehu.core.urls import record_url
from kehu.web.templatetags.kehu_tags import money

COLUMNS = ["name", "amount", "currency", "next_step", "next_step_due", "closed_at", "version",
           "owner_id", "company_id", "updated_at"]  # fmt: skip


def shown(qs: QuerySet) -> QuerySet:
    """`qs` reading what a card shows; the company's name comes along in the same query."""
    alive = When(company__deleted_at__isnull=True, then=F("company__name"))  # not binned ones
    return qs.only(*COLUMNS).annotate(company_name=Case(alive, default=None))


def owner_names(cards: list) -> dict[int, str]:
    """Display names of the cards' owners, in one query."""
    ids = {card.owner_id for card in cards}
    return {user.pk: str(user) for user in User.objects.filter(pk__in=ids)} if ids else {}


def render(cards: list, owners: dict[int, str], can_edit: bool) -> SafeString:
    today = timezone.localdate()
    draggable = " data-movable" if can_edit else ""  # SortableJS drags it (board.js)
    parts = []
    for deal in cards:
        overdue = bool(deal.next_step_due and deal.next_step_due < today)
        url = record_url("deal-detail", deal.pk)
        move = record_url("deal-move", deal.pk)
        company = (
            f'<div class="muted">{escape(deal.company_name)}</div>' if deal.company_name else ""
        )
        next_step = ""
        if deal.next_step:
            due = f" · {deal.next_step_due.isoformat()}" if deal.next_step_due else ""
            flag = " overdue" if overdue else ""
            next_step = (
                f'<div class="board-card-next{flag}">{escape(deal.next_step)}{escape(due)}</div>'
            )
        parts.append(
            f'<li class="board-card{" overdue" if overdue else ""}" data-deal="{deal.pk}" '
            f'data-version="{deal.version}" data-move-url="{escape(move)}"{draggable}>'
            f'<a href="{escape(url)}">{escape(deal.name)}</a>{company}'
            f'<div class="board-card-line"><strong>{escape(money(deal.amount))} '
            f"{escape(deal.currency)}</strong>"
            f'<span class="muted">{escape(owners.get(deal.owner_id, ""))}</span></div>'
            f"{next_step}</li>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 (every value above is escaped)
