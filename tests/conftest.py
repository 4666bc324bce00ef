import pytest
from django.utils import translation
from hypothesis import HealthCheck, settings

from tests.factories import make_company, make_person, make_team, make_user  # noqa: F401

# On a busy machine (CI, or 2 cores shared with other work) a property test's speed says
# nothing about the code: no deadline and no "generation is slow" health check. Each test
# still runs the examples it asks for.
settings.register_profile("kehu", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kehu")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in Chinese leaves Chinese active in
    the thread (LocaleMiddleware does not undo it), which the next test would inherit."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def admin_user(db):
    return make_user("admin", role="Administrator", superuser=True)


@pytest.fixture
def team_a(db):
    return make_team("Team A")


@pytest.fixture
def team_b(db):
    return make_team("Team B")


@pytest.fixture
def rep(db, team_a):
    """A sales rep in team A: sees only their own records."""
    return make_user("rep", role="Sales rep", team=team_a)


@pytest.fixture
def teammate(db, team_a):
    return make_user("teammate", role="Sales rep", team=team_a)


@pytest.fixture
def manager(db, team_a):
    """Team A's manager: sees the team's records."""
    return make_user("manager", role="Manager", team=team_a)


@pytest.fixture
def outsider(db, team_b):
    return make_user("outsider", role="Sales rep", team=team_b)


@pytest.fixture
def readonly_user(db, team_a):
    """Read-only role: sees every record, may change none."""
    return make_user("reader", role="Read-only", team=team_a)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free local port; the app's email settings point at
    it, and `smtp_server.messages` holds what it received, as email.message objects."""
    from tests.smtp import RecordingSMTPServer

    server = RecordingSMTPServer()
    server.start()
    # pytest-django swaps in the in-memory backend; these tests want the real SMTP one
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server
    server.stop()


#: the slowest tests, slowest first (measured with --durations): run before the rest, so the
#: parallel workers share them out at the start instead of one worker finishing them alone
SLOW_FIRST = [
    "tests/web/test_form_fuzz.py",
    "tests/test_backup.py",
    "tests/test_cli.py",
    "tests/test_outages.py",
    "tests/web/test_crawl.py",
    "tests/customers/test_import_crash.py",
    "tests/api/test_schemathesis.py",
    "tests/mail/test_moved_from_activities.py",
    "tests/web/test_no_inline_markup.py",
    "tests/e2e/",
]


def _empties_the_database(item) -> bool:
    """A transactional test flushes the database after it, seeded rows too: pytest-django
    runs these last, and the slow-first order keeps them there."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next((i for i, p in enumerate(SLOW_FIRST) if path.startswith(p)), len(SLOW_FIRST))

    items.sort(key=lambda item: (_empties_the_database(item), rank(item)))
