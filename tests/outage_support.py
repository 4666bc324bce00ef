"""Real `kehu serve` / `kehu worker` processes and a database that goes away under them.

The database is SQLite in a temporary data folder, or, when KEHU_TEST_DATABASE_URL names a
PostgreSQL database, a scratch database next to it (named after it, dropped afterwards). An
outage is SQLite's write lock held by another connection, or the scratch PostgreSQL database
refusing connections with its backends terminated; never the server or another database.
"""

import contextlib
import http.cookiejar
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import psycopg
from django_tasks import task

from tests.cli_support import ROOT, kehu_env

POSTGRES_URL = os.environ.get("KEHU_TEST_DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgres")
#: the ports these tests may listen on
PORTS = range(18100, 18200)
#: settings that keep the tests fast: SQLite writes give up after half a second
FAST = {"KEHU_SQLITE_BUSY_TIMEOUT": "0.5", "KEHU_LOG_LEVEL": "WARNING"}

SEED = """
import django; django.setup()
from kehu.accounts.models import ApiToken, Role, User
user = User.objects.create_user("ana", password="plum-orchard-42",
                                role=Role.objects.get(name="Administrator"), is_superuser=True)
from kehu.activities.calendar.services import issue_feed
print(ApiToken.issue(user, "outage tests")[1], issue_feed(user)[1])
"""


def free_port(avoid: tuple[int, ...] = ()) -> int:
    """A free port of 18100-18199, at random so that tests running in parallel rarely meet."""
    for port in random.sample(PORTS, len(PORTS)):
        if port in avoid:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18100-18199")


@task()
def write_marker(path: str, text: str) -> None:
    """A task for the worker tests: leaves a file behind when it runs."""
    Path(path).write_text(text)


def _pg_admin_url() -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"


def scratch_name(kind: str) -> str:
    """A database name that starts with the test database's name (outages_…)."""
    return f"{POSTGRES_URL.rsplit('/', 1)[1]}_{kind}_{uuid.uuid4().hex[:8]}"


def pg_execute(sql: str) -> None:
    with psycopg.connect(_pg_admin_url(), autocommit=True) as admin:
        admin.execute(sql)


@dataclass
class Site:
    """A data folder and its database, with a user `ana` and an API token for her."""

    data_dir: Path
    token: str
    feed: str = ""
    database_url: str | None = None
    db_name: str | None = None
    processes: list = field(default_factory=list)

    def env(self, **extra: str) -> dict:
        return kehu_env(self.data_dir, self.database_url, **FAST, **extra)

    # -- processes

    def start(self, *args: str, **extra: str) -> subprocess.Popen:
        log = open(self.data_dir / f"{args[0]}-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "kehu.cli", *args],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process.log_path = log.name
        self.processes.append(process)
        return process

    def serve(self, port: int | None = None, data_dir: Path | None = None) -> "Server":
        port = port or free_port()
        server = Server(self, port, self.start("serve", "--port", str(port), "--workers", "1"))
        server.wait_ready()
        return server

    def stop_all(self) -> None:
        for process in self.processes:
            stop_process(process)

    # -- outages

    @contextlib.contextmanager
    def outage(self):
        """SQLite: another connection holds the write lock. PostgreSQL: the database refuses
        connections and its open ones are terminated."""
        if self.database_url:
            pg_execute(f'ALTER DATABASE "{self.db_name}" ALLOW_CONNECTIONS false')
            self.terminate_backends()
            try:
                yield
            finally:
                pg_execute(f'ALTER DATABASE "{self.db_name}" ALLOW_CONNECTIONS true')
        else:
            holder = sqlite3.connect(self.data_dir / "kehu.sqlite3", isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                holder.execute("ROLLBACK")
                holder.close()

    def terminate_backends(self) -> None:
        pg_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.db_name}' AND pid <> pg_backend_pid()"
        )

    def sql(self, query: str) -> list[tuple]:
        if self.database_url:
            with psycopg.connect(self.database_url) as conn:
                cursor = conn.execute(query)
                return cursor.fetchall() if cursor.description else []
        conn = sqlite3.connect(self.data_dir / "kehu.sqlite3")
        try:
            rows = conn.execute(query).fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Reply:
    status: int
    headers: dict
    text: str

    def json(self):
        return json.loads(self.text)


