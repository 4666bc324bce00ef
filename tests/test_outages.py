"""A database that goes away under real `kehu serve`, `kehu worker` and `kehu demo` processes.

On SQLite another connection holds the write lock; on PostgreSQL (KEHU_TEST_DATABASE_URL) a
scratch database refuses connections and its backends are terminated. Either way Kehu answers
503 with Retry-After instead of 500, reads that need no write go on, the worker waits and then
runs what was queued, and everything recovers without a restart.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests import outage_support as support
from tests.cli_support import ROOT
from tests.outage_support import ON_POSTGRES, Site


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    made = support.make_template(tmp_path_factory)
    yield made
    support.drop_template(made[2])


@pytest.fixture
def site(template, tmp_path):
    site = support.site_from_template(template, tmp_path / "data")
    yield site
    support.drop_site(site)


def assert_503(reply, reason: str, *, json_body: bool) -> None:
    assert reply.status == 503, (reply.status, reply.text[:300])
    assert reply.headers["Retry-After"].isdigit()
    if json_body:
        body = reply.json()
        assert body["database"] == reason
        assert "Try again" in body["detail"]
    else:
        assert reply.headers["Content-Type"].startswith("text/html")
        assert "Kehu is briefly unavailable" in reply.text


#: pages a signed-in person reads; on SQLite none may need the write lock
READ_PAGES = ["/people/", "/companies/", "/search/?q=a", "/my-day/", "/notifications/",
              "/deals/board/", "/leads/", "/calendar/", "/profile/", "/api/v1/people"]  # fmt: skip


def test_during_an_outage_kehu_answers_503_with_retry_after_and_recovers(site):
    reason = "unreachable" if ON_POSTGRES else "locked"
    server = site.serve()
    server.log_in()
    form = server.form("/companies/new/") | {"name": "Lost Ltd"}
    # the token was last used long ago: this request's authentication wants to note its use
    site.sql("UPDATE accounts_apitoken SET last_used_at = NULL")
    site.sql("UPDATE activities_calendarfeed SET last_used_at = NULL")  # the same for a feed

    with site.outage():
        api_read = server.get("/api/v1/companies", token=True)
        page_read = server.get("/")
        api_write = server.request(
            "POST", "/api/v1/companies", json_body={"name": "Lost Ltd"}, token=True
        )
        form_write = server.request(
            "POST",
            "/companies/new/",
            data=form,
            headers={"Referer": server.base},
        )
        health = server.get("/healthz")
        more_reads = {path: server.get(path).status for path in READ_PAGES}
        feed = server.get(f"/calendar/feed/{site.feed}.ics", headers={"Cookie": ""})

    if ON_POSTGRES:  # nothing can be read either
        assert_503(api_read, reason, json_body=True)
        assert_503(page_read, reason, json_body=False)
        assert set(more_reads.values()) == {503}, more_reads
        assert feed.status == 503
    else:  # a read never needs the write lock, not even to note when the token was used
        assert api_read.status == 200, api_read.text[:300]
        assert page_read.status == 200
        assert more_reads == dict.fromkeys(READ_PAGES, 200)
        assert feed.status == 200 and "BEGIN:VCALENDAR" in feed.text
    assert_503(api_write, reason, json_body=True)
    assert_503(form_write, reason, json_body=False)
    assert "Go back with your browser" in form_write.text
    assert_503(health, reason, json_body=True)
    assert health.json()["status"] == "unavailable"

    # back without a restart
    health = server.get("/healthz")
    assert (health.status, health.json()) == (200, {"status": "ok", "database": "ok"})
    assert server.get("/").status == 200
    created = server.request("POST", "/api/v1/companies", json_body={"name": "Kept"}, token=True)
    assert created.status == 201, created.text
    assert site.sql("SELECT name FROM customers_company ORDER BY name") == [("Kept",)]
    assert server.process.poll() is None
    assert "Traceback" not in server.output()


def test_outages_under_load_answer_503_never_500(site):
    server = site.serve()
    statuses: Counter = Counter()
    stop = threading.Event()

    def client(n: int) -> None:
        i = 0
        while not stop.is_set() and i < 150:
            i += 1
            if i % 3:
                reply = server.get("/api/v1/companies?limit=5", token=True)
            else:
                body = {"name": f"Load {n}-{i}"}
                reply = server.request("POST", "/api/v1/companies", json_body=body, token=True)
            statuses[reply.status] += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in clients:
        thread.start()
    try:
        for _ in range(3):
            time.sleep(0.5)
            if ON_POSTGRES:  # backends killed mid-request, connections allowed
                site.terminate_backends()
            with site.outage():
                time.sleep(1.0)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=60)
    assert statuses[500] == 0, statuses
    assert statuses[503] > 0, statuses  # the outages were felt
    assert set(statuses) <= {200, 201, 503}, statuses
    after = server.request("POST", "/api/v1/companies", json_body={"name": "After"}, token=True)
    assert after.status == 201


def _wait_for(predicate, seconds: float, what: str, output=lambda: "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {seconds} s:\n{output()}")


def _enqueue_marker(site: Site, marker: Path) -> None:
    code = (
        "import django; django.setup(); from tests.outage_support import write_marker; "
        f"write_marker.enqueue({str(marker)!r}, 'ran')"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=site.env(), check=True)


def test_the_worker_outlives_an_outage_and_then_runs_what_was_queued(site):
    worker = site.start("worker", "--interval", "0.2")
    log = Path(worker.log_path)
    time.sleep(2)  # past its start: polling the queue
    with site.outage():
        _wait_for(
            lambda: "trying again in" in log.read_text() or worker.poll() is not None,
            40,
            "the worker noticing the outage",
            log.read_text,
        )
        assert worker.poll() is None, log.read_text()
        time.sleep(1.5)
    assert worker.poll() is None, log.read_text()
    marker = site.data_dir / "ran.txt"
    _enqueue_marker(site, marker)
    _wait_for(marker.exists, 45, "the queued task running", log.read_text)
    assert worker.poll() is None
    assert "Traceback" not in log.read_text()


def _children(pid: int, pattern: str) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid), "-f", pattern], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_demo_starts_its_worker_again_when_it_dies(site):
    port = support.free_port()
    demo = site.start("demo", "--port", str(port), "--workers", "1")
    server = support.Server(site, port, demo)
    seen: set[int] = set()
    try:
        server.wait_ready()
        _wait_for(lambda: _children(demo.pid, "kehu.cli worker"), 20, "the worker starting")
        (first,) = _children(demo.pid, "kehu.cli worker")
        seen.add(first)
        os.kill(first, signal.SIGKILL)
        _wait_for(
            lambda: [p for p in _children(demo.pid, "kehu.cli worker") if p != first],
            20,
            "a new worker",
            server.output,
        )
        (second,) = _children(demo.pid, "kehu.cli worker")
        seen.add(second)
        marker = site.data_dir / "ran.txt"
        _enqueue_marker(site, marker)
        _wait_for(marker.exists, 45, "the queued task running", server.output)
        support.stop_process(demo)
        assert demo.returncode == 0, server.output()
        assert not _alive(second)  # stopped with the server
    finally:
        support.stop_process(demo)
        for pid in seen:  # whatever happened above, no worker outlives the test
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_servers_started_together_on_one_data_folder_and_database_all_serve(tmp_path):
    """Started at the same moment on a fresh data folder and database, they migrate and
    collect static files one at a time, and all serve. On PostgreSQL a third server with a data
    folder of its own (another machine) shares the database: migrations take turns there too."""
    shared = Site(tmp_path / "shared", token="")
    sites = [shared, shared]
    if ON_POSTGRES:
        shared.db_name = support.scratch_name("fresh")
        support.pg_execute(f'CREATE DATABASE "{shared.db_name}"')
        shared.database_url = support.POSTGRES_URL.rsplit("/", 1)[0] + "/" + shared.db_name
        sites.append(Site(tmp_path / "elsewhere", token="", database_url=shared.database_url))
    servers: list[support.Server] = []
    try:
        for each in sites:
            each.data_dir.mkdir(exist_ok=True)
            port = support.free_port(avoid=tuple(server.port for server in servers))
            process = each.start("serve", "--port", str(port), "--workers", "1")
            servers.append(support.Server(each, port, process))
        for server in servers:
            server.wait_ready(240)
        for server in servers:
            page = server.get("/login/").text
            css = page.split('href="/static/', 1)[1].split('"', 1)[0]
            assert server.get("/static/" + css).status == 200
            assert server.get("/api/v1/docs").status == 200
            assert "Traceback" not in server.output()
    finally:
        for each in sites[2:]:
            each.stop_all()
        support.drop_site(shared)
