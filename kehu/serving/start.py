"""Starting a Kehu server: migrate and collect static files once, then gunicorn.

Several servers may start at once (many app servers on PostgreSQL); the locks here make them
take turns at the work that must happen once.
"""

import contextlib
import hashlib
import os
import socket
from pathlib import Path

from kehu.cli import PROBLEM, CliError, _, say, warn


def default_workers() -> tuple[int, int]:
    """(processes, threads): SQLite has one writer at a time, so few processes with threads.
    On PostgreSQL one process per CPU (at least 2, at most 12): more only cost memory (about
    75 MB each) and latency, for no more throughput (docs/benchmarks.md, "Server processes")."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return 2, 4
    return min(max(usable_cpus(), 2), 12), 4


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def prepare_database(verbose: bool = True) -> None:
    """Bring the schema up to date and collect static files; both are no-ops when current.

    Several servers may start at the same moment: one at a time does this in a data folder
    (a file lock), and on PostgreSQL one at a time migrates the database (an advisory lock),
    so the others find the work done."""
    from django.core.management import call_command

    if verbose:
        say(_("Preparing the database …"))
    with data_folder_lock():
        with migration_lock():
            call_command("migrate", interactive=False, verbosity=0)
        refresh_planner_statistics()
        collect_static_files()


@contextlib.contextmanager
def data_folder_lock():
    """Hold `start.lock` in the data folder; a second server starting waits for the first."""
    from django.conf import settings

    try:
        import fcntl
    except ImportError:  # not on POSIX: gunicorn does not run there either
        yield
        return
    with open(settings.DATA_DIR / "start.lock", "a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(_("Another Kehu is starting in this data folder; waiting for it …"))
            fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


#: PostgreSQL advisory lock key held while migrating ("kehu" in ASCII)
MIGRATION_LOCK_KEY = 0x6B656875


@contextlib.contextmanager
def migration_lock():
    """On PostgreSQL, one server migrates at a time, whatever machine it runs on."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])


def collect_static_files() -> None:
    """collectstatic, skipped when the source files are the ones collected last time: a server
    starting next to running ones leaves the files they serve alone (and starts faster)."""
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    digest = hashlib.sha256(repr((settings.STATIC_URL, settings.STORAGES["staticfiles"])).encode())
    sources = sorted(
        (path, storage.path(path))
        for finder in finders.get_finders()
        for path, storage in finder.list([])
    )
    for path, full_path in sources:
        info = os.stat(full_path)
        digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    stamp = Path(settings.STATIC_ROOT) / ".collected"
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if (
        stamp.exists()
        and stamp.read_text() == digest.hexdigest()
        and (manifest is None or (Path(settings.STATIC_ROOT) / manifest).exists())
    ):
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(digest.hexdigest())


def refresh_planner_statistics() -> None:
    """Give SQLite's planner statistics for tables whose indexes have none (one a migration just
    added, a table that was empty) or whose size has changed twofold since they were written.

    Without them it may pick an index that cannot serve the sort (seconds, not milliseconds, at
    a million rows). The tables are analysed in full: a sample of an index's first rows can see
    a single tag and make every tag look rare. Tables whose statistics still fit are left alone,
    so a restart costs a count per table. PostgreSQL's autovacuum keeps its own statistics.
    """
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in _tables_needing_statistics(cursor):
            cursor.execute("PRAGMA analysis_limit=0")
            cursor.execute(f'ANALYZE "{table}"')


def _tables_needing_statistics(cursor) -> list[str]:
    cursor.execute(
        "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name NOT LIKE 'sqlite%'"
    )
    indexes = cursor.fetchall()
    cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    analysed: dict[str, int] = {}  # index → rows it held when analysed
    if cursor.fetchone():
        cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE idx IS NOT NULL")
        analysed = {index: int(stat.split()[0]) for index, stat in cursor.fetchall()}
    stale = set()
    sizes: dict[str, int] = {}  # a table's size when analysed: its largest index
    for table, index, sql in indexes:
        if index in analysed:
            sizes[table] = max(sizes.get(table, 0), analysed[index])
            continue
        # ANALYZE writes nothing for an empty index (an empty table, a bin nobody used)
        where = (sql or "").partition(" WHERE ")[2]
        cursor.execute(
            f'SELECT EXISTS (SELECT 1 FROM "{table}"' + (f" WHERE {where})" if where else ")")
        )
        if cursor.fetchone()[0]:
            stale.add(table)
    for table, size in sizes.items():
        if table not in stale:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            if not size / 2 <= cursor.fetchone()[0] <= size * 2:
                stale.add(table)
    return sorted(stale)


def public_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", ""):  # noqa: S104 (only for display)
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def ensure_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(
                _("Cannot listen on %(bind)s (%(error)s). Is Kehu already running? "
                  "Choose another port with --port.")
                % {"bind": bind_address(host, port), "error": exc.strerror or exc},
                PROBLEM,
            ) from None  # fmt: skip


def run_server(host: str, port: int, workers: int | None, threads: int | None,
               access_log: bool, ready_message: str) -> None:  # fmt: skip
    """gunicorn in this process (whitenoise serves the static files); returns when stopped."""
    from django.conf import settings
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    default_processes, default_threads = default_workers()
    options = {
        "bind": bind_address(host, port),
        "workers": workers or default_processes,
        "threads": threads or default_threads,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 20,
        "proc_name": "kehu",
        "errorlog": "-",
        "accesslog": "-" if access_log else None,
        "loglevel": "warning",
        "when_ready": lambda server: say(ready_message),
    }
    if host in ("0.0.0.0", "::") and set(settings.ALLOWED_HOSTS) <= {"127.0.0.1", "localhost"}:  # noqa: S104
        warn(_("Note: set KEHU_ALLOWED_HOSTS to the names other machines use to reach Kehu."))

    class KehuServer(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            from kehu.wsgi import application

            return application

    connections.close_all()  # the workers are forked: each must open its own connections
    KehuServer().run()
