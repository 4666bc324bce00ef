# mypy: disable-error-code="arg-type"
"""Account commands: createuser and token."""

import getpass
import secrets
import sys

from kehu.cli import CliError, _, say, validation_text, warn


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
            _("The user was not created: %(errors)s") % {"errors": validation_text(exc)}
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
    from kehu.accounts import tokens

    user = _find_user(args.username)
    if not user.is_active:
        raise CliError(_("The user “%(username)s” is deactivated.") % {"username": user.username})
    name = (args.name or "").strip()[:100] or _("Command line")
    _token, secret = tokens.create_token(None, name, owner=user)
    warn(
        _("New API token “%(name)s” for %(username)s; it is shown only now:")
        % {"name": name, "username": user.username}
    )
    say(secret)
    return 0


def register(commands) -> None:
    """Add this app's commands to the `kehu` parser."""
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
