"""The only writers of orders: an accepted quote makes its order (in the quote's
transaction), and the order's status changes from open to fulfilled or cancelled."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import audit, events, visibility
from kehu.core.records import VersionConflict
from kehu.sales.models import Order, OrderLine, Quote
from kehu.sales.quotes.lines import LINE_COPY
from kehu.sales.quotes.numbering import next_number


def order_from(actor: User, quote: Quote) -> Order:
    """The order of an accepted quote, with a copy of its lines; in the caller's transaction."""
    fields = ["deal_id", "company_id", "person_id", "currency", "subtotal", "discount_total",
              "tax_total", "total", "owner_id"]  # fmt: skip
    order = Order(
        number=next_number("order", "SO", timezone.localdate().year),
        quote=quote,
        created_by=actor,
        **{name: getattr(quote, name) for name in fields},
    )
    order.save()
    OrderLine.objects.bulk_create(
        OrderLine(order=order, **{name: getattr(line, name) for name in LINE_COPY})
        for line in quote.lines.all()
    )
    audit.record(
        actor, order, "create", {"quote": [None, quote.label], "total": [None, str(order.total)]}
    )
    events.emit("order.created", actor=actor, record=order)
    return order


def set_order_status(
    actor: User, order: Order, status: str, expected_version: int | None = None
) -> Order:
    visibility.require_record(actor, order, "edit")
    if status not in Order.Status.values:
        raise ValidationError({"status": [_("Choose open, fulfilled or cancelled.")]})
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        if expected_version is not None and current.version != int(expected_version):
            raise VersionConflict(current, {"status": status})
        if current.status != status:
            before = current.status
            current.status = status
            current.version += 1
            current.updated_at = timezone.now()
            current.save()
            audit.record(actor, current, "update", {"status": [before, status]})
            events.emit("order.updated", actor=actor, record=current)
    return current
