"""An import whose worker is killed (SIGKILL) in the middle is finished by the next worker,
every row exactly once: real `kehu worker` processes on a real database file (SQLite) or the
test database (PostgreSQL), a short lease (KEHU_LEASE_SECONDS) and small batches."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.db import connection

from tests.cli_support import ROOT, kehu_env, make_template, migrated_data_dir

ROWS = 1000
LEASE_SECONDS = "2"
RUN_IMPORT = "kehu.customers.tasks.run_import"
ON_POSTGRES = os.environ.get("KEHU_TEST_DATABASE_URL", "").startswith("postgres")
# PostgreSQL: the test database, with data committed for real so other processes see it
# (serialized_rollback: the flush afterwards must keep the default roles and content types
# for the tests that come next)
pytestmark = (
    [pytest.mark.django_db(transaction=True, serialized_rollback=True)] if ON_POSTGRES else []
)

SETUP = """
import json, sys, django
ROWS = int(sys.argv[1])
django.setup()
from tests.customers.import_helpers import csv_text, job_from_bytes
from tests.factories import make_user
from kehu.customers.tasks import run_import
user = make_user("crash-rep")
lines = ["name,email"] + [f"Person {i},p{i}@example.com" for i in range(ROWS)]
job = job_from_bytes(user, csv_text(lines).encode())
run_import.enqueue(job.pk)
print(json.dumps({"job": job.pk}))
"""


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory):
    if ON_POSTGRES:
        return None
    return make_template(tmp_path_factory)


@pytest.fixture
def database(sqlite_template, tmp_path):
    """(environment for real processes, a function running SQL in that database)."""
    if ON_POSTGRES:
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        env = kehu_env(tmp_path / "data", url)

        def sql(query, params=()):
            with connection.cursor() as cursor:
                cursor.execute(query.replace("?", "%s"), params)
                return cursor.fetchall()

    else:  # SQLite: a database file the processes share
        data_dir = migrated_data_dir(sqlite_template, tmp_path / "data")
        env = kehu_env(data_dir)

        def sql(query, params=()):
            conn = sqlite3.connect(data_dir / "kehu.sqlite3", timeout=30)
            try:
                return conn.execute(query, params).fetchall()
            finally:
                conn.close()

    env.update(DJANGO_SETTINGS_MODULE="tests.worker_settings", KEHU_LEASE_SECONDS=LEASE_SECONDS)
    (tmp_path / "data").mkdir(exist_ok=True)
    return env, sql


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kehu.cli", "worker", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(check, timeout: float, what: str, worker: subprocess.Popen):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if worker.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}: {worker.stderr.read()}")
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def test_an_import_whose_worker_is_killed_is_finished_by_the_next_worker(database):
    env, sql = database
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(ROWS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert setup.returncode == 0, setup.stderr
    job_id = json.loads(setup.stdout.strip().splitlines()[-1])["job"]

    def job():
        (row,) = sql(
            "SELECT status, position, processed, imported, skipped, total_rows "
            "FROM customers_importjob WHERE id = ?",
            (job_id,),
        )
        return dict(zip(["status", "position", "processed", "imported", "skipped", "total"], row,
                        strict=True))  # fmt: skip

    first = start_worker(env)
    try:
        # let it commit a good part of the file, then kill it without warning
        wait_for(lambda: job()["position"] > ROWS // 5, 60, "the first batches", first)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = job()
    assert at_kill["status"] == "running"
    assert at_kill["processed"] < ROWS  # killed in the middle, not after the end

    second = start_worker(env)
    try:
        wait_for(lambda: job()["status"] != "running", 90, "the import to finish", second)
    finally:
        stop(second)

    done = job()
    assert done == {"status": "done", "position": ROWS + 1, "processed": ROWS,
                    "imported": ROWS, "skipped": 0, "total": ROWS}  # fmt: skip
    emails = [email for (email,) in sql("SELECT email FROM customers_person")]
    assert sorted(emails) == sorted(f"p{i}@example.com" for i in range(ROWS))  # each once
    (audits,) = sql("SELECT COUNT(*) FROM core_auditentry WHERE action = 'import'")[0]
    assert audits == ROWS
    # the run the killed worker left "running" is marked failed, not running for ever
    runs = sql(
        "SELECT status, exception_class_path FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = ? ORDER BY enqueued_at",
        (RUN_IMPORT,),
    )
    assert "RUNNING" not in {status for status, _path in runs}
    assert ("FAILED", "kehu.core.recovery.WorkerStopped") in runs
    assert ("SUCCESSFUL", "") in runs
