"""`kehu check`: settings, database, migrations and data folder, each as one line."""

import tempfile

from kehu.cli import PROBLEM, _, say, warn


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
