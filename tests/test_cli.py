"""The `kehu` command, run for real in subprocesses against a temporary SQLite data folder."""

import hashlib
import http.cookiejar
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password
from django_tasks import task

from tests.cli_support import (
    ROOT,
    kehu,
    kehu_env,
    make_template,
    migrated_data_dir,
    own_sqlite_folder,
    query,
    usernames,
)

#: every command here runs on a SQLite data folder of its own, whatever the test database
pytestmark = own_sqlite_folder

GOOD_PASSWORD = "plum-orchard-42"


@task()
def write_marker(path: str, text: str) -> None:
    """A task for the worker test: leaves a file behind when it runs."""
    Path(path).write_text(text)


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory) -> Path:
    return make_template(tmp_path_factory)


@pytest.fixture
def data_dir(migrated_template, tmp_path) -> Path:
    """A fresh data folder holding a migrated, empty SQLite database."""
    return migrated_data_dir(migrated_template, tmp_path / "data")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_clean_failure(result, code: int, message: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_help_lists_every_command(tmp_path):
    result = kehu(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("serve", "demo", "worker", "createuser", "token", "backup", "restore",
                    "check", "manage"):  # fmt: skip
        assert command in result.stdout


def test_createuser_with_role_email_and_new_team(data_dir, settings):
    result = kehu(data_dir, "createuser", "ana", "--role", "manager", "--team", "华东销售",
                  "--password", GOOD_PASSWORD, "--email", "Ana@Example.COM")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Created user ana (Manager, 华东销售)" in result.stdout
    (row,) = query(
        data_dir,
        "SELECT u.email, r.name, t.name, u.password FROM accounts_user u "
        "JOIN accounts_role r ON r.id = u.role_id JOIN accounts_team t ON t.id = u.team_id "
        "WHERE u.username = 'ana'",
    )
    assert row[:3] == ("Ana@example.com", "Manager", "华东销售")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert check_password(GOOD_PASSWORD, row[3])

    # a second user joins the existing team instead of making another
    result = kehu(data_dir, "createuser", "bo", "--role", "Sales rep", "--team", "华东销售",
                  "--password", GOOD_PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert query(data_dir, "SELECT count(*) FROM accounts_team") == [(1,)]


def test_createuser_without_terminal_generates_and_prints_a_password(data_dir, settings):
    result = kehu(data_dir, "createuser", "ana", "--role", "Read-only")
    assert result.returncode == 0, result.stderr
    password = re.search(r"Password: (\S+)", result.stdout).group(1)
    assert len(password) >= 12
    ((encoded,),) = query(data_dir, "SELECT password FROM accounts_user WHERE username='ana'")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert check_password(password, encoded)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "Boss"], "There is no role “Boss”. Roles: “Administrator”"),
        (["--role", "Manager", "--password", "123"], "This password is too short"),
        (["--role", "Manager", "--password", GOOD_PASSWORD, "--email", "not-an-email"], "email"),
    ],
)
def test_createuser_bad_input_exits_2_and_creates_nothing(data_dir, args, message):
    result = kehu(data_dir, "createuser", "ana", "--team", "Brand new team", *args)
    assert_clean_failure(result, 2, message)
    assert usernames(data_dir) == set()
    assert query(data_dir, "SELECT count(*) FROM accounts_team") == [(0,)]


def test_createuser_refuses_an_email_address_another_user_has(data_dir):
    args = ("--role", "Manager", "--password", GOOD_PASSWORD)
    assert kehu(data_dir, "createuser", "ana", *args, "--email", "ana@example.com").returncode == 0
    result = kehu(data_dir, "createuser", "bo", *args, "--email", "ANA@Example.com")
    assert_clean_failure(result, 2, "This email address is used by another user")
    assert usernames(data_dir) == {"ana"}


def test_createuser_refuses_a_taken_username(data_dir):
    assert kehu(data_dir, "createuser", "ana", "--role", "Manager").returncode == 0
    result = kehu(data_dir, "createuser", "ANA", "--role", "Manager")
    assert_clean_failure(result, 2, "This username is already taken")
    assert usernames(data_dir) == {"ana"}


