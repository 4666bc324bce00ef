"""The error shapes every route answers, and the handlers that turn exceptions into them.

Errors always answer `{"detail": "..."}`; validation errors add `"errors": {field: [messages]}`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kehu.core.api_support.etags import etag
from kehu.core.pagination import BadCursor
from kehu.core.records import VersionConflict
from kehu.core.unavailable import log_outage, unavailable_reason, unavailable_response


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


class ConflictOut(Schema):
    detail: str
    current_version: int


#: responses every authenticated operation may give
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {400: ErrorOut, **READ_ERRORS}
CREATE_ERRORS = {k: v for k, v in WRITE_ERRORS.items() if k != 404}
PATCH_ERRORS = {**WRITE_ERRORS, 412: ConflictOut}


def _pydantic_message(error: dict[str, Any]) -> str:
    """A translatable message for the pydantic errors clients meet most."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "extra_forbidden": _("Unknown field."),
        "string_type": _("Expected text."),
        "int_type": _("Expected a whole number."),
        "int_parsing": _("Expected a whole number."),
        "int_from_float": _("Expected a whole number."),
        "bool_type": _("Expected true or false."),
        "bool_parsing": _("Expected true or false."),
        "list_type": _("Expected a list."),
        "dict_type": _("Expected an object."),
        "model_attributes_type": _("Expected an object."),
        "date_type": _("Enter a date as YYYY-MM-DD."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_inexact": _("Enter a date as YYYY-MM-DD."),
        "json_invalid": _("The request body is not valid JSON."),
        "string_pattern_mismatch": _("This value is not in the expected format."),
    }
    if kind in messages:
        return messages[kind]
    if kind == "string_too_long":
        return _("At most %(n)d characters.") % {"n": ctx.get("max_length", 0)}
    if kind == "string_too_short":
        return _("This field is required.")
    if kind == "less_than_equal":
        return _("At most %(n)s.") % {"n": ctx.get("le")}
    if kind == "less_than":
        return _("Less than %(n)s.") % {"n": ctx.get("lt")}
    if kind == "greater_than_equal":
        return _("At least %(n)s.") % {"n": ctx.get("ge")}
    if kind == "greater_than":
        return _("More than %(n)s.") % {"n": ctx.get("gt")}
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", ""))).removeprefix("Value error, ")
    return str(error.get("msg", _("Invalid value.")))


def _field_name(loc: Any) -> str:
    """`('body', 'payload', 'email')` -> 'email'; `('query', 'limit')` -> 'limit'."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        source = parts.pop(0)
        if source == "body" and len(parts) > 1:
            parts.pop(0)  # the view's parameter name
        elif source == "body":
            return "__all__"
    return ".".join(parts) or "__all__"


def validation_response(
    api: NinjaAPI, request: HttpRequest, errors: dict[str, Any]
) -> HttpResponse:
    body = {"detail": _("Validation failed"), "errors": errors}
    return api.create_response(request, body, status=422)


def django_errors(exc: ValidationError, aliases: dict[str, str] | None = None) -> dict[str, Any]:
    """`{field: [messages]}` from a Django ValidationError, renaming fields by `aliases`."""
    aliases = aliases or {}
    if hasattr(exc, "error_dict"):
        result: dict[str, list[str]] = {}
        for field, messages in exc.message_dict.items():
            name = aliases.get(field, field)
            result.setdefault(name, []).extend(str(m) for m in messages)
        return result
    return {"__all__": [str(m) for m in exc.messages]}


@contextmanager
def renamed_fields(aliases: dict[str, str]) -> Iterator[None]:
    """Service errors name model fields (`company`); the API names them as clients do."""
    try:
        yield
    except ValidationError as exc:
        raise ValidationError(django_errors(exc, aliases)) from exc


def install_error_handlers(api: NinjaAPI) -> None:
    # (the ignores below: django-ninja's types ask a handler to take the exception's class too)
    def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(_field_name(error.get("loc", ())), []).append(
                _pydantic_message(error)
            )
        return validation_response(api, request, errors)

    def on_django_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return validation_response(api, request, django_errors(exc))

    def on_bad_cursor(request: HttpRequest, exc: BadCursor) -> HttpResponse:
        errors = {"cursor": [_("This cursor is not valid; start again from the first page.")]}
        return validation_response(api, request, errors)

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        detail = _("Sign in, or send “Authorization: Bearer <token>” with a valid API token.")
        response = api.create_response(request, {"detail": detail}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="kehu"'
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = _("You do not have permission to do this.")
        return api.create_response(request, {"detail": detail}, status=403)

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": _("Not found.")}, status=404)

    def on_conflict(request: HttpRequest, exc: VersionConflict) -> HttpResponse:
        body = {
            "detail": _("Someone else changed this record; read it again and retry."),
            "current_version": exc.current.version,
        }
        response = api.create_response(request, body, status=412)
        response["ETag"] = etag(exc.current.version)
        return response

    def on_database_error(
        request: HttpRequest, exc: OperationalError | InterfaceError
    ) -> HttpResponse:
        reason = unavailable_reason(exc)
        if reason is None:  # a bug, not an outage: 500
            raise exc
        log_outage(exc, reason)
        return unavailable_response(request, reason)

    api.add_exception_handler(NinjaValidationError, on_ninja_validation)  # type: ignore[arg-type]
    api.add_exception_handler(OperationalError, on_database_error)  # type: ignore[arg-type]
    api.add_exception_handler(InterfaceError, on_database_error)  # type: ignore[arg-type]
    api.add_exception_handler(ValidationError, on_django_validation)  # type: ignore[arg-type]
    api.add_exception_handler(BadCursor, on_bad_cursor)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, on_authentication)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, on_http_error)  # type: ignore[arg-type]
    api.add_exception_handler(PermissionDenied, on_permission_denied)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, on_not_found)  # type: ignore[arg-type]
    api.add_exception_handler(VersionConflict, on_conflict)  # type: ignore[arg-type]
