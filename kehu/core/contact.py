"""Normalising contact details (phones to E.164 with phonenumbers, emails to lower-case),
and the map search an address links to."""

import functools
import re
from urllib.parse import quote

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
    region = region or settings.PHONE_DEFAULT_REGION
    plain_mobile = _plain_mobile_rule(region)
    if plain_mobile and raw.isascii() and raw.isdigit():
        mobile, country_code = plain_mobile
        if mobile.fullmatch(raw):
            return f"+{country_code}{raw}"
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), params={"value": raw}
        ) from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number."), params={"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.cache
def _plain_mobile_rule(region: str) -> tuple[re.Pattern[str], int | None] | None:
    """The region's mobile-number pattern, for numbers typed as bare national digits.

    Imports are mostly such numbers, and a full `phonenumbers.parse` costs ~50 µs each. A bare
    national number that matches the region's mobile pattern, and starts with neither a
    national nor an international dialling prefix, is valid and its E.164 form is +CC and the
    digits: the answer `parse` would give (tests compare both on many numbers).
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.mobile is None or not metadata.mobile.national_number_pattern:
        return None
    prefixes = [
        p
        for p in (
            metadata.national_prefix_for_parsing,
            metadata.national_prefix,
            metadata.international_prefix,
        )
        if p
    ]
    not_a_prefix = "".join(f"(?!{p})" for p in prefixes)
    pattern = re.compile(f"{not_a_prefix}(?:{metadata.mobile.national_number_pattern})")
    return pattern, metadata.country_code


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


#: map searches an address opens (decision 0025-phones): Amap (高德地图) for people reading
#: Chinese — it knows Chinese addresses and opens its app on a phone — and OpenStreetMap for
#: everyone else. A plain link: nothing is loaded from either site until someone taps it.
MAP_SEARCH = {
    "zh": "https://uri.amap.com/search?keyword={query}",
    "": "https://www.openstreetmap.org/search?query={query}",
}


def map_search_url(address: str, city: str = "", language: str = "") -> str:
    """A link that searches a map for the address (with its city when the address lacks it);
    '' when there is no address."""
    address, city = (address or "").strip(), (city or "").strip()
    query = address if not city or city in address else f"{address} {city}" if address else ""
    if not query:
        return ""
    template = MAP_SEARCH["zh" if (language or "").startswith("zh") else ""]
    return template.format(query=quote(query, safe=""))
