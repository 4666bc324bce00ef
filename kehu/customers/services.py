"""The only writers of people, companies and tags."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import audit, events, records, search, text, visibility
from kehu.core.contact import national_digits, normalize_email, normalize_phone
from kehu.core.records import VersionConflict  # noqa: F401  (re-exported for callers)
from kehu.core.sort_keys import name_sort_key
from kehu.customers.fields.values import clean_custom
from kehu.customers.models import Company, Person, Tag

PERSON_FIELDS = ["name", "email", "phone", "title", "company", "birthday", "city", "address",
                 "notes", "owner", "custom"]  # fmt: skip
COMPANY_FIELDS = ["name", "website", "email", "phone", "industry", "city", "address", "notes",
                  "owner", "custom"]  # fmt: skip


def person_search_text(name: str, email: str, phone: str, company_name: str) -> str:
    """The search document of a person (also used by the bulk importer)."""
    return search.build_document(
        search.name_tokens(name, is_person_name=True),
        search.plain_tokens(email),
        search.phone_tokens(phone, national_digits(phone)) if phone else [],
        search.name_tokens(company_name, every_initial=False),
    )


def company_search_text(name: str, email: str, website: str, phone: str) -> str:
    return search.build_document(
        search.name_tokens(name),
        search.plain_tokens(email),
        search.plain_tokens(website.split("://")[-1]),
        search.phone_tokens(phone, national_digits(phone)) if phone else [],
    )


def person_document(person: Person) -> str:
    company = person.company.name if person.company_id and person.company else ""
    return person_search_text(person.name, person.email, person.phone, company)


def company_document(company: Company) -> str:
    return company_search_text(company.name, company.email, company.website, company.phone)


def resolve_owner(actor: User, value: Any) -> User:
    """The active user `value` names, if `actor` may hand a record to them (own scope: only
    themselves; team scope: their team)."""
    owner: User | None
    if value == actor or value == actor.pk:
        owner = actor  # the common case: no need to look the actor up again
    else:
        if isinstance(value, User):
            value = value.pk
        owner = User.objects.filter(pk=value, is_active=True).first() if value else None
    if owner is None:
        raise ValidationError({"owner": [_("Choose an active user.")]})
    if owner.pk != actor.pk and visibility.scope_of(actor) == visibility.SCOPE_OWN:
        raise ValidationError({"owner": [_("You can only own records yourself.")]})
    if (
        owner.pk != actor.pk
        and visibility.scope_of(actor) == visibility.SCOPE_TEAM
        and owner.team_id != actor.team_id
    ):
        raise ValidationError({"owner": [_("Choose a member of your team.")]})
    return owner


def resolve_company(actor: User, value: Any) -> Company | None:
    """The company `value` names, if `actor` can see it; None for no company."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, Company) else value
    try:
        # `[:1]`, not `.first()`: the id names one row, and an ORDER BY only costs CPU here
        found = Company.objects.visible_to(actor).filter(pk=int(pk)).order_by()[:1]
        company: Company | None = next(iter(found), None)
    except (TypeError, ValueError):
        company = None
    if company is None:
        raise ValidationError({"company": [_("Choose a company you can see.")]})
    return company


