# mypy: disable-error-code="arg-type, attr-defined, list-item"
"""The only writers of quotes and orders.

A quote is a draft until it is sent; then it is fixed, and changing it means a new version
(the same number, the next revision) while the old one is kept as superseded. Sending by
email runs as a task; accepting makes the order, in the same transaction.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import audit, events, records, visibility
from kehu.core.numbers import plain
from kehu.core.records import RecordSpec, VersionConflict
from kehu.customers.models import Person
from kehu.customers.services import resolve_company, resolve_owner
from kehu.sales.catalog import pricing
from kehu.sales.catalog.services import clean_money, clean_quantity, clean_rate, id_of
from kehu.sales.deals.services import clean_currency
from kehu.sales.models import (
    Deal,
    DocumentCounter,
    Order,
    OrderLine,
    Product,
    Quote,
    QuoteLine,
)

QUOTE_FIELDS = ["title", "status", "decision_note", "deal", "company", "person", "currency",
                "valid_until", "terms", "owner", "total"]  # fmt: skip
LINE_COPY = ["position", "product_id", "sku", "description", "quantity", "unit", "unit_price",
             "discount_percent", "tax_rate", "net", "tax"]  # fmt: skip
MAX_LINES = 200


def next_number(kind: str, prefix: str, year: int) -> str:
    """The next number of `kind` in `year`, e.g. Q-2026-0001; gaps only if a save fails
    after the number was taken, and then the whole transaction rolls back with it."""
    DocumentCounter.objects.get_or_create(kind=kind, year=year)
    counter = DocumentCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{year}-{counter.last:04d}"


def _resolve_deal(actor, value) -> Deal | None:
    if value in (None, ""):
        return None
    pk = id_of(value)
    visible = Deal.objects.visible_to(actor).select_related("company")
    deal = visible.filter(pk=pk).first() if pk else None
    if deal is None:
        raise ValidationError({"deal": [_("Choose a deal you can see.")]})
    return deal


def _resolve_person(actor, value) -> Person | None:
    if value in (None, ""):
        return None
    pk = id_of(value)
    person = Person.objects.visible_to(actor).filter(pk=pk).first() if pk else None
    if person is None:
        raise ValidationError({"person": [_("Choose a person you can see.")]})
    return person


def _clean_lines(quote: Quote, rows: list[dict]) -> list[QuoteLine]:
    """Lines from rows {product, description, quantity, unit_price, discount_percent,
    tax_rate, unit}: blanks filled from the product and its price for the quote's customer."""
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": [_("A quote has at most 200 lines.")]})
    wanted = {id_of(r.get("product")) for r in rows} - {None}
    products = Product.objects.in_bulk(wanted)
    kept = set(quote.lines.values_list("product_id", flat=True)) if quote.pk else set()
    errors: list[str] = []
    lines: list[QuoteLine] = []
    for number, row in enumerate(rows, start=1):

        def fail(message, n=number):
            errors.append(_("Line %(n)s: %(error)s") % {"n": n, "error": message})

        raw_product = row.get("product")
        product = products.get(id_of(raw_product))
        if raw_product not in (None, "") and (
            product is None or (not product.active and product.pk not in kept)
        ):
            fail(_("choose an active product."))
            continue
        try:
            quantity = clean_quantity(row.get("quantity"))
            discount = clean_rate(
                row.get("discount_percent"),
                "discount_percent",
                _("the discount is a percentage from 0 to 100."),
            )
            tax_rate = (
                product.tax_rate
                if product is not None and row.get("tax_rate") in (None, "")
                else clean_rate(row.get("tax_rate"))
            )
            given = row.get("unit_price")
            price = None if given in (None, "") else clean_money(given, "unit_price")
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                for message in messages:
                    fail(message)
            continue
        if price is None and product is not None:
            company = quote.company if quote.company_id else None
            price = pricing.unit_price(product, quantity, quote.currency, company)
            if price is None:
                fail(
                    _("%(sku)s has no price in %(currency)s: enter a unit price.")
                    % {"sku": product.sku, "currency": quote.currency}
                )
                continue
        description = str(row.get("description") or "").strip()[:300]
        if product is not None and not description:
            description = product.display_name
        if not description or price is None:
            fail(_("choose a product, or enter a description and a unit price."))
            continue
        amounts = pricing.line_amounts(quantity, price, discount, tax_rate)
        unit = str(row.get("unit") or "").strip()[:20] or (product.unit if product else "")
        lines.append(
            QuoteLine(
                position=len(lines),
                product=product,
                sku=product.sku if product else "",
                description=description,
                quantity=quantity,
                unit=unit,
                unit_price=price,
                discount_percent=discount,
                tax_rate=tax_rate,
                net=amounts.net,
                tax=amounts.tax,
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    return lines


def _set_totals(document, lines) -> None:
    totals = pricing.document_totals(
        [
            pricing.line_amounts(
                line.quantity, line.unit_price, line.discount_percent, line.tax_rate
            )
            for line in lines
        ]
    )
    for name in ("subtotal", "discount_total", "tax_total", "total"):
        setattr(document, name, getattr(totals, name))


def _prepare_quote(actor, quote: Quote, changes: dict) -> None:
    if quote.pk and not quote.is_editable:
        raise ValidationError(
            _("Only a draft can be changed; make a new version of this quote instead.")
        )
    errors: dict[str, list[str]] = {}

    def check(name, clean):
        if name in changes:
            try:
                changes[name] = clean(changes[name])
            except ValidationError as exc:
                errors.update(exc.message_dict)

    check("deal", lambda value: _resolve_deal(actor, value))
    deal = changes.get("deal") if "deal" not in errors else None
    if not quote.pk and deal is not None:
        changes.setdefault("company", deal.company_id and deal.company)
        changes.setdefault("currency", deal.currency)
        changes.setdefault("title", deal.name)
    if "title" in changes:
        changes["title"] = str(changes["title"] or "").strip()
        if not changes["title"]:
            errors["title"] = [_("This field is required.")]
    check("company", lambda value: resolve_company(actor, value))
    check("person", lambda value: _resolve_person(actor, value))
    check("owner", lambda value: resolve_owner(actor, value))
    check("currency", clean_currency)
    check("terms", lambda value: str(value or "").strip())
    if errors:
        raise ValidationError(errors)
    for name in ("title", "deal", "company", "person", "owner", "currency", "valid_until", "terms"):
        if name in changes:
            setattr(quote, name, changes[name])
    person = quote.person if quote.person_id and {"person", "company"} & set(changes) else None
    if person and person.company_id and quote.company_id and person.company_id != quote.company_id:
        raise ValidationError({"person": [_("This person works at another company.")]})
    if not quote.currency:
        quote.currency = settings.DEFAULT_CURRENCY
    if "lines" in changes or not quote.pk:
        lines = _clean_lines(quote, list(changes.get("lines") or []))
        quote._new_lines = lines
        _set_totals(quote, lines)
    elif "currency" in changes:
        raise ValidationError({"currency": [_("Send the lines again when changing the currency.")]})
    if not quote.pk:
        today = timezone.localdate()
        quote.number = next_number("quote", "Q", today.year)
        if quote.valid_until is None:
            quote.valid_until = today + datetime.timedelta(days=30)


def _save_lines(actor, quote: Quote, changes: dict, created: bool) -> None:
    lines = getattr(quote, "_new_lines", None)
    if lines is None:
        return
    quote.lines.all().delete()
    for line in lines:
        line.quote = quote
    QuoteLine.objects.bulk_create(lines)
    records.cache_related(quote, "lines", lines)
    del quote._new_lines


def line_summary(document) -> str:
    """The lines as the history shows them: 3 × LT-14 @ 6999.00 −10%; …"""
    return "; ".join(
        f"{plain(line.quantity)} × {line.sku or line.description} @ {line.unit_price}"
        + (f" −{plain(line.discount_percent)}%" if line.discount_percent else "")
        for line in document.lines.all()
    )


QUOTE = RecordSpec(
    model=Quote,
    event_prefix="quote",
    audited_fields=QUOTE_FIELDS,
    prepare=_prepare_quote,
    after_save=_save_lines,
    m2m_snapshot={"lines": line_summary},
    resolved_relations=("owner", "deal", "company", "person"),
)


def create_quote(actor, data: dict) -> Quote:
    return records.create(QUOTE, actor, data)


def update_quote(actor, quote: Quote, changes: dict, expected_version=None) -> Quote:
    return records.update(QUOTE, actor, quote, changes, expected_version)


def delete_quote(actor, quote: Quote) -> Quote:
    if quote.status == Quote.Status.ACCEPTED:
        raise ValidationError(_("An accepted quote has an order: cancel the order instead."))
    return records.soft_delete(QUOTE, actor, quote)


def restore_quote(actor, quote: Quote) -> Quote:
    return records.restore(QUOTE, actor, quote)


# --- what happens to a quote after the draft ----------------------------------------------


def _change(actor, quote: Quote, expected_version, event: str, apply) -> Quote:
    """Lock the quote, check the version, `apply(current)`, then audit and emit `event`."""
    visibility.require_record(actor, quote, "edit")
    with transaction.atomic():
        current = Quote.objects.select_for_update().filter(pk=quote.pk).first()
        if current is None:
            raise ValidationError(_("This record has been deleted."))
        if expected_version is not None and current.version != int(expected_version):
            raise VersionConflict(current, {})
        before = audit.snapshot(current, QUOTE_FIELDS)
        facts = apply(current) or {}
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        delta = audit.diff(before, audit.snapshot(current, QUOTE_FIELDS))
        audit.record(actor, current, "update", {**delta, **facts})
        events.emit(f"quote.{event}", actor=actor, record=current)
    return current


def one_line(text) -> str:
    """Text for an email header: line breaks there would make it a header injection."""
    return " ".join(str(text or "").split())


def email_configured() -> bool:
    return bool(settings.EMAIL_HOST)


def send_quote(actor, quote: Quote, to: str | None = None, subject="", message="",
               expected_version=None) -> Quote:  # fmt: skip
    """Mark the quote as sent; with `to`, email it (the PDF attached) from a task."""
    address = str(to or "").strip()
    if address:
        if not email_configured():
            raise ValidationError(
                {"to": [_("Email is not set up: set KEHU_EMAIL_HOST (see the README).")]}
            )
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError({"to": [_("Enter a valid email address.")]}) from exc

    def apply(current: Quote):
        if current.status not in (Quote.Status.DRAFT, Quote.Status.SENT) or current.deleted_at:
            raise ValidationError(_("Only a draft or a sent quote can be sent."))
        if not current.lines.exists():
            raise ValidationError(_("Add at least one line before sending the quote."))
        current.status = Quote.Status.SENT
        current.sent_at = current.sent_at or timezone.now()
        if not address:
            return {}
        current.email_state = Quote.EmailState.QUEUED
        current.email_to = address
        current.email_error = ""
        from kehu.sales.tasks import email_quote

        actor_id = actor.pk
        pk = current.pk
        transaction.on_commit(
            lambda: email_quote.enqueue(pk, one_line(subject)[:200], str(message)[:5000], actor_id)
        )
        return {"email_to": [None, address]}

    return _change(actor, quote, expected_version, "sent", apply)


def record_email_result(quote_id: int, error: str = "") -> None:
    """What the mail server said, written by the task (not a user change: no new version)."""
    state = Quote.EmailState.FAILED if error else Quote.EmailState.SENT
    Quote.all_objects.filter(pk=quote_id).update(email_state=state, email_error=error[:300])
    quote = Quote.all_objects.get(pk=quote_id)
    facts = {"email_state": [str(Quote.EmailState.QUEUED.label), str(state.label)]}
    if error:
        facts["email_error"] = [None, error[:300]]
    audit.record(None, quote, "update", facts)


#: without the database queue, a quote email "sending" for this long lost its task
STALE_SENDING = datetime.timedelta(minutes=30)
#: with it, one whose task is neither queued nor running is stuck once this old
LOST_SENDING = datetime.timedelta(minutes=2)


def fail_interrupted_emails(now: datetime.datetime | None = None) -> int:
    """Mark quote emails stuck in "sending" (their worker was killed) as failed, so the quote
    does not show "Sending" for ever; the user sends it again if it did not arrive. Returns
    how many."""
    from kehu.core.recovery import waiting_for
    from kehu.sales.tasks import email_quote

    waiting = waiting_for(email_quote)
    cutoff = (now or timezone.now()) - (STALE_SENDING if waiting is None else LOST_SENDING)
    stuck = Quote.all_objects.filter(email_state=Quote.EmailState.QUEUED, updated_at__lt=cutoff)
    if waiting:
        stuck = stuck.exclude(pk__in=waiting)
    error = _("Sending was interrupted; it is not known whether it went out.")
    failed = 0
    for quote in stuck[:100]:
        if Quote.all_objects.filter(pk=quote.pk, email_state=Quote.EmailState.QUEUED).update(
            email_state=Quote.EmailState.FAILED, email_error=error[:300]
        ):
            facts = {"email_state": [str(Quote.EmailState.QUEUED.label),
                                     str(Quote.EmailState.FAILED.label)],
                     "email_error": [None, error[:300]]}  # fmt: skip
            audit.record(None, quote, "update", facts)
            failed += 1
    return failed


def reject_quote(actor, quote: Quote, reason: str = "", expected_version=None) -> Quote:
    def apply(current: Quote):
        if not current.can_be_decided:
            raise ValidationError(_("Only a draft or a sent quote can be accepted or rejected."))
        current.status = Quote.Status.REJECTED
        current.decided_at = timezone.now()
        current.decision_note = str(reason or "").strip()[:300]

    return _change(actor, quote, expected_version, "rejected", apply)


def accept_quote(actor, quote: Quote, note: str = "", expected_version=None) -> Quote:
    """Accept the quote and make its order, both or neither."""
    visibility.require(actor, "sales", "create")

    def apply(current: Quote):
        if not current.can_be_decided:
            raise ValidationError(_("Only a draft or a sent quote can be accepted or rejected."))
        if not current.lines.exists():
            raise ValidationError(_("Add at least one line before accepting the quote."))
        current.status = Quote.Status.ACCEPTED
        current.decided_at = timezone.now()
        current.decision_note = str(note or "").strip()[:300]
        _order_from(actor, current)

    return _change(actor, quote, expected_version, "accepted", apply)


def _order_from(actor, quote: Quote) -> Order:
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


def revise_quote(actor, quote: Quote, expected_version=None) -> Quote:
    """A new draft version of a sent or rejected quote, with its lines; the old is superseded."""
    visibility.require(actor, "sales", "create")
    created: list[Quote] = []

    def apply(current: Quote):
        if not current.can_be_revised:
            raise ValidationError(
                _("Only the latest version of a sent or rejected quote can be revised.")
            )
        copy = Quote(
            number=current.number,
            revision=current.revision + 1,
            created_by=actor,
            **{
                name: getattr(current, name)
                for name in (
                    "title",
                    "deal_id",
                    "company_id",
                    "person_id",
                    "currency",
                    "terms",
                    "owner_id",
                    "subtotal",
                    "discount_total",
                    "tax_total",
                    "total",
                )  # fmt: skip
            },
            valid_until=max(current.valid_until or timezone.localdate(), timezone.localdate()),
        )
        copy.save()
        QuoteLine.objects.bulk_create(
            QuoteLine(quote=copy, **{name: getattr(line, name) for name in LINE_COPY})
            for line in current.lines.all()
        )
        audit.record(actor, copy, "create", {"revision": [current.revision, copy.revision]})
        current.status = Quote.Status.SUPERSEDED
        current.is_latest = False
        created.append(copy)
        return {}

    _change(actor, quote, expected_version, "revised", apply)
    return created[0]


# --- orders ---------------------------------------------------------------------------------


def set_order_status(actor, order: Order, status: str, expected_version=None) -> Order:
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
