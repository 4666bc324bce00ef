"""Password login with lockout after repeated failures, and Bearer tokens for the API."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kehu.accounts.models import User


class AccountLocked(PermissionDenied):
    pass


class LockoutBackend(ModelBackend):
    """Refuses a locked account; counts failures and locks after LOGIN_MAX_FAILURES."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            User().set_password(
                password
            )  # same work as a real check: no user enumeration by timing
            return None
        now = timezone.now()
        if user.locked_until and user.locked_until > now:
            raise AccountLocked
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
        if locked_until:
            raise AccountLocked
        return None

    def get_user(self, user_id):
        """The signed-in user of each request, with their role in the same query: every page
        asks the role what the user may see."""
        user = User._default_manager.select_related("role").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
