"""What every request body and query string must be: known fields, storable text, ids that
fit a 64-bit column."""

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Schema
from pydantic import ConfigDict, Field, field_validator


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
#: a record id in a URL path (`deal_id: int = PATH_ID`): one that fits a 64-bit column
PATH_ID = Path(..., ge=1, le=2**63 - 1)  # type: ignore[type-arg]


class Input(Schema):
    """Base of request bodies: unknown fields are an error, and text anywhere in the body
    (custom field values and tag names too) must be storable."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return _check_text(value)


class QueryParams(Schema):
    """Base of query-string parameters: their text must be storable too (a NUL character in
    `?q=` reached PostgreSQL, which refused it with a server error)."""

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
