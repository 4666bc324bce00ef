"""A signed-in page view marks the user's day active: at most one write per user and day.

The session remembers the last day written, so every later request of the day reads nothing
and writes nothing. A write that would wait for another's lock is skipped and tried again on
the next request. Requests with an API token have no session: their writes count as actions
through the events, their reads do not mark the day (decision 0035).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.contrib.auth import SESSION_KEY as SESSION_USER_KEY
from django.db import DatabaseError

from kehu.analytics.adoption import recording

log = logging.getLogger(__name__)

#: the session key holding the last day (ISO date) this session marked seen
SESSION_KEY = "_adoption_seen"


def remember_seen(request: Any, day: datetime.date) -> None:
    request.session[SESSION_KEY] = day.isoformat()


class AdoptionMiddleware:
    """After `AuthenticationMiddleware`: note that the signed-in user was here today."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or session is None or not user.is_authenticated:
            return response
        if session.get(SESSION_USER_KEY) != str(user.pk):
            return response  # signed in by an API token, not this session: start none
        day = recording.day_of(user)
        if session.get(SESSION_KEY) == day.isoformat():
            return response
        from kehu.core.unavailable import write_if_free

        try:
            if write_if_free(lambda: recording.mark_seen(user, day)):
                remember_seen(request, day)
        except DatabaseError:  # never the user's problem: the next request tries again
            log.warning("could not mark user %s seen on %s", user.pk, day, exc_info=True)
        return response
