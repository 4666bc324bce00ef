"""The only writers of users, teams and roles: admins only (or the system), validated, audited
and announced (`user.*`, `team.*`, `role.*` events) in one transaction. A user's own profile
and API tokens have their doors in `profile` and `tokens`.

`actor=None` means "the system" (the command line, data migrations): no permission check.
Every function raises `ValidationError` (use `.message_dict`) for bad input and saves nothing.
"""

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.accounts import tokens
from kehu.accounts.models import MODULES, TIME_ZONES, EmailChange, Role, Team, User
from kehu.core import audit, events
from kehu.core.records import locked_current
from kehu.core.visibility import ACTIONS, SCOPE_ALL, SCOPE_OWN, SCOPE_TEAM

USER_FIELDS = ["username", "first_name", "last_name", "email", "team", "role", "language",
               "time_zone"]  # fmt: skip
ROLE_FIELDS = ["name", "scope", "permissions", "is_admin"]


def require_admin(actor: User) -> None:
    """`actor=None` is the system; anyone else must be an active administrator."""
    if actor is None:
        return
    if not getattr(actor, "is_authenticated", False) or not actor.is_admin:
        raise PermissionDenied(_("Only administrators may do this."))


def _resolve(model: type[Team | Role], value: Any, field: str) -> Team | Role | None:
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    lookup = {"pk": value} if isinstance(value, int) or str(value).isdigit() else {"name": value}
    try:
        return model._default_manager.get(**lookup)
    except model.DoesNotExist:
        raise ValidationError(
            {field: [_("There is no such %(what)s.") % {"what": model._meta.verbose_name}]}
        ) from None


def _apply_user_fields(user: User, data: dict[str, Any], errors: dict[str, Any]) -> None:
    for name in USER_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("team", "role"):
            try:
                setattr(user, name, _resolve(Team if name == "team" else Role, value, name))
            except ValidationError as exc:
                errors.update(exc.message_dict)
            continue
        setattr(
            user, name, (value or "").strip() if isinstance(value, str) or value is None else value
        )
    if user.time_zone and user.time_zone not in TIME_ZONES:
        errors["time_zone"] = [_("Unknown time zone.")]


def _full_clean(obj: Any, errors: dict[str, Any], exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


EMAIL_TAKEN = gettext_lazy("This email address is used by another user.")


def email_taken(email: str, exclude_pk: int | None = None) -> bool:
    """Whether another user has this address, in any letter case (as the database's unique
    constraint compares them)."""
    if not email:
        return False
    qs = User.objects.alias(address=Lower("email")).filter(address=Lower(Value(email)))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _check_email(user: User, errors: dict[str, Any]) -> list[str]:
    """Adds the error for a taken address; returns the fields full_clean must then skip (its
    own check of the constraint would say the same again, less clearly)."""
    if user.email and email_taken(user.email, exclude_pk=user.pk):
        errors["email"] = [str(EMAIL_TAKEN)]
        return ["email"]
    return []


def save_user(user: User, **kwargs: Any) -> None:
    """Save; an address taken by someone else in the meantime is a field error, not a 500."""
    try:
        with transaction.atomic():
            user.save(**kwargs)
    except IntegrityError:
        if email_taken(user.email, exclude_pk=user.pk):
            raise ValidationError({"email": [str(EMAIL_TAKEN)]}) from None
        raise


def _username_taken(username: str, exclude_pk: int | None = None) -> bool:
    qs = User.objects.filter(username__iexact=username)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


@transaction.atomic
def create_user(actor: User, data: dict[str, Any]) -> User:
    """A new active user; `data` holds USER_FIELDS and `password` (Django's validators apply)."""
    require_admin(actor)
    user = User(is_active=True)
    errors: dict[str, list[Any]] = {}
    _apply_user_fields(user, data, errors)
    if user.username and _username_taken(user.username):
        errors["username"] = [_("This username is already taken.")]
    skip = _check_email(user, errors)
    password = data.get("password") or ""
    if not password:
        errors["password"] = [_("This field is required.")]
    else:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
    _full_clean(user, errors, exclude=["password", *skip])
    user.set_password(password)
    save_user(user)
    audit.record(actor, user, "create", audit.diff({}, audit.snapshot(user, USER_FIELDS)))
    events.emit("user.created", actor=actor, record=user)
    return user


@transaction.atomic
def update_user(actor: User, user: User, changes: dict[str, Any]) -> User:
    require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(user, USER_FIELDS + ["is_active"])
    errors: dict[str, list[Any]] = {}
    _apply_user_fields(user, changes, errors)
    if "is_active" in changes:
        user.is_active = bool(changes["is_active"])
    if user.username and _username_taken(user.username, exclude_pk=user.pk):
        errors["username"] = [_("This username is already taken.")]
    if actor is not None and actor.pk == user.pk:
        role = user.role
        if not user.is_active or not (user.is_superuser or (role and role.is_admin)):
            errors.setdefault("role", []).append(
                _("You cannot remove your own administrator rights.")
            )
    skip = _check_email(user, errors)
    _full_clean(user, errors, exclude=["password", *skip])
    save_user(user)
    changed = audit.diff(before, audit.snapshot(user, USER_FIELDS + ["is_active"]))
    if "email" in changed:
        # an administrator's change applies at once; a link the user asked for earlier must
        # not undo it
        EmailChange.objects.filter(user=user).delete()
    if changed:
        audit.record(actor, user, "update", changed)
        events.emit("user.updated", actor=actor, record=user, changes=changed)
    return user


@transaction.atomic
def set_password(actor: User, user: User, password: str) -> User:
    """Reset a password (Django's validators apply); also unlocks the account and cancels a
    pending change of email address."""
    require_admin(actor)
    try:
        password_validation.validate_password(password or "", user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "failed_logins", "locked_until"])
    # a pending change of address was perhaps asked for by whoever the reset locks out
    EmailChange.objects.filter(user=user, confirmed_at__isnull=True).delete()
    changes = {"_password": [None, "reset"]}  # never the password itself
    audit.record(actor, user, "update", changes)
    events.emit("user.updated", actor=actor, record=user, changes=changes)
    return user


