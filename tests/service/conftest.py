"""Fixtures of the service tests: the real IMAP server of the mail tests (dovecot)."""

from tests.activities.conftest import _dovecot, imap_server  # noqa: F401
