"""Response headers that keep personal data out of caches, and API errors that stay JSON.

The Content-Security-Policy itself comes from django-csp (settings.CONTENT_SECURITY_POLICY);
see docs/operations.md, "Security headers", and docs/decisions/0016-content-security-policy.md.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


class NoStoreForPrivateAnswersMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in user and on every API
    answer: no browser back-button cache, shared proxy or disk keeps a customer's data.

    Static files never get here (whitenoise answers them earlier, cacheable); the public web
    lead form and the login page are left as their views make them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)  # the API's Bearer auth sets it too
        signed_in = user is not None and user.is_authenticated
        if signed_in or _is_api(request):
            existing = response.get("Cache-Control", "")
            if "no-store" not in existing or "private" not in existing:
                response["Cache-Control"] = "private, no-store"
        return response


class ApiErrorsAsJsonMiddleware:
    """Under /api/ an unknown address or a method a route does not take answers JSON
    (`{"detail": ...}`, like every other API error) instead of Django's HTML 404 page or
    django-ninja's plain-text 405."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not _is_api(request) or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response  # the API's own answer (a record that is not there, say)
        if response.status_code == 404:
            return JsonResponse({"detail": _("Not found.")}, status=404)
        answer = JsonResponse({"detail": _("Method not allowed.")}, status=405)
        if response.has_header("Allow"):
            answer["Allow"] = response["Allow"]
        return answer
