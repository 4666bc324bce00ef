"""What every API route shares: authentication, the error shape, ETags and cursor pages.

Errors always answer `{"detail": "..."}`; validation errors add `"errors": {field: [messages]}`.
"""

import functools
import re
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.params.functions import Header as header_param
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import BaseModel, ConfigDict, Field, field_validator

from kehu.accounts.models import ApiToken, User
from kehu.core.pagination import MAX_LIMIT, BadCursor, Page, decode_cursor, paginate
from kehu.core.records import VersionConflict
from kehu.core.unavailable import log_outage, unavailable_reason, unavailable_response

# ---------------------------------------------------------------- authentication


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


# ---------------------------------------------------------------- error shapes


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


# ---------------------------------------------------------------- input helpers


def _check_text(value: Any) -> Any:
    """Reject what no database stores: NUL characters and lone surrogates (anywhere in JSON)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(_("Text may not contain NUL characters."))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(_("Text must be valid Unicode.")) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_text(item)
    return value


#: a row id that fits a 64-bit column
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Input(Schema):
    """Base of request bodies: unknown fields are an error, and text anywhere in the body
    (custom field values and tag names too) must be storable."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return _check_text(value)


def check_query_text(request: HttpRequest) -> None:
    """Query strings with NUL characters cannot reach the database."""
    message = _("Text may not contain NUL characters.")
    errors = {
        key: [message] for key, values in request.GET.lists() if any("\x00" in v for v in values)
    }
    if any("\x00" in key for key in request.GET):
        errors["__all__"] = [message]
    if errors:
        raise ValidationError(errors)


# ---------------------------------------------------------------- ETag / If-Match

_TAG = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')


def etag(version: int) -> str:
    """The ETag of a record at `version` (weak: other fields, e.g. a company name, may vary)."""
    return f'W/"{version}"'


#: OpenAPI for the ETag header of a response that carries a record
ETAG_HEADER = {
    "headers": {
        "ETag": {"description": 'The record\'s version, e.g. W/"3".', "schema": {"type": "string"}}
    }
}


#: `openapi_extra` of a route whose 200 answer carries a record and its ETag
WITH_ETAG = {"responses": {200: ETAG_HEADER}}
#: the `If-Match` header parameter of a route that changes a versioned record
IF_MATCH: Any = header_param(None, alias="If-Match", description='ETag read, e.g. W/"3".')


def set_etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = etag(version)


def expected_version(if_match: str | None, current_version: int) -> int | None:
    """The version `If-Match` asks for (None: no precondition). 400 if the header is malformed.

    Accepts `W/"3"`, `"3"`, a list of them, or `*`. When one of the listed versions is the
    current one, that one is expected; otherwise a listed (stale) one, so the write answers 412.
    """
    if if_match is None or not if_match.strip():
        return None
    if if_match.strip() == "*":
        return None
    versions = []
    for part in if_match.split(","):
        match = _TAG.match(part)
        if match is None:
            raise HttpError(400, _('If-Match must hold the ETag you read, e.g. W/"3".'))
        versions.append(int(match.group(1)))
    return current_version if current_version in versions else versions[0]


# ---------------------------------------------------------------- cursor pages


class PageParams(Schema):
    """`?limit=` and `?cursor=`, shared by every list."""

    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page (at most 200).")
    cursor: str | None = Field(
        None, max_length=2000, description="`next_cursor` of the previous page."
    )


def page_of(qs: QuerySet[Any], sort: str, params: PageParams) -> Page:
    """One keyset page; a cursor that cannot be read answers 422 with errors.cursor."""
    if params.cursor:
        _value, pk = decode_cursor(params.cursor)
        if not 0 <= pk < 2**63:
            raise BadCursor("invalid cursor")
    return paginate(qs, sort, params.cursor or None, params.limit)


#: Operation ids are part of the API contract (clients generate code from them). Ninja makes
#: them from the module a route lives in; these routes moved into concept sub-packages
#: (decision 0018) and keep the ids they had.
OPERATION_ID_MODULES = {
    "kehu.activities.api": "kehu.activities.activity_api",
    "kehu.activities.notifications.api": "kehu.activities.api",
    "kehu.mail.api": "kehu.activities.email_api",
    "kehu.mail.review.api": "kehu.activities.review_api",
    "kehu.sales.deals.api": "kehu.sales.api",
    "kehu.sales.forecast.api": "kehu.sales.api",
    "kehu.sales.leads.api": "kehu.sales.lead_api",
    "kehu.sales.quotes.api": "kehu.sales.quote_api",
    "kehu.sales.catalog.api": "kehu.sales.quote_api",
    "kehu.customers.fields.api": "kehu.customers.api",
}


def operation_module(module: str) -> str:
    """The module name a route's operation id is made from (see OPERATION_ID_MODULES). A
    router module of an `api` package (`kehu.mail.api.templates`) keeps the ids its routes had
    in the `api.py` the package was split from (`kehu.mail.api`)."""
    if module in OPERATION_ID_MODULES:
        return OPERATION_ID_MODULES[module]
    package, _dot, _name = module.rpartition(".")
    if package.endswith(".api"):
        return OPERATION_ID_MODULES.get(package, package)
    return module


# ---------------------------------------------------------------- output


def trusted(schema: type[Schema], data: dict[str, Any]) -> Schema:
    """`data` as an instance of `schema` without validating it again.

    For output the code builds itself from stored values (`person_out` and the like): ninja
    serialises such an instance as it would the dict, in the schema's field order, but skips
    validating every field of every row through ninja's attribute getter, which was about a
    sixth of the CPU time of a 50-row API list (docs/benchmarks.md, "What each request
    costs"). Nested values must already be instances (`trusted(page, {"items": [trusted(out,
    ...)]})`); a missing key or a value of another type shows in the answer, not as an error,
    so use it only where tests cover the output. A schema with nested schemas (a quote's
    lines) is validated as usual: its builders hand plain dicts for them."""
    if _has_nested_schemas(schema):
        return schema.model_validate(data)
    return schema.model_construct(**data)


@functools.cache
def _has_nested_schemas(schema: type[Schema]) -> bool:
    def nests(annotation: Any) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation is not schema
        return any(nests(arg) for arg in typing.get_args(annotation))

    return any(nests(field.annotation) for field in schema.model_fields.values())
