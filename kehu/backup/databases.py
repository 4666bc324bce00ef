"""The database half of a backup: SQLite's online backup, or pg_dump/pg_restore on PostgreSQL."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

#: the first bytes of every pg_dump custom-format archive
PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
# libpq reads these from the environment; dj-database-url puts them in OPTIONS
PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, for a person."""


# SQLite


def live_sqlite_path() -> str:
    name = str(settings.DATABASES["default"]["NAME"])
    if name in ("", ":memory:") or name.startswith("file::memory:"):
        raise BackupError(_("An in-memory database cannot be backed up."))
    return name


def sqlite_backup(target: Path) -> None:
    live = sqlite3.connect(live_sqlite_path(), timeout=20)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)
        # a self-contained single file, whatever the live database's journal mode
        copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(_("The backup failed: %(error)s") % {"error": exc}) from exc
    finally:
        copy.close()
        live.close()


def check_sqlite_backup(source: Path) -> None:
    with open(source, "rb") as f:
        if f.read(16) != SQLITE_MAGIC:
            raise BackupError(_("%(path)s is not a Kehu SQLite backup.") % {"path": source})
    try:
        conn = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(
            _("%(path)s cannot be opened: %(error)s") % {"path": source, "error": exc}
        ) from exc
    try:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if not {"django_migrations", "accounts_user"} <= tables:
            raise BackupError(_("%(path)s is not a Kehu SQLite backup.") % {"path": source})
        status = conn.execute("PRAGMA quick_check").fetchone()[0]
        if status != "ok":
            raise BackupError(
                _("%(path)s is damaged: %(error)s") % {"path": source, "error": status}
            )
    except sqlite3.DatabaseError as exc:
        raise BackupError(_("%(path)s is not a Kehu SQLite backup.") % {"path": source}) from exc
    finally:
        conn.close()


def sqlite_restore(source: Path) -> None:
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    live = sqlite3.connect(live_sqlite_path(), timeout=20)
    try:
        # page by page into the live file, under SQLite's own locking: open connections see it
        src.backup(live)
    except sqlite3.Error as exc:
        raise BackupError(_("The restore failed: %(error)s") % {"error": exc}) from exc
    finally:
        live.close()
        src.close()


# PostgreSQL


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s was not found. Install the PostgreSQL client tools "
                "(Debian/Ubuntu: apt-get install postgresql-client), in the same major "
                "version as the server or newer."
            )
            % {"tool": name}
        )
    return path


def pg_connection(db: dict | None = None) -> tuple[list[str], dict]:
    """Connection arguments and environment for pg_dump/pg_restore; the password only in env."""
    db = db or settings.DATABASES["default"]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    for option, variable in PG_OPTION_ENV.items():
        value = (db.get("OPTIONS") or {}).get(option)
        if value is not None:
            env[variable] = str(value)
    return args, env


def _run(command: list[str], env: dict, what: str) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(_("%(what)s failed: %(error)s") % {"what": what, "error": detail})
    return result.stdout


def pg_dump(target: Path) -> None:
    pg_dump = pg_tool("pg_dump")
    args, env = pg_connection()
    _run(
        [pg_dump, "--format=custom", "--no-password", "--file", str(target), *args], env, "pg_dump"
    )


def check_pg_backup(source: Path) -> None:
    with open(source, "rb") as f:
        if f.read(5) != PG_MAGIC:
            raise BackupError(_("%(path)s is not a Kehu PostgreSQL backup.") % {"path": source})
    pg_restore = pg_tool("pg_restore")
    _args, env = pg_connection()
    listing = _run([pg_restore, "--list", str(source)], env, "pg_restore")
    if " django_migrations " not in listing or " accounts_user " not in listing:
        raise BackupError(_("%(path)s is not a Kehu PostgreSQL backup.") % {"path": source})


def pg_restore(source: Path) -> None:
    pg_restore = pg_tool("pg_restore")
    args, env = pg_connection()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--no-password",
            *args,
            str(source),
        ],
        env,
        "pg_restore",
    )
