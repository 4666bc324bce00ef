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


def test_every_change_of_a_jobs_state_adds_one_to_its_version(
    rep, django_capture_on_commit_callbacks
):
    from kehu.customers.imports.running import import_file

    job = import_jobs.create_job(
        rep, "person", original_name="a.csv", stored_name="a.csv", format="csv", size=9,
        headers=["name"], encoding="utf-8", delimiter=",",
    )  # fmt: skip
    assert (job.mapping, job.version) == (["name"], 1)
    import_jobs.save_mapping(rep, job, [""], expected_version=1)
    import_jobs.save_mapping(rep, job, [""], expected_version=2)  # nothing changed
    assert ImportJob.objects.get(pk=job.pk).version == job.version == 2
    import_jobs.refuse(rep, job, "too wide")
    assert (job.status, job.version) == (ImportJob.Status.FAILED, 3)
    with django_capture_on_commit_callbacks(execute=False):
        import_jobs.resume(rep, job)
    assert (job.status, job.version) == (ImportJob.Status.PENDING, 4)
    import_jobs.cancel(rep, job)
    assert ImportJob.objects.get(pk=job.pk).version == job.version == 5

    ran = job_from_bytes(rep, csv_text(["name", "张伟", "李娜"]).encode())
    assert ran.version == 1
    import_file(ran, batch_size=1)  # started (running), two batches, done
    ran.refresh_from_db()
    assert (ran.status, ran.imported, ran.version) == (ImportJob.Status.DONE, 2, 3)


def test_a_stale_version_changes_nothing(rep):
    from kehu.core.records import VersionConflict

    job = job_from_bytes(
        rep, csv_text(["name,city", "张伟,北京"]).encode(), status=ImportJob.Status.MAPPING
    )
    import_jobs.save_mapping(rep, job, ["name", ""], expected_version=1)
    stale = ImportJob.objects.get(pk=job.pk)
    stale.version = 1
    with pytest.raises(VersionConflict):
        import_jobs.save_mapping(rep, stale, ["name", "city"], start=True, expected_version=1)
    with pytest.raises(VersionConflict):
        import_jobs.change_encoding(rep, stale, "gb18030", {"gb18030": "GB"}, [], 1)
    job.refresh_from_db()
    assert (job.mapping, job.status, job.version) == (["name", ""], ImportJob.Status.MAPPING, 2)
