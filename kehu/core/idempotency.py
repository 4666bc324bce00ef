"""`Idempotency-Key` for API creates: a retried request makes one record, and gets the first answer.

The key is claimed in the same transaction that creates the record, under a unique constraint on
(user, key): a second request with the same key waits for the first to commit (PostgreSQL's
unique index, SQLite's single writer), then finds its row and replays the answer. If the first
fails, its claim is rolled back with it and a retry runs afresh. Only successful answers are
kept; the same key with a different request answers 422, as Stripe's API does. Keys live 24 hours
and are purged whenever a keyed request comes in.
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.responses import NinjaJSONEncoder

from kehu.core import text
from kehu.core.api_support import ApiRequest
from kehu.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
LIFETIME = datetime.timedelta(hours=24)
#: answer headers a replay repeats
KEPT_HEADERS = ("ETag", "Location")
#: the header as an OpenAPI parameter (`openapi_extra` of every create)
OPENAPI_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": MAX_LENGTH},
    "description": (
        "Any unique string (a UUID) of at most 255 characters. A retry with the same key by the "
        "same user within 24 hours creates nothing and answers what the first request answered; "
        "the same key with a different body answers 422; while the first is still running the "
        "retry waits for it."
    ),
}


def json_answer(
    status: int, data: dict[str, Any], headers: dict[str, Any] | None = None
) -> HttpResponse:
    """A JSON answer rendered as ninja renders one."""
    response = HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder), status=status, content_type="application/json"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _key_error(message: str) -> HttpResponse:
    return json_answer(422, {"detail": _("Validation failed"), "errors": {HEADER: [message]}})


def once(request: ApiRequest, run: Callable[[], HttpResponse]) -> HttpResponse:
    """`run()` (which creates a record and answers), at most once per user and key."""
    key = request.headers.get(HEADER)
    if key is None:
        return run()
    if not key.strip() or len(key) > MAX_LENGTH or text.has_control_characters(key):
        return _key_error(_("Send 1 to 255 printable characters, e.g. a UUID."))
    fingerprint = hashlib.sha256(
        b"\0".join([(request.method or "").encode(), request.path.encode(), request.body])
    ).hexdigest()
    IdempotencyKey.objects.filter(created_at__lt=timezone.now() - LIFETIME).delete()
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(
                    user=request.auth, key=key, fingerprint=fingerprint
                )
        except IntegrityError:  # the same key's first request has committed: replay it
            claim = None
        if claim is None:
            first = IdempotencyKey.objects.filter(user=request.auth, key=key).first()
            if first is None:  # purged in between: very unlikely; ask for a retry
                return json_answer(409, {"detail": _("Send the request again.")})
            if first.fingerprint != fingerprint:
                return _key_error(_("This key was used for a different request; use a new key."))
            return json_answer(first.status, json.loads(first.body), first.headers)
        response = run()
        if response.status_code >= 300:
            transaction.set_rollback(True)  # only successes are kept; a retry runs again
            return response
        claim.status = response.status_code
        claim.body = response.content.decode()
        claim.headers = {h: response[h] for h in KEPT_HEADERS if h in response}
        claim.save(update_fields=["status", "body", "headers"])
    return response
