"""Hostile import files: how long refusing each takes, and each process's peak memory.

    .venv/bin/python bench/hostile_import.py [--out bench/out/hostile_import.json] [--only NAME,...]

Builds the files of issue 12 itself (CSV of 100,000 and 1,000,000 columns, a CSV with one
40 MB cell, an XLSX zip bomb of one ~900 MB inline string, an XLSX with a 40 MB cell that
compresses only 2 to 1, a formula cell without its type, a DTD with an entity, and zip sizes
that lie) in /tmp/kehu_hostile, then runs every step in a child process of its own, as the
server would: the web request that uploads the file (the real view, the body streamed from
disk as a web server hands it over), the mapping page of a job made from the file without
the upload's checks, and the background import of such a job (what the task runs). Each
child reports the step's wall time, its answer, and its peak RSS (VmHWM) — the importer's goal
is < 150 MB per process whatever the file, and a refusal within 1 s. A child is capped at
2 GB of address space and 120 s, so a regression shows as a failure, not a swapped machine.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/kehu_hostile")  # noqa: S108
# a child may run another checkout's code (--root), e.g. main's, for a before/after figure
CODE = os.environ.get("KEHU_BENCH_CODE") if "--child" in sys.argv else None
sys.path.insert(0, CODE or str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("KEHU_DATA_DIR", str(WORK / "data"))
os.environ.setdefault("KEHU_DATABASE_URL", f"sqlite:///{WORK}/hostile.sqlite3")
os.environ.setdefault("KEHU_SECRET_KEY", "bench-not-secret")
os.environ.setdefault("KEHU_ALLOWED_HOSTS", "testserver")

MB = 1024 * 1024
BOUNDARY = "kehuhostilebenchboundary"
GOAL_MB = 150
GOAL_S = 1.0


def _files():
    from tests.customers import hostile_files as h

    return {  # name: (format, builder, what main did, per issue 12)
        "csv-100k-columns": ("csv", lambda p: h.wide_csv(p, 100_000),
                             "mapping page 64 MB, 10 s"),
        "csv-1m-columns": ("csv", lambda p: h.wide_csv(p, 1_000_000),
                           "a web worker grew to 5.3 GB, never finished"),
        "csv-40mb-cell": ("csv", lambda p: h.huge_cell_csv(p, 40 * MB), "accepted"),
        "xlsx-bomb-900mb-string": ("xlsx", lambda p: h.xlsx_bomb(p, 900 * MB),
                                   "accepted; web 1.9-3.5 GB, task 945 MB"),
        "xlsx-40mb-cell": ("xlsx", lambda p: h.xlsx_huge_cell(p, 40 * MB), "accepted"),
        "xlsx-formula-without-type": ("xlsx", h.xlsx_formula_without_type,
                                      "500 on the mapping page, job stuck"),
        "xlsx-dtd-entity": ("xlsx", h.xlsx_with_entity, "500 on upload (ParseError)"),
        "xlsx-lying-sizes": ("xlsx", h.xlsx_lying_sizes, "—"),
        # for reference: ordinary files, which must still import within the memory goal
        "csv-20k-rows-ok": ("csv", lambda p: _ordinary(p, 20_000, "csv"), OK),
        "xlsx-20k-rows-ok": ("xlsx", lambda p: _ordinary(p, 20_000, "xlsx"), OK),
    }  # fmt: skip


OK = "(an ordinary file, for reference)"


def _ordinary(path: Path, rows: int, fmt: str) -> None:
    """People with Chinese and English names, phones, emails, companies, cities and notes."""
    import csv

    header = ["姓名", "手机", "邮箱", "公司", "城市", "备注"]
    data = (
        [f"{'张王李赵刘'[i % 5]}{'伟芳娜敏静'[i // 5 % 5]}{i}", f"138{i:08d}",
         f"p{i}@example.com", f"公司{i % 2000}", "上海北京深圳"[i % 3 * 2 : i % 3 * 2 + 2],
         "Met at the trade fair; wants a quote " * (i % 3)]
        for i in range(rows)
    )  # fmt: skip
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(data)
        return
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in data:
        sheet.append(row)
    workbook.save(path)


def max_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- the parent: build files, prepare the database, run the children ---------------------------


def _multipart(path: Path, name: str, body: Path) -> None:
    """The request body a browser sends for the upload form, written beside the file."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="entity"\r\n\r\nperson\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    with open(body, "wb") as out, open(path, "rb") as source:
        out.write(head)
        while chunk := source.read(MB):
            out.write(chunk)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())


