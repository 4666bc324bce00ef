# mypy: disable-error-code="arg-type"
"""The `kehu` command. Each app owns its commands in its `commands.py` (a `register(commands)`
function adding argparse sub-commands); this module assembles them and runs the chosen one.

Every failure a person can cause (an unknown user, a weak password, a busy port, a file that is
not a backup) ends with one clear line on stderr and a non-zero exit code, never a traceback:
2 for bad input, 1 for a problem with the system.
"""

import argparse
import importlib
import os
import sys

#: the modules whose `register(commands)` adds sub-commands, in the order `kehu --help` lists them
COMMAND_MODULES = (
    "kehu.serving.commands",
    "kehu.mail.commands",
    "kehu.accounts.commands",
    "kehu.backup.commands",
)


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


def validation_text(exc) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


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

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(commands)
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
    # run as `python -m kehu.cli`: use the module the commands import, not a second copy of it
    from kehu.cli import main as run_main

    sys.exit(run_main())