def _apply_common(actor: User, instance: Any, changes: dict[str, Any], entity: str) -> None:
    errors = {}
    for name in ("email",):
        if name in changes:
            try:
                changes[name] = normalize_email(changes[name] or "")
            except ValidationError as exc:
                errors[name] = exc.messages
    if "phone" in changes:
        try:
            changes["phone"] = normalize_phone(changes["phone"] or "")
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if "owner" in changes:
        try:
            changes["owner"] = resolve_owner(actor, changes["owner"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "custom" in changes:
        try:
            changes["custom"] = clean_custom(entity, changes["custom"] or {}, instance.custom)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            errors["name"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)


def _set_fields(instance: Any, changes: dict[str, Any], allowed: list[str]) -> None:
    for name, value in changes.items():
        if name in allowed:
            if isinstance(value, str) and name not in ("notes",):
                value = value.strip()
            setattr(instance, name, value)


def _prepare_person(actor: User, person: Person, changes: dict[str, Any]) -> None:
    errors = {}
    try:
        _apply_common(actor, person, changes, "person")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "company" in changes:
        try:
            changes["company"] = resolve_company(actor, changes["company"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    _set_fields(person, changes, PERSON_FIELDS)
    person.search_text = person_document(person)
    person.name_sort_key = name_sort_key(person.name, person=True)


def _prepare_company(actor: User, company: Company, changes: dict[str, Any]) -> None:
    _apply_common(actor, company, changes, "company")
    _set_fields(company, changes, COMPANY_FIELDS)
    company.search_text = company_document(company)
    company.name_sort_key = name_sort_key(company.name)


def _is_tag_id(value: Any) -> bool:
    # ASCII digits only: "²".isdigit() is true, but int("²") fails
    return isinstance(value, int) or (
        isinstance(value, str) and value.isascii() and value.isdigit()
    )


def resolve_tags(values: Any) -> list[Tag]:
    """Tags by id or name; names not yet known become new tags.

    Known ids and names are read in one query each, whatever the number of tags.
    """
    values = list(values or [])
    ids = {int(v) for v in values if not isinstance(v, Tag) and _is_tag_id(v)}
    ids = {pk for pk in ids if -(2**63) <= pk < 2**63}  # no row has a larger id; SQLite overflows
    names = {str(v).strip()[:50] for v in values if not isinstance(v, Tag) and not _is_tag_id(v)}
    names.discard("")
    if any(text.has_control_characters(name) for name in names):
        raise ValidationError({"tags": [text.one_line_message()]})
    by_id = Tag.objects.in_bulk(ids) if ids else {}
    by_name = {t.name: t for t in Tag.objects.filter(name__in=names).order_by()} if names else {}
    tags: list[Tag] = []
    for value in values:
        if isinstance(value, Tag):
            tags.append(value)
        elif _is_tag_id(value):
            tag = by_id.get(int(value))
            if tag is None:
                raise ValidationError({"tags": [_("Unknown tag %(id)s.") % {"id": value}]})
            tags.append(tag)
        else:
            name = str(value).strip()[:50]
            if name:
                if name not in by_name:  # new, or made by someone else since the read
                    by_name[name] = Tag.objects.get_or_create(name=name)[0]
                tags.append(by_name[name])
    return tags


def _save_tags(actor: User, instance: Any, changes: dict[str, Any], created: bool) -> None:
    """Link the record to the tags in `changes` and remember them on the instance; keep the
    links' copy of the owner (see `models.TagLink`) equal to the record's."""
    if "owner" in changes and not created:
        links = instance.tags.through.objects.filter(**{instance._meta.model_name: instance})
        links.exclude(owner_id=instance.owner_id).update(owner_id=instance.owner_id)
    if "tags" not in changes and not created:
        return
    tags = resolve_tags(changes.get("tags"))
    unique = {tag.pk: tag for tag in tags}.values()
    if created:
        if unique:  # a new record has no links to compare with: one INSERT, no read
            through = instance.tags.through
            record = instance._meta.model_name
            through.objects.bulk_create(
                through(**{record: instance}, tag=tag, owner_id=instance.owner_id) for tag in unique
            )
    else:
        instance.tags.set(tags, through_defaults={"owner_id": instance.owner_id})
    # the record now has exactly these tags: the audit entry and the API answer need not
    # read them back
    records.cache_related(instance, "tags", sorted(unique, key=lambda tag: tag.name))


def _tag_names(instance: Any) -> str:
    return ", ".join(sorted(t.name for t in instance.tags.all()))


PERSON = records.RecordSpec(
    model=Person,
    event_prefix="person",
    audited_fields=PERSON_FIELDS,
    prepare=_prepare_person,
    resolved_relations=("owner", "company"),
    after_save=_save_tags,
    m2m_snapshot={"tags": _tag_names},
)
COMPANY = records.RecordSpec(
    model=Company,
    event_prefix="company",
    audited_fields=COMPANY_FIELDS,
    prepare=_prepare_company,
    after_save=_save_tags,
    m2m_snapshot={"tags": _tag_names},
)


def create_person(actor: User, data: dict[str, Any], facts: dict[str, Any] | None = None) -> Person:
    """A new person; `facts` (e.g. the lead it comes from) go into its audit entry."""
    return records.create(PERSON, actor, data, facts)


def note_person_change(actor: User, person: Person, changes: dict[str, Any]) -> Person:
    """Record on `person` a change another service made to it (a lead converted into it)."""
    return records.record_change(PERSON, actor, person, changes)


def update_person(
    actor: User, person: Person, changes: dict[str, Any], expected_version: int | None = None
) -> Person:
    return records.update(PERSON, actor, person, changes, expected_version)


def delete_person(actor: User, person: Person) -> Person:
    return records.soft_delete(PERSON, actor, person)


def restore_person(actor: User, person: Person, expected_version: int | None = None) -> Person:
    """Bring a person back; one whose company is in the recycle bin comes back without it.
    `expected_version`: an undo's (see `records.restore`)."""
    if person.company_id and person.company and person.company.deleted_at:
        facts = {"company": [person.company.name, None]}
        person.company = None
        person.search_text = person_document(person)
        return records.restore(
            PERSON, actor, person, facts, ["company", "search_text"], expected_version
        )
    return records.restore(PERSON, actor, person, expected_version=expected_version)


def create_company(
    actor: User, data: dict[str, Any], facts: dict[str, Any] | None = None
) -> Company:
    """A new company; `facts` (e.g. the lead it comes from) go into its audit entry."""
    return records.create(COMPANY, actor, data, facts)


def note_company_change(actor: User, company: Company, changes: dict[str, Any]) -> Company:
    """Record on `company` a change another service made to it (a lead converted into it)."""
    return records.record_change(COMPANY, actor, company, changes)


def update_company(
    actor: User, company: Company, changes: dict[str, Any], expected_version: int | None = None
) -> Company:
    company = records.update(COMPANY, actor, company, changes, expected_version)
    if "name" in changes:
        _reindex_people_of(company)
    return company


def _reindex_people_of(company: Company) -> None:
    """Rewrite the search documents of the renamed company's people: derived data that no
    user edits and no answer shows, so not a change of the people (no version, audit, event)."""
    for person in Person.all_objects.filter(company=company).select_related("company"):
        Person.all_objects.filter(pk=person.pk).update(search_text=person_document(person))


def _move_people(
    actor: User,
    people: list[Person],
    company: Company | None,
    changes_of: Callable[[Person], dict[str, Any]],
) -> None:
    """Link `people` to `company` (None: unlink them) as a person edit: each gets its version
    bumped, a new search document, an audit entry and a `person.updated` event. Batched: one
    UPDATE per 500 people and one INSERT of audit entries, whatever their number."""
    now = timezone.now()
    for person in people:
        person.company = company
        person.version += 1
        person.updated_at = now
        person.search_text = person_document(person)
    Person.all_objects.bulk_update(
        people, ["company", "version", "updated_at", "search_text"], batch_size=500
    )
    audit.record_many(actor, people, "update", changes_of)
    for person in people:
        events.emit("person.updated", actor=actor, record=person, changes=changes_of(person))


def delete_company(actor: User, company: Company) -> Company:
    """Bin the company; its people stay, unlinked, and are linked again on restore."""
    visibility.require_record(actor, company, "delete")
    with transaction.atomic():
        people = list(Person.all_objects.select_for_update().filter(company=company).order_by("pk"))
        change = {"company": [company.name, None]}
        _move_people(actor, people, None, lambda person: change)
        unlinked = [person.pk for person in people]
        return records.soft_delete(COMPANY, actor, company, {"_unlinked_people": unlinked})


def restore_company(actor: User, company: Company, expected_version: int | None = None) -> Company:
    with transaction.atomic():
        company = records.restore(COMPANY, actor, company, expected_version=expected_version)
        last_delete = audit.history(company).filter(action="delete").first()
        unlinked = (last_delete.changes.get("_unlinked_people", []) if last_delete else []) or []
        people = list(
            Person.all_objects.select_for_update()
            .filter(id__in=unlinked, company__isnull=True)
            .order_by("pk")
        )
        change = {"company": [None, company.name]}
        _move_people(actor, people, company, lambda person: change)
    return company
