"""The only writers of products and price lists; administrators keep the catalogue.

Every change is in the audit trail. A product that has been quoted is deactivated, never
removed, so old quotes and orders keep their lines (which copy what they need anyway).
"""

import decimal
from collections.abc import Callable, Iterable
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit
from kehu.core.numbers import plain
from kehu.core.records import locked_current
from kehu.customers.models import Tag
from kehu.sales.deals.services import clean_currency
from kehu.sales.models import PriceList, PriceListItem, Product

PRODUCT_FIELDS = ["sku", "name", "name_zh", "description", "unit", "price", "tax_rate", "active"]
PRICE_LIST_FIELDS = ["name", "currency", "customer_tag", "valid_from", "valid_until", "active"]


def clean_decimal(value: Any, *, places: int, low: decimal.Decimal | int,
                  high: decimal.Decimal | int, message: str, field: str,
                  above: bool = False) -> decimal.Decimal:  # fmt: skip
    """`value` as a Decimal with `places` decimals within [low, high] (or (low, high])."""
    try:
        number = decimal.Decimal(str(value)).quantize(decimal.Decimal(1).scaleb(-places))
    except (decimal.InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({field: [message]}) from exc
    if not number.is_finite():  # NaN and Infinity compare with nothing
        raise ValidationError({field: [message]})
    too_low = number <= low if above else number < low
    if too_low or number > high:
        raise ValidationError({field: [message]})
    return number


def clean_money(value: Any, field: str = "price") -> decimal.Decimal:
    return clean_decimal(
        value if value not in (None, "") else 0,
        places=2,
        low=0,
        high=decimal.Decimal("99999999999999.99"),
        message=_("Enter an amount of 0 or more, such as 1280.00."),
        field=field,
    )


def clean_rate(value: Any, field: str = "tax_rate", message: str | None = None) -> decimal.Decimal:
    return clean_decimal(
        value if value not in (None, "") else 0,
        places=2,
        low=0,
        high=100,
        message=message or _("Enter a percentage from 0 to 100, such as 13."),
        field=field,
    )


def clean_quantity(value: Any, field: str = "quantity") -> decimal.Decimal:
    return clean_decimal(
        value,
        places=3,
        low=0,
        above=True,
        high=decimal.Decimal("999999999.999"),
        message=_("Enter a quantity greater than 0, such as 2 or 1.5."),
        field=field,
    )


def _apply(
    instance: Product | PriceList, data: dict[str, Any], fields: list[str]
) -> dict[str, Any]:
    """Set `fields` from `data` on `instance`; return {field: [old, new]} for the audit."""
    before = audit.snapshot(instance, fields) if instance.pk else {}
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])
    return audit.diff(before, audit.snapshot(instance, fields))


def save_product(
    actor: User, product: Product | None, data: dict[str, Any], expected_version: int | None = None
) -> Product:
    """Create (`product` None) or change a product; VersionConflict, and nothing saved, when
    someone changed it since it was read at `expected_version`."""
    require_admin(actor)
    data = dict(data)
    errors: dict[str, list[str]] = {}
    cleaners: tuple[tuple[str, Callable[[Any, str], decimal.Decimal]], ...] = (
        ("price", clean_money),
        ("tax_rate", clean_rate),
    )
    for name, clean in cleaners:
        if name in data:
            try:
                data[name] = clean(data[name], name)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    for name in ("sku", "name", "name_zh", "description", "unit"):
        if name in data:
            data[name] = (data[name] or "").strip()
    if "sku" in data and data["sku"]:
        taken = Product.objects.filter(sku__iexact=data["sku"])
        if product is not None:
            taken = taken.exclude(pk=product.pk)
        if taken.exists():
            errors["sku"] = [_("Another product already has this SKU.")]
    if errors:
        raise ValidationError(errors)
    created = product is None
    with transaction.atomic():
        if product is None:
            product = Product()
        else:
            product = locked_current(Product, product.pk, expected_version, data)
        delta = _apply(product, data, PRODUCT_FIELDS)
        product.full_clean()
        if delta or created:
            if not created:
                product.version += 1
            product.updated_at = timezone.now()
            product.save()
            audit.record(actor, product, "create" if created else "update", delta)
    return product


