"""The only writers of deals, pipelines, stages and exchange rates.

A deal's stage always belongs to its pipeline; entering a won or lost stage closes the deal
(a lost deal needs a reason), and a closed deal stays where it is until someone reopens it on
purpose. Every stage change is kept with the time the deal spent in the stage it left.
"""

import decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit, records, search, visibility
from kehu.customers.models import Person
from kehu.customers.services import resolve_company, resolve_owner
from kehu.sales.models import Deal, DealContact, ExchangeRate, Pipeline, Stage, StageChange

DEAL_FIELDS = ["name", "pipeline", "stage", "amount", "currency", "expected_close", "company",
               "owner", "next_step", "next_step_due", "close_reason"]  # fmt: skip
MAX_AMOUNT = decimal.Decimal("99999999999999.99")


def known_currencies() -> set[str]:
    """The company currency and every currency with an exchange rate."""
    return {settings.DEFAULT_CURRENCY, *ExchangeRate.objects.values_list("currency", flat=True)}


def clean_currency(value: Any) -> str:
    code = str(value or settings.DEFAULT_CURRENCY).strip().upper()
    if code not in known_currencies():
        raise ValidationError(
            {
                "currency": [
                    _("Unknown currency “%(code)s”: add its exchange rate under Settings first.")
                    % {"code": code}
                ]
            }
        )
    return code


def clean_amount(value: Any) -> decimal.Decimal:
    try:
        amount = decimal.Decimal(str(value if value not in (None, "") else 0)).quantize(
            decimal.Decimal("0.01")
        )
    except (decimal.InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"amount": [_("Enter an amount such as 12800.00.")]}) from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError({"amount": [_("Enter an amount between 0 and 99,999,999,999,999.")]})
    return amount


def _resolve_pipeline(value: Any) -> Pipeline:
    """The active pipeline `value` names; by default the first one."""
    active = Pipeline.objects.filter(active=True)
    if value in (None, ""):
        found = active.order_by("position", "id").first()
    else:
        pk = value.pk if isinstance(value, Pipeline) else value
        try:
            found = active.filter(pk=int(pk)).first()
        except (TypeError, ValueError, OverflowError):
            found = None
    if found is None:
        raise ValidationError({"pipeline": [_("Choose an active pipeline.")]})
    return found


def _resolve_stage(pipeline: Pipeline, value: Any) -> Stage:
    """The stage `value` names, which must be one of `pipeline`'s; by default its first."""
    if value in (None, ""):
        stage = pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("position", "id").first()
        if stage is None:
            raise ValidationError({"stage": [_("This pipeline has no open stage.")]})
        return stage
    pk = value.pk if isinstance(value, Stage) else value
    try:
        stage = Stage.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        stage = None
    if stage is None or stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("Choose a stage of the deal's pipeline.")]})
    return stage


