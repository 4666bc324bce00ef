"""What announcing imported records costs: the importer at N rows with each way of telling
subscribers (docs/decisions/0017-import-events.md).

    import_events.py --rows 20000 [--repeat 3]

Uses a fresh database in a temporary KEHU_DATA_DIR (SQLite) unless KEHU_DATABASE_URL is set.
Each variant imports the same file of people (a third with a company, a few companies each)
into an emptied table, the variants taking turns; prints one JSON line per variant with
seconds and rows/s of the whole import, and the seconds spent announcing (in the writer's
announce step and the handlers it calls), each the best of --repeat:

- `silent`: no event at all (the writer's announce step skipped): the importer's own cost;
- `batch`: one `person.imported` per batch, nobody listening (what ships);
- `batch+handler`: a subscriber that reads the batch's records in one query per batch;
- `per-record`: one `person.created` per record instead, with a record object built for each
  (one query per batch to load them), nobody listening;
- `per-record+handler`: the same with a subscriber that reads its one record (one query each).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("KEHU_SECRET_KEY", "bench-not-secret")
if "KEHU_DATABASE_URL" not in os.environ and "KEHU_DATA_DIR" not in os.environ:
    os.environ["KEHU_DATA_DIR"] = tempfile.mkdtemp(prefix="kehu-import-events-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from kehu.core import events  # noqa: E402
from kehu.core.models import AuditEntry  # noqa: E402
from kehu.customers.fields.values import active_fields  # noqa: E402
from kehu.customers.imports import files as imports_files  # noqa: E402
from kehu.customers.imports import mapping as imports_mapping  # noqa: E402
from kehu.customers.imports import running as importing  # noqa: E402
from kehu.customers.imports.models import ImportJob  # noqa: E402
from kehu.customers.models import Company, Person  # noqa: E402


def write_file(rows: int) -> Path:
    settings.IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    path = settings.IMPORT_DIR / f"events-{rows}.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("姓名,邮箱,手机,公司,城市\n")
        for i in range(rows):
            company = f"公司{i // 5}" if i % 3 == 0 else ""
            fh.write(f"张伟{i},p{i}@example.com,138{i:08d},{company},深圳\n")
    return path


def empty_tables() -> None:
    with transaction.atomic():
        Person.tags.through.objects.all().delete()
        Person.all_objects.all().delete()
        Company.all_objects.all().delete()
        AuditEntry.objects.all().delete()
        ImportJob.objects.all().delete()


def run_once(path: Path, user) -> float:
    empty_tables()
    info = imports_files.inspect_file(path, "csv")
    job = ImportJob.objects.create(
        user=user, entity="person", original_name=path.name, stored_name=path.name,
        format="csv", size=path.stat().st_size, encoding=info["encoding"],
        delimiter=info["delimiter"], headers=info["headers"],
        mapping=imports_mapping.guess_mapping(info["headers"], "person", active_fields("person")),
        status=ImportJob.Status.PENDING,
    )  # fmt: skip
    start = time.perf_counter()
    job = importing.import_file(job)
    seconds = time.perf_counter() - start
    assert job.status == ImportJob.Status.DONE, job.message
    return seconds


def per_record_announce(self) -> None:
    """The alternative: a `person.created` with a record object for each new person."""
    for event, ids in self._announce:
        model = Person if event == "person.imported" else Company
        for record in model.all_objects.filter(pk__in=ids):
            events.emit(event.replace(".imported", ".created"), actor=self.user, record=record)
    self._announce = []


def batch_handler(event, ids, **payload) -> None:
    list(Person.all_objects.filter(pk__in=ids).values_list("pk", "name"))


def record_handler(event, record, **payload) -> None:
    list(Person.all_objects.filter(pk=record.pk).values_list("pk", "name"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    call_command("migrate", verbosity=0)
    from bench.common import bench_user

    user = bench_user("bench_importer", "Administrator", superuser=True)
    path = write_file(opts.rows)
    shipped = importing.BatchWriter.announce
    variants = {
        "silent": (lambda self: None, None, None),
        "batch": (shipped, None, None),
        "batch+handler": (shipped, "person.imported", batch_handler),
        "per-record": (per_record_announce, None, None),
        "per-record+handler": (per_record_announce, "person.created", record_handler),
    }
    best: dict[str, float] = {}
    announcing: dict[str, float] = {}
    for _round in range(opts.repeat):  # round-robin, so a busy spell hits every variant alike
        for name, (announce, event, handler) in variants.items():
            spent = [0.0]

            def timed(self, announce=announce, spent=spent):
                start = time.perf_counter()
                announce(self)
                spent[0] += time.perf_counter() - start

            importing.BatchWriter.announce = timed
            if handler:
                events.subscribe(event)(handler)
            try:
                seconds = run_once(path, user)
            finally:
                if handler:
                    events._handlers[event].remove(handler)
                importing.BatchWriter.announce = shipped
            best[name] = min(seconds, best.get(name, seconds))
            announcing[name] = min(spent[0], announcing.get(name, spent[0]))
    for name, seconds in best.items():
        print(json.dumps({"variant": name, "database": connection.vendor, "rows": opts.rows,
                          "seconds": round(seconds, 2), "rows_per_s": round(opts.rows / seconds),
                          "announcing_seconds": round(announcing[name], 3)}),
              flush=True)  # fmt: skip
    empty_tables()


if __name__ == "__main__":
    main()
