"""The one writer of API tokens: made and revoked by their owner (the system, `actor=None`, for
the command line and for deactivated users), audited and announced (`token.created`,
`token.revoked`) in one transaction. The audit trail names the token, never its secret.
"""

import datetime
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import ApiToken, User
from kehu.core import audit, events

NAME_LENGTH = cast(int, ApiToken._meta.get_field("name").max_length)  # a CharField has one


def _require_owner(actor: User | None, owner: User) -> None:
    if actor is None:  # the system
        return
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied
    if actor.pk != owner.pk:
        raise PermissionDenied(_("You may manage only your own API tokens."))


def active_tokens(user: User) -> models.QuerySet[ApiToken]:
    return user.api_tokens.filter(revoked_at__isnull=True)


@transaction.atomic
def create_token(actor: User | None, name: str, owner: User | None = None) -> tuple[ApiToken, str]:
    """A new token for `owner` (default: the actor); returns it and its secret, which is shown
    once and stored only as a hash."""
    owner = owner or actor
    if owner is None:
        raise TypeError("the system (actor=None) must name the token's owner")
    _require_owner(actor, owner)
    if not owner.is_active:
        raise ValidationError({"name": [_("A deactivated user cannot have API tokens.")]})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("This field is required.")]})
    if len(name) > NAME_LENGTH:
        raise ValidationError({"name": [_("At most %(n)d characters.") % {"n": NAME_LENGTH}]})
    token, secret = ApiToken.issue(owner, name)
    audit.record(actor, token, "create", {"name": [None, name], "user": [None, owner.username]})
    events.emit("token.created", actor=actor, record=token)
    return token, secret


def _revoke(actor: User | None, token: ApiToken, now: datetime.datetime) -> None:
    token.revoked_at = now
    token.save(update_fields=["revoked_at"])
    audit.record(actor, token, "update", {"revoked_at": [None, audit.display_value(now)]})
    events.emit("token.revoked", actor=actor, record=token)


@transaction.atomic
def revoke_token(actor: User | None, pk: int) -> ApiToken:
    """Revoke the actor's own active token `pk`; anyone else's (or a revoked one) is 404,
    as if it did not exist."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    token = (
        ApiToken.objects.select_for_update()
        .filter(pk=pk, user_id=actor.pk, revoked_at__isnull=True)
        .first()
    )
    if token is None:
        raise Http404
    _revoke(actor, token, timezone.now())
    return token


@transaction.atomic
def revoke_all(actor: User | None, user: User) -> int:
    """Revoke every active token of `user` (when they are deactivated); the caller has checked
    that `actor` may do so. Returns how many were revoked."""
    now = timezone.now()
    tokens = list(active_tokens(user).select_for_update())
    for token in tokens:
        _revoke(actor, token, now)
    return len(tokens)
