"""A user changing their own email address: only with their current password, and only once
the new address has shown it is theirs, by a link mailed to it; the old address is told.

Received mail is matched to colleagues by address, so an address nobody confirmed (or one a
colleague already has) must never become a user's. Administrators change addresses directly
(services.update_user). The link is signed with the secret key over the pending request's row
and a random nonce: it works once, for its user only, for CONFIRM_HOURS, and a newer request
(or an administrator's change) makes it useless.
"""

import datetime
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts import services
from kehu.accounts.models import EmailChange, User
from kehu.core import audit, events

CONFIRM_HOURS = 24
SALT = "kehu.accounts.email-change"


class LinkRefused(Exception):
    """A confirmation link that cannot change anything; `status` is the page's answer."""

    status = 404


class LinkNotFound(LinkRefused):
    """Forged, replaced by a newer request, or someone else's: all look the same."""


class LinkExpired(LinkRefused):
    status = 410


class LinkUsed(LinkRefused):
    status = 410


def pending_change(user: User) -> EmailChange | None:
    """The user's request that still waits for its link, if any."""
    change = EmailChange.objects.filter(user=user, confirmed_at__isnull=True).first()
    if change is None or _expired(change):
        return None
    return change


def _expired(change: EmailChange, now: datetime.datetime | None = None) -> bool:
    age = (now or timezone.now()) - change.requested_at
    return age > datetime.timedelta(hours=CONFIRM_HOURS)


def confirmation_url(change: EmailChange) -> str:
    token = signing.dumps({"c": change.pk, "n": change.nonce}, salt=SALT, compress=True)
    path = reverse("email-change-confirm", kwargs={"token": token})
    return settings.PUBLIC_URL.rstrip("/") + path


def request_email_change(user: User, new_email: str, password: str) -> EmailChange:
    """Check the password and the address, then mail the confirmation link (after the commit).
    The user's address stays as it is until the link is used."""
    errors: dict[str, list[str]] = {}
    new_email = User.objects.normalize_email((new_email or "").strip())
    if not password or not user.check_password(password):
        errors["password"] = [_("This is not your current password.")]
    if not new_email:
        errors["new_email"] = [_("This field is required.")]
    else:
        try:
            validate_email(new_email)
        except ValidationError as exc:
            errors["new_email"] = exc.messages
    if "new_email" not in errors:
        if new_email == user.email:
            errors["new_email"] = [_("This is already your email address.")]
        elif services.email_taken(new_email, exclude_pk=user.pk):
            errors["new_email"] = [str(services.EMAIL_TAKEN)]
    if not settings.EMAIL_HOST and not errors:
        errors["new_email"] = [
            _(
                "Email is not set up on this server, so the new address cannot be confirmed: "
                "ask an administrator to change it for you."
            )
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        change, _created = EmailChange.objects.update_or_create(
            user=user,
            defaults={
                "new_email": new_email,
                "old_email": user.email,
                "nonce": secrets.token_urlsafe(32),
                "requested_at": timezone.now(),
                "mailed_at": None,
                "confirmed_at": None,
            },
        )
        audit.record(user, user, "update", {"_email_change_requested": [None, new_email]})
        events.emit("user.email_change_requested", actor=user, record=user, change=change)
        from kehu.accounts.tasks import mail_email_change

        pk, nonce = change.pk, change.nonce
        transaction.on_commit(lambda: mail_email_change.enqueue(pk, nonce))
    return change


def find_change(user: User, token: str, *, lock: bool = False) -> EmailChange:
    """The request a link confirms, if it is this user's and still usable."""
    try:
        data = signing.loads(token, salt=SALT)
        pk, nonce = int(data["c"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkNotFound from None
    changes = EmailChange.objects.select_for_update() if lock else EmailChange.objects
    change = changes.filter(pk=pk, user=user).first()
    if change is None or not secrets.compare_digest(change.nonce, nonce):
        raise LinkNotFound
    if change.confirmed_at is not None:
        raise LinkUsed
    if _expired(change):
        raise LinkExpired
    return change


@transaction.atomic
def confirm_email_change(user: User, token: str) -> User:
    """Give the user the address the link was mailed to, unless someone took it meanwhile."""
    change = find_change(user, token, lock=True)
    user = User.objects.select_for_update().get(pk=user.pk)
    if services.email_taken(change.new_email, exclude_pk=user.pk):
        raise ValidationError({"email": [str(services.EMAIL_TAKEN)]})
    old = user.email
    user.email = change.new_email
    services.save_user(user, update_fields=["email"])
    change.confirmed_at = timezone.now()
    change.save(update_fields=["confirmed_at"])
    changes = {"email": [old, user.email]}
    audit.record(user, user, "update", changes)
    events.emit("user.updated", actor=user, record=user, changes=changes)
    return user
