"""Running the real `kehu` command in a subprocess against a throw-away data folder."""

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: the PostgreSQL run of the suite (CI runs it once on SQLite, once on PostgreSQL)
ON_POSTGRES = os.environ.get("KEHU_TEST_DATABASE_URL", "").startswith("postgres")
#: a test that runs Kehu on a SQLite data folder of its own, whatever the test database: the
#: PostgreSQL run would repeat the SQLite run's work exactly, so only the SQLite run does it
own_sqlite_folder = pytest.mark.skipif(
    ON_POSTGRES, reason="runs Kehu on a SQLite data folder of its own: the SQLite run covers it"
)


def kehu_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHU_")}
    env.update(
        DJANGO_SETTINGS_MODULE="kehu.settings",
        KEHU_DATA_DIR=str(data_dir),
        KEHU_SECRET_KEY="cli-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        LANG="C.UTF-8",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["KEHU_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def kehu(data_dir: Path, *args: str, database_url: str | None = None, input: str = "",
         timeout: int = 120, **extra: str) -> subprocess.CompletedProcess:  # fmt: skip
    """`kehu ARGS` with stdin not a terminal; returns the finished process (text output)."""
    return subprocess.run(
        [sys.executable, "-m", "kehu.cli", *args],
        cwd=ROOT,
        env=kehu_env(data_dir, database_url, **extra),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def copy_sqlite(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    src.backup(dst)
    dst.close()
    src.close()


def migrated_data_dir(template: Path, target: Path) -> Path:
    """A data folder holding a copy of the migrated template database."""
    copy_sqlite(template / "kehu.sqlite3", target / "kehu.sqlite3")
    return target


def query(data_dir: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(data_dir / "kehu.sqlite3")
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def usernames(data_dir: Path) -> set[str]:
    return {row[0] for row in query(data_dir, "SELECT username FROM accounts_user")}


def make_template(tmp_path_factory) -> Path:
    """A migrated SQLite data folder, made once per test run and shared by its workers (under
    a lock: migrating from nothing takes seconds); tests work on copies of it."""
    base = tmp_path_factory.getbasetemp()
    run_folder = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    data_dir = run_folder / "kehu-migrated-template"
    with open(run_folder / "kehu-migrated-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (data_dir / "migrated").exists():
            shutil.rmtree(data_dir, ignore_errors=True)
            data_dir.mkdir()
            result = kehu(data_dir, "manage", "migrate", "--verbosity", "0", timeout=300)
            assert result.returncode == 0, result.stderr
            (data_dir / "migrated").touch()
    return data_dir
