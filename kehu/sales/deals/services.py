"""The only writers of deals (pipelines and stages: `pipelines.py`; exchange rates:
`currencies.py`; a deal's people: `contacts.py`).

A deal's stage always belongs to its pipeline; entering a won or lost stage closes the deal
(a lost deal needs a reason from the administrators' list, `lost_reasons`; "Other" needs the
user's own words), and a closed deal stays where it is until someone reopens it on
purpose. Every stage change is kept with the time the deal spent in the stage it left.
"""

import decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import records, search, visibility
from kehu.core.sort_keys import name_sort_key
from kehu.customers.fields.values import clean_custom
from kehu.customers.services import resolve_company, resolve_owner
from kehu.sales.deals import contacts
from kehu.sales.deals.currencies import clean_currency as clean_currency
from kehu.sales.deals.currencies import known_currencies as known_currencies
from kehu.sales.deals.currencies import set_exchange_rate as set_exchange_rate
from kehu.sales.deals.pipelines import save_pipeline as save_pipeline
from kehu.sales.lost_reasons.services import other_reason, resolve_reason
from kehu.sales.models import Deal, DealContact, Pipeline, Stage, StageChange

DEAL_FIELDS = ["name", "pipeline", "stage", "amount", "currency", "expected_close", "company",
               "owner", "next_step", "next_step_due", "lost_reason", "close_reason",
               "custom"]  # fmt: skip
#: a key of `changes` saying its `custom` values were carried from another record (a converted
#: lead): a required deal field it lacks is then no error; the deal's form asks at the next edit
CARRIED_CUSTOM = "_carried_custom"
MAX_AMOUNT = decimal.Decimal("99999999999999.99")


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
    check("lost_reason", lambda value: resolve_reason(value, deal.lost_reason_id))
    required = not changes.pop(CARRIED_CUSTOM, False)
    check("custom", lambda value: clean_custom("deal", value or {}, deal.custom, required))

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
    _check_lost_reason(deal)
    deal.search_text = deal_document(deal)
    deal.name_sort_key = name_sort_key(deal.name)


def _check_lost_reason(deal: Deal) -> None:
    """A lost deal has a reason from the list, with words where "Other" asks for them; a deal
    that is not lost has none. A client that sends only words (the API before the list, old
    scripts) gets them kept under "Other"."""
    if deal.stage.kind != Stage.Kind.LOST:
        deal.lost_reason = None
        return
    if deal.lost_reason is None and deal.close_reason:
        deal.lost_reason = other_reason()
    if deal.lost_reason is None:
        raise ValidationError({"lost_reason": [_("Choose why the deal was lost.")]})
    if deal.lost_reason.is_other and not deal.close_reason:
        raise ValidationError({"close_reason": [_("Say why the deal was lost.")]})


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
    return search.build_document(
        search.name_tokens(deal.name), search.name_tokens(company, every_initial=False)
    )


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
    resolved_relations=("owner", "company", "pipeline", "stage", "lost_reason"),
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
    lost_reason: Any = None,
) -> Deal:
    """Move the deal to another stage of its pipeline (the board's drag and drop); to a lost
    stage with `lost_reason` (a reason's id) and maybe `reason`, the user's words."""
    if stage in (None, ""):
        raise ValidationError({"stage": [_("Choose a stage.")]})
    changes: dict[str, Any] = {"stage": stage}
    if reason is not None:
        changes["close_reason"] = reason
    if lost_reason not in (None, ""):
        changes["lost_reason"] = lost_reason
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


def restore_deal(actor: User, deal: Deal, expected_version: int | None = None) -> Deal:
    return records.restore(DEAL, actor, deal, expected_version=expected_version)


def set_contact(actor: User, deal: Deal, person: Any, role: str = "") -> DealContact:
    """Add a person the actor can see to the deal, or change their role in it. The deal's
    people are part of the deal: its version goes up, so an edit read before is stale."""
    with transaction.atomic():
        contact, change = contacts.put_contact(actor, deal, person, role)
        if change is not None:
            records.record_change(DEAL, actor, deal, {"contacts": change})
    return contact


def remove_contact(actor: User, deal: Deal, person_id: Any) -> None:
    with transaction.atomic():
        change = contacts.take_off(actor, deal, person_id)
        records.record_change(DEAL, actor, deal, {"contacts": change})


def create_deal_for_person(actor: User, data: dict[str, Any], person: Any) -> Deal:
    """A new deal with `person` (whom the actor sees) on it: the person page's "New deal".
    If the assignment rules give the deal to someone outside the actor's reach, the deal is
    made without them (the new owner adds its people)."""
    with transaction.atomic():
        deal = create_deal(actor, data)
        if visibility.can(actor, "sales", "edit") and visibility.in_scope(actor, deal):
            set_contact(actor, deal, person)
    return deal
