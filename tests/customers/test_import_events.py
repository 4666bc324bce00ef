"""The importer's fast writer announces what it creates: one `<entity>.imported` per committed
batch, inside the batch's transaction, so a subscriber that handles `<entity>.created` and
`<entity>.imported` (and acts on commit, as `core.events` asks) sees every new record exactly
once: across batches, when a worker dies between batches, and when a batch is rolled back."""

import pytest
from django.db import transaction

from kehu.core import events
from kehu.customers import services
from kehu.customers.imports import jobs as import_jobs
from kehu.customers.imports import running as importing
from kehu.customers.imports.models import ImportJob
from kehu.customers.models import Company, Person
from tests.customers.import_helpers import csv_text, job_from_bytes
from tests.factories import make_company

pytestmark = pytest.mark.django_db


class NewRecords:
    """A subscriber as the contract asks: both events, the whole batch, and only on commit."""

    def __init__(self):
        self.seen: list[int] = []
        self.events: list[str] = []

    def __call__(self, event, ids=None, record=None, **payload):
        new = list(ids) if ids is not None else [record.pk]
        self.events.append(event)
        transaction.on_commit(lambda: self.seen.extend(new))


@pytest.fixture
def subscribe():
    """subscribe(*events) -> a NewRecords handler of those events, for this test only."""
    registered = []

    def add(*names):
        handler = NewRecords()
        for name in names:
            events.subscribe(name)(handler)
            registered.append((name, handler))
        return handler

    yield add
    for name, handler in registered:
        events._handlers[name].remove(handler)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A block whose on-commit work runs at its end, as after a real commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def people_csv(count: int, company=lambda i: "") -> bytes:
    lines = ["name,email,company"] + [
        f"Person {i},p{i}@example.com,{company(i)}" for i in range(count)
    ]
    return csv_text(lines).encode()


def test_each_imported_person_and_new_company_is_seen_exactly_once(rep, subscribe, committed):
    people = subscribe("person.created", "person.imported")
    companies = subscribe("company.created", "company.imported")
    existing = make_company(rep, "丙公司")
    lines = ["name,email,company"]
    for i in range(12):
        lines.append(f"Person {i},p{i}@example.com,{['甲公司', '乙公司', '丙公司', ''][i % 4]}")
    lines[6] = "Bad Email,not-an-address,甲公司"  # skipped with its reason, never announced
    job = job_from_bytes(rep, csv_text(lines).encode())
    with committed():
        importing.import_file(job, batch_size=5)
        by_service = services.create_person(rep, {"name": "Walk-in"})
    job.refresh_from_db()
    assert (job.status, job.imported, job.skipped) == (ImportJob.Status.DONE, 11, 1)
    assert sorted(people.seen) == sorted(Person.objects.values_list("pk", flat=True))
    assert len(people.seen) == len(set(people.seen)) == 12 and by_service.pk in people.seen
    assert people.events == ["person.imported"] * 3 + ["person.created"]
    created = Company.objects.exclude(pk=existing.pk)
    assert sorted(companies.seen) == sorted(created.values_list("pk", flat=True))
    assert len(companies.seen) == 2 and existing.pk not in companies.seen


def test_a_company_import_announces_each_company(rep, subscribe, committed):
    companies = subscribe("company.created", "company.imported")
    lines = ["company,city"] + [f"公司 {i},深圳" for i in range(7)]
    job = job_from_bytes(rep, csv_text(lines).encode(), entity="company")
    with committed():
        importing.import_file(job, batch_size=3)
    assert sorted(companies.seen) == sorted(Company.objects.values_list("pk", flat=True))
    assert len(companies.seen) == 7 and companies.events == ["company.imported"] * 3


def test_a_resumed_import_announces_each_record_once(rep, subscribe, committed):
    people = subscribe("person.created", "person.imported")
    job = job_from_bytes(rep, people_csv(10, company=lambda i: f"公司 {i % 3}"))
    with committed():
        importing.import_file(job, batch_size=4, max_batches=1)  # the worker dies here
    assert len(people.seen) == 4

    # the next run writes batch 2 but fails inside its transaction after announcing it
    def failing(event, **payload):
        raise RuntimeError("subscriber down")

    events.subscribe("person.imported")(failing)
    try:
        with committed(), pytest.raises(RuntimeError):
            importing.import_file(job, batch_size=4)
    finally:
        events._handlers["person.imported"].remove(failing)
    job.refresh_from_db()
    assert (job.status, job.imported) == (ImportJob.Status.FAILED, 4)
    assert Person.objects.count() == 4 and len(people.seen) == 4  # rolled back: unseen

    with committed():  # the user resumes it; the task finishes the file
        import_jobs.resume(rep, job)
    job.refresh_from_db()
    assert (job.status, job.imported) == (ImportJob.Status.DONE, 10)
    assert sorted(people.seen) == sorted(Person.objects.values_list("pk", flat=True))
    assert len(people.seen) == len(set(people.seen)) == 10


def test_leads_are_announced_one_by_one_by_the_lead_service(rep, subscribe, committed):
    leads = subscribe("lead.created", "lead.imported")
    lines = ["name,company,email"] + [f"线索 {i},公司 {i},l{i}@example.com" for i in range(5)]
    job = job_from_bytes(rep, csv_text(lines).encode(), entity="lead")
    with committed():
        importing.import_file(job, batch_size=2)
    from kehu.sales.models import Lead

    assert sorted(leads.seen) == sorted(Lead.objects.values_list("pk", flat=True))
    assert len(leads.seen) == 5 and leads.events == ["lead.created"] * 5


def test_every_subscriber_of_new_records_also_takes_import_batches():
    """A handler of `person.created` that ignored `person.imported` would miss every imported
    person: none may exist (the app's handlers are all registered by now)."""
    assert events.missing_batch_handlers() == []

    def forgetful(event, record, **payload):
        pass

    events.subscribe("person.created")(forgetful)
    try:
        assert events.missing_batch_handlers() == [("person.created", forgetful)]
        events.subscribe("person.imported")(forgetful)
        assert events.missing_batch_handlers() == []
    finally:
        events._handlers["person.created"].remove(forgetful)
        events._handlers["person.imported"].remove(forgetful)
