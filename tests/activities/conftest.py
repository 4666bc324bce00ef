"""Fixtures of the activity tests: a real IMAP server (dovecot) for receiving email."""

import os

import pytest


def _dovecot_unavailable(message: str):
    if os.environ.get("KEHU_E2E_REQUIRED") == "1" or os.environ.get("KEHU_CI"):
        required = "KEHU_CI / KEHU_E2E_REQUIRED: the IMAP tests must run"
        pytest.fail(f"{message} ({required})", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def _dovecot():
    from tests.imap import DovecotServer, DovecotUnavailable

    server = DovecotServer()
    try:
        server.start()
    except DovecotUnavailable as exc:
        _dovecot_unavailable(
            f"cannot start dovecot for the IMAP tests ({exc}); install Debian's dovecot-imapd"
        )
    yield server
    server.stop()


@pytest.fixture
def imap_server(_dovecot, settings):
    """A real IMAP server (dovecot on 127.0.0.1) with an empty folder of its own for this test;
    the app's KEHU_IMAP_* settings point at it. `imap_server.append(raw)` delivers mail."""
    import uuid

    folder = f"Test{uuid.uuid4().hex[:10]}"
    _dovecot.create_folder(folder)
    settings.IMAP_HOST, settings.IMAP_PORT = _dovecot.host, _dovecot.port
    settings.IMAP_USER, settings.IMAP_PASSWORD = _dovecot.user, _dovecot.password
    settings.IMAP_SSL = settings.IMAP_STARTTLS = False
    settings.IMAP_FOLDER = folder
    settings.IMAP_OWNER = ""
    _dovecot.folder = folder
    return _dovecot
