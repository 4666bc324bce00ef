"""Backup commands: backup and restore."""

import sys

from kehu.cli import BAD_INPUT, PROBLEM, CliError, _, say


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


def register(commands) -> None:
    """Add this app's commands to the `kehu` parser."""
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
