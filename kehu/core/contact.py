"""Normalising contact details: phones to E.164 (phonenumbers), emails to lower-case."""

import functools

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


def normalize_phone(raw: str, region: str | None = None) -> str:
    """E.164 form of a phone number; '' for empty input; ValidationError if it is not a number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), params={"value": raw}
        ) from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number."), params={"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)  # pure, and lists show the same numbers page after page
def display_phone(e164: str) -> str:
    """A stored phone shown national-style at home, international-style abroad."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.country_code_for_region(settings.PHONE_DEFAULT_REGION)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def national_digits(e164: str) -> str:
    """The national significant number of an E.164 phone, e.g. +8613812345678 → 13812345678."""
    # Country calling codes are prefix-free, so the first 1–3 digits that form one are it.
    for size in (1, 2, 3):
        code = (e164 or "")[1 : 1 + size]
        if code.isdigit() and int(code) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            rest = e164[1 + size :]
            if rest and rest[0] != "0":  # Italian-style leading zeros need the full parse
                return rest
            break
    try:
        return str(phonenumbers.parse(e164, None).national_number)
    except phonenumbers.NumberParseException:
        return ""


def normalize_email(raw: str) -> str:
    email = (raw or "").strip()
    if not email:
        return ""
    if len(email) > 254:
        raise ValidationError(_("Enter a valid email address."))
    validate_email(email)
    local, _sep, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"