@transaction.atomic
def deactivate_user(actor: User, user: User) -> User:
    """Users are never deleted (their records keep their owner); they stop being able to log in."""
    require_admin(actor)
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({"is_active": [_("You cannot deactivate yourself.")]})
    if user.is_active:
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        changes = {"is_active": [True, False]}
        audit.record(actor, user, "update", changes)
        tokens.revoke_all(actor, user)
        events.emit("user.updated", actor=actor, record=user, changes=changes)
    return user


@transaction.atomic
def activate_user(actor: User, user: User) -> User:
    require_admin(actor)
    if not user.is_active:
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        changes = {"is_active": [False, True]}
        audit.record(actor, user, "update", changes)
        events.emit("user.updated", actor=actor, record=user, changes=changes)
    return user


@transaction.atomic
def unlock_user(actor: User, user: User) -> User:
    """Clear a lockout after too many failed logins."""
    require_admin(actor)
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    was_locked = user.locked_until
    user.failed_logins, user.locked_until = 0, None
    changes = {"_locked_until": [audit.display_value(was_locked), None]}
    audit.record(actor, user, "update", changes)
    events.emit("user.updated", actor=actor, record=user, changes=changes)
    return user


def _clean_team_name(name: str | None, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("This field is required.")]})
    if len(name) > 100:
        raise ValidationError({"name": [_("At most %(n)d characters.") % {"n": 100}]})
    qs = Team.objects.filter(name__iexact=name)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationError({"name": [_("A team with this name already exists.")]})
    return name


@transaction.atomic
def create_team(actor: User, data: dict[str, Any]) -> Team:
    require_admin(actor)
    team = Team.objects.create(name=_clean_team_name(data.get("name")))
    audit.record(actor, team, "create", {"name": [None, team.name]})
    events.emit("team.created", actor=actor, record=team)
    return team


@transaction.atomic
def update_team(
    actor: User, team: Team, changes: dict[str, Any], expected_version: int | None = None
) -> Team:
    """Rename a team; VersionConflict when it changed since it was read at `expected_version`."""
    require_admin(actor)
    team = locked_current(Team, team.pk, expected_version, changes)
    old = team.name
    if "name" in changes:
        team.name = _clean_team_name(changes["name"], exclude_pk=team.pk)
    if team.name != old:
        team.version += 1
        team.save(update_fields=["name", "version"])
        changes = {"name": [old, team.name]}
        audit.record(actor, team, "update", changes)
        events.emit("team.updated", actor=actor, record=team, changes=changes)
    return team


