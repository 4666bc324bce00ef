"""The import job's one door: only its uploader may change it, whatever calls the service."""

import pytest
from django.http import Http404

from kehu.customers.imports import jobs as import_jobs
from kehu.customers.imports.models import ImportJob
from tests.customers.import_helpers import csv_text, job_from_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("change", ["cancel", "resume", "refuse", "save_mapping"])
def test_nobody_but_the_uploader_changes_a_job(rep, outsider, admin_user, change):
    job = job_from_bytes(rep, csv_text(["name", "张伟"]).encode())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED)
    job.refresh_from_db()
    before = job.mapping
    args = {"refuse": ("bad",), "save_mapping": (["ignored"],)}.get(change, ())
    for other in (outsider, admin_user):
        with pytest.raises(Http404):
            getattr(import_jobs, change)(other, job, *args)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.message == ""
    assert job.mapping == before != ["ignored"]


def test_a_read_only_user_may_not_start_an_import(readonly_user):
    with pytest.raises(import_jobs.PermissionDenied):
        import_jobs.create_job(readonly_user, "person", headers=["name"])
    assert not ImportJob.objects.exists()


def test_each_change_of_state_is_audited_and_announced(rep, django_capture_on_commit_callbacks):
    from kehu.core import audit, events

    seen = []

    def handler(**event):
        seen.append((event["event"], event["changes"]))

    events.subscribe("*")(handler)
    try:
        job = import_jobs.create_job(
            rep, "person", original_name="a.csv", stored_name="a.csv", format="csv", size=9,
            headers=["name"], encoding="utf-8", delimiter=",",
        )  # fmt: skip
        import_jobs.cancel(rep, job)
        import_jobs.cancel(rep, job)  # finished already: nothing changes
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED)
        job.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=False):
            import_jobs.resume(rep, job)
    finally:
        events._handlers["*"].remove(handler)
    assert seen == [
        ("import_job.created", {"entity": [None, "person"], "status": [None, "mapping"]}),
        ("import_job.cancelled", {"status": ["mapping", "cancelled"]}),
        ("import_job.pending", {"status": ["failed", "pending"]}),
    ]
    assert [e.action for e in audit.history(job)] == ["update", "update", "create"]
    assert all(e.actor == rep for e in audit.history(job))
