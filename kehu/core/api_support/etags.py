"""Optimistic concurrency over HTTP: a record's version is its ETag, a write honours If-Match."""

import re

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Header
from ninja.errors import HttpError

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


#: the `If-Match` header of a write (`if_match: str | None = IF_MATCH`), read by
#: `expected_version`
IF_MATCH = Header(None, alias="If-Match", description='ETag read, e.g. W/"3".')  # type: ignore[type-arg]
