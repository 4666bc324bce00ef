"""The only writers of support mailboxes (administrators). The IMAP password is stored for
the worker to log in with, never shown back, and never written into the audit log."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.accounts.models import Team, User
from kehu.accounts.services import require_admin
from kehu.core import audit, text, visibility
from kehu.core.records import locked_current
from kehu.service.mailbox.models import SupportMailbox

FIELDS = ["name", "address", "imap_host", "imap_port", "imap_security", "imap_user",
          "imap_folder", "team", "person_owner", "acknowledge", "active"]  # fmt: skip
HIDDEN = "••••••"


def _line(
    value: Any, field: str, errors: dict[str, list[str]], required: bool = True, limit: int = 255
) -> str:
    line = str(value or "").strip()
    if required and not line:
        errors[field] = [_("This field is required.")]
    elif len(line) > limit:
        errors[field] = [_("Use at most %(n)s characters.") % {"n": limit}]
    elif text.has_control_characters(line):
        errors[field] = [text.one_line_message()]
    return line


def _clean(mailbox: SupportMailbox, data: dict[str, Any]) -> bool:
    """Apply `data` to `mailbox`, checked; returns whether the password changed."""
    errors: dict[str, list[str]] = {}

    def get(name: str) -> Any:
        if name in data:
            return data[name]
        if name in ("team", "person_owner") and getattr(mailbox, f"{name}_id") is None:
            return None  # a new mailbox has none yet
        return getattr(mailbox, name)

    name = _line(get("name"), "name", errors, limit=100)
    address = _line(get("address"), "address", errors, limit=254).lower()
    if "address" not in errors:
        try:
            validate_email(address)
        except ValidationError:
            errors["address"] = [_("Enter a valid email address.")]
    host = _line(get("imap_host"), "imap_host", errors)
    user = _line(get("imap_user"), "imap_user", errors)
    folder = _line(get("imap_folder") or "INBOX", "imap_folder", errors)
    try:
        port = int(get("imap_port"))
        if not 0 < port < 65536:
            raise ValueError
    except (TypeError, ValueError):
        errors["imap_port"] = [_("Enter a port from 1 to 65535.")]
        port = mailbox.imap_port
    security = get("imap_security")
    if security not in SupportMailbox.Security.values:
        errors["imap_security"] = [_("Choose one of the offered values.")]
    password = str(data.get("imap_password") or "")
    if not password and not mailbox.imap_password:
        errors["imap_password"] = [_("This field is required.")]
    team = get("team")
    if team not in (None, "") and not isinstance(team, Team):
        team = Team.objects.filter(pk=team).first() if str(team).isdigit() else None
        if team is None:
            errors["team"] = [_("Choose a team.")]
    owner = get("person_owner")
    if owner not in (None, "") and not isinstance(owner, User):
        owner = User.objects.filter(pk=owner).first() if str(owner).isdigit() else None
    if not isinstance(owner, User) or not owner.is_active:
        errors["person_owner"] = [_("Choose an active user.")]
    elif not visibility.can(owner, "customers", "create"):
        errors["person_owner"] = [_("Choose a colleague whose role may create people.")]
    taken = SupportMailbox.objects.exclude(pk=mailbox.pk)
    if "name" not in errors and taken.filter(name__iexact=name).exists():
        errors["name"] = [_("A mailbox with this name already exists.")]
    if "address" not in errors and taken.filter(address__iexact=address).exists():
        errors["address"] = [_("A mailbox with this address already exists.")]
    if errors:
        raise ValidationError(errors)
    mailbox.name, mailbox.address, mailbox.imap_host, mailbox.imap_port = name, address, host, port
    mailbox.imap_security, mailbox.imap_user, mailbox.imap_folder = security, user, folder
    mailbox.team, mailbox.person_owner = team or None, owner
    mailbox.acknowledge = bool(get("acknowledge"))
    mailbox.active = bool(get("active"))
    changed = bool(password) and password != mailbox.imap_password
    if password:
        mailbox.imap_password = password
    return changed


def _schedule() -> None:
    from kehu.service.mailbox.tasks import schedule_next

    transaction.on_commit(schedule_next)


def create_mailbox(actor: User, data: dict[str, Any]) -> SupportMailbox:
    require_admin(actor)
    mailbox = SupportMailbox(imap_password="")
    _clean(mailbox, data)
    with transaction.atomic():
        mailbox.save()
        changes = audit.diff({}, audit.snapshot(mailbox, FIELDS))
        audit.record(actor, mailbox, "create", {**changes, "imap_password": [None, HIDDEN]})
        _schedule()
    return mailbox


def update_mailbox(
    actor: User,
    mailbox: SupportMailbox,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> SupportMailbox:
    """Change a mailbox (an empty password keeps the current one); VersionConflict when it
    changed since it was read."""
    require_admin(actor)
    with transaction.atomic():
        current = locked_current(SupportMailbox, mailbox.pk, expected_version, changes)
        before = audit.snapshot(current, FIELDS)
        password_changed = _clean(current, changes)
        diff = audit.diff(before, audit.snapshot(current, FIELDS))
        if password_changed:
            diff["imap_password"] = [HIDDEN, HIDDEN]
        if diff:
            current.version += 1
            current.save()
            audit.record(actor, current, "update", diff)
            _schedule()
    return current