def _prepare_deal(actor: User, deal: Deal, changes: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}

    def check(name: str, clean: Any) -> None:
        if name in changes:
            try:
                changes[name] = clean(changes[name])
            except ValidationError as exc:
                errors.update(exc.message_dict)

    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            errors["name"] = [_("This field is required.")]
    check("amount", clean_amount)
    check("currency", clean_currency)
    check("owner", lambda value: resolve_owner(actor, value))
    check("company", lambda value: resolve_company(actor, value))
    check("close_reason", lambda value: (value or "").strip())

    pipeline = deal.pipeline if deal.pipeline_id else None
    if "pipeline" in changes or pipeline is None:
        try:
            pipeline = _resolve_pipeline(changes.get("pipeline"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if pipeline is not None and ("stage" in changes or "pipeline" in changes or not deal.stage_id):
        moved = deal.pipeline_id is not None and pipeline.pk != deal.pipeline_id
        if "stage" in changes:
            wanted = changes["stage"]
        elif moved or not deal.stage_id:
            wanted = None  # a new deal, or another pipeline: its first open stage
        else:
            wanted = deal.stage
        try:
            stage = _resolve_stage(pipeline, wanted)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            _check_stage_move(deal, stage, changes, errors)
            changes["pipeline"], changes["stage"] = pipeline, stage
    if errors:
        raise ValidationError(errors)
    deal._stage_before = deal.stage_id  # for the stage history written after the save
    _set_fields(deal, changes)
    now = timezone.now()
    if deal.stage_id != deal._stage_before or deal.pk is None:
        deal._entered_stage = (deal._stage_before, deal.stage_changed_at)
        deal.stage_changed_at = now
        if deal.stage.is_closed:
            deal.closed_at = now
        else:
            deal.closed_at = None
            if "close_reason" not in changes:
                deal.close_reason = ""  # reopened: the old reason no longer holds
    if deal.stage.kind == Stage.Kind.LOST and not deal.close_reason:
        raise ValidationError({"close_reason": [_("Say why the deal was lost.")]})
    deal.search_text = deal_document(deal)


def _check_stage_move(
    deal: Deal, stage: Stage, changes: dict[str, Any], errors: dict[str, Any]
) -> None:
    if deal.pk is None or stage.pk == deal.stage_id:
        return
    if deal.is_closed and changes.get("reopen") and stage.is_closed:
        errors["stage"] = [_("Choose an open stage to reopen the deal in.")]
    elif deal.is_closed and not changes.get("reopen"):
        errors["stage"] = [
            _("This deal is closed (%(stage)s). Reopen it to move it to another stage.")
            % {"stage": deal.stage.display_name}
        ]


def _set_fields(deal: Deal, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        if name in DEAL_FIELDS:
            if isinstance(value, str):
                value = value.strip()
            setattr(deal, name, value)


def deal_document(deal: Deal) -> str:
    company = deal.company.name if deal.company_id and deal.company else ""
    return search.build_document(search.name_tokens(deal.name), search.name_tokens(company))


def _record_stage_change(actor: User, deal: Deal, changes: dict[str, Any], created: bool) -> None:
    entered = getattr(deal, "_entered_stage", None)
    if entered is None:
        return
    from_stage, since = entered
    seconds = 0 if created else max(0, int((deal.stage_changed_at - since).total_seconds()))
    StageChange.objects.create(
        deal=deal,
        from_stage_id=None if created else from_stage,
        to_stage=deal.stage,
        at=deal.stage_changed_at,
        actor=actor,
        seconds_in_stage=seconds,
    )
    del deal._entered_stage


DEAL = records.RecordSpec(
    model=Deal,
    event_prefix="deal",
    audited_fields=DEAL_FIELDS,
    prepare=_prepare_deal,
    after_save=_record_stage_change,
    resolved_relations=("owner", "company", "pipeline", "stage"),
)


def create_deal(actor: User, data: dict[str, Any], facts: dict[str, Any] | None = None) -> Deal:
    """A new deal; with `owner` set to `assignment.BY_RULES` the assignment rules choose its
    owner (the creator, if no rule matches). `facts` (e.g. the lead it comes from) go into its
    audit entry."""
    from kehu.sales.assignment import services as assignment

    data = dict(data)
    data.setdefault("currency", settings.DEFAULT_CURRENCY)
    data.setdefault("name", "")
    by_rules = data.get("owner") == assignment.BY_RULES
    if by_rules:
        data.pop("owner")
    with transaction.atomic():
        deal = records.create(DEAL, actor, data, facts)
        if by_rules:
            assignment.assign_new("deal", deal)
    return deal


def update_deal(
    actor: User, deal: Deal, changes: dict[str, Any], expected_version: int | None = None
) -> Deal:
    return records.update(DEAL, actor, deal, changes, expected_version)


def move_deal(
    actor: User,
    deal: Deal,
    stage: Any,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Deal:
    """Move the deal to another stage of its pipeline (the board's drag and drop)."""
    if stage in (None, ""):
        raise ValidationError({"stage": [_("Choose a stage.")]})
    changes: dict[str, Any] = {"stage": stage}
    if reason is not None:
        changes["close_reason"] = reason
    return records.update(DEAL, actor, deal, changes, expected_version)


def reopen_deal(
    actor: User, deal: Deal, stage: Any = None, expected_version: int | None = None
) -> Deal:
    """Bring a won or lost deal back to an open stage (by default the pipeline's first)."""
    if stage in (None, ""):
        stage = _resolve_stage(deal.pipeline, None)
    changes = {"stage": stage, "reopen": True}
    return records.update(DEAL, actor, deal, changes, expected_version)


def delete_deal(actor: User, deal: Deal) -> Deal:
    return records.soft_delete(DEAL, actor, deal)


def restore_deal(actor: User, deal: Deal) -> Deal:
    return records.restore(DEAL, actor, deal)


# --- pipelines, stages and exchange rates: administrators only --------------------------------


def _clean_stages(stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: list[str] = []
    cleaned = []
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


def _save_stages(pipeline: Pipeline, rows: list[dict[str, Any]]) -> None:
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


def set_exchange_rate(actor: User, currency: str, rate: Any) -> ExchangeRate:
    require_admin(actor)
    code = str(currency or "").strip().upper()
    errors = {}
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        errors["currency"] = [_("Enter a three-letter ISO currency code such as USD.")]
    elif code == settings.DEFAULT_CURRENCY:
        errors["currency"] = [_("This is the company currency; its rate is always 1.")]
    try:
        value = decimal.Decimal(str(rate))
        if not value.is_finite() or value <= 0 or value >= 10**10:
            raise decimal.InvalidOperation
    except (decimal.InvalidOperation, ValueError, TypeError):
        errors["rate"] = [_("Enter a rate greater than 0, such as 7.1234.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found, created = ExchangeRate.objects.get_or_create(currency=code, defaults={"rate": value})
        before = None if created else str(found.rate)
        found.rate = value.quantize(decimal.Decimal("0.00000001"))
        found.updated_at = timezone.now()
        found.save()
        audit.record(
            actor, found, "create" if created else "update", {"rate": [before, str(value)]}
        )
    return found


# --- the people of a deal --------------------------------------------------------------------


def _contacts_text(deal: Deal) -> str:
    """The deal's people as the history shows them: 张伟 (采购), 李娜 (决策人)."""
    contacts = DealContact.objects.filter(deal=deal).select_related("person")
    return ", ".join(f"{c.person.name} ({c.role})" if c.role else c.person.name for c in contacts)


def set_contact(actor: User, deal: Deal, person: Person, role: str = "") -> DealContact:
    """Add a person the actor can see to the deal, or change their role in it."""
    visibility.require_record(actor, deal, "edit")
    pk = person.pk if isinstance(person, Person) else person
    try:
        found = Person.objects.visible_to(actor).filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        found = None
    if found is None:
        raise ValidationError({"person": [_("Choose a person you can see.")]})
    role = (role or "").strip()[:100]
    with transaction.atomic():
        before = _contacts_text(deal)
        contact, _created = DealContact.objects.get_or_create(
            deal=deal, person=found, defaults={"role": role}
        )
        contact.role = role
        contact.save()
        after = _contacts_text(deal)
        if after != before:
            audit.record(actor, deal, "update", {"contacts": [before or None, after]})
    return contact


def remove_contact(actor: User, deal: Deal, person_id: Any) -> None:
    visibility.require_record(actor, deal, "edit")
    with transaction.atomic():
        before = _contacts_text(deal)
        removed, _kinds = DealContact.objects.filter(deal=deal, person_id=person_id).delete()
        if not removed:
            raise ValidationError({"person": [_("This person is not on the deal.")]})
        audit.record(actor, deal, "update", {"contacts": [before, _contacts_text(deal) or None]})
