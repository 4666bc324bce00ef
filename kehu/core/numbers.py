"""How amounts and quantities are written, the same on pages, in PDFs and in the history."""

import decimal
from typing import Any


def money(value: Any) -> str:
    """An amount with thousands separators and cents: 1234567.5 → 1,234,567.50."""
    if value in (None, ""):
        return ""
    return f"{value:,.2f}"


def plain(value: decimal.Decimal | None) -> str:
    """A quantity or percentage without trailing zeros or exponents: 2.000 → 2, 50 → 50."""
    if value in (None, ""):
        return ""
    return f"{value.normalize():f}"
