"""Assignment rules: administrators say who gets new leads and deals; the first active rule
(in order) whose conditions all hold decides, and the new owner is notified.

Rules apply only when whoever creates the record leaves the owner to them (the web form
always does; a form's "by assignment rules" choice and an API body without `owner_id` do).
They are administrators' policy, so they may hand a record to someone its creator could not
give it to — and the creator then no longer sees it, unless it is in their scope.
"""

import decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.accounts.models import Team, User
from kehu.accounts.services import require_admin
from kehu.activities.notifications.services import notify
from kehu.core import audit, events, visibility
from kehu.core.records import locked_current
from kehu.customers.models import CustomField
from kehu.sales import coded_values
from kehu.sales.catalog.services import id_of
from kehu.sales.models import AssignmentRule, Deal, Lead

#: the value of an owner field that leaves the choice to the rules
BY_RULES = "rules"

OPS = {
    "equals": gettext_lazy("is"),
    "not_equals": gettext_lazy("is not"),
    "contains": gettext_lazy("contains"),
    "in": gettext_lazy("is one of (comma-separated)"),
    "gt": gettext_lazy("is more than"),
    "lt": gettext_lazy("is less than"),
}
LEAD_FIELDS = {
    "source": gettext_lazy("Source"),
    "region": gettext_lazy("Region"),
    "product_interest": gettext_lazy("Product interest (SKU)"),
    "company_name": gettext_lazy("Company"),
    "title": gettext_lazy("Job title"),
    "email_domain": gettext_lazy("Email domain"),
}
DEAL_FIELDS = {
    "pipeline": gettext_lazy("Pipeline (name)"),
    "currency": gettext_lazy("Currency"),
    "amount": gettext_lazy("Amount"),
    "company.city": gettext_lazy("Company city"),
    "company.industry": gettext_lazy("Company industry"),
}
OPEN_LEAD = ["new", "contacted", "qualified"]


class Condition(TypedDict):
    """One test of a rule (`AssignmentRule.conditions` holds a list of them)."""

    field: str  # a key of `field_choices(entity)`
    op: str  # a key of OPS
    value: str


def rules_choice(entity: str) -> list[tuple[str, str]]:
    """The owner choice "by the assignment rules", when there are rules for `entity`."""
    if not AssignmentRule.objects.filter(entity=entity, active=True).exists():
        return []
    return [(BY_RULES, _("— as the assignment rules say —"))]


def field_choices(entity: str) -> list[tuple[str, str]]:
    """What a rule's conditions can test: the record's fields and custom fields, and (for
    deals) every custom field of the deal's company."""
    if entity == AssignmentRule.Entity.LEAD:
        return [(k, str(v)) for k, v in LEAD_FIELDS.items()] + custom_choices("lead")
    custom = CustomField.objects.filter(entity="company", active=True)
    return (
        [(k, str(v)) for k, v in DEAL_FIELDS.items()]
        + custom_choices("deal")
        + [
            (f"company.custom.{f.key}", _("Company: %(label)s") % {"label": f.display_label})
            for f in custom
        ]
    )


def custom_choices(entity: str, prefix: str = "custom.") -> list[tuple[str, str]]:
    """The entity's active custom fields as condition fields."""
    return [
        (f"{prefix}{f.key}", _("Custom: %(label)s") % {"label": f.display_label})
        for f in CustomField.objects.filter(entity=entity, active=True)
    ]


def _custom_text(custom: dict[str, Any] | None, key: str) -> str:
    value = (custom or {}).get(key, "")
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def value_of(lead_or_deal: Lead | Deal, field: str) -> str | decimal.Decimal:
    """The record's value for a condition's field, as text (or a Decimal for amounts)."""
    record: Any = lead_or_deal  # `field` is one of its entity's fields (`field_choices`)
    if field == "email_domain":
        return record.email.rpartition("@")[2].lower() if record.email else ""
    if field == "product_interest":
        product = record.product_interest if getattr(record, "product_interest_id", None) else None
        return product.sku if product else ""
    if field == "pipeline":
        return record.pipeline.name if record.pipeline_id else ""
    if field == "amount":
        amount: decimal.Decimal = record.amount
        return amount
    if field.startswith("custom."):
        return _custom_text(record.custom, field.removeprefix("custom."))
    if field.startswith("company."):
        company = record.company if record.company_id else None
        if company is None:
            return ""
        name = field.removeprefix("company.")
        if name.startswith("custom."):
            return _custom_text(company.custom, name.removeprefix("custom."))
        return str(getattr(company, name, "") or "")
    return str(getattr(record, field, "") or "")


