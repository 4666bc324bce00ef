"""The only writers of pipelines and their ordered stages; administrators only."""

from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit, records
from kehu.sales.models import Deal, Pipeline, Stage, StageChange


class StageRow(TypedDict):
    """One stage as `save_pipeline` saves it: checked, in its place in the pipeline."""

    id: Any  # the stage's id as the form or API sent it; None for a new stage
    name: str
    name_zh: str
    probability: int
    kind: str
    position: int


def _clean_stages(stages: list[dict[str, Any]]) -> list[StageRow]:
    errors: list[str] = []
    cleaned: list[StageRow] = []
    for position, row in enumerate(stages):
        name = str(row.get("name") or "").strip()
        if not name:
            continue
        try:
            probability = int(row.get("probability") or 0)
        except (TypeError, ValueError):
            probability = -1
        if not 0 <= probability <= 100:
            errors.append(
                _("Stage “%(name)s”: the win probability must be 0 to 100.") % {"name": name}
            )
        kind = row.get("kind") or Stage.Kind.OPEN
        if kind not in Stage.Kind.values:
            errors.append(_("Stage “%(name)s”: choose open, won or lost.") % {"name": name})
        cleaned.append(
            {
                "id": row.get("id"),
                "name": name[:100],
                "name_zh": str(row.get("name_zh") or "").strip()[:100],
                "probability": probability,
                "kind": kind,
                "position": position,
            }
        )
    kinds = {row["kind"] for row in cleaned}
    if Stage.Kind.OPEN not in kinds:
        errors.append(_("A pipeline needs at least one open stage."))
    if not kinds >= {Stage.Kind.WON, Stage.Kind.LOST}:
        errors.append(_("A pipeline needs a won stage and a lost stage."))
    if errors:
        raise ValidationError({"stages": errors})
    return cleaned


def save_pipeline(
    actor: User,
    pipeline: Pipeline | None,
    data: dict[str, Any],
    stages: list[dict[str, Any]],
    expected_version: int | None = None,
) -> Pipeline:
    """Create or change a pipeline and its ordered stages. A stage that deals are in cannot
    be removed (move them first); removing others is allowed. VersionConflict, and nothing
    saved, when someone changed it since it was read at `expected_version`."""
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    current_pk: Any = getattr(pipeline, "pk", None)  # None for a new pipeline
    if not name:
        errors["name"] = [_("This field is required.")]
    elif Pipeline.objects.filter(name=name).exclude(pk=current_pk).exists():
        errors["name"] = [_("There is already a pipeline with this name.")]
    try:
        stale_days = int(data.get("stale_days") or 30)
        if not 1 <= stale_days <= 3650:
            raise ValueError
    except (TypeError, ValueError):
        errors["stale_days"] = [_("Enter a number of days from 1 to 3650.")]
        stale_days = 30
    try:
        rows = _clean_stages(stages)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        rows = []
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = pipeline is None
        before: dict[str, Any] = {}
        stored = None
        if pipeline is None:
            pipeline = Pipeline()
        else:
            pipeline = records.locked_current(Pipeline, pipeline.pk, expected_version, data)
            before = audit.snapshot(pipeline, ["name", "name_zh", "stale_days"])
            stored = _pipeline_state(pipeline)
        pipeline.name = name[:100]
        pipeline.name_zh = str(data.get("name_zh") or "").strip()[:100]
        pipeline.stale_days = stale_days
        if "active" in data:
            pipeline.active = bool(data["active"])
        if created:
            pipeline.position = Pipeline.objects.count()
        pipeline.save()
        _save_stages(pipeline, rows)
        if stored is not None and _pipeline_state(pipeline) != stored:
            pipeline.version += 1
            pipeline.save(update_fields=["version"])
        after = audit.snapshot(pipeline, ["name", "name_zh", "stale_days"])
        after["stages"] = ", ".join(row["name"] for row in rows)
        audit.record(actor, pipeline, "create" if created else "update", audit.diff(before, after))
    return pipeline


def _pipeline_state(pipeline: Pipeline) -> tuple[Any, ...]:
    """Everything a pipeline's form changes, its stages included: a new version when it moves."""
    stages = pipeline.stages.order_by("position", "id")
    return (
        pipeline.name, pipeline.name_zh, pipeline.stale_days, pipeline.active,
        [(s.pk, s.name, s.name_zh, s.probability, s.kind, s.position) for s in stages],
    )  # fmt: skip


def _save_stages(pipeline: Pipeline, rows: list[StageRow]) -> None:
    """Save the stages in `rows` in their order. A stage that deals are in keeps its type (a
    deal's open or closed state follows its stage), and a stage that deals are in or have been
    in is not removed (their history names it); both are refused before anything is saved."""
    existing = {stage.pk: stage for stage in pipeline.stages.all()}

    def used(pk: int) -> bool:  # one index lookup a stage, whatever the number of deals
        return Deal.all_objects.filter(stage_id=pk).exists()

    kept = {_int_or_none(row["id"]) for row in rows} & existing.keys()
    errors = [
        _("Stage “%(name)s” has deals: its type cannot change while they are in it.")
        % {"name": existing[pk].name}
        for row in rows
        if (pk := _int_or_none(row["id"])) in existing
        and row["kind"] != existing[pk].kind
        and used(pk)
    ]
    removed = [pk for pk in existing if pk not in kept]
    for pk in removed:
        history = StageChange.objects.filter(Q(to_stage_id=pk) | Q(from_stage_id=pk)).exists()
        if used(pk) or history:
            errors.append(
                _("Stage “%(name)s” has deals or stage history, so it stays: rename it instead.")
                % {"name": existing[pk].name}
            )
    if errors:
        raise ValidationError({"stages": errors})
    Stage.objects.filter(pk__in=removed).delete()
    for row in rows:
        stage_id = _int_or_none(row["id"])
        stage = (existing.get(stage_id) if stage_id is not None else None) or Stage(
            pipeline=pipeline
        )
        for name in ("name", "name_zh", "probability", "kind", "position"):
            setattr(stage, name, row[name])
        stage.save()


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
