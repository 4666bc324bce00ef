"""The commands that run Kehu: serve, demo, worker, check, manage."""

import argparse

from kehu.cli import _, port_number, positive_int, say

from .checks import cmd_check
from .start import ensure_port_free, prepare_database, public_url, run_server
from .worker import cmd_worker_until_stopped, start_background_worker


def cmd_serve(args) -> int:
    ensure_port_free(args.host, args.port)
    prepare_database()
    url = public_url(args.host, args.port)
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
    url = public_url(args.host, args.port)
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


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    execute_from_command_line(["kehu manage", *(rest or ["help"])])
    return 0


def server_options(sub) -> None:
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


def register(commands) -> None:
    """Add this app's commands to the `kehu` parser."""
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
