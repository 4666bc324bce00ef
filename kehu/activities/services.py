"""The only writers of notes: check the actor may read the record, validate, audit."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.activities.models import NOTE_MAX_LENGTH, Note
from kehu.core import audit, events, visibility


def _target_label(record) -> str:
    return f"{record._meta.model_name}:{record.pk}"


def add_note(actor, record, body: str) -> Note:
    """Attach a note to a person or company the actor may read."""
    visibility.require_record(actor, record, "read")
    if getattr(record, "deleted_at", None):
        raise ValidationError({"body": [_("This record is in the recycle bin.")]})
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write something first.")]})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"body": [_("A note has at most %(n)s characters.") % {"n": f"{NOTE_MAX_LENGTH:,}"}]}
        )
    with transaction.atomic():
        note = Note(record=record, author=actor, body=body)
        note.save()
        audit.record(
            actor, note, "create", {"body": [None, body], "_record": _target_label(record)}
        )
        events.emit("note.created", actor=actor, record=record, note=note)
    return note


def delete_note(actor, note: Note) -> Note:
    """Remove a note: its author may, and so may anyone allowed to edit the record."""
    record = note.record
    if record is None or note.deleted_at:
        from django.http import Http404

        raise Http404
    visibility.require_record(actor, record, "read")
    if note.author_id != actor.pk:
        try:
            visibility.require_record(actor, record, "edit")
        except PermissionDenied:
            raise PermissionDenied(_("Only the author can delete this note.")) from None
    with transaction.atomic():
        note.deleted_at = timezone.now()
        note.save(update_fields=["deleted_at"])
        audit.record(
            actor, note, "delete", {"body": [note.body, None], "_record": _target_label(record)}
        )
        events.emit("note.deleted", actor=actor, record=record, note=note)
    return note
