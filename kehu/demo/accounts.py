# mypy: disable-error-code="arg-type"
"""The demo's teams and users: an administrator, a manager and two sales reps in two teams."""

from kehu.accounts import services as accounts
from kehu.accounts.models import Role, User

DEMO_PASSWORD = "kehu-demo"

EAST, NORTH_AMERICA = "华东销售", "North America"
# username, display name, role, team
USERS = [
    ("admin", "Admin", "Administrator", None),
    ("zhou.min", "周敏", "Manager", EAST),
    ("liu.yang", "刘洋", "Sales rep", EAST),
    ("emily.carter", "Emily Carter", "Sales rep", NORTH_AMERICA),
]


def create_users() -> dict[str, User]:
    """The teams and users, made by no one (actor `None`): no user exists before them."""
    teams = {name: accounts.create_team(None, {"name": name}) for name in (EAST, NORTH_AMERICA)}
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
                "role": Role.objects.get(name=role),
                "team": teams[team] if team else None,
            },
        )
    return users


def users_by_id(users: dict) -> dict[int, User]:
    return {u.pk: u for u in users.values()}
