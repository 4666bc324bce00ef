"""Password login with lockout after repeated failures, and Bearer tokens for the API.

A failed login looks the same whatever the reason (no such user, wrong password, locked
account): the same message, and the same work (one password hash), so neither the page nor its
timing tells which usernames exist. Each failure also counts against the client's address
(login_limits), which the login form checks first.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password
from django.http import HttpRequest
from django.utils import timezone

from kehu.accounts import login_limits
from kehu.accounts.models import User
from kehu.core.client_address import client_address


class LockoutBackend(ModelBackend):
    """Refuses a locked account; counts failures and locks after LOGIN_MAX_FAILURES."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        user = self._check(username, password)
        if user is None and request is not None:
            login_limits.record_failure(client_address(request))
        return user

    def _check(self, username: str, password: str) -> User | None:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            User().set_password(password)  # the same work as a real check (see the docstring)
            return None
        now = timezone.now()
        if user.locked_until and user.locked_until > now:
            check_password(password, user.password)  # the same work; the answer is no anyway
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_logins or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            return user
        failures = user.failed_logins + 1
        locked_until = None
        if failures >= settings.LOGIN_MAX_FAILURES:
            locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            failures = 0
        User.objects.filter(pk=user.pk).update(failed_logins=failures, locked_until=locked_until)
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The signed-in user of each request, with their role in the same query: every page
        asks the role what the user may see."""
        user = User._default_manager.select_related("role").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