class Server:
    """A running `kehu serve`, with a browser session (cookies) and the API token."""

    def __init__(self, site: Site, port: int, process: subprocess.Popen):
        self.site, self.port, self.process = site, port, process
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"kehu serve exited:\n{self.output()}")
            with contextlib.suppress(OSError):
                if self.get("/healthz").status == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"kehu serve did not answer:\n{self.output()}")

    def output(self) -> str:
        return Path(self.process.log_path).read_text()

    def request(self, method: str, path: str, *, data=None, json_body=None, token=False,
                headers=None, timeout: float = 30) -> Reply:  # fmt: skip
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {self.site.token}"
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif isinstance(data, dict):
            data = urllib.parse.urlencode(data).encode()
        url = self.base + path
        request = urllib.request.Request(url, data, headers, method=method)  # noqa: S310
        try:
            with self.browser.open(request, timeout=timeout) as response:
                return Reply(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, dict(exc.headers), exc.read().decode())

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def csrf_token(self, path: str) -> str:
        page = self.get(path).text
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def form(self, path: str) -> dict:
        """The fields of the form on the page at `path`, as the browser would send them."""
        reader = FormReader()
        reader.feed(self.get(path).text)
        return reader.values

    def log_in(self) -> None:
        form = {"csrfmiddlewaretoken": self.csrf_token("/login/"), "username": "ana",
                "password": "plum-orchard-42"}  # fmt: skip
        reply = self.request("POST", "/login/", data=form, headers={"Referer": self.base})
        assert reply.status == 302, reply.text[:500]


class FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") != "checkbox":
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
        elif (
            tag == "option"
            and self._select
            and (self._select not in self.values or "selected" in attrs)
        ):
            self.values[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# -- the template site, made once per test module


def make_template(tmp_path_factory) -> tuple[Path, str, str | None]:
    """A data folder with the static files collected and a seeded database; on PostgreSQL a
    template database. Returns (data folder, "API-token calendar-feed-secret", template
    database name)."""
    data_dir = tmp_path_factory.mktemp("outage-template")
    template_db = None
    database_url = None
    if ON_POSTGRES:
        template_db = scratch_name("tpl")
        pg_execute(f'CREATE DATABASE "{template_db}"')
        database_url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + template_db
    prepare = "from kehu.cli import setup_django; setup_django(); "
    prepare += "from kehu.serving.start import prepare_database; prepare_database(False)"
    result = subprocess.run(
        [sys.executable, "-c", prepare], cwd=ROOT, env=kehu_env(data_dir, database_url),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    result = subprocess.run(
        [sys.executable, "-c", SEED], cwd=ROOT, env=kehu_env(data_dir, database_url),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return data_dir, result.stdout.strip(), template_db


def drop_template(template_db: str | None) -> None:
    if template_db:
        pg_execute(f'DROP DATABASE IF EXISTS "{template_db}" WITH (FORCE)')


def site_from_template(template, target: Path) -> Site:
    template_dir, secrets, template_db = template
    token, feed = secrets.split()
    shutil.copytree(template_dir, target, symlinks=True)
    if template_db is None:
        return Site(target, token, feed)
    name = scratch_name("run")
    pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    return Site(target, token, feed, POSTGRES_URL.rsplit("/", 1)[0] + "/" + name, name)


def drop_site(site: Site) -> None:
    site.stop_all()
    if site.db_name:
        pg_execute(f'DROP DATABASE IF EXISTS "{site.db_name}" WITH (FORCE)')
