"""The company currency and the exchange rates: which currencies a deal, price list or quote
may be in, and the administrators' writer of the rates (they exist to total deals in the
company currency, on the board and in the forecast)."""

import decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit
from kehu.sales.models import ExchangeRate


def known_currencies() -> set[str]:
    """The company currency and every currency with an exchange rate."""
    return {settings.DEFAULT_CURRENCY, *ExchangeRate.objects.values_list("currency", flat=True)}


def clean_currency(value: Any) -> str:
    code = str(value or settings.DEFAULT_CURRENCY).strip().upper()
    if code not in known_currencies():
        raise ValidationError(
            {
                "currency": [
                    _("Unknown currency “%(code)s”: add its exchange rate under Settings first.")
                    % {"code": code}
                ]
            }
        )
    return code


def set_exchange_rate(actor: User, currency: str, rate: Any) -> ExchangeRate:
    require_admin(actor)
    code = str(currency or "").strip().upper()
    errors = {}
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        errors["currency"] = [_("Enter a three-letter ISO currency code such as USD.")]
    elif code == settings.DEFAULT_CURRENCY:
        errors["currency"] = [_("This is the company currency; its rate is always 1.")]
    try:
        value = decimal.Decimal(str(rate))
        if not value.is_finite() or value <= 0 or value >= 10**10:
            raise decimal.InvalidOperation
    except (decimal.InvalidOperation, ValueError, TypeError):
        errors["rate"] = [_("Enter a rate greater than 0, such as 7.1234.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found, created = ExchangeRate.objects.get_or_create(currency=code, defaults={"rate": value})
        before = None if created else str(found.rate)
        found.rate = value.quantize(decimal.Decimal("0.00000001"))
        found.updated_at = timezone.now()
        found.save()
        audit.record(
            actor, found, "create" if created else "update", {"rate": [before, str(value)]}
        )
    return found
