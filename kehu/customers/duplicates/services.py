"""Merging people or companies, undoing a merge, and dismissing a pair: the only writers of
the duplicates models, and (through the registered movers) of the rows a merge moves."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import audit, events, visibility
from kehu.core.records import VersionConflict
from kehu.core.sort_keys import name_sort_key
from kehu.customers import services as customer_services
from kehu.customers.duplicates import fields as merge_fields
from kehu.customers.duplicates.models import DuplicatePair, Merge
from kehu.customers.duplicates.moving import movers_for
from kehu.customers.models import Company, Person

MAX_MERGED = 10  # records merged at once, survivor included


def _refresh_derived(kind: str, record: Any) -> None:
    """The columns derived from a record's fields (search document, name sort key), after a
    merge or its undo set the fields directly."""
    person = kind == "person"
    if person:
        record.search_text = customer_services.person_document(record)
    else:
        record.search_text = customer_services.company_document(record)
    record.name_sort_key = name_sort_key(record.name, person=person)


def _involved(kind: str, actor: User, survivor_id: Any, other_ids: Any) -> list[int]:
    """The ids of a merge, checked: whole numbers, at least two records, none twice."""
    try:
        ids = [int(survivor_id), *(int(pk) for pk in other_ids)]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"other_ids": [_("Give the ids of the records to merge.")]}) from exc
    if any(not 0 < pk < 2**63 for pk in ids):
        raise Http404
    if len(ids) < 2:
        raise ValidationError({"other_ids": [_("Choose at least one other record to merge.")]})
    if len(set(ids)) != len(ids):
        raise ValidationError(
            {"other_ids": [_("A record cannot be merged with itself; name each record once.")]}
        )
    if len(ids) > MAX_MERGED:
        raise ValidationError(
            {"other_ids": [_("Merge at most %(n)s records at once.") % {"n": MAX_MERGED}]}
        )
    return ids


def load_for_merge(kind: str, actor: User, ids: list[int]) -> list[Any]:
    """The records `ids` in that order, if `actor` sees every one (else 404, naming none)
    and may edit every one (else 403)."""
    model = merge_fields.MODELS[kind]
    found = {r.pk: r for r in model.objects.visible_to(actor).filter(pk__in=ids)}
    if len(found) != len(ids):
        raise Http404
    for record in found.values():
        visibility.require_record(actor, record, "edit")
    return [found[pk] for pk in ids]


def default_choices(kind: str, records: list[Any]) -> dict[str, int]:
    """For each field, the newest record (last changed) that has a value; else the survivor."""
    newest = sorted(records, key=lambda r: (r.updated_at, r.pk), reverse=True)
    choices = {}
    for name in merge_fields.choice_names(kind, records):
        holder = next(
            (r for r in newest if not merge_fields.is_empty(merge_fields.raw_value(r, name))),
            records[0],
        )
        choices[name] = holder.pk
    return choices


def _checked_choices(kind: str, records: list[Any], given: dict[str, Any] | None) -> dict[str, int]:
    choices = default_choices(kind, records)
    names = set(choices)
    ids = {r.pk for r in records}
    errors = []
    for name, pk in (given or {}).items():
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            pk = None
        if name not in names:
            errors.append(_("“%(field)s” is not a field to choose.") % {"field": name})
        elif pk not in ids:
            errors.append(
                _("The value of “%(field)s” must come from one of the merged records.")
                % {"field": name}
            )
        else:
            choices[name] = pk
    if errors:
        raise ValidationError({"choices": errors})
    return choices


def merge(
    kind: str,
    actor: User,
    survivor_id: Any,
    other_ids: Any,
    choices: dict[str, Any] | None = None,
    versions: dict[Any, Any] | None = None,
) -> Merge:
    """Merge `other_ids` into `survivor_id`: the survivor takes the chosen value of each field
    (default: the newest non-empty), every related row moves to it, and the others go to the
    recycle bin marked as merged. One transaction; `versions` ({id: version}) refuses a stale
    form with VersionConflict."""
    ids = _involved(kind, actor, survivor_id, other_ids)
    model = merge_fields.MODELS[kind]
    spec = customer_services.PERSON if kind == "person" else customer_services.COMPANY
    load_for_merge(kind, actor, ids)
    with transaction.atomic():
        locked = {r.pk: r for r in model.objects.select_for_update().filter(pk__in=ids)}
        if len(locked) != len(ids):
            raise Http404
        records = [locked[pk] for pk in ids]
        for record in records:
            expected = (versions or {}).get(record.pk, (versions or {}).get(str(record.pk)))
            if expected is not None and int(expected) != record.version:
                raise VersionConflict(record, {})
        survivor, losers = records[0], records[1:]
        chosen = _checked_choices(kind, records, choices)
        by_id = {r.pk: r for r in records}
        before = merge_fields.snapshot(survivor, [*merge_fields.FIELDS[kind], "custom"])
        shown_before = audit.snapshot(survivor, spec.audited_fields)
        for name, pk in chosen.items():
            merge_fields.set_raw_value(survivor, name, merge_fields.raw_value(by_id[pk], name))
        loser_ids = [r.pk for r in losers]
        moved = {m.name: m.move(kind, survivor.pk, loser_ids) for m in movers_for(kind)}
        now = timezone.now()
        _refresh_derived(kind, survivor)
        survivor.version += 1
        survivor.updated_at = now
        survivor.save()
        _align_tag_owners(kind, [survivor])
        after = merge_fields.snapshot(survivor, [*merge_fields.FIELDS[kind], "custom"])
        entry = Merge.objects.create(
            kind=kind,
            survivor_id=survivor.pk,
            loser_ids=loser_ids,
            merged_by=actor,
            merged_at=now,
            before=before,
            after=after,
            moved=moved,
        )
        names_of = {r.pk: str(r) for r in losers}
        delta = audit.diff(shown_before, audit.snapshot(survivor, spec.audited_fields))
        audit.record(
            actor,
            survivor,
            "merge",
            {**delta, "_merged": [[pk, names_of[pk]] for pk in loser_ids], "_merge": entry.pk},
        )
        for loser in losers:
            loser.deleted_at, loser.deleted_by = now, actor
            loser.version += 1
            loser.save(update_fields=["deleted_at", "deleted_by", "version"])
            audit.record(
                actor,
                loser,
                "merge",
                {"_merged_into": [survivor.pk, str(survivor)], "_merge": entry.pk},
            )
        entry.after_version = survivor.version  # for the API's answer (not stored)
        _forget_pairs(kind, ids)
        events.emit(
            f"{kind}.merged", actor=actor, record=survivor, merged_ids=loser_ids, merge=entry
        )
    return entry


def _align_tag_owners(kind: str, records: list[Any]) -> None:
    """Tag links carry their record's owner (models.TagLink): keep the copy true."""
    model: Any = merge_fields.MODELS[kind]
    through = model.tags.through
    for record in records:
        through.objects.filter(**{kind: record}).exclude(owner_id=record.owner_id).update(
            owner_id=record.owner_id
        )


