"""The `kehu` command: serve, demo, worker, fetchmail, createuser, token, backup, restore, check,
manage.

Every failure a person can cause (an unknown user, a weak password, a busy port, a file that is
not a backup) ends with one clear line on stderr and a non-zero exit code, never a traceback:
2 for bad input, 1 for a problem with the system.
"""

import argparse
import contextlib
import getpass
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BAD_INPUT, PROBLEM = 2, 1


class CliError(Exception):
    def __init__(self, message: str, code: int = BAD_INPUT):
        super().__init__(message)
        self.code = code


def _(text: str) -> str:
    from django.utils.translation import gettext

    return gettext(text)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django
    from django.utils import translation

    django.setup()
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    translation.activate("zh-hans" if (locale or "").lower().startswith("zh") else "en")


def say(message: str = "") -> None:
    print(message, flush=True)


def warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _validation_text(exc) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


# serve and demo


def port_number(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(_("a port is a number from 1 to 65535"))
    return value


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be 1 or more"))
    return value


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


def _public_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", ""):  # noqa: S104 (only for display)
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _bind(host: str, port: int) -> str:
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
                % {"bind": _bind(host, port), "error": exc.strerror or exc},
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
        "bind": _bind(host, port),
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


class SupervisedWorker:
    """`kehu worker` next to the demo server, so imports and other tasks run; started again,
    with growing pauses, whenever it stops, until the server stops."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    def start(self) -> "SupervisedWorker":
        self.process = self._spawn()
        self._watcher.start()
        return self

    @staticmethod
    def _spawn() -> subprocess.Popen:
        # a session of its own: Ctrl-C stops the server, which then stops the worker, instead
        # of the worker stopping first and being started again while the server winds down
        return subprocess.Popen(
            [sys.executable, "-m", "kehu.cli", "worker"], start_new_session=True
        )

    def _watch(self) -> None:
        pause, started = 1.0, time.monotonic()
        while not self._stopping.wait(1.0):
            if self.process is None or self.process.poll() is None:
                continue
            if time.monotonic() - started > WORKER_PAUSE_MAX:
                pause = 1.0  # it ran well for a while: this is a new problem
            warn(
                _("The background worker stopped (exit code %(code)s); starting it again in "
                  "%(seconds)d s.") % {"code": self.process.returncode, "seconds": pause}
            )  # fmt: skip
            if self._stopping.wait(pause):
                return
            self.process, started = self._spawn(), time.monotonic()
            pause = min(pause * 2, WORKER_PAUSE_MAX)

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher.is_alive():
            self._watcher.join()
        stop(self.process)


def start_background_worker() -> SupervisedWorker:
    """`kehu worker` next to the demo server, kept running by a watcher thread."""
    return SupervisedWorker().start()


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cmd_serve(args) -> int:
    ensure_port_free(args.host, args.port)
    prepare_database()
    url = _public_url(args.host, args.port)
    message = _("Kehu is running at %(url)s (press Ctrl-C to stop)") % {"url": url}
    message += "\n" + _("Background tasks such as imports run in `kehu worker`; start one too.")
    run_server(args.host, args.port, args.workers, args.threads, args.access_log, message)
    return 0


def cmd_demo(args) -> int:
    from kehu import demo

    ensure_port_free(args.host, args.port)
    prepare_database()
    if demo.is_empty():
        say(_("Loading the demo data …"))
        demo.load(log=say)
    else:
        say(_("The database already holds data; the demo data was not loaded again."))
    url = _public_url(args.host, args.port)
    if demo_login_works():
        message = _("Kehu is running at %(url)s — log in as %(user)s / %(password)s") % {
            "url": url,
            "user": "admin",
            "password": demo.DEMO_PASSWORD,
        }
    else:
        message = _("Kehu is running at %(url)s — log in with your account") % {"url": url}
    message += "\n" + _("Press Ctrl-C to stop.")
    worker = start_background_worker()
    try:
        run_server(args.host, args.port, args.workers, args.threads, args.access_log, message)
    finally:
        worker.stop()
    return 0


def demo_login_works() -> bool:
    from kehu.accounts.models import User
    from kehu.demo import DEMO_PASSWORD

    admin = User.objects.filter(username="admin", is_active=True).first()
    return bool(admin and admin.check_password(DEMO_PASSWORD))


# worker


def cmd_worker(args) -> int:
    from django.core.management import call_command

    from kehu.activities.tasks import schedule_reminders
    from kehu.mail import imap
    from kehu.sales.daily.services import schedule_next

    schedule_next()  # the daily jobs (scores, follow-up digests), if none is queued yet
    imap.schedule_next()  # reading the IMAP mailbox (KEHU_IMAP_HOST), if none is queued yet
    schedule_reminders()  # the reminder sweep, once a minute, if none is queued yet
    call_command("recover")  # take up what a killed worker left behind (docs/operations.md)
    options = {"queue_name": args.queue, "interval": args.interval, "reload": False}
    if args.batch:
        options.update(batch=True, startup_delay=False)
    if args.max_tasks:
        options["max_tasks"] = args.max_tasks
    call_command("db_worker", **options)
    return 0


#: the longest pause between two tries of a worker that met a database outage (seconds)
WORKER_PAUSE_MAX = 30.0
#: tries of `kehu worker --batch` before it gives up on a database outage (about half a minute)
BATCH_TRIES = 6


def cmd_worker_until_stopped(args) -> int:
    """`kehu worker` that outlives database outages: a transient failure (PostgreSQL away,
    SQLite's write lock held elsewhere) is logged and the worker starts over after a pause that
    doubles up to WORKER_PAUSE_MAX. It never exits on one; `--batch` gives up after about
    half a minute. A bug (a missing table) still ends it."""
    from django.db import InterfaceError, OperationalError, connections

    from kehu.core.unavailable import unavailable_reason

    pause, tries = 1.0, 0
    while True:
        started = time.monotonic()
        try:
            return cmd_worker(args)
        except (OperationalError, InterfaceError) as exc:
            reason = unavailable_reason(exc)
            tries += 1
            if reason is None or (args.batch and tries >= BATCH_TRIES):
                raise
            connections.close_all()  # the next try connects afresh
            if time.monotonic() - started > WORKER_PAUSE_MAX:
                pause = 1.0  # it worked for a while: a new outage
            if reason == "locked":
                text = _("kehu worker: the database is locked (%(error)s); trying again in "
                         "%(seconds)d s.")  # fmt: skip
            else:
                text = _("kehu worker: the database cannot be reached (%(error)s); trying again "
                         "in %(seconds)d s.")  # fmt: skip
            error = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            warn(text % {"error": error, "seconds": pause})
            time.sleep(pause)
            pause = min(pause * 2, WORKER_PAUSE_MAX)


def cmd_fetchmail(args) -> int:
    from kehu.mail import imap

    if not imap.configured():
        raise CliError(_("No mailbox is set up: set KEHU_IMAP_HOST (see docs/email-receiving.md)."))
    result = imap.poll_mailbox()
    say(
        _(
            "Read %(n)s new messages: %(matched)s on timelines, %(review)s waiting for review, "
            "%(duplicate)s stored before, %(unreadable)s not email."
        )
        % {
            "n": len(result.uids),
            "matched": result.matched,
            "review": result.review,
            "duplicate": result.duplicate,
            "unreadable": result.unreadable,
        }
    )
    if result.error:
        message = _("Reading the mailbox failed: %(error)s") % {"error": result.error}
        raise CliError(message, PROBLEM)
    return 0


# users and tokens


def _find_user(username: str):
    from kehu.accounts.models import User

    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise CliError(_("There is no user “%(username)s”.") % {"username": username})
    return user


def _find_role(name: str):
    from kehu.accounts.models import Role

    role = Role.objects.filter(name__iexact=name.strip()).first()
    if role is None:
        names = ", ".join(f"“{r}”" for r in Role.objects.order_by("name"))
        raise CliError(
            _("There is no role “%(role)s”. Roles: %(names)s.") % {"role": name, "names": names}
        )
    return role


def _ask_password() -> str:
    first = getpass.getpass(_("Password: "))
    second = getpass.getpass(_("Password (again): "))
    if first != second:
        raise CliError(_("The two passwords differ."))
    return first


def cmd_createuser(args) -> int:
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from kehu.accounts import services
    from kehu.accounts.models import Team

    role = _find_role(args.role)
    password, generated = args.password, False
    if not password:
        if sys.stdin.isatty():
            password = _ask_password()
        else:
            password, generated = secrets.token_urlsafe(12), True
    try:
        with transaction.atomic():
            team = None
            if args.team:
                team = Team.objects.filter(name__iexact=args.team.strip()).first()
                if team is None:
                    team = services.create_team(None, {"name": args.team})
            user = services.create_user(
                None,
                {"username": args.username, "password": password, "email": args.email or "",
                 "first_name": args.first_name or "", "last_name": args.last_name or "",
                 "role": role, "team": team},
            )  # fmt: skip
    except ValidationError as exc:
        raise CliError(
            _("The user was not created: %(errors)s") % {"errors": _validation_text(exc)}
        ) from None
    team_text = user.team.name if user.team else _("no team")
    say(
        _("Created user %(username)s (%(role)s, %(team)s).")
        % {"username": user.username, "role": role.name, "team": team_text}
    )
    if generated:
        say(_("Password: %(password)s (shown only now)") % {"password": password})
    return 0


def cmd_token(args) -> int:
    from kehu.accounts.models import ApiToken

    user = _find_user(args.username)
    if not user.is_active:
        raise CliError(_("The user “%(username)s” is deactivated.") % {"username": user.username})
    name = (args.name or _("Command line")).strip()[:100]
    _token, secret = ApiToken.issue(user, name)
    warn(
        _("New API token “%(name)s” for %(username)s; it is shown only now:")
        % {"name": name, "username": user.username}
    )
    say(secret)
    return 0


# backup and restore


def cmd_backup(args) -> int:
    from django.template.defaultfilters import filesizeformat

    from kehu import backup

    try:
        result = backup.backup(args.file, overwrite=args.force)
    except backup.BackupError as exc:
        raise CliError(str(exc), PROBLEM) from None
    say(
        _("Backup written to %(path)s: the database and %(count)s stored files (%(size)s).")
        % {"path": result.path, "count": result.files, "size": filesizeformat(result.size)}
    )
    return 0


def cmd_restore(args) -> int:
    from django.core.management import call_command

    from kehu import backup

    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(_("Restoring replaces all data and stored files; add --yes to confirm."))
        answer = input(
            _("Replace all data and stored files with %(file)s? [y/N] ") % {"file": args.file}
        )
        if answer.strip().lower() not in ("y", "yes", "是"):
            say(_("Nothing was changed."))
            return BAD_INPUT
    try:
        result = backup.restore(args.file)
    except backup.BackupError as exc:
        raise CliError(str(exc), PROBLEM) from None
    call_command("migrate", interactive=False, verbosity=0)  # an older backup meets newer code
    if result.files is None:
        say(
            _(
                "Restored the database from %(file)s. This older backup holds no stored files: "
                "the files folder was left as it is."
            )
            % {"file": args.file}
        )
    else:
        say(
            _("Restored the database and %(count)s stored files from %(file)s.")
            % {"count": result.files, "file": args.file}
        )
    say(_("The data as it was before is kept in %(path)s.") % {"path": result.safety})
    return 0


# check


def cmd_check(args) -> int:
    problems = 0
    for ok, message in run_checks():
        if ok is None:
            say(_("warning: %(message)s") % {"message": message})
        elif ok:
            say(_("ok: %(message)s") % {"message": message})
        else:
            problems += 1
            warn(_("problem: %(message)s") % {"message": message})
    if problems:
        warn(_("%(n)d problem(s) found.") % {"n": problems})
        return PROBLEM
    say(_("Everything looks right."))
    return 0


def run_checks():
    """(ok, message) pairs: True ok, False a problem, None a warning."""
    import io
    import shutil
    import sqlite3

    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    out = io.StringIO()
    try:
        call_command("check", stdout=out, stderr=out)
        yield True, _("Django system checks")
    except SystemCheckError as exc:
        yield False, str(exc).strip()
    except Exception as exc:  # e.g. a URLconf that does not import: report it, go on
        yield False, _("Django system checks could not run: %(error)s") % {"error": exc}
    db = settings.DATABASES["default"]
    where = (
        db["NAME"]
        if connection.vendor == "sqlite"
        else f"{db.get('HOST') or 'localhost'}/{db['NAME']}"
    )
    try:
        connection.ensure_connection()
        yield (
            True,
            _("database reachable (%(vendor)s, %(where)s)")
            % {"vendor": connection.vendor, "where": where},
        )
    except DatabaseError as exc:
        yield (
            False,
            _("cannot reach the database %(where)s: %(error)s") % {"where": where, "error": exc},
        )
        return
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        yield (
            False,
            _(
                "%(n)d database migration(s) not applied; run `kehu manage migrate` "
                "(kehu serve does it on start)"
            )
            % {"n": len(pending)},
        )
    else:
        yield True, _("database migrations applied")
    try:
        with tempfile.NamedTemporaryFile(dir=settings.DATA_DIR):
            pass
        yield True, _("data folder writable (%(path)s)") % {"path": settings.DATA_DIR}
    except OSError as exc:
        yield (
            False,
            _("cannot write to the data folder %(path)s: %(error)s")
            % {"path": settings.DATA_DIR, "error": exc},
        )
    if connection.vendor == "sqlite":
        try:
            sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
            yield True, _("SQLite has FTS5 (search)")
        except sqlite3.Error:
            yield False, _("this Python's SQLite lacks FTS5, which search needs")
    elif not shutil.which("pg_dump"):
        yield (
            None,
            _("pg_dump is not installed: `kehu backup` needs it (package postgresql-client)"),
        )


# manage


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    execute_from_command_line(["kehu manage", *(rest or ["help"])])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kehu",
        description=_("Kehu (客户), an open-source bilingual CRM."),
        epilog=_(
            "Data lives in KEHU_DATA_DIR; the database is KEHU_DATABASE_URL (default: SQLite "
            "there)."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"), required=True)

    def server_options(sub):
        sub.add_argument(
            "--host",
            default="127.0.0.1",
            help=_("address to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)"),
        )
        sub.add_argument(
            "--port", type=port_number, default=8000, help=_("port to listen on (default: 8000)")
        )
        sub.add_argument(
            "--workers",
            type=positive_int,
            help=_(
                "server processes (default: 2 on SQLite; on PostgreSQL one per CPU, at least 2, "
                "at most 12)"
            ),
        )
        sub.add_argument("--threads", type=positive_int, help=_("threads per process (default: 4)"))
        sub.add_argument("--access-log", action="store_true", help=_("log every request to stderr"))

    sub = commands.add_parser(
        "serve",
        help=_("migrate, then serve Kehu with gunicorn"),
        description=_(
            "Apply database migrations, collect static files, then serve Kehu with gunicorn "
            "(whitenoise serves static files)."
        ),
    )
    server_options(sub)
    sub.set_defaults(func=cmd_serve)

    sub = commands.add_parser(
        "demo",
        help=_("serve Kehu with bilingual demo data and a printed login"),
        description=_(
            "Like serve, but first loads demo data into an empty database and runs a background "
            "task worker."
        ),
    )
    server_options(sub)
    sub.set_defaults(func=cmd_demo)

    sub = commands.add_parser(
        "worker",
        help=_("run background tasks (imports, emails, …)"),
        description=_(
            "Run queued background tasks from the database queue. Run as many workers as you like."
        ),
    )
    sub.add_argument(
        "--queue",
        default="default",
        help=_("queues to process, comma-separated; '*' for all (default: default)"),
    )
    sub.add_argument(
        "--batch", "--once", action="store_true", help=_("process the tasks waiting now, then exit")
    )
    sub.add_argument("--max-tasks", type=positive_int, help=_("exit after this many tasks"))
    sub.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help=_("seconds to wait when the queue is empty (default: 1)"),
    )
    sub.set_defaults(func=cmd_worker_until_stopped)

    sub = commands.add_parser(
        "fetchmail",
        help=_("read new messages from the IMAP mailbox now"),
        description=_(
            "Read the messages that arrived in the KEHU_IMAP_* mailbox since the last read, "
            "as `kehu worker` does every few minutes."
        ),
    )
    sub.set_defaults(func=cmd_fetchmail)

    sub = commands.add_parser(
        "createuser",
        help=_("create a user"),
        description=_(
            "Create a user with a role, and a team (created if missing). Without --password the "
            "password is asked for, or generated and printed when not at a terminal."
        ),
    )
    sub.add_argument("username")
    sub.add_argument(
        "--role",
        required=True,
        help=_("role name, e.g. Administrator, Manager, “Sales rep”, Read-only"),
    )
    sub.add_argument("--team", help=_("team name; created if it does not exist"))
    sub.add_argument(
        "--password", help=_("the password (better: leave it out and type it when asked)")
    )
    sub.add_argument("--email", help=_("email address"))
    sub.add_argument("--first-name", help=_("given name"))
    sub.add_argument("--last-name", help=_("family name"))
    sub.set_defaults(func=cmd_createuser)

    sub = commands.add_parser(
        "token",
        help=_("issue an API token for a user"),
        description=_(
            "Print a new API token for USERNAME (use it as Authorization: Bearer <token>). Only "
            "the token goes to stdout."
        ),
    )
    sub.add_argument("username")
    sub.add_argument("--name", help=_("what the token is for (default: Command line)"))
    sub.set_defaults(func=cmd_token)

    sub = commands.add_parser(
        "backup",
        help=_("write the database and the stored files to one archive FILE"),
        description=_(
            "Write one archive FILE while Kehu runs: a consistent copy of the database (SQLite's "
            "online backup, or pg_dump's custom format on PostgreSQL), then the stored files of "
            "the data folder (email attachments, import files), with a manifest of checksums."
        ),
    )
    sub.add_argument("file", help=_("where to write the backup"))
    sub.add_argument("--force", action="store_true", help=_("replace FILE if it exists"))
    sub.set_defaults(func=cmd_backup)

    sub = commands.add_parser(
        "restore",
        help=_("replace the database and the stored files with a backup"),
        description=_(
            "Check the whole backup made by `kehu backup`, then replace all data in the database "
            "and the stored files with it and apply newer migrations. The data and files as they "
            "were are first kept in a before-restore folder in the data folder."
        ),
    )
    sub.add_argument("file", help=_("a file written by kehu backup"))
    sub.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    sub.set_defaults(func=cmd_restore)

    sub = commands.add_parser(
        "check",
        help=_("check settings, database, migrations and data folder"),
        description=_(
            "Run Django's system checks and check that the database is reachable, migrated, and "
            "the data folder writable. Exits non-zero on problems."
        ),
    )
    sub.set_defaults(func=cmd_check)

    sub = commands.add_parser(
        "manage",
        help=_("run a Django management command (migrate, shell, …)"),
        description=_(
            "Pass the rest of the line to Django's management commands, e.g. kehu manage migrate."
        ),
        add_help=False,
    )
    sub.add_argument("rest", nargs=argparse.REMAINDER)
    sub.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        setup_django()
    except Exception as exc:  # settings could not load: say why in one line
        warn(f"kehu: cannot start: {exc}")
        return PROBLEM
    from django.db import DatabaseError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        warn(f"kehu: {exc}")
        return exc.code
    except DatabaseError as exc:
        warn(
            _(
                "kehu: database error: %(error)s. Is the database set up? `kehu manage migrate` "
                "sets it up."
            )
            % {"error": str(exc).strip()}
        )
        return PROBLEM
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
