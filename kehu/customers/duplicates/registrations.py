"""The movers of what customers itself keeps about a person or company: tag links, the
history (audit entries) and, for companies, their people. Other apps register theirs when
they start (kehu/activities/merging.py, kehu/sales/registrations.py)."""

from __future__ import annotations

from typing import Any

from kehu.core.models import AuditEntry
from kehu.customers.duplicates import moving
from kehu.customers.models import Company, CompanyTag, Person, PersonTag


def _move_people(kind: str, survivor_id: int, loser_ids: list[int]) -> moving.Moved:
    moved = moving.move_foreign_key(Person, "company", survivor_id, loser_ids)
    _reindex([pk for rows in moved.values() for pk in rows])
    return moved


def _undo_people(kind: str, survivor_id: int, moved: Any) -> None:
    moving.undo_foreign_key(Person, "company", survivor_id, moved)
    _reindex([pk for rows in moved.values() for pk in rows])


def _reindex(person_ids: list[int]) -> None:
    """The moved people's search documents name their (new) company."""
    from kehu.customers.services import person_document

    for person in Person.all_objects.filter(pk__in=person_ids).select_related("company"):
        Person.all_objects.filter(pk=person.pk).update(search_text=person_document(person))


def register() -> None:
    for kind, model, link in (("person", Person, PersonTag), ("company", Company, CompanyTag)):
        moving.register_link(f"customers.{kind}_tags", kind, link, kind, "tag")
        moving.register_generic(f"customers.{kind}_history", kind, AuditEntry, model)
    moving.register_mover(
        "customers.company_people",
        ("company",),
        move=_move_people,
        undo=_undo_people,
        count=lambda _k, ids: moving.count_foreign_key(Person, "company", ids),
    )
