"""Read-only REST routes for the teams (/api/v1/teams)."""

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from kehu.accounts.models import Team
from kehu.core.api_support import PATH_ID, READ_ERRORS, PageParams, page_of

teams_router = Router(tags=["teams"])


class TeamOut(Schema):
    id: int
    name: str


class TeamPage(Schema):
    items: list[TeamOut]
    next_cursor: str | None


@teams_router.get("", response={200: TeamPage, **READ_ERRORS}, summary="List teams")
def list_teams(request: HttpRequest, filters: Query[PageParams]):
    page = page_of(Team.objects.all(), "name", filters)
    return {
        "items": [{"id": t.pk, "name": t.name} for t in page.items],
        "next_cursor": page.next_cursor,
    }


@teams_router.get("/{team_id}", response={200: TeamOut, **READ_ERRORS}, summary="Read a team")
def get_team(request: HttpRequest, team_id: int = PATH_ID):
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise Http404
    return {"id": team.pk, "name": team.name}
