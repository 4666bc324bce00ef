import pytest
from hypothesis import HealthCheck, settings

from tests.factories import make_company, make_person, make_team, make_user  # noqa: F401

# On a busy machine (CI, or 2 cores shared with other work) a property test's speed says
# nothing about the code: no deadline and no "generation is slow" health check. Each test
# still runs the examples it asks for.
settings.register_profile("kehu", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kehu")


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
