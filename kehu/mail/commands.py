"""Mail commands: fetchmail."""

from kehu.cli import PROBLEM, CliError, _, say


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


def register(commands) -> None:
    """Add this app's commands to the `kehu` parser."""
    sub = commands.add_parser(
        "fetchmail",
        help=_("read new messages from the IMAP mailbox now"),
        description=_(
            "Read the messages that arrived in the KEHU_IMAP_* mailbox since the last read, "
            "as `kehu worker` does every few minutes."
        ),
    )
    sub.set_defaults(func=cmd_fetchmail)
