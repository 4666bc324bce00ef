"""The one door for writing feedback: checks who may, validates, bumps the version, audits
and emits `feedback.created` / `feedback.updated`, all in one transaction."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit, events
from kehu.core.records import locked_current
from kehu.learning.models import Feedback

WHAT_MAX = 4000
WHERE_MAX = 500
REPLY_MAX = 4000
AUDITED = ["what", "where", "status", "reply"]


def clean_where(value: Any) -> str:
    """The page the feedback is about, kept as a path on this site (or empty): a full URL is
    cut to its path, so no other site's address is stored or linked to."""
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) > WHERE_MAX:
        raise ValidationError({"where": [_("Keep the address under 500 characters.")]})
    if "://" in text:
        text = "/" + text.split("://", 1)[1].partition("/")[2]
    # a backslash too: browsers read "/\\evil.example" as "//evil.example", another site
    if (
        not text.startswith("/")
        or text.startswith("//")
        or "\\" in text
        or any(c.isspace() for c in text)
    ):
        raise ValidationError({"where": [_("Give the address of a page in Kehu, like /people/.")]})
    return text


def create_feedback(actor: User, data: dict[str, Any]) -> Feedback:
    """Any signed-in, active user may send feedback. Raises ValidationError, saving nothing."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in to send feedback."))
    what = str(data.get("what") or "").strip()
    errors: dict[str, list[str]] = {}
    if not what:
        errors["what"] = [_("Say what hinders you.")]
    elif len(what) > WHAT_MAX:
        errors["what"] = [_("Keep it under 4000 characters.")]
    try:
        where = clean_where(data.get("where"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        where = ""
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = Feedback.objects.create(author=actor, what=what, where=where)
        audit.record(actor, item, "create", audit.diff({}, audit.snapshot(item, AUDITED)))
        events.emit("feedback.created", record=item, actor=actor)
    return item


def update_feedback(
    actor: User, item: Feedback, changes: dict[str, Any], expected_version: int | None = None
) -> Feedback:
    """An administrator sets the status and the reply. VersionConflict, and nothing changed,
    when someone changed the item since it was read at `expected_version`."""
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    if "status" in changes and changes["status"] not in Feedback.Status.values:
        errors["status"] = [_("Choose one of: new, planned, done, won't do.")]
    if "reply" in changes and len(str(changes["reply"] or "")) > REPLY_MAX:
        errors["reply"] = [_("Keep it under 4000 characters.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = locked_current(Feedback, item.pk, expected_version, changes)
        before = audit.snapshot(current, AUDITED)
        if "status" in changes:
            current.status = changes["status"]
        if "reply" in changes:
            reply = str(changes["reply"] or "").strip()
            if reply != current.reply:
                current.reply = reply
                current.replied_by = actor
        changed = audit.diff(before, audit.snapshot(current, AUDITED))
        if changed:
            current.version += 1
            current.updated_at = timezone.now()
            current.save()
            audit.record(actor, current, "update", changed)
            events.emit("feedback.updated", record=current, actor=actor, changes=changed)
    return current
