# mypy: disable-error-code="union-attr"
"""Read-only REST routes for the people who use Kehu (/api/v1/users)."""

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from kehu.accounts.models import User
from kehu.core.api_support import PATH_ID, READ_ERRORS, PageParams, check_query_text, page_of

users_router = Router(tags=["users"])


class UserOut(Schema):
    id: int
    username: str
    name: str = Field(description="Full name, or the username when none is set.")
    email: str
    team_id: int | None
    team: str | None = Field(description="The team's name.")
    role: str | None = Field(description="The role's name.")
    is_active: bool


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class UserFilters(PageParams):
    q: str | None = Field(None, max_length=150, description="Part of the username or name.")
    team: int | None = Field(None, ge=1, le=2**63 - 1, description="Team id.")
    is_active: bool | None = None


def user_out(user: User) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "email": user.email,
        "team_id": user.team_id,
        "team": user.team.name if user.team_id else None,
        "role": user.role.name if user.role_id else None,
        "is_active": user.is_active,
    }


@users_router.get("", response={200: UserPage, **READ_ERRORS}, summary="List users")
def list_users(request: HttpRequest, filters: Query[UserFilters]):
    """Everyone in the company directory, by username."""
    check_query_text(request)
    qs = User.objects.select_related("team", "role")
    if filters.q and filters.q.strip():
        q = filters.q.strip()
        qs = qs.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    page = page_of(qs, "username", filters)
    return {"items": [user_out(u) for u in page.items], "next_cursor": page.next_cursor}


@users_router.get("/{user_id}", response={200: UserOut, **READ_ERRORS}, summary="Read a user")
def get_user(request: HttpRequest, user_id: int = PATH_ID):
    user = User.objects.select_related("team", "role").filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user_out(user)
