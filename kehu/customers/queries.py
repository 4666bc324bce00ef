"""The filters and sorts people and company lists offer — one definition for UI, API and export."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import search
from kehu.customers.models import CustomField

SORTS = ["name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"]
CUSTOM_PREFIX = "cf_"


def _date_bound(value: str, end_of_day: bool) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc
    moment = datetime.datetime.combine(day, datetime.time.max if end_of_day else datetime.time.min)
    return timezone.make_aware(moment)


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: [_("Expected a number.")]}) from exc


def apply_filters(qs: QuerySet, params, entity: str, user=None) -> QuerySet:
    """Filter `qs` by the list parameters (a QueryDict or dict). Raises ValidationError."""
    errors: dict[str, list[str]] = {}
    get = params.get
    q = (get("q") or "").strip()
    if q:
        qs = search.search(qs, q)
    owner = get("owner")
    if owner:
        qs = qs.filter(owner_id=user.pk if owner == "me" and user else _int(owner, "owner"))
    tag = get("tag")
    if tag:
        qs = qs.filter(tags__id=_int(tag, "tag"))
    if entity == "person" and get("company"):
        company = get("company")
        if company == "none":
            qs = qs.filter(company__isnull=True)
        else:
            qs = qs.filter(company_id=_int(company, "company"))
    for name, lookup, end in (
        ("created_after", "created_at__gte", False),
        ("created_before", "created_at__lte", True),
        ("updated_after", "updated_at__gte", False),
        ("updated_before", "updated_at__lte", True),
    ):
        if get(name):
            try:
                qs = qs.filter(**{lookup: _date_bound(get(name), end)})
            except ValidationError as exc:
                errors[name] = exc.messages
    custom_keys = [k for k in params if k.startswith(CUSTOM_PREFIX) and get(k) not in (None, "")]
    if custom_keys:
        definitions = {d.key: d for d in CustomField.objects.filter(entity=entity, active=True)}
        for param in custom_keys:
            key = param[len(CUSTOM_PREFIX) :]
            definition = definitions.get(key)
            if definition is None:
                errors[param] = [_("There is no custom field “%(key)s”.") % {"key": key}]
                continue
            try:
                qs = filter_custom(qs, definition, get(param))
            except ValidationError as exc:
                errors[param] = exc.messages
    if errors:
        raise ValidationError(errors)
    return qs.distinct() if tag else qs


def filter_custom(qs: QuerySet, definition: CustomField, raw: str) -> QuerySet:
    """Match a custom field: text contains, choices and numbers exactly, yes/no as true/false."""
    from kehu.customers.custom_fields import clean_value

    kind = CustomField.Type
    key = f"custom__{definition.key}"
    if definition.type in (kind.TEXT, kind.LONG_TEXT, kind.URL, kind.EMAIL):
        return qs.filter(**{f"{key}__icontains": raw.strip()})
    if definition.type == kind.MULTI_CHOICE:
        value = clean_value(definition, raw)
        for choice in value or []:
            qs = qs.filter(**{f"{key}__icontains": f'"{choice}"'})
        return qs
    value = clean_value(definition, raw)
    if definition.type == kind.BOOLEAN:
        return qs.filter(**{key: value})
    return qs.annotate(**{f"_cf_{definition.key}": KT(key)}).filter(
        **{f"_cf_{definition.key}": str(value)}
    )


def clean_sort(value: str | None) -> str:
    return value if value in SORTS else "name"