def _forget_pairs(kind: str, ids: list[int]) -> None:
    """Open pairs naming a merged record are settled; dismissed ones stay as they were."""
    from django.db.models import Q

    first, second = f"{kind}_a__in", f"{kind}_b__in"
    DuplicatePair.objects.filter(Q(**{first: ids}) | Q(**{second: ids}), kind=kind).filter(
        dismissed_at__isnull=True
    ).delete()


def merge_of(kind: str, actor: User, merge_id: Any) -> Merge:
    """A merge whose survivor `actor` can see (404 otherwise, naming nothing)."""
    try:
        entry = Merge.objects.filter(pk=int(merge_id), kind=kind).first()
    except (TypeError, ValueError, OverflowError):
        entry = None
    if entry is None:
        raise Http404
    model = merge_fields.MODELS[kind]
    survivor = model.all_objects.filter(pk=entry.survivor_id).first()
    if survivor is None or not visibility.in_scope(actor, survivor):
        raise Http404
    if not visibility.can(actor, model.module, "read"):
        raise Http404
    return entry


def undo_problems(entry: Merge, survivor: Any, losers: list[Any]) -> list[str]:
    """Why this merge cannot be undone now; empty when it can."""
    kind = entry.kind
    problems = []
    if entry.undone_at:
        problems.append(_("This merge has already been undone."))
        return problems
    if survivor.deleted_at:
        problems.append(_("The record merged into is in the recycle bin: restore it first."))
    later = Merge.objects.filter(
        kind=kind, survivor_id=entry.survivor_id, undone_at__isnull=True, pk__gt=entry.pk
    ).exists()
    if later:
        problems.append(_("A later merge into this record must be undone first."))
    if len(losers) != len(entry.loser_ids) or any(r.deleted_at is None for r in losers):
        problems.append(
            _("A merged record has been restored or removed from the recycle bin since.")
        )
    changed = [
        name
        for name, value in entry.after.items()
        if merge_fields.raw_value(survivor, name) != value
    ]
    if changed:
        model = merge_fields.MODELS[kind]
        labels = [
            str(getattr(model._meta.get_field(n), "verbose_name", n)) if "." not in n else n
            for n in changed
        ]
        problems.append(
            _(
                "Since the merge these fields were changed: %(fields)s. Undoing would overwrite "
                "that work; set them back, or edit the records by hand."
            )
            % {"fields": ", ".join(labels)}
        )
    return problems


