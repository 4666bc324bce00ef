"""The only writers of leads: capture, qualify or disqualify, and convert.

Converting a qualified lead makes (or finds) the person and the company it names and, if asked,
a deal, in one transaction: an existing person with the same email or phone, or an existing
company with the same name, visible to the user, is linked instead of duplicated. The lead
keeps links to what it became and cannot be converted twice.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import audit, events, records, search, visibility
from kehu.core.contact import national_digits, normalize_email, normalize_phone
from kehu.core.sort_keys import name_sort_key
from kehu.customers import services as customers
from kehu.customers.fields.values import carried_over, clean_custom
from kehu.customers.models import Company, Person
from kehu.sales.assignment import services as assignment
from kehu.sales.deals import services as sales
from kehu.sales.models import Lead, Product
from kehu.sales.scoring import services as scoring

LEAD_FIELDS = ["name", "company_name", "title", "email", "phone", "region", "product_interest",
               "source", "status", "disqualify_reason", "notes", "next_step", "next_step_due",
               "owner", "custom"]  # fmt: skip
#: the key under which `create_web_lead` hands the sender's address to `create_lead`
WEB_ADDRESS = "_web_address"
TEXT = {"name", "company_name", "title", "region", "disqualify_reason", "next_step"}


def lead_document(lead: Lead) -> str:
    return search.build_document(
        search.name_tokens(lead.name, is_person_name=True),
        search.name_tokens(lead.company_name),
        search.plain_tokens(lead.email),
        search.phone_tokens(lead.phone, national_digits(lead.phone)) if lead.phone else [],
    )


def _prepare(actor: User, lead: Lead, changes: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name in TEXT & changes.keys():
        changes[name] = (changes[name] or "").strip()
    if "name" in changes and not changes["name"]:
        errors["name"] = [_("This field is required.")]
    cleaners: tuple[tuple[str, Callable[[str], str]], ...] = (
        ("email", normalize_email),
        ("phone", normalize_phone),
    )
    for name, clean in cleaners:
        if name in changes:
            try:
                changes[name] = clean(changes[name] or "")
            except ValidationError as exc:
                errors[name] = exc.messages
    if "owner" in changes:
        try:
            changes["owner"] = customers.resolve_owner(actor, changes["owner"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "product_interest" in changes:
        try:
            changes["product_interest"] = resolve_product(changes["product_interest"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "custom" in changes:
        try:
            changes["custom"] = clean_custom("lead", changes["custom"] or {}, lead.custom)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "source" in changes and changes["source"] not in Lead.Source.values:
        errors["source"] = [_("Choose a source from the list.")]
    if "status" in changes:
        status = changes["status"]
        if status not in Lead.Status.values:
            errors["status"] = [_("Choose a status from the list.")]
        elif status == Lead.Status.CONVERTED and lead.status != status:
            errors["status"] = [_("A lead becomes converted by converting it.")]
        elif lead.status == Lead.Status.CONVERTED and status != lead.status:
            errors["status"] = [_("This lead is converted; its status no longer changes.")]
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        if name in LEAD_FIELDS:
            setattr(lead, name, value)
    if lead.pk is None and WEB_ADDRESS in changes:  # set once, by the web form's service
        lead.web_address = changes[WEB_ADDRESS]
    if lead.status == Lead.Status.DISQUALIFIED and not lead.disqualify_reason:
        raise ValidationError({"disqualify_reason": [_("Say why the lead is disqualified.")]})
    if lead.status != Lead.Status.DISQUALIFIED:
        lead.disqualify_reason = ""
    lead.search_text = lead_document(lead)
    lead.name_sort_key = name_sort_key(lead.name, person=True)
    scoring.score_lead(lead)


def resolve_product(value: Any) -> Product | None:
    """The active product `value` names: a Product, an id (int, from forms) or a SKU (text,
    from the API and imports), or None."""
    if value in (None, ""):
        return None
    if isinstance(value, Product):
        return value
    if isinstance(value, int):
        found = Product.objects.filter(pk=value).first() if 0 < value < 2**63 else None
    else:
        found = Product.objects.filter(sku__iexact=str(value).strip()).first()
    if found is None or not found.active:
        raise ValidationError({"product_interest": [_("Choose an active product.")]})
    return found


LEAD = records.RecordSpec(
    model=Lead,
    event_prefix="lead",
    audited_fields=LEAD_FIELDS,
    prepare=_prepare,
    resolved_relations=("owner", "product_interest"),
)


def create_lead(actor: User, data: dict[str, Any]) -> Lead:
    """A new lead; with `owner` set to `assignment.BY_RULES` the assignment rules choose its
    owner (the creator, if no rule matches)."""
    data = {"name": "", **data}
    by_rules = data.get("owner") == assignment.BY_RULES
    if by_rules:
        data.pop("owner")
    with transaction.atomic():
        lead = records.create(LEAD, actor, data)
        if by_rules:
            assignment.assign_new("lead", lead)
    return lead


def update_lead(
    actor: User, lead: Lead, changes: dict[str, Any], expected_version: int | None = None
) -> Lead:
    return records.update(LEAD, actor, lead, changes, expected_version)


def delete_lead(actor: User, lead: Lead) -> Lead:
    return records.soft_delete(LEAD, actor, lead)


def restore_lead(actor: User, lead: Lead, expected_version: int | None = None) -> Lead:
    return records.restore(LEAD, actor, lead, expected_version=expected_version)


def matching_person(actor: User, lead: Lead) -> Person | None:
    """A person `actor` can see with the lead's email or phone."""
    people = Person.objects.visible_to(actor).order_by("id")
    if lead.email:
        found = people.filter(email=lead.email).first()
        if found:
            return found
    if lead.phone:
        return people.filter(phone=lead.phone).first()
    return None


