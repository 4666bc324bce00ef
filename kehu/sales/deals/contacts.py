"""The people of a deal and their roles in it (张伟, 采购). These change the rows only; the
deal's service (`services.set_contact`, `services.remove_contact`) wraps them so the deal's
version, history and event follow."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import visibility
from kehu.customers.models import Person
from kehu.sales.models import Deal, DealContact

# What changed, as the deal's history shows it: [before, after], each None when empty.
Change = list[str | None]


def _contacts_text(deal: Deal) -> str:
    """The deal's people as the history shows them: 张伟 (采购), 李娜 (决策人)."""
    contacts = DealContact.objects.filter(deal=deal).select_related("person")
    return ", ".join(f"{c.person.name} ({c.role})" if c.role else c.person.name for c in contacts)


def put_contact(
    actor: User, deal: Deal, person: Person | Any, role: str = ""
) -> tuple[DealContact, Change | None]:
    """Add a person the actor can see to the deal, or change their role in it; the change, or
    None when the deal's people are as they were. Call inside a transaction."""
    visibility.require_record(actor, deal, "edit")
    pk = person.pk if isinstance(person, Person) else person
    try:
        found = Person.objects.visible_to(actor).filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        found = None
    if found is None:
        raise ValidationError({"person": [_("Choose a person you can see.")]})
    role = (role or "").strip()[:100]
    before = _contacts_text(deal)
    contact, _created = DealContact.objects.get_or_create(
        deal=deal, person=found, defaults={"role": role}
    )
    contact.role = role
    contact.save()
    after = _contacts_text(deal)
    return contact, ([before or None, after] if after != before else None)


def take_off(actor: User, deal: Deal, person_id: Any) -> Change:
    """Take a person off the deal; the change. Call inside a transaction."""
    visibility.require_record(actor, deal, "edit")
    before = _contacts_text(deal)
    removed, _kinds = DealContact.objects.filter(deal=deal, person_id=person_id).delete()
    if not removed:
        raise ValidationError({"person": [_("This person is not on the deal.")]})
    return [before, _contacts_text(deal) or None]
