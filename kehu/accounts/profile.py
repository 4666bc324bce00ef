"""The one writer of a user's own profile: names, language, time zone and password.

A user changes only their own profile (administrators change anyone's through
`services.update_user`); the email address has its own door (`email_change`), because received
mail is filed by it. Every change is validated, audited (field, old, new) and announced as
`user.updated`, in one transaction; bad input raises `ValidationError` and saves nothing.
"""

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.accounts.models import TIME_ZONES, EmailChange, User
from kehu.core import audit, events

PROFILE_FIELDS = ["first_name", "last_name", "language", "time_zone"]


def require_self(actor: User | None, user: User) -> None:
    """Only the signed-in, active user themselves may change their profile."""
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or not actor.is_active
        or actor.pk != user.pk
    ):
        raise PermissionDenied(_("You may change only your own profile."))


@transaction.atomic
def update_profile(actor: User | None, user: User, changes: dict[str, Any]) -> User:
    """Apply `changes` (any of PROFILE_FIELDS; others are refused) to the actor's own profile;
    returns the saved user."""
    require_self(actor, user)
    unknown = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    current = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(current, PROFILE_FIELDS)
    errors: dict[str, list[Any]] = {}
    for name, value in changes.items():
        setattr(current, name, (value or "").strip() if isinstance(value, str | None) else value)
    if current.time_zone and current.time_zone not in TIME_ZONES:
        errors["time_zone"] = [_("Unknown time zone.")]
    others = [f.name for f in User._meta.concrete_fields if f.name not in PROFILE_FIELDS]
    try:
        current.full_clean(exclude=others + list(errors), validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    changed = audit.diff(before, audit.snapshot(current, PROFILE_FIELDS))
    if changed:
        current.save(update_fields=list(changed))
        audit.record(actor, current, "update", changed)
        events.emit("user.updated", actor=actor, record=current, changes=changed)
    for name in PROFILE_FIELDS:  # the caller's copy (often request.user) shows the saved values
        setattr(user, name, getattr(current, name))
    return current


def set_language(actor: User | None, user: User, code: str) -> User:
    """The language switch in the page header, remembered on the user's profile."""
    return update_profile(actor, user, {"language": code})


@transaction.atomic
def change_password(actor: User | None, user: User, current: str, new: str) -> User:
    """The user's own new password, given their current one (Django's validators apply). A
    pending email change is cancelled: whoever asked for it may not have been the user."""
    require_self(actor, user)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.check_password(current or ""):
        raise ValidationError({"current_password": [_("Your current password is not right.")]})
    try:
        password_validation.validate_password(new or "", locked)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None
    locked.set_password(new)
    locked.save(update_fields=["password"])
    EmailChange.objects.filter(user=locked, confirmed_at__isnull=True).delete()
    changes = {"_password": [None, "changed"]}  # never the password itself
    audit.record(actor, locked, "update", changes)
    events.emit("user.updated", actor=actor, record=locked, changes=changes)
    user.password = locked.password  # the caller's copy keeps its session (session auth hash)
    return locked
