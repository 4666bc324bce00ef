"""Who calls the API: the signed-in user, by API token or by the browser session."""

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from kehu.accounts.models import ApiToken, User


class ApiRequest(HttpRequest):
    """The request an API route gets: django-ninja sets `auth` to the signed-in user."""

    auth: User


class BearerAuth(HttpBearer):
    """`Authorization: Bearer kehu_...` with a token made in the UI or by `kehu token`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token.strip()) if token.strip() else None
        if user is not None:
            request.user = user
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        return user


class SessionAuth(APIKeyCookie):
    """The browser session. Unsafe methods must carry the CSRF token (403 otherwise).

    Unlike ninja's `django_auth`, a request without a signed-in session is simply
    unauthenticated (401), not a CSRF failure.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)  # CSRF is checked once the user is known

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user: User | None = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if self.csrf and check_csrf(request):
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        return user


AUTH = [BearerAuth(), SessionAuth(csrf=True)]
