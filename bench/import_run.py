"""One import run in its own process, so its peak memory (VmHWM) is its own.

    import_run.py --mode app --file people.csv --user bench_admin   # kehu.customers.imports.running
    import_run.py --mode raw --file people.csv --user bench_admin   # bulk insert of the rows

Prints one JSON line: seconds, rows/s, peak RSS. Removes what it inserted afterwards, so the
benchmark database stays as generated.
"""

import argparse
import csv
import datetime
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("KEHU_DATA_DIR", "/tmp/kehu_bench/data")  # noqa: S108
os.environ.setdefault("KEHU_SECRET_KEY", "bench-not-secret")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from kehu.accounts.models import User  # noqa: E402
from kehu.core.models import AuditEntry  # noqa: E402
from kehu.customers.models import Company, Person  # noqa: E402


def max_rss_mb() -> float:
    """This process's peak RSS. Not `ru_maxrss`: Linux carries it over from the process that
    started this one (the benchmark, with a million-row database in its cache), across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB


def max_person_id() -> int:
    with connection.cursor() as cur:
        cur.execute('SELECT coalesce(max("id"), 0) FROM "customers_person"')
        return cur.fetchone()[0]


def max_company_id() -> int:
    with connection.cursor() as cur:
        cur.execute('SELECT coalesce(max("id"), 0) FROM "customers_company"')
        return cur.fetchone()[0]


def remove_added(last_person: int, last_company: int) -> None:
    """Delete the people and companies (tag links, audit entries) a run added."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute('DELETE FROM "customers_person_tags" WHERE "person_id" > %s', [last_person])
        cur.execute('DELETE FROM "customers_person" WHERE "id" > %s', [last_person])
        cur.execute('DELETE FROM "customers_company" WHERE "id" > %s', [last_company])
    for model, last in ((Person, last_person), (Company, last_company)):
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__gt=last
        ).delete()


def run_raw(path: Path, user: User) -> dict:
    """The database's own bulk-insert rate for the same rows, one transaction: multi-row
    INSERTs of 256 rows on SQLite, COPY on PostgreSQL (the fastest way each database offers).

    Row values (E.164 phone, the same search document the importer writes) are prepared before
    the clock starts, so this is the insert alone (with the table's indexes and, on SQLite, the
    FTS trigger). No company links, tags or audit entries: the rows alone.
    """
    from kehu.core.contact import normalize_phone
    from kehu.core.sort_keys import name_sort_key
    from kehu.customers.services import person_search_text

    now = datetime.datetime.now(datetime.UTC)
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        for rec in reader:
            phone = normalize_phone(rec["Phone"])
            doc = person_search_text(rec["Name"], rec["Email"], phone, rec["Company"])
            rows.append((rec["Name"], rec["Email"], phone, rec["Title"], None, rec["City"], "",
                         "", "{}", doc, name_sort_key(rec["Name"], person=True), now, now, 1,
                         user.pk, user.pk))  # fmt: skip
    columns = (
        '"name", "email", "phone", "title", "company_id", "city", "address", "notes", "custom", '
        '"search_text", "name_sort_key", "created_at", "updated_at", "version", "owner_id", '
        '"created_by_id"'
    )
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f'COPY "customers_person" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            via = "COPY, one transaction"
        else:
            one = "(" + ", ".join(["%s"] * 16) + ")"
            for i in range(0, len(rows), 256):
                chunk = rows[i : i + 256]
                cur.execute(
                    f'INSERT INTO "customers_person" ({columns}) VALUES '
                    + ", ".join([one] * len(chunk)),
                    [value for row in chunk for value in row],
                )
            via = "multi-row INSERT (256 rows), one transaction"
    seconds = time.perf_counter() - start
    return {"via": via, "rows": len(rows), "seconds": seconds}


def run_app(path: Path, user: User) -> dict:
    """The real importer, as its background task runs it: an ImportJob, then `import_file`."""
    import shutil
    import uuid

    from django.conf import settings

    from kehu.customers.fields.values import active_fields
    from kehu.customers.imports import files as import_files
    from kehu.customers.imports import mapping as import_mapping
    from kehu.customers.imports import running as importing
    from kehu.customers.imports.models import ImportJob

    settings.IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    stored = f"bench-{uuid.uuid4().hex}.csv"
    shutil.copyfile(path, settings.IMPORT_DIR / stored)
    start = time.perf_counter()
    info = import_files.inspect_file(settings.IMPORT_DIR / stored, "csv")
    job = ImportJob.objects.create(
        user=user, entity="person", original_name=path.name, stored_name=stored, format="csv",
        size=path.stat().st_size, encoding=info["encoding"], delimiter=info["delimiter"],
        headers=info["headers"],
        mapping=import_mapping.guess_mapping(info["headers"], "person", active_fields("person")),
        status=ImportJob.Status.PENDING,
    )  # fmt: skip
    try:
        job = importing.import_file(job)
        seconds = time.perf_counter() - start
    finally:
        (settings.IMPORT_DIR / stored).unlink(missing_ok=True)
    if job.status != ImportJob.Status.DONE:
        raise RuntimeError(f"import ended {job.status}: {job.message}")
    result = {
        "via": "importing.import_file (ImportJob, as the task runs it)",
        "rows": job.processed,
        "imported": job.imported,
        "skipped": job.skipped,
        "companies_created": job.companies_created,
        "first_errors": job.errors[:3],
        "seconds": seconds,
    }
    ImportJob.objects.filter(pk=job.pk).delete()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["app", "raw"], required=True)
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--user", required=True)
    opts = parser.parse_args()
    user = User.objects.get(username=opts.user)
    last_person, last_company = max_person_id(), max_company_id()
    try:
        result = run_raw(opts.file, user) if opts.mode == "raw" else run_app(opts.file, user)
    finally:
        result_rss = max_rss_mb()
        remove_added(last_person, last_company)
    result["rows_per_s"] = result["rows"] / result["seconds"]
    result["max_rss_mb"] = result_rss
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
