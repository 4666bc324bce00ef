# mypy: disable-error-code="arg-type"
"""The demo's teams and users: an administrator, a manager and two sales reps in two teams,
and a support team with an agent and its lead."""

import secrets

from kehu.accounts import services as accounts
from kehu.accounts.models import Role, Team, User
from kehu.core.builtin_names import ROLES

DEMO_PASSWORD = "kehu-demo"

EAST, NORTH_AMERICA, SUPPORT = "华东销售", "North America", "客服中心"
TEAMS = (EAST, NORTH_AMERICA, SUPPORT)
# username, display name, role, team
USERS = [
    ("admin", "Admin", "Administrator", None),
    ("zhou.min", "周敏", "Manager", EAST),
    ("liu.yang", "刘洋", "Sales rep", EAST),
    ("emily.carter", "Emily Carter", "Sales rep", NORTH_AMERICA),
    ("wang.li", "王丽", "Support agent", SUPPORT),
    ("sun.hao", "孙浩", "Support lead", SUPPORT),
]


def create_users() -> dict[str, User]:
    """The teams and users, made by no one (actor `None`): no user exists before them."""
    teams = {name: accounts.create_team(None, {"name": name}) for name in TEAMS}
    users = {}
    for username, display, role, team in USERS:
        users[username] = accounts.create_user(
            None,
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "email": f"{username}@kehu.example.com",
                "first_name": display,  # the whole name (decision: one name field)
                "last_name": "",
                "role": _role(role),
                "team": teams[team] if team else None,
            },
        )
    return users


def _role(name: str) -> Role:
    """The installed role of that English name, found by its key: an administrator may have
    renamed it (core.builtin_names)."""
    key = next((k for k, (english, _zh) in ROLES.items() if english == name), "")
    return (key and Role.objects.filter(key=key).first()) or Role.objects.get(name=name)


def users_by_id(users: dict) -> dict[int, User]:
    return {u.pk: u for u in users.values()}


def colleagues_for(actor: User) -> dict[str, User]:
    """The demo's users for loading it into an instance that has users already: its
    administrator is `actor`; a colleague whose user name is taken is that user; the others are
    made (by `actor`) without a usable password, so no one signs in with a known one until an
    administrator sets a password. The demo's teams are made unless there."""
    teams = {}
    for name in TEAMS:
        teams[name] = Team.objects.filter(name=name).first() or accounts.create_team(
            actor, {"name": name}
        )
    users = {"admin": actor}
    for username, display, role, team in USERS[1:]:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            users[username] = existing
            continue
        made = accounts.create_user(
            actor,
            {
                "username": username,
                "password": secrets.token_urlsafe(32),
                "email": f"{username}@kehu.example.com",
                "first_name": display,  # the whole name (decision: one name field)
                "last_name": "",
                "role": _role(role),
                "team": teams[team] if team else None,
            },
        )
        made.set_unusable_password()
        made.save(update_fields=["password"])
        users[username] = made
    return users
