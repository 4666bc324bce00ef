"""Consistent copies of Kehu's database, taken and put back while the app runs.

SQLite uses its online backup API, in both directions, so open connections keep working and see
the restored data. PostgreSQL uses pg_dump's custom format (one consistent snapshot by design) and
pg_restore in a single transaction. Only the database is copied, not the uploaded files folder.
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
import tempfile
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


def vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(
        _("Backups support SQLite and PostgreSQL, not %(engine)s.") % {"engine": engine}
    )


def backup(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a consistent copy of the database to `path`; never leaves a half-written file."""
    target = Path(path).expanduser().resolve()
    if target.exists() and not overwrite:
        raise BackupError(
            _("%(path)s already exists (use --force to replace it).") % {"path": target}
        )
    if not target.parent.is_dir():
        raise BackupError(_("The folder %(path)s does not exist.") % {"path": target.parent})
    handle, partial = tempfile.mkstemp(prefix=".kehu-backup-", dir=target.parent)
    os.close(handle)
    try:
        if vendor() == "sqlite":
            _sqlite_backup(Path(partial))
        else:
            _pg_dump(Path(partial))
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return target


def restore(path: str | os.PathLike) -> Path | None:
    """Replace the database's contents with the backup at `path`.

    Returns the safety copy of the data as it was (SQLite only), or None.
    """
    source = Path(path).expanduser().resolve()
    if not source.is_file():
        raise BackupError(_("%(path)s is not a file.") % {"path": source})
    if vendor() == "sqlite":
        return _sqlite_restore(source)
    _pg_restore(source)
    return None


# SQLite


def _live_sqlite_path() -> str:
    name = str(settings.DATABASES["default"]["NAME"])
    if name in ("", ":memory:") or name.startswith("file::memory:"):
        raise BackupError(_("An in-memory database cannot be backed up."))
    return name


def _sqlite_backup(target: Path) -> None:
    live = sqlite3.connect(_live_sqlite_path(), timeout=20)
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


def _check_sqlite_backup(source: Path) -> None:
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


def _sqlite_restore(source: Path) -> Path:
    _check_sqlite_backup(source)
    live_path = _live_sqlite_path()
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    safety = Path(settings.DATA_DIR) / f"before-restore-{stamp}.sqlite3"
    if Path(live_path).exists():
        _sqlite_backup(safety)
    else:
        safety = None
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    live = sqlite3.connect(live_path, timeout=20)
    try:
        # page by page into the live file, under SQLite's own locking: open connections see it
        src.backup(live)
    except sqlite3.Error as exc:
        raise BackupError(_("The restore failed: %(error)s") % {"error": exc}) from exc
    finally:
        live.close()
        src.close()
    return safety


# PostgreSQL


def _pg_tool(name: str) -> str:
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


def _pg_connection(db: dict | None = None) -> tuple[list[str], dict]:
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


def _pg_dump(target: Path) -> None:
    pg_dump = _pg_tool("pg_dump")
    args, env = _pg_connection()
    _run(
        [pg_dump, "--format=custom", "--no-password", "--file", str(target), *args], env, "pg_dump"
    )


def _pg_restore(source: Path) -> None:
    with open(source, "rb") as f:
        if f.read(5) != PG_MAGIC:
            raise BackupError(_("%(path)s is not a Kehu PostgreSQL backup.") % {"path": source})
    pg_restore = _pg_tool("pg_restore")
    args, env = _pg_connection()
    listing = _run([pg_restore, "--list", str(source)], env, "pg_restore")
    if " django_migrations " not in listing or " accounts_user " not in listing:
        raise BackupError(_("%(path)s is not a Kehu PostgreSQL backup.") % {"path": source})
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
