"""Fixtures the account tests share."""

import pytest

from kehu.core import events


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def seen():
    """The user.updated events emitted during the test."""
    received = []

    def handler(**payload):
        received.append(payload)

    events.subscribe("user.updated")(handler)
    yield received
    events._handlers["user.updated"].remove(handler)
