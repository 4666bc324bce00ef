"""The only writers of quotes (orders: `orders.py`; a quote's lines: `lines.py`).

A quote is a draft until it is sent; then it is fixed, and changing it means a new version
(the same number, the next revision) while the old one is kept as superseded. Sending by
email runs as a task; accepting makes the order, in the same transaction.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import audit, events, records, visibility
from kehu.core.records import RecordSpec, VersionConflict
from kehu.customers.fields.values import clean_custom
from kehu.customers.models import Person
from kehu.customers.services import resolve_company, resolve_owner
from kehu.sales.catalog.services import id_of
from kehu.sales.deals.services import clean_currency
from kehu.sales.models import Deal, Quote, QuoteLine
from kehu.sales.quotes.emailing import email_configured as email_configured
from kehu.sales.quotes.emailing import fail_interrupted_emails as fail_interrupted_emails
from kehu.sales.quotes.emailing import one_line
from kehu.sales.quotes.lines import LINE_COPY, clean_lines, line_summary, set_totals
from kehu.sales.quotes.numbering import next_number as next_number
from kehu.sales.quotes.orders import order_from
from kehu.sales.quotes.orders import set_order_status as set_order_status

QUOTE_FIELDS = ["title", "status", "decision_note", "deal", "company", "person", "currency",
                "valid_until", "terms", "owner", "total", "custom"]  # fmt: skip
#: what a step after the draft adds to the audit entry: {field: [old, new]}
Facts = dict[str, list[Any]]


def _resolve_deal(actor: User, value: Any) -> Deal | None:
    if value in (None, ""):
        return None
    pk = id_of(value)
    visible = Deal.objects.visible_to(actor).select_related("company")
    deal = visible.filter(pk=pk).first() if pk else None
    if deal is None:
        raise ValidationError({"deal": [_("Choose a deal you can see.")]})
    return deal


def _resolve_person(actor: User, value: Any) -> Person | None:
    if value in (None, ""):
        return None
    pk = id_of(value)
    person = Person.objects.visible_to(actor).filter(pk=pk).first() if pk else None
    if person is None:
        raise ValidationError({"person": [_("Choose a person you can see.")]})
    return person


def _prepare_quote(actor: User, quote: Quote, changes: dict[str, Any]) -> None:
    if quote.pk and not quote.is_editable:
        raise ValidationError(
            _("Only a draft can be changed; make a new version of this quote instead.")
        )
    errors: dict[str, list[str]] = {}

    def check(name: str, clean: Callable[[Any], Any]) -> None:
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
    check("custom", lambda value: clean_custom("quote", value or {}, quote.custom))
    if errors:
        raise ValidationError(errors)
    for name in ("title", "deal", "company", "person", "owner", "currency", "valid_until", "terms",
                 "custom"):  # fmt: skip
        if name in changes:
            setattr(quote, name, changes[name])
    person = quote.person if quote.person_id and {"person", "company"} & set(changes) else None
    if person and person.company_id and quote.company_id and person.company_id != quote.company_id:
        raise ValidationError({"person": [_("This person works at another company.")]})
    if not quote.currency:
        quote.currency = settings.DEFAULT_CURRENCY
    if "lines" in changes or not quote.pk:
        lines = clean_lines(quote, list(changes.get("lines") or []))
        quote._new_lines = lines
        set_totals(quote, lines)
    elif "currency" in changes:
        raise ValidationError({"currency": [_("Send the lines again when changing the currency.")]})
    if not quote.pk:
        today = timezone.localdate()
        quote.number = next_number("quote", "Q", today.year)
        if quote.valid_until is None:
            quote.valid_until = today + datetime.timedelta(days=30)


def _save_lines(actor: User, quote: Quote, changes: dict[str, Any], created: bool) -> None:
    lines = getattr(quote, "_new_lines", None)
    if lines is None:
        return
    quote.lines.all().delete()
    for line in lines:
        line.quote = quote
    QuoteLine.objects.bulk_create(lines)
    records.cache_related(quote, "lines", lines)
    del quote._new_lines


QUOTE = RecordSpec(
    model=Quote,
    event_prefix="quote",
    audited_fields=QUOTE_FIELDS,
    prepare=_prepare_quote,
    after_save=_save_lines,
    m2m_snapshot={"lines": line_summary},
    resolved_relations=("owner", "deal", "company", "person"),
)


def create_quote(actor: User, data: dict[str, Any]) -> Quote:
    return records.create(QUOTE, actor, data)


def update_quote(
    actor: User, quote: Quote, changes: dict[str, Any], expected_version: int | None = None
) -> Quote:
    return records.update(QUOTE, actor, quote, changes, expected_version)


def delete_quote(actor: User, quote: Quote) -> Quote:
    if quote.status == Quote.Status.ACCEPTED:
        raise ValidationError(_("An accepted quote has an order: cancel the order instead."))
    return records.soft_delete(QUOTE, actor, quote)


def restore_quote(actor: User, quote: Quote, expected_version: int | None = None) -> Quote:
    return records.restore(QUOTE, actor, quote, expected_version=expected_version)


# --- what happens to a quote after the draft ----------------------------------------------


def _change(
    actor: User,
    quote: Quote,
    expected_version: int | None,
    event: str,
    apply: Callable[[Quote], Facts | None],
) -> Quote:
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


def send_quote(actor: User, quote: Quote, to: str | None = None, subject: str = "",
               message: str = "", expected_version: int | None = None) -> Quote:  # fmt: skip
    """Mark the quote as sent; with `to`, email it (the PDF attached) from a task."""
    address = str(to or "").strip()
    if address:
        if not email_configured():
            not_set_up = _(
                "Email is not set up on this server yet: ask an administrator to set it up."
            )
            raise ValidationError({"to": [not_set_up]})
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError({"to": [_("Enter a valid email address.")]}) from exc

    def apply(current: Quote) -> Facts:
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


def reject_quote(
    actor: User, quote: Quote, reason: str = "", expected_version: int | None = None
) -> Quote:
    def apply(current: Quote) -> None:
        if not current.can_be_decided:
            raise ValidationError(_("Only a draft or a sent quote can be accepted or rejected."))
        current.status = Quote.Status.REJECTED
        current.decided_at = timezone.now()
        current.decision_note = str(reason or "").strip()[:300]

    return _change(actor, quote, expected_version, "rejected", apply)


def accept_quote(
    actor: User, quote: Quote, note: str = "", expected_version: int | None = None
) -> Quote:
    """Accept the quote and make its order, both or neither."""
    visibility.require(actor, "sales", "create")

    def apply(current: Quote) -> None:
        if not current.can_be_decided:
            raise ValidationError(_("Only a draft or a sent quote can be accepted or rejected."))
        if not current.lines.exists():
            raise ValidationError(_("Add at least one line before accepting the quote."))
        current.status = Quote.Status.ACCEPTED
        current.decided_at = timezone.now()
        current.decision_note = str(note or "").strip()[:300]
        order_from(actor, current)

    return _change(actor, quote, expected_version, "accepted", apply)


def revise_quote(actor: User, quote: Quote, expected_version: int | None = None) -> Quote:
    """A new draft version of a sent or rejected quote, with its lines; the old is superseded."""
    visibility.require(actor, "sales", "create")
    created: list[Quote] = []

    def apply(current: Quote) -> Facts:
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
                    "custom",
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