def _resolve_tag(value: Any) -> Tag | None:
    if value in (None, ""):
        return None
    if isinstance(value, Tag):
        return value
    try:
        tag = Tag.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError, OverflowError):
        tag = None
    if tag is None:
        raise ValidationError({"customer_tag": [_("Choose an existing tag.")]})
    return tag


def id_of(value: Any) -> int | None:
    """The id a form or API value names a row by (the row, an id, its text), or None."""
    raw = getattr(value, "pk", value)
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


class PriceItem(TypedDict):
    """One price of a price list, checked: from `min_quantity` units on, `unit_price` each."""

    product: Product
    min_quantity: decimal.Decimal
    unit_price: decimal.Decimal


def _clean_items(rows: list[dict[str, Any]]) -> list[PriceItem]:
    """Each row {product, min_quantity, unit_price}; products resolved, no break twice."""
    errors: list[str] = []
    cleaned: list[PriceItem] = []
    seen: set[tuple[int, decimal.Decimal]] = set()
    wanted = {id_of(r.get("product")) for r in rows} - {None}
    products = Product.objects.in_bulk(wanted)
    for number, row in enumerate(rows, start=1):
        product = products.get(id_of(row.get("product")))
        try:
            quantity = clean_quantity(row.get("min_quantity") or 1, "min_quantity")
            price = clean_money(row.get("unit_price"), "unit_price")
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                errors.extend(
                    _("Row %(n)s: %(error)s") % {"n": number, "error": m} for m in messages
                )
            continue
        if product is None:
            errors.append(_("Row %(n)s: choose a product.") % {"n": number})
            continue
        if row.get("unit_price") in (None, ""):
            errors.append(_("Row %(n)s: enter a unit price.") % {"n": number})
            continue
        if (product.pk, quantity) in seen:
            errors.append(
                _("Row %(n)s: %(product)s already has a price from %(quantity)s.")
                % {"n": number, "product": product.sku, "quantity": plain(quantity)}
            )
            continue
        seen.add((product.pk, quantity))
        cleaned.append({"product": product, "min_quantity": quantity, "unit_price": price})
    if errors:
        raise ValidationError({"items": errors})
    return cleaned


def save_price_list(
    actor: User,
    price_list: PriceList | None,
    data: dict[str, Any],
    items: Iterable[dict[str, Any]] | None = None,
    expected_version: int | None = None,
) -> PriceList:
    """Create or change a price list; `items` (when given) replace all its prices at once.
    VersionConflict, and nothing saved, when someone changed it since it was read at
    `expected_version`."""
    require_admin(actor)
    data = dict(data)
    errors: dict[str, list[str]] = {}
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
    cleaners: tuple[tuple[str, Callable[[Any], object]], ...] = (
        ("currency", clean_currency),
        ("customer_tag", _resolve_tag),
    )
    for name, clean in cleaners:
        if name in data:
            try:
                data[name] = clean(data[name])
            except ValidationError as exc:
                errors.update(exc.message_dict)
    cleaned_items: list[PriceItem] | None = None
    if items is not None:
        try:
            cleaned_items = _clean_items(list(items))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    created = price_list is None
    with transaction.atomic():
        if price_list is None:
            price_list = PriceList()
        else:
            price_list = locked_current(PriceList, price_list.pk, expected_version, data)
        delta = _apply(price_list, data, PRICE_LIST_FIELDS)
        if (
            price_list.valid_from
            and price_list.valid_until
            and price_list.valid_until < price_list.valid_from
        ):
            raise ValidationError({"valid_until": [_("The end date is before the start date.")]})
        price_list.full_clean()
        price_list.updated_at = timezone.now()
        price_list.save()
        if cleaned_items is not None:
            before = _item_summary(price_list)
            price_list.items.all().delete()
            PriceListItem.objects.bulk_create(
                PriceListItem(price_list=price_list, **row) for row in cleaned_items
            )
            after = _item_summary(price_list)
            if before != after:
                delta["items"] = [before, after]
        if delta and not created:
            price_list.version += 1
            price_list.save(update_fields=["version"])
        if delta or created:
            audit.record(actor, price_list, "create" if created else "update", delta)
    return price_list


def _item_summary(price_list: PriceList) -> str:
    rows = price_list.items.select_related("product").order_by("product__sku", "min_quantity")
    return "; ".join(f"{i.product.sku} ≥{plain(i.min_quantity)}: {i.unit_price}" for i in rows)