def clean_permissions(value: Any) -> dict[str, Any]:
    """{module: [actions]} restricted to known modules and actions, in canonical order."""
    if not isinstance(value, dict):
        raise ValidationError({"permissions": [_("Expected an object of module rights.")]})
    errors = []
    result = {}
    for module, actions in value.items():
        if module not in MODULES:
            errors.append(_("Unknown module “%(m)s”.") % {"m": module})
            continue
        if not isinstance(actions, list | tuple | set):
            errors.append(_("Expected a list of actions for “%(m)s”.") % {"m": module})
            continue
        unknown = [a for a in actions if a not in ACTIONS]
        if unknown:
            errors.append(_("Unknown action “%(a)s”.") % {"a": ", ".join(map(str, unknown))})
            continue
        chosen = [a for a in ACTIONS if a in actions]
        if chosen:
            result[module] = chosen
    if errors:
        raise ValidationError({"permissions": errors})
    return result


def clean_scopes(value: Any) -> dict[str, str]:
    """{module: scope} for the modules whose records the role sees more or less widely than
    its record scope; an empty scope follows the role's."""
    if not isinstance(value, dict):
        raise ValidationError({"scopes": [_("Expected an object of module scopes.")]})
    result = {}
    for module, scope in value.items():
        if module not in MODULES:
            raise ValidationError({"scopes": [_("Unknown module “%(m)s”.") % {"m": module}]})
        if scope in (None, ""):
            continue
        if scope not in (SCOPE_OWN, SCOPE_TEAM, SCOPE_ALL):
            raise ValidationError({"scopes": [_("Choose own, team or all.")]})
        result[module] = scope
    return result


def _role_snapshot(role: Role) -> dict[str, Any]:
    values = audit.snapshot(role, ["name", "scope", "is_admin"])
    for module in MODULES:
        values[f"permissions.{module}"] = ", ".join(role.permissions.get(module, []))
        values[f"scopes.{module}"] = (role.scopes or {}).get(module, "")
    return values


def _apply_role_fields(role: Role, data: dict[str, Any]) -> None:
    errors: dict[str, list[Any]] = {}
    if "name" in data:
        role.name = (data["name"] or "").strip()
        qs = Role.objects.filter(name__iexact=role.name)
        if role.pk:
            qs = qs.exclude(pk=role.pk)
        if role.name and qs.exists():
            errors["name"] = [_("A role with this name already exists.")]
    if "scope" in data:
        role.scope = data["scope"]
        if role.scope not in (SCOPE_OWN, SCOPE_TEAM, SCOPE_ALL):
            errors["scope"] = [_("Choose own, team or all.")]
    if "permissions" in data:
        try:
            role.permissions = clean_permissions(data["permissions"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "scopes" in data:
        try:
            role.scopes = {k: v for k, v in clean_scopes(data["scopes"]).items() if v != role.scope}
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "is_admin" in data:
        role.is_admin = bool(data["is_admin"])
    _full_clean(role, errors)


@transaction.atomic
def create_role(actor: User, data: dict[str, Any]) -> Role:
    require_admin(actor)
    role = Role(scope=SCOPE_OWN)
    _apply_role_fields(role, data)
    role.save()
    audit.record(actor, role, "create", audit.diff({}, _role_snapshot(role)))
    events.emit("role.created", actor=actor, record=role)
    return role


@transaction.atomic
def update_role(
    actor: User, role: Role, changes: dict[str, Any], expected_version: int | None = None
) -> Role:
    """Change a role; VersionConflict when it changed since it was read at `expected_version`."""
    require_admin(actor)
    role = locked_current(Role, role.pk, expected_version, changes)
    before = _role_snapshot(role)
    _apply_role_fields(role, changes)
    own_role = actor is not None and actor.role_id == role.pk and not actor.is_superuser
    if own_role and not role.is_admin:
        raise ValidationError(
            {"is_admin": [_("You cannot remove administrator rights from your own role.")]}
        )
    changed = audit.diff(before, _role_snapshot(role))
    if changed:
        role.version += 1
        role.save()
        audit.record(actor, role, "update", changed)
        events.emit("role.updated", actor=actor, record=role, changes=changed)
    return role
