"""Background work for customers: running imports."""

from django_tasks import task

from kehu.customers.import_models import ImportJob


@task()
def run_import(job_id: int) -> None:
    """Run or resume an import job; safe to call again after a crash (it resumes)."""
    from kehu.customers.importing import import_file

    job = ImportJob.objects.select_related("user", "user__role").filter(pk=job_id).first()
    if job is not None:
        import_file(job)
