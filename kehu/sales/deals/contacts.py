"""The people of a deal and their roles in it (张伟, 采购); each change is in the deal's
history."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import audit, visibility
from kehu.customers.models import Person
from kehu.sales.models import Deal, DealContact


def _contacts_text(deal: Deal) -> str:
    """The deal's people as the history shows them: 张伟 (采购), 李娜 (决策人)."""
    contacts = DealContact.objects.filter(deal=deal).select_related("person")
    return ", ".join(f"{c.person.name} ({c.role})" if c.role else c.person.name for c in contacts)


def set_contact(actor: User, deal: Deal, person: Person, role: str = "") -> DealContact:
    """Add a person the actor can see to the deal, or change their role in it."""
    visibility.require_record(actor, deal, "edit")
    pk = person.pk if isinstance(person, Person) else person
    try:
        found = Person.objects.visible_to(actor).filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        found = None
    if found is None:
        raise ValidationError({"person": [_("Choose a person you can see.")]})
    role = (role or "").strip()[:100]
    with transaction.atomic():
        before = _contacts_text(deal)
        contact, _created = DealContact.objects.get_or_create(
            deal=deal, person=found, defaults={"role": role}
        )
        contact.role = role
        contact.save()
        after = _contacts_text(deal)
        if after != before:
            audit.record(actor, deal, "update", {"contacts": [before or None, after]})
    return contact


def remove_contact(actor: User, deal: Deal, person_id: Any) -> None:
    visibility.require_record(actor, deal, "edit")
    with transaction.atomic():
        before = _contacts_text(deal)
        removed, _kinds = DealContact.objects.filter(deal=deal, person_id=person_id).delete()
        if not removed:
            raise ValidationError({"person": [_("This person is not on the deal.")]})
        audit.record(actor, deal, "update", {"contacts": [before, _contacts_text(deal) or None]})