def as_number(value: object) -> decimal.Decimal | None:
    """A finite number, or None (NaN and Infinity are not numbers to compare)."""
    try:
        number = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def holds(condition: Condition, record: Lead | Deal) -> bool:
    return compare(condition["op"], value_of(record, condition["field"]), condition.get("value"))


def compare(op: str, actual: object, expected: object) -> bool:
    """Whether `actual` passes the test `op` against `expected` (text without regard to
    case; numbers for gt and lt)."""
    test = str(expected if expected is not None else "").strip()
    if op in ("gt", "lt"):
        left, right = as_number(actual), as_number(test)
        if left is None or right is None:
            return False
        return left > right if op == "gt" else left < right
    text, wanted = str(actual).strip().lower(), test.lower()
    if op == "equals":
        return text == wanted
    if op == "not_equals":
        return text != wanted
    if op == "contains":
        return wanted in text
    if op == "in":
        return text in {part.strip() for part in wanted.replace("，", ",").split(",")}
    return False


def _eligible(team_id: int) -> list[User]:
    """Active members of the team who may own sales records, in a fixed order."""
    members = User.objects.filter(team_id=team_id, is_active=True).select_related("role")
    return [u for u in members.order_by("id") if visibility.can(u, "sales", "read")]


def _open_load(entity: str, users: list[User]) -> dict[int, int]:
    ids = [u.pk for u in users]
    qs: QuerySet[Lead] | QuerySet[Deal]
    if entity == AssignmentRule.Entity.LEAD:
        qs = Lead.objects.filter(owner_id__in=ids, status__in=OPEN_LEAD)
    else:
        qs = Deal.objects.filter(owner_id__in=ids, closed_at__isnull=True)
    return dict(qs.order_by().values_list("owner_id").annotate(n=Count("id")))


def _assignee(rule: AssignmentRule) -> User | None:
    if rule.method == AssignmentRule.Method.USER:
        user = rule.user
        return user if user is not None and user.is_active else None
    if rule.team_id is None:
        return None
    members = _eligible(rule.team_id)
    if not members:
        return None
    if rule.method == AssignmentRule.Method.LEAST_LOADED:
        load = _open_load(rule.entity, members)
        return min(members, key=lambda u: (load.get(u.pk, 0), u.pk))
    locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    after = [u for u in members if locked.last_user_id is None or u.pk > locked.last_user_id]
    chosen = (after or members)[0]
    AssignmentRule.objects.filter(pk=rule.pk).update(last_user=chosen)
    return chosen


def choose(entity: str, record: Lead | Deal) -> tuple[User | None, AssignmentRule | None]:
    """The owner the rules give `record`, and the rule that decided (None, None if none)."""
    rules = AssignmentRule.objects.filter(entity=entity, active=True).select_related("user")
    for rule in rules.order_by("position", "id"):
        if all(holds(c, record) for c in rule.conditions):
            user = _assignee(rule)
            if user is not None:
                return user, rule
    return None, None


class LazyText:
    """A lazy translation filled in when it is turned into text (in the reader's language)."""

    def __init__(self, text: str | Promise, **values: object) -> None:
        self.text, self.values = text, values

    def __str__(self) -> str:
        return str(self.text) % {k: str(v) for k, v in self.values.items()}


def assign_new(entity: str, record: Lead | Deal) -> AssignmentRule | None:
    """Apply the rules to a record just created (inside its transaction); notify the new
    owner. Returns the rule that assigned it, if one did."""
    owner, rule = choose(entity, record)
    if owner is None or rule is None:  # `choose` gives both or neither
        return None
    before = record.owner
    if owner.pk != record.owner_id:
        record.owner = owner
        type(record).all_objects.filter(pk=record.pk).update(owner=owner)
        audit.record(None, record, "update", {"owner": [str(before), str(owner)]})
        events.emit(f"{entity}.assigned", actor=None, record=record, rule=rule)
    what = (
        gettext_lazy("New lead for you: %(name)s (rule “%(rule)s”)")
        if entity == "lead"
        else gettext_lazy("New deal for you: %(name)s (rule “%(rule)s”)")
    )
    notify(owner, f"{entity}_assigned", LazyText(what, name=record, rule=rule.name),
           record.get_absolute_url())  # fmt: skip
    return rule


