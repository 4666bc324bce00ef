"""Read-only REST routes for the pipelines and their stages (/api/v1/pipelines): readable by
everyone in sales; administrators change them on the settings pages."""

from typing import Literal

from django.http import Http404
from ninja import Field, Router, Schema

from kehu.core import visibility
from kehu.core.api_support import PATH_ID, READ_ERRORS, ApiRequest
from kehu.sales.models import Pipeline, Stage

pipelines_router = Router(tags=["pipelines"])


class StageOut(Schema):
    id: int
    name: str
    name_zh: str
    position: int
    probability: int = Field(description="Win probability, 0–100 %.")
    kind: Literal["open", "won", "lost"]


class PipelineOut(Schema):
    id: int
    name: str
    name_zh: str
    stale_days: int
    active: bool
    stages: list[StageOut]


class PipelinePage(Schema):
    items: list[PipelineOut]
    next_cursor: str | None = Field(None, description="Always null: every pipeline at once.")


def stage_out(stage: Stage) -> dict:
    return {
        "id": stage.pk,
        "name": stage.name,
        "name_zh": stage.name_zh,
        "position": stage.position,
        "probability": stage.probability,
        "kind": stage.kind,
    }


def pipeline_out(pipeline: Pipeline) -> dict:
    return {
        "id": pipeline.pk,
        "name": pipeline.name,
        "name_zh": pipeline.name_zh,
        "stale_days": pipeline.stale_days,
        "active": pipeline.active,
        "stages": [stage_out(s) for s in pipeline.stages.all()],
    }


@pipelines_router.get(
    "", response={200: PipelinePage, **READ_ERRORS}, summary="List pipelines and stages"
)
def list_pipelines(request: ApiRequest):
    visibility.require(request.auth, "sales", "read")
    pipelines = Pipeline.objects.prefetch_related("stages")
    return {"items": [pipeline_out(p) for p in pipelines], "next_cursor": None}


@pipelines_router.get(
    "/{pipeline_id}", response={200: PipelineOut, **READ_ERRORS}, summary="Read a pipeline"
)
def get_pipeline(request: ApiRequest, pipeline_id: int = PATH_ID):
    visibility.require(request.auth, "sales", "read")
    pipeline = Pipeline.objects.prefetch_related("stages").filter(pk=pipeline_id).first()
    if pipeline is None:
        raise Http404
    return pipeline_out(pipeline)
