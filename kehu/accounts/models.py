# mypy: disable-error-code="misc"
"""Users, teams, roles (rights per module × record scope) and API tokens."""

import hashlib
import re
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core import builtin_names
from kehu.core.models import Versioned
from kehu.core.visibility import ACTIONS, SCOPE_ALL, SCOPE_OWN, SCOPE_TEAM

#: permission modules; later apps add theirs here
MODULES = {"customers": _("Customers"), "sales": _("Sales"), "service": _("Service")}
ACTION_LABELS = {
    "read": _("read"),
    "create": _("create"),
    "edit": _("edit"),
    "delete": _("delete"),
    "export": _("export"),
}
TIME_ZONES = sorted(zoneinfo.available_timezones())
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class Team(Versioned):
    name = models.CharField(_("name"), max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")

    def __str__(self) -> str:
        return self.name


class Role(Versioned):
    class Scope(models.TextChoices):
        OWN = SCOPE_OWN, _("Own records")
        TEAM = SCOPE_TEAM, _("Team's records")
        ALL = SCOPE_ALL, _("All records")

    name = models.CharField(_("name"), max_length=100, unique=True)
    #: set on the roles Kehu installs (core.builtin_names): shown translated until renamed
    key = models.CharField(max_length=40, blank=True, default="", editable=False)
    scope = models.CharField(_("record scope"), max_length=8, choices=Scope.choices)
    #: {module: [action, ...]}
    permissions = models.JSONField(_("rights"), default=dict, blank=True)
    #: {module: scope} where a module's records are seen more or less widely than `scope`
    #: (a support agent works their team's tickets and reads every customer)
    scopes = models.JSONField(_("record scope per module"), default=dict, blank=True)
    #: may manage users, teams, roles and custom fields
    is_admin = models.BooleanField(_("administrator"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return builtin_names.builtin_name(builtin_names.ROLES, self.key, self.name) or self.name

    def allows(self, module: str, action: str) -> bool:
        return action in self.permissions.get(module, [])

    @classmethod
    def full_rights(cls) -> dict:
        return {module: list(ACTIONS) for module in MODULES}


class User(AbstractUser):
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("team"),
    )
    role = models.ForeignKey(
        Role,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("role"),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: follow the browser."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        constraints = [
            # received mail is matched to colleagues by address: one address, one user
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique_ci",
                violation_error_message=_("This email address is used by another user."),
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        """The whole name, kept in first_name (decision: one name field). A last name left from
        before goes first, without a space, for a name in Chinese characters (李 + 娜 → 李娜)."""
        first, last = (self.first_name or "").strip(), (self.last_name or "").strip()
        if _CJK.search(first + last):
            return f"{last}{first}"
        return f"{first} {last}".strip()

    @property
    def is_admin(self) -> bool:
        return self.is_active and (self.is_superuser or bool(self.role and self.role.is_admin))

    @property
    def zone(self) -> str:
        return self.time_zone or settings.TIME_ZONE


class ApiToken(models.Model):
    """A Bearer token for the API. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        secret = "kehu_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=secret[:12], key_hash=cls.hash(secret)
        )
        return token, secret

    @classmethod
    def authenticate(cls, secret: str) -> User | None:
        # every API request runs this: one indexed read of the token, its user and role,
        # without an ORDER BY (the hash is unique)
        found = (
            cls.objects.select_related("user", "user__role")
            .filter(key_hash=cls.hash(secret), revoked_at__isnull=True)
            .order_by()[:1]
        )
        token = next(iter(found), None)
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            from kehu.core.unavailable import write_if_free

            # at most once a minute, and never waiting for a write lock someone else holds
            write_if_free(lambda: cls.objects.filter(pk=token.pk).update(last_used_at=now))
        return token.user


class FailedLogin(models.Model):
    """One failed login from one client address (or IPv6 /64 network), for the limit per
    address across accounts (KEHU_LOGIN_MAX_FAILURES_PER_ADDRESS). Rows older than the window
    are deleted as new ones come in; the username tried is not kept."""

    address = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["address", "at"], name="failedlogin_address_at"),
            models.Index(fields=["at"], name="failedlogin_at"),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.at:%Y-%m-%d %H:%M:%S}"


class EmailChange(models.Model):
    """A user's request to change their own email address, waiting for the link mailed to
    the new address. One per user: a new request replaces the last one, so older links stop
    working. The link is signed with the secret key over this row and its `nonce`."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="email_change")
    new_email = models.EmailField(_("new email address"))
    old_email = models.EmailField(blank=True)
    nonce = models.CharField(max_length=43)
    requested_at = models.DateTimeField(default=timezone.now)
    mailed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} → {self.new_email}"
