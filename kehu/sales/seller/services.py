"""Reading and saving the seller's details; the logo is checked to be a real PNG or JPEG of a
sane size before it is kept."""

import io
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit
from kehu.core.records import check_version
from kehu.core.text import validate_one_line
from kehu.sales.seller.models import SellerProfile

FIELDS = ["name", "address", "phone", "tax_number", "bank_name", "bank_account"]
#: 纳税人识别号: the 18-character unified social credit code, or an older 15 to 20 characters
TAX_NUMBER_CHARS = set("0123456789ABCDEFGHJKLMNPQRTUWXY")
LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 2000
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def current_seller() -> SellerProfile:
    """The saved details, or unsaved ones carrying `KEHU_COMPANY_NAME`."""
    found = SellerProfile.objects.filter(pk=1).first()
    return found or SellerProfile(pk=None, name=settings.COMPANY_NAME)


def check_logo(data: bytes) -> str:
    """The MIME type of an uploaded logo; ValidationError, said plainly, for anything that is
    not a PNG or JPEG image under 512 KB and 2000 × 2000 pixels."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError({"logo": [_("The logo is larger than 512 KB: make it smaller.")]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            {"logo": [_("The logo must be a PNG or JPEG image; this file is not one.")]}
        ) from exc
    if kind not in LOGO_FORMATS:
        raise ValidationError({"logo": [_("The logo must be a PNG or JPEG image.")]})
    if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE or not width or not height:
        raise ValidationError({"logo": [_("The logo may be at most 2000 × 2000 pixels.")]})
    return LOGO_FORMATS[kind]


def _clean(data: dict[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in FIELDS:
        if name not in data:
            continue
        value = str(data[name] or "").strip()
        if name != "address":
            try:
                validate_one_line(value)
            except ValidationError as exc:
                errors[name] = exc.messages
                continue
        cleaned[name] = value
    tax = cleaned.get("tax_number", "").upper().replace(" ", "")
    if tax and (not 15 <= len(tax) <= 20 or not set(tax) <= TAX_NUMBER_CHARS):
        errors["tax_number"] = [
            _("A tax number (纳税人识别号) is 15 to 20 digits and capital letters, usually 18.")
        ]
    if "tax_number" in cleaned:
        cleaned["tax_number"] = tax
    account = cleaned.get("bank_account", "")
    if account and not account.replace(" ", "").replace("-", "").isdigit():
        errors["bank_account"] = [_("A bank account number has only digits, spaces and dashes.")]
    for name, limit in (("name", 200), ("address", 500), ("phone", 50), ("bank_name", 200),
                        ("bank_account", 40)):  # fmt: skip
        if len(cleaned.get(name, "")) > limit:
            errors[name] = [_("At most %(n)s characters.") % {"n": limit}]
    if errors:
        raise ValidationError(errors)
    return cleaned


def save_seller(
    actor: User,
    data: dict[str, Any],
    *,
    logo: bytes | None = None,
    remove_logo: bool = False,
    expected_version: int | None = None,
) -> SellerProfile:
    """Change the seller's details (administrators only); VersionConflict, and nothing saved,
    when someone saved them since they were read at `expected_version`."""
    require_admin(actor)
    cleaned = _clean(data)
    logo_type = check_logo(logo) if logo is not None else None
    with transaction.atomic():
        seller = SellerProfile.objects.select_for_update().filter(pk=1).first()
        created = seller is None
        if seller is None:
            seller = SellerProfile(pk=1)
        else:
            check_version(seller, expected_version, cleaned)
        before = audit.snapshot(seller, FIELDS) if not created else {}
        for name, value in cleaned.items():
            setattr(seller, name, value)
        delta = audit.diff(before, audit.snapshot(seller, FIELDS))
        if logo is not None and logo_type is not None:
            seller.logo, seller.logo_type = logo, logo_type
            delta["logo"] = [None, _("new logo")]
        elif remove_logo and seller.logo:
            seller.logo, seller.logo_type = None, ""
            delta["logo"] = [_("logo"), None]
        if delta or created:
            if not created:
                seller.version += 1
            seller.updated_at = timezone.now()
            seller.save()
            audit.record(actor, seller, "create" if created else "update", delta)
    return seller
