"""Generated requests against every operation of the committed API contract (schemathesis).

Each case goes through the real Django WSGI stack in this thread, authenticated as an admin.
A 5xx answer, or a response that does not match the OpenAPI schema, fails the test.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kehu.accounts.models import ApiToken
from kehu.customers.fields import services as field_services
from tests.factories import make_company, make_person, make_user

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def in_thread_requests(django_db_serialized_rollback, transactional_db):
    """The WSGI handler runs in this thread. Each request commits (as in production: PostgreSQL
    refuses a custom field's CREATE INDEX in a transaction that already wrote people), and, like
    Django's test client, the handler does not close the connection after each request.
    The serialized rollback brings back the default roles the flush after each test removes."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(in_thread_requests):
    admin = make_user("fuzz-admin", role="Administrator")
    field_services.create_field(
        admin,
        {
            "entity": "person",
            "key": "level",
            "label": "Level",
            "type": "choice",
            "choices": ["A", "B"],
        },  # fmt: skip
    )
    company = make_company(admin, "华为技术有限公司", phone="0755 2878 0808", tags=["vip"])
    make_person(admin, "张伟", company=company.pk, email="zhang.wei@example.com", tags=["vip"])
    return ApiToken.issue(admin, "schemathesis")[1]


# Served by the app itself (no database needed to answer it)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_within_its_contract(case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