def test_token_prints_a_working_secret_and_unknown_user_is_a_clear_error(data_dir):
    assert kehu(data_dir, "createuser", "ana", "--role", "Manager").returncode == 0
    result = kehu(data_dir, "token", "ana", "--name", "CI pipeline")
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip()
    assert secret.startswith("kehu_") and "\n" not in secret  # only the secret on stdout
    rows = query(data_dir, "SELECT name, key_hash FROM accounts_apitoken")
    assert rows == [("CI pipeline", hashlib.sha256(secret.encode()).hexdigest())]

    assert_clean_failure(kehu(data_dir, "token", "nobody"), 2, "There is no user “nobody”")


def test_check_fails_on_an_unmigrated_database_and_passes_after_migrate(tmp_path, data_dir):
    fresh = kehu(tmp_path / "fresh", "check")
    assert fresh.returncode == 1
    assert "not applied" in fresh.stderr and "Traceback" not in fresh.stderr

    ready = kehu(data_dir, "check")
    assert ready.returncode == 0, ready.stderr
    assert "database migrations applied" in ready.stdout
    assert "data folder writable" in ready.stdout


def test_check_reports_an_unreachable_database(tmp_path):
    result = kehu(tmp_path, "check", database_url="postgres://nobody@127.0.0.1:1/nothing")
    assert_clean_failure(result, 1, "cannot reach the database")


def test_commands_on_an_unmigrated_database_say_how_to_set_it_up(tmp_path):
    result = kehu(tmp_path, "token", "ana")
    assert_clean_failure(result, 1, "kehu manage migrate")


def test_manage_passes_commands_through_to_django(data_dir):
    result = kehu(data_dir, "manage", "showmigrations", "accounts")
    assert result.returncode == 0, result.stderr
    assert "[X] 0002_default_roles" in result.stdout


def test_worker_batch_runs_queued_tasks_and_exits(data_dir):
    marker = data_dir / "ran.txt"
    enqueue = (
        "import django; django.setup(); from tests.test_cli import write_marker; "
        f"write_marker.enqueue({str(marker)!r}, '跑了')"
    )
    subprocess.run([sys.executable, "-c", enqueue], cwd=ROOT, env=kehu_env(data_dir), check=True)
    assert not marker.exists()
    result = kehu(data_dir, "worker", "--once")
    assert result.returncode == 0, result.stderr
    assert marker.read_text() == "跑了"


def test_serve_refuses_a_busy_port_with_a_clear_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = kehu(tmp_path, "serve", "--port", str(port))
    assert_clean_failure(result, 1, "Cannot listen on 127.0.0.1:")


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)


def _wait_for(lines: queue.Queue, needle: str, seconds: float) -> str:
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"{needle!r} not printed; output was:\n{''.join(seen)}")


def test_demo_loads_data_serves_with_gunicorn_and_the_printed_login_works(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kehu.cli", "demo", "--port", str(port)],
        cwd=ROOT,
        env=kehu_env(tmp_path / "demo"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(server.stdout, lines), daemon=True).start()
    try:
        ready = _wait_for(lines, "log in as", 180)
        base = f"http://127.0.0.1:{port}"
        assert f"Kehu is running at {base} — log in as admin / kehu-demo" in ready

        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert response.headers["Server"].startswith("gunicorn")
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with browser.open(f"{base}/login/", timeout=10) as response:
            page = response.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "admin", "password": "kehu-demo"}
        ).encode()
        with browser.open(f"{base}/login/", data=form, timeout=10) as response:
            assert urllib.parse.urlparse(response.url).path != "/login/"  # logged in
        query_string = urllib.parse.urlencode({"q": "shanxiongxin"})
        with browser.open(f"{base}/search/?{query_string}", timeout=10) as response:
            assert "单雄信" in response.read().decode()
        css = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
        with browser.open(base + css, timeout=10) as response:  # whitenoise, hashed name
            assert response.status == 200
        workers = subprocess.run(
            ["pgrep", "-P", str(server.pid), "-f", "kehu.cli worker"],
            capture_output=True,
            text=True,
        ).stdout.split()
        assert len(workers) == 1  # the background task worker runs next to the server
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not _alive(int(workers[0]))  # and stops with it


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_rejects_impossible_ports_and_worker_counts(tmp_path):
    result = kehu(tmp_path, "serve", "--port", "70000")
    assert_clean_failure(result, 2, "a port is a number from 1 to 65535")
    result = kehu(tmp_path, "demo", "--workers", "0")
    assert_clean_failure(result, 2, "must be 1 or more")