def _prepare(names: list[str]) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from kehu.accounts.models import User
    from kehu.customers.imports.models import ImportJob
    from tests.factories import make_user

    WORK.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as `kehu serve` does
    user = User.objects.filter(username="hostile_rep").first() or make_user("hostile_rep")
    ImportJob.objects.filter(user=user).delete()
    settings.IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    files = _files()
    plan = {}
    for name in names:
        fmt, build, before = files[name]
        path = WORK / f"{name}.{fmt}"
        if not path.exists():
            started = time.perf_counter()
            build(path)
            print(f"built {path.name}: {path.stat().st_size / MB:.2f} MB "
                  f"in {time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        body = WORK / f"{name}.body"
        if not body.exists():
            _multipart(path, path.name, body)
        stored = settings.IMPORT_DIR / f"hostile-{path.name}"
        stored.unlink(missing_ok=True)
        os.link(path, stored)
        # a job as the code before the limits stored it: 100,000 columns could be uploaded
        # (the mapping page then took 64 MB); a million never got that far
        headers = [f"c{i}" for i in range(100_000)] if name == "csv-100k-columns" else []
        headers = headers or ["Name", "Notes"]
        mapping = ["name", "notes"]
        if before == OK:
            headers, mapping = ["姓名", "手机", "邮箱", "公司", "城市", "备注"], [
                "name", "phone", "email", "company", "city", "notes"]  # fmt: skip
        jobs = {}
        for step, status in (("map", "mapping"), ("task", "pending")):
            jobs[step] = ImportJob.objects.create(
                user=user, entity="person", original_name=path.name, stored_name=stored.name,
                format=fmt, size=path.stat().st_size, encoding="utf-8-sig" if fmt == "csv" else "",
                delimiter="," if fmt == "csv" else "", headers=headers,
                mapping=mapping + [""] * (len(headers) - len(mapping)), status=status,
            ).pk  # fmt: skip
        plan[name] = {"format": fmt, "bytes": path.stat().st_size, "before": before,
                      "body": str(body), "jobs": jobs}  # fmt: skip
    return plan


CHILD_CODE = None


def _limit_child():
    resource.setrlimit(resource.RLIMIT_AS, (2048 * MB, 2048 * MB))


def _child(step: str, name: str, info: dict) -> dict:
    args = [sys.executable, __file__, "--child", step, "--name", name, "--info", json.dumps(info)]
    env = {**os.environ, **({"KEHU_BENCH_CODE": str(CHILD_CODE)} if CHILD_CODE else {})}
    try:
        done = subprocess.run(  # noqa: S603
            args, capture_output=True, text=True, timeout=120, env=env,
            preexec_fn=_limit_child, check=False,  # noqa: PLW1509
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": "did not finish in 120 s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    return json.loads(lines[-1])


# -- a child: one step in a fresh process -------------------------------------------------------


def _run_step(step: str, name: str, info: dict) -> dict:
    import django

    django.setup()
    from django.test import Client

    from kehu.accounts.models import User
    from kehu.customers.imports.models import ImportJob
    from kehu.customers.models import Person

    user = User.objects.get(username="hostile_rep")
    client = Client()
    if step != "task":  # a web worker has served pages; a task worker (`kehu worker`) has not
        client.force_login(user)
        client.get("/import/")  # the app's own warm-up: templates, middleware, first query
    import openpyxl  # noqa: F401 — loaded as in a worker that has read an XLSX before

    baseline = rss_mb()
    started = time.perf_counter()
    if step == "upload":
        before = set(ImportJob.objects.filter(user=user).values_list("pk", flat=True))
        body = Path(info["body"])
        with open(body, "rb") as stream:
            environ = client._base_environ(
                PATH_INFO="/import/", REQUEST_METHOD="POST",
                CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
                CONTENT_LENGTH=str(body.stat().st_size), **{"wsgi.input": stream},
            )  # fmt: skip
            response = client.handler(environ)
        seconds = time.perf_counter() - started
        new = ImportJob.objects.filter(user=user).exclude(pk__in=before)
        html = response.content.decode(errors="replace")
        answer = _message(html) if response.status_code == 200 else ""
        outcome = "refused" if response.status_code == 200 and not new.exists() else "accepted"
        result = {"status": response.status_code, "outcome": outcome, "message": answer}
        new.delete()
    elif step == "map":
        response = client.get(f"/import/{info['jobs']['map']}/")
        seconds = time.perf_counter() - started
        job = ImportJob.objects.get(pk=info["jobs"]["map"])
        result = {"status": response.status_code, "page_bytes": len(response.content),
                  "outcome": job.status, "message": job.message[:160]}  # fmt: skip
    else:
        from kehu.customers.imports.running import import_file

        job = ImportJob.objects.select_related("user", "user__role").get(pk=info["jobs"]["task"])
        job = import_file(job)
        seconds = time.perf_counter() - started
        result = {"outcome": job.status, "message": job.message[:160], "imported": job.imported}
    peak = max_rss_mb()
    if step == "task":
        Person.objects.filter(created_by=user).delete()  # the ordinary files' people
    return {**result, "seconds": round(seconds, 3), "baseline_rss_mb": round(baseline, 1),
            "peak_rss_mb": round(peak, 1)}  # fmt: skip


def _message(html: str) -> str:
    """The form's error message on the upload page."""
    import re

    found = re.search(r'class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', html, re.S)
    return found.group(1).strip()[:160] if found else ""


# -- report ----------------------------------------------------------------------------------------


def _machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "nproc": os.cpu_count(),
            "cpu": cpu, "python": platform.python_version(),
            "load": round(os.getloadavg()[0], 2)}  # fmt: skip


def _table(results: dict) -> str:
    rows = ["| file | size | step | answer | time s | peak RSS MB | goal < 1 s, < 150 MB |",
            "| --- | ---: | --- | --- | ---: | ---: | --- |"]  # fmt: skip
    for name, entry in results.items():
        for step in ("upload", "map", "task"):
            r = entry["steps"][step]
            if "error" in r:
                rows.append(f"| {name} | {entry['bytes'] / MB:.2f} MB | {step} | error: "
                            f"{r['error']} | — | — | **FAIL** |")  # fmt: skip
                continue
            answer = r["outcome"] + (f": {r['message']}" if r.get("message") else "")
            if entry["before"] == OK:  # it must work, within the memory goal
                ok = r["peak_rss_mb"] < GOAL_MB and r["outcome"] in ("accepted", "mapping", "done")
            else:
                ok = r["seconds"] < GOAL_S and r["peak_rss_mb"] < GOAL_MB
                ok = ok and r["outcome"] in ("refused", "failed")
            rows.append(
                f"| {name} | {entry['bytes'] / MB:.2f} MB | {step} | {answer.replace('|', '/')} "
                f"| {r['seconds']:.2f} | {r['peak_rss_mb']:.0f} | {'pass' if ok else '**FAIL**'} |"
            )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--name")
    parser.add_argument("--info")
    parser.add_argument("--only", default="")
    parser.add_argument("--root", type=Path, help="the checkout whose kehu a child runs")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "hostile_import.json")
    opts = parser.parse_args()
    if opts.child:
        print(json.dumps(_run_step(opts.child, opts.name, json.loads(opts.info))))
        return
    global CHILD_CODE  # noqa: PLW0603
    CHILD_CODE = opts.root
    names = [n for n in _files() if not opts.only or n in opts.only.split(",")]
    plan = _prepare(names)
    results = {}
    for name, info in plan.items():
        steps = {}
        for step in ("upload", "map", "task"):
            steps[step] = _child(step, name, info)
            print(name, step, json.dumps(steps[step], ensure_ascii=False), flush=True)
        results[name] = {"bytes": info["bytes"], "before": info["before"], "steps": steps}
    report = {"machine": _machine(), "results": results}
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(json.dumps(report["machine"]))
    print(_table(results))


if __name__ == "__main__":
    main()
