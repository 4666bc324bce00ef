"""`kehu worker`: the background task worker, kept alive through database outages, and the
supervisor that runs one next to `kehu demo`."""

import signal
import subprocess
import sys
import threading
import time

from kehu.cli import _, warn

#: the longest pause between two tries of a worker that met a database outage (seconds)
WORKER_PAUSE_MAX = 30.0


#: tries of `kehu worker --batch` before it gives up on a database outage (about half a minute)
BATCH_TRIES = 6


def cmd_worker(args) -> int:
    from django.core.management import call_command

    from kehu.activities.tasks import schedule_reminders
    from kehu.analytics.adoption import catch_up as adoption
    from kehu.analytics.data_quality import rollup as data_quality
    from kehu.mail import imap
    from kehu.sales.daily.services import schedule_next
    from kehu.service.mailbox import tasks as support_mail
    from kehu.service.sla.tasks import schedule_sweep
    from kehu.service.surveys import tasks as surveys

    schedule_next()  # the daily jobs (scores, follow-up digests), if none is queued yet
    imap.schedule_next()  # reading the IMAP mailbox (KEHU_IMAP_HOST), if none is queued yet
    support_mail.schedule_next()  # reading the support mailboxes (email to ticket)
    adoption.schedule_next()  # the nightly catch-up of the staff adoption rows
    data_quality.schedule_nightly()  # the nightly count of the people's data quality
    schedule_reminders()  # the reminder sweep, once a minute, if none is queued yet
    schedule_sweep()  # the SLA clocks' sweep (warnings, breaches), once a minute
    surveys.schedule_next()  # the daily run that sends the NPS surveys that are due
    call_command("recover")  # take up what a killed worker left behind (docs/operations.md)
    options = {"queue_name": args.queue, "interval": args.interval, "reload": False}
    if args.batch:
        options.update(batch=True, startup_delay=False)
    if args.max_tasks:
        options["max_tasks"] = args.max_tasks
    call_command("db_worker", **options)
    return 0


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