def matching_company(actor: User, lead: Lead) -> Company | None:
    """The oldest company `actor` can see with exactly the lead's company name."""
    if not lead.company_name:
        return None
    return Company.objects.visible_to(actor).filter(name=lead.company_name).order_by("id").first()


def convert_lead(
    actor: User,
    lead: Lead,
    *,
    make_deal: bool = True,
    deal: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Lead:
    """Turn a qualified lead into a person, a company and (if `make_deal`) a deal; the deal
    takes the lead's values of the custom fields deals have too (same key, same type)."""
    visibility.require_record(actor, lead, "edit")
    visibility.require(actor, "customers", "create")
    with transaction.atomic():
        current = Lead.objects.select_for_update().filter(pk=lead.pk).first()
        if current is None:
            raise ValidationError(_("This record has been deleted."))
        if expected_version is not None and current.version != int(expected_version):
            raise records.VersionConflict(current, {})
        if current.status == Lead.Status.CONVERTED:
            raise ValidationError({"status": [_("This lead is converted already.")]})
        if current.status != Lead.Status.QUALIFIED:
            raise ValidationError({"status": [_("Qualify the lead before converting it.")]})
        owner = current.owner
        # each record the lead becomes says so in its history: a new one in its creation
        # entry, an existing one in an update (its version goes up, `<kind>.updated` is sent)
        source = {"_from_lead": current.pk, "lead": [None, str(current)]}
        company = matching_company(actor, current)
        if company is not None:
            company = customers.note_company_change(actor, company, source)
        elif current.company_name:
            data = {"name": current.company_name, "owner": owner}
            company = customers.create_company(actor, data, facts=source)
        person = matching_person(actor, current)
        if person is not None:
            person = customers.note_person_change(actor, person, source)
        else:
            person = customers.create_person(
                actor,
                {
                    "name": current.name, "email": current.email, "phone": current.phone,
                    "title": current.title, "company": company, "owner": owner,
                    "notes": current.notes,
                },
                facts=source,
            )  # fmt: skip
        made_deal = None
        if make_deal:
            data = {"name": current.company_name or current.name, "company": company,
                    "owner": owner, **(deal or {})}  # fmt: skip
            carried = carried_over(current.custom, "lead", "deal")
            if carried:  # docs/custom-fields.md: same key and type on both
                data.update(custom=carried, **{sales.CARRIED_CUSTOM: True})
            made_deal = sales.create_deal(actor, data, facts=source)
        before = current.status
        current.status = Lead.Status.CONVERTED
        current.converted_at = timezone.now()
        current.person, current.company, current.deal = person, company, made_deal
        current.version += 1
        current.updated_at = current.converted_at
        current.save()
        facts = {"status": [before, current.status], "_person": person.pk,
                 "_company": company.pk if company else None,
                 "_deal": made_deal.pk if made_deal else None}  # fmt: skip
        audit.record(actor, current, "update", facts)
        events.emit("lead.converted", actor=actor, record=current, changes=facts)
    return current


# --- the public web form ---------------------------------------------------------------------

WEB_FIELDS = ("name", "company_name", "title", "email", "phone", "notes")


class SpamRefused(Exception):
    """A web form post that looks automated, or one address posting too often."""


def web_lead_owner() -> User | None:
    """Who owns leads from the web form: KEHU_WEB_LEAD_OWNER, else the first administrator."""
    active = User.objects.filter(is_active=True)
    if settings.WEB_LEAD_OWNER:
        owner = active.filter(username=settings.WEB_LEAD_OWNER).first()
        if owner is not None:
            return owner
    admins = active.filter(Q(is_superuser=True) | Q(role__is_admin=True))
    return admins.order_by("id").first()


def create_web_lead(data: dict[str, Any], address: str | None, honeypot: str = "") -> Lead:
    """A lead from the public form. `honeypot` is a field people never see and bots fill in;
    an address that sent WEB_LEADS_PER_HOUR leads in the last hour must wait."""
    if honeypot:
        raise SpamRefused("honeypot")
    if address:
        hour_ago = timezone.now() - datetime.timedelta(hours=1)
        recent = Lead.all_objects.filter(web_address=address, created_at__gte=hour_ago)
        if recent.count() >= settings.WEB_LEADS_PER_HOUR:
            raise SpamRefused("rate")
    owner = web_lead_owner()
    if owner is None:
        raise ValidationError(_("The web form is not ready: there is no administrator yet."))
    values = {name: str(data.get(name) or "")[:10000] for name in WEB_FIELDS}
    if not values["email"] and not values["phone"]:
        raise ValidationError({"email": [_("Leave an email or a phone number.")]})
    data = {**values, "source": Lead.Source.WEB, "owner": assignment.BY_RULES}
    return create_lead(owner, {**data, WEB_ADDRESS: address})
