"""Plain factory functions for tests (no factory library, no randomness)."""

from kehu.accounts.models import Role, Team, User
from kehu.customers import services

PASSWORD = "correct-horse-battery"


def make_team(name: str) -> Team:
    return Team.objects.get_or_create(name=name)[0]


def make_user(
    username: str,
    role: str = "Sales rep",
    team: Team | None = None,
    superuser: bool = False,
    **extra,
) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=Role.objects.get(name=role),
        team=team,
        is_superuser=superuser,
        **extra,
    )
    return user


def make_person(owner: User, name: str = "张伟", **data):
    return services.create_person(owner, {"name": name, **data})


def make_company(owner: User, name: str = "华为技术有限公司", **data):
    return services.create_company(owner, {"name": name, **data})


def default_pipeline():
    """The pipeline every new installation has (made by the sales migrations)."""
    from kehu.sales.models import Pipeline

    return Pipeline.objects.prefetch_related("stages").get(name="New business")


def stage(name: str, pipeline=None):
    """A stage of the default pipeline (or `pipeline`) by its English name."""
    return (pipeline or default_pipeline()).stages.get(name=name)


def make_deal(owner: User, name: str = "华为 2027 年框架协议", **data):
    from kehu.sales.deals import services as sales_services

    return sales_services.create_deal(owner, {"name": name, **data})