def undo_merge(kind: str, actor: User, merge_id: Any) -> Any:
    """Put a merge back: the merged records leave the recycle bin, exactly the rows that were
    moved go back to them (rows added to the survivor since stay), and the survivor gets its
    old values. Refuses (ValidationError) when that would lose later work."""
    entry = merge_of(kind, actor, merge_id)
    model = merge_fields.MODELS[kind]
    spec = customer_services.PERSON if kind == "person" else customer_services.COMPANY
    with transaction.atomic():
        entry = Merge.objects.select_for_update().get(pk=entry.pk)
        survivor = model.all_objects.select_for_update().get(pk=entry.survivor_id)
        losers = list(model.all_objects.select_for_update().filter(pk__in=entry.loser_ids))
        for record in [survivor, *losers]:
            if not visibility.in_scope(actor, record):
                raise Http404
        if not visibility.can(actor, model.module, "edit"):
            raise PermissionDenied
        problems = undo_problems(entry, survivor, losers)
        if problems:
            raise ValidationError({"merge": problems})
        movers = {m.name: m for m in movers_for(kind)}
        for name, moved in reversed(list(entry.moved.items())):
            if name in movers:
                movers[name].undo(kind, survivor.pk, moved)
        shown_before = audit.snapshot(survivor, spec.audited_fields)
        for name, value in entry.before.items():
            merge_fields.set_raw_value(survivor, name, value)
        now = timezone.now()
        _refresh_derived(kind, survivor)
        survivor.version += 1
        survivor.updated_at = now
        survivor.save()
        delta = audit.diff(shown_before, audit.snapshot(survivor, spec.audited_fields))
        audit.record(actor, survivor, "update", {**delta, "_merge_undone": entry.pk})
        events.emit(f"{kind}.updated", actor=actor, record=survivor, changes=delta)
        for loser in losers:
            loser.deleted_at, loser.deleted_by = None, None
            loser.version += 1
            loser.save(update_fields=["deleted_at", "deleted_by", "version"])
            audit.record(actor, loser, "restore", {"_merge_undone": entry.pk})
            events.emit(f"{kind}.restored", actor=actor, record=loser)
        _align_tag_owners(kind, [survivor, *losers])
        entry.undone_at, entry.undone_by = now, actor
        entry.save(update_fields=["undone_at", "undone_by"])
    return survivor


def dismiss_pair(actor: User, pair: DuplicatePair) -> DuplicatePair:
    """Mark a pair "not a duplicate": no scan offers it again. The caller loaded `pair`
    through `queries.visible_pairs`; dismissing needs edit on both records."""
    model = merge_fields.MODELS[pair.kind]
    records = list(
        model.objects.visible_to(actor, "edit").filter(pk__in=[pair.first_id, pair.second_id])
    )
    if len(records) != 2:
        raise PermissionDenied
    with transaction.atomic():
        pair.dismissed_at, pair.dismissed_by = timezone.now(), actor
        pair.save(update_fields=["dismissed_at", "dismissed_by"])
    return pair


__all__ = ["Company", "Person", "dismiss_pair", "merge", "undo_merge"]