# --- keeping the rules: administrators only -----------------------------------------------


def _clean_conditions(entity: str, rows: list[dict[str, Any]]) -> list[Condition]:
    fields = dict(field_choices(entity))
    cleaned: list[Condition] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=1):
        field, op = str(row.get("field") or ""), str(row.get("op") or "")
        value = str(row.get("value") or "").strip()[:200]
        if not field and not value:
            continue
        if field not in fields:
            errors.append(_("Condition %(n)s: choose a field.") % {"n": number})
        elif op not in OPS:
            errors.append(_("Condition %(n)s: choose how to compare.") % {"n": number})
        elif not value:
            errors.append(_("Condition %(n)s: enter a value.") % {"n": number})
        elif op in ("gt", "lt") and as_number(value) is None:
            errors.append(_("Condition %(n)s: enter a number.") % {"n": number})
        else:
            value = coded_values.to_code(field, value)
            cleaned.append({"field": field, "op": op, "value": value})
    if errors:
        raise ValidationError({"conditions": errors})
    return cleaned


def save_rule(
    actor: User,
    rule: AssignmentRule | None,
    data: dict[str, Any],
    conditions: list[dict[str, Any]],
    expected_version: int | None = None,
) -> AssignmentRule:
    """Create (`rule` None) or change an assignment rule; VersionConflict, and nothing saved,
    when someone changed it since it was read at `expected_version`."""
    require_admin(actor)
    entity = data.get("entity") or (rule.entity if rule else "lead")
    errors: dict[str, list[str]] = {}
    if entity not in AssignmentRule.Entity.values:
        errors["entity"] = [_("Choose leads or deals.")]
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    method = str(data.get("method") or "")
    user: User | None = None
    team: Team | None = None
    if method not in AssignmentRule.Method.values:
        errors["method"] = [_("Choose how to assign.")]
    elif method == AssignmentRule.Method.USER:
        user = User.objects.filter(pk=id_of(data.get("user")) or 0, is_active=True).first()
        if user is None:
            errors["user"] = [_("Choose an active user.")]
    else:
        team = Team.objects.filter(pk=id_of(data.get("team")) or 0).first()
        if team is None:
            errors["team"] = [_("Choose a team.")]
    try:
        cleaned = _clean_conditions(entity, conditions) if "entity" not in errors else []
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = rule is None
        if rule is None:
            last = AssignmentRule.objects.filter(entity=entity).order_by("-position").first()
            rule = AssignmentRule(position=(last.position + 1) if last else 0)
        else:
            rule = locked_current(AssignmentRule, rule.pk, expected_version, data)
        before = {} if created else _snapshot(rule)
        rule.name, rule.entity, rule.method = name[:100], entity, str(method)
        rule.user, rule.team, rule.conditions = user, team, cleaned
        rule.active = bool(data.get("active", True))
        if "position" in data and data["position"] is not None:
            rule.position = int(data["position"])
        rule.updated_at = timezone.now()
        delta = audit.diff(before, _snapshot(rule))
        if delta and not created:
            rule.version += 1
        rule.save()
        audit.record(actor, rule, "create" if created else "update", delta)
    return rule


def _snapshot(rule: AssignmentRule) -> dict[str, Any]:
    return {
        "name": rule.name, "active": rule.active, "position": rule.position,
        "method": rule.method, "user": str(rule.user) if rule.user_id else None,
        "team": str(rule.team) if rule.team_id else None,
        "conditions": "; ".join(f"{c['field']} {c['op']} {c['value']}" for c in rule.conditions),
    }  # fmt: skip


def delete_rule(actor: User, rule: AssignmentRule) -> None:
    require_admin(actor)
    with transaction.atomic():
        audit.record(actor, rule, "delete", {"name": [rule.name, None]})
        rule.delete()
