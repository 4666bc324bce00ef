"""The duplicates scan at scale, and what the import's look-alike report costs.

    cp /tmp/kehu_bench/1m.sqlite3 /tmp/kehu_dup/1m.sqlite3      # never the original
    KEHU_DATABASE_URL=sqlite:////tmp/kehu_dup/1m.sqlite3 \\
        .venv/bin/python bench/duplicates_scan.py [--skip-scan] [--import-rows 20000]

Migrates the copy (the duplicates tables), runs the scan of people and companies as the worker
does (`scanning.run_scan`), and times each part. Then times `find_look_alikes` over batches
of 1,000 person and company rows shaped like an import's (names at existing companies), next
to the bulk writer's measured rate, so the report's share of an import is known. Prints JSON.
"""

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("KEHU_DATA_DIR", "/tmp/kehu_dup/data")  # noqa: S108
os.environ.setdefault("KEHU_SECRET_KEY", "bench-not-secret")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from kehu.accounts.models import User  # noqa: E402
from kehu.core import pinyin  # noqa: E402
from kehu.customers.duplicates import scanning  # noqa: E402
from kehu.customers.duplicates.importing import find_look_alikes  # noqa: E402
from kehu.customers.duplicates.models import DuplicatePair, DuplicateScan  # noqa: E402
from kehu.customers.imports.rows import Row  # noqa: E402
from kehu.customers.models import Company, Person  # noqa: E402


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_scan() -> dict:
    pinyin.prepare()
    timings = {}
    started = time.perf_counter()
    people = scanning.scan_people()
    timings["people_compare_s"] = round(time.perf_counter() - started, 1)
    mark = time.perf_counter()
    stored_people = scanning.store_pairs("person", people)
    timings["people_store_s"] = round(time.perf_counter() - mark, 1)
    mark = time.perf_counter()
    companies = scanning.scan_companies()
    timings["companies_compare_s"] = round(time.perf_counter() - mark, 1)
    mark = time.perf_counter()
    stored_companies = scanning.store_pairs("company", companies)
    timings["companies_store_s"] = round(time.perf_counter() - mark, 1)
    total = time.perf_counter() - started
    reasons: dict[str, int] = {}
    for match in list(people.values()) + list(companies.values()):
        reasons[match.reasons[0]] = reasons.get(match.reasons[0], 0) + 1
    return {
        "people": Person.objects.order_by().count(),
        "companies": Company.objects.order_by().count(),
        "person_pairs": stored_people,
        "company_pairs": stored_companies,
        "strongest_reasons": reasons,
        "scan_seconds": round(total, 1),
        **timings,
        "peak_rss_mb": round(peak_rss_mb()),
    }


def run_task_scan() -> dict:
    """The same scan as the worker runs it (with progress written to its row)."""
    scan = DuplicateScan.objects.create()
    started = time.perf_counter()
    scanning.run_scan(scan)
    return {"task_scan_seconds": round(time.perf_counter() - started, 1), "status": scan.status}


def time_look_alikes(rows_wanted: int) -> dict:
    user = User.objects.filter(is_superuser=True).first() or User.objects.first()
    rng = random.Random(7)
    sample = list(
        Person.objects.filter(company__isnull=False)
        .order_by("?")
        .values_list("name", "company__name")[: rows_wanted // 2]
    ) if connection.vendor == "postgresql" else _sample_people(rng, rows_wanted // 2)  # fmt: skip
    people_rows = [
        Row(line=i + 2, values={"name": name}, company_name=company)
        for i, (name, company) in enumerate(sample)
    ]
    companies = _sample_companies(rng, rows_wanted // 2)
    company_rows = [Row(line=i + 2, values={"name": name}) for i, name in enumerate(companies)]
    result = {}
    for label, rows, entity in (
        ("person", people_rows, "person"),
        ("company", company_rows, "company"),
    ):
        found = 0
        started = time.perf_counter()
        for start in range(0, len(rows), 1000):
            found += len(find_look_alikes(user, rows[start : start + 1000], entity))
        seconds = time.perf_counter() - started
        result[f"look_alikes_{label}_rows"] = len(rows)
        result[f"look_alikes_{label}_found"] = found
        result[f"look_alikes_{label}_ms_per_1000_rows"] = round(
            1000 * seconds / max(1, len(rows)) * 1000, 1
        )
    return result


def _sample_people(rng: random.Random, n: int) -> list[tuple[str, str]]:
    top = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = [rng.randrange(1, top + 1) for _ in range(n)]
    rows = []
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        rows += list(
            Person.objects.filter(pk__in=chunk, company__isnull=False).values_list(
                "name", "company__name"
            )
        )
    return rows


def _sample_companies(rng: random.Random, n: int) -> list[str]:
    top = Company.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = [rng.randrange(1, top + 1) for _ in range(n)]
    names = []
    for start in range(0, len(ids), 900):
        names += list(
            Company.objects.filter(pk__in=ids[start : start + 900]).values_list("name", flat=True)
        )
    # written as a file would: another legal form half the time
    return [
        name.replace("有限公司", "股份有限公司") if i % 2 else name for i, name in enumerate(names)
    ]


def run_import(rows_wanted: int, report: bool) -> dict:
    """An import of `rows_wanted` person rows (names at existing companies, new emails), as the
    task runs it, with the look-alike report on or off: the report's cost on the bulk writer."""
    import uuid

    from django.conf import settings

    from kehu.customers.imports import files as import_files
    from kehu.customers.imports import running
    from kehu.customers.imports.models import ImportJob

    if not report:
        running.find_look_alikes = lambda user, rows, entity: []
    rng = random.Random(11)
    sample = _sample_people(rng, rows_wanted)
    lines = ["Name,Email,Company"] + [
        f"{name},bench{i}.{uuid.uuid4().hex[:6]}@import.example,{company}"
        for i, (name, company) in enumerate(sample)
    ]
    settings.IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    stored = f"dup-bench-{uuid.uuid4().hex}.csv"
    path = settings.IMPORT_DIR / stored
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    info = import_files.inspect_file(path, "csv")
    user = User.objects.filter(username="bench_admin").first() or User.objects.first()
    job = ImportJob.objects.create(
        user=user, entity="person", original_name="bench.csv", stored_name=stored, format="csv",
        size=path.stat().st_size, mapping=["name", "email", "company"],
        status=ImportJob.Status.PENDING, **info,
    )  # fmt: skip
    pinyin.prepare()
    started = time.perf_counter()
    job = running.import_file(job)
    seconds = time.perf_counter() - started
    return {
        "import_report": report,
        "import_rows": len(sample),
        "imported": job.imported,
        "look_alikes_reported": job.look_alike_count,
        "import_seconds": round(seconds, 2),
        "import_rows_per_s": round(len(sample) / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-scan", action="store_true")
    parser.add_argument("--task", action="store_true", help="also run the scan as the worker does")
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--import-run", type=int, default=0, help="rows of a real import")
    parser.add_argument("--no-report", action="store_true", help="the import without the report")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    with open("/proc/loadavg") as load:
        result: dict = {"load_average_before": load.read().split()[:3]}
    if not args.skip_scan:
        result.update(run_scan())
    if args.task:
        result.update(run_task_scan())
    if args.import_rows:
        result.update(time_look_alikes(args.import_rows))
    if args.import_run:
        result.update(run_import(args.import_run, report=not args.no_report))
    with open("/proc/loadavg") as load:
        result["load_average_after"] = load.read().split()[:3]
    result["open_pairs"] = DuplicatePair.objects.filter(dismissed_at__isnull=True).count()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
