"""Lead scores that explain themselves.

Two numbers, each with its reasons: the points of the rules administrators define (a company
email +10, more than 30 days without contact −10 …), recomputed whenever a lead is saved and
every night for the rules that depend on time; and a learned chance of winning (0–100 %), a
logistic regression (scikit-learn) trained on this instance's own converted-and-won against
disqualified-or-lost leads, once there are enough of them. The model is kept as plain weights,
so scoring a lead is a sum, and each lead shows the features that pushed it most.
"""

import datetime
import decimal
import math
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit
from kehu.core.records import locked_current
from kehu.sales import coded_values
from kehu.sales.assignment import services as assignment
from kehu.sales.models import Lead, LearnedScoreModel, Product, ScoringRule

FREE_MAIL = {"qq.com", "163.com", "126.com", "sina.com", "sina.cn", "sohu.com", "yeah.net",
             "139.com", "aliyun.com", "foxmail.com", "gmail.com", "outlook.com",
             "hotmail.com", "live.com", "yahoo.com", "icloud.com", "me.com", "proton.me",
             "protonmail.com"}  # fmt: skip
SCORING_FIELDS = {
    **assignment.LEAD_FIELDS,
    "email_kind": gettext_lazy("Email (company, free or none)"),
    "has_phone": gettext_lazy("Has a phone (yes or no)"),
    "days_since_contact": gettext_lazy("Days without contact"),
    "status": gettext_lazy("Status"),
}
OPEN = ["new", "contacted", "qualified"]


class RuleReason(TypedDict):
    """A rule that added to (or took from) a lead's score (`Lead.score_reasons`)."""

    label: str
    points: int


class LearnedReason(TypedDict):
    """A feature that pushed a lead's learned score (`Lead.learned_reasons`)."""

    feature: str
    weight: float


def field_choices() -> list[tuple[str, str]]:
    """What a scoring rule can test: the lead's fields, facts about it, its custom fields."""
    return [(k, str(v)) for k, v in SCORING_FIELDS.items()] + assignment.custom_choices("lead")


MIN_EXAMPLES, MIN_PER_CLASS = 30, 5
BATCH = 1000


def email_kind(email: str) -> str:
    if not email:
        return "none"
    return "free" if email.rpartition("@")[2].lower() in FREE_MAIL else "company"


def lead_value(
    lead: Lead, field: str, today: datetime.datetime | None = None
) -> str | int | decimal.Decimal:
    if field == "email_kind":
        return email_kind(lead.email)
    if field == "has_phone":
        return "yes" if lead.phone else "no"
    if field == "days_since_contact":
        now = today or timezone.now()
        since = getattr(lead, "last_contact_at", None) or lead.created_at
        return (now - since).days if since else 0
    return assignment.value_of(lead, field)


#: the activities that count as being in touch with a lead
CONTACT_KINDS = ("call", "meeting", "email")


def with_last_contact(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """`leads` with `last_contact_at`: when the latest call, meeting or email on it was."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import OuterRef, Subquery

    from kehu.activities.models import Activity

    latest = (
        Activity.objects.filter(
            content_type=ContentType.objects.get_for_model(Lead),
            object_id=OuterRef("pk"),
            kind__in=CONTACT_KINDS,
            at__lte=timezone.now(),
        )
        .order_by("-at")
        .values("at")[:1]
    )
    # the model declares the annotation (`Lead.last_contact_at`), which django-stubs takes
    # for a second definition
    return leads.annotate(last_contact_at=Subquery(latest))  # type: ignore[no-redef]


def rule_score(
    lead: Lead, rules: list[ScoringRule], today: datetime.datetime | None = None
) -> tuple[int, list[RuleReason]]:
    score, reasons = 0, list[RuleReason]()
    for rule in rules:
        if assignment.compare(rule.op, lead_value(lead, rule.field, today), rule.value):
            score += rule.points
            reasons.append({"label": rule.name, "points": rule.points})
    return score, reasons


# --- the learned score ----------------------------------------------------------------------


def features(lead: Lead) -> dict[str, float]:
    """What the model looks at: facts every lead has, one-hot."""
    found = {
        f"source={lead.source}": 1.0,
        f"email={email_kind(lead.email)}": 1.0,
        "has_phone": 1.0 if lead.phone else 0.0,
        "has_title": 1.0 if lead.title else 0.0,
        "has_company": 1.0 if lead.company_name else 0.0,
    }
    if lead.region:
        found[f"region={lead.region.strip().lower()}"] = 1.0
    if lead.product_interest_id:
        found[f"product={lead.product_interest_id}"] = 1.0
    return found


def feature_label(name: str, product: Product | None = None) -> str:
    """A feature's label. `product`: the lead's product of interest, so the label of its own
    "product=<id>" reason needs no query (lists show many leads)."""
    key, _sep, value = name.partition("=")
    if key == "source":
        return _("Source: %(v)s") % {"v": dict(Lead.Source.choices).get(value, value)}
    if key == "email":
        return {"company": _("Company email"), "free": _("Free email address"),
                "none": _("No email")}.get(value, value)  # fmt: skip
    if key == "region":
        return _("Region: %(v)s") % {"v": value}
    if key == "product":
        if product is None or str(product.pk) != value:
            product = Product.objects.filter(pk=value).first()
        return _("Interested in %(v)s") % {"v": product.sku if product else value}
    return {"has_phone": _("Has a phone number"), "has_title": _("Job title known"),
            "has_company": _("Company known")}.get(name, name)  # fmt: skip


def learned(lead: Lead, model: LearnedScoreModel | None) -> tuple[int | None, list[LearnedReason]]:
    """The chance (0–100) the model gives the lead, and its three strongest reasons."""
    if model is None:
        return None, []
    present = {k: v for k, v in features(lead).items() if v}
    pushes = {k: model.weights.get(k, 0.0) * v for k, v in present.items()}
    z = model.intercept + sum(pushes.values())
    chance = round(100 / (1 + math.exp(-max(-30.0, min(30.0, z)))))
    strongest = sorted((k for k in pushes if pushes[k]), key=lambda k: -abs(pushes[k]))[:3]
    return chance, [{"feature": k, "weight": round(pushes[k], 3)} for k in strongest]


def outcome(lead: Lead) -> int | None:
    """1 for a lead that became a won deal, 0 for one disqualified or lost, None if open."""
    if lead.status == Lead.Status.DISQUALIFIED:
        return 0
    if lead.status == Lead.Status.CONVERTED and lead.deal is not None and lead.deal.closed_at:
        return 1 if lead.deal.stage.kind == "won" else 0
    return None


def train() -> LearnedScoreModel | None:
    """Fit the model on every decided lead; None while there are too few of them."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    decided = Lead.objects.filter(status__in=["converted", "disqualified"]).select_related(
        "deal__stage"
    )
    rows: list[dict[str, float]] = []
    labels: list[int] = []
    for lead in decided.iterator(chunk_size=BATCH):
        result = outcome(lead)
        if result is not None:
            rows.append(features(lead))
            labels.append(result)
    won = sum(labels)
    if len(labels) < MIN_EXAMPLES or min(won, len(labels) - won) < MIN_PER_CLASS:
        return None
    vectorizer = DictVectorizer(sparse=False)
    matrix = vectorizer.fit_transform(rows)
    classifier = LogisticRegression(max_iter=1000, class_weight="balanced")
    folds = min(5, won, len(labels) - won)
    auc = float(cross_val_score(classifier, matrix, labels, cv=folds, scoring="roc_auc").mean())
    classifier.fit(matrix, labels)
    weights = dict(
        zip(vectorizer.get_feature_names_out(), map(float, classifier.coef_[0]), strict=True)
    )
    return LearnedScoreModel.objects.create(
        examples=len(labels), won=won, auc=auc, intercept=float(classifier.intercept_[0]),
        weights=weights,
    )  # fmt: skip


def current_model() -> LearnedScoreModel | None:
    return LearnedScoreModel.objects.order_by("-trained_at", "-id").first()


def apply_scores(
    lead: Lead,
    rules: list[ScoringRule],
    model: LearnedScoreModel | None,
    today: datetime.datetime | None = None,
) -> None:
    """Set both scores on `lead` (not saved), from these rules and this model (or None)."""
    lead.score, lead.score_reasons = rule_score(lead, rules, today)
    lead.learned_score, lead.learned_reasons = learned(lead, model)


def score_lead(lead: Lead) -> None:
    """Set both scores on `lead` (not saved) from the current rules and model."""
    rules = list(ScoringRule.objects.filter(active=True))
    if lead.pk and any(rule.field == "days_since_contact" for rule in rules):
        found = with_last_contact(Lead.all_objects.filter(pk=lead.pk)).first()
        lead.last_contact_at = found.last_contact_at if found else None
    apply_scores(lead, rules, current_model())


def rescore_open_leads() -> int:
    """Score every open lead again (after rules change, a new model, and each night)."""
    rules = list(ScoringRule.objects.filter(active=True))
    model = current_model()
    today = timezone.now()
    done, last = 0, 0
    while True:
        open_leads: QuerySet[Lead] = Lead.objects.filter(status__in=OPEN, pk__gt=last)
        open_leads = with_last_contact(open_leads.select_related("product_interest", "company"))
        batch = list(open_leads.order_by("pk")[:BATCH])
        if not batch:
            return done
        for lead in batch:
            apply_scores(lead, rules, model, today)
        Lead.objects.bulk_update(batch, ["score", "score_reasons", "learned_score",
                                         "learned_reasons"])  # fmt: skip
        done += len(batch)
        last = batch[-1].pk


# --- keeping the rules: administrators only -----------------------------------------------


def save_rule(
    actor: User, rule: ScoringRule | None, data: dict[str, Any], expected_version: int | None = None
) -> ScoringRule:
    """Create (`rule` None) or change a scoring rule; VersionConflict, and nothing saved, when
    someone changed it since it was read at `expected_version`."""
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()[:100]
    if not name:
        errors["name"] = [_("This field is required.")]
    field, op = str(data.get("field") or ""), str(data.get("op") or "")
    value = str(data.get("value") or "").strip()[:200]
    if field not in dict(field_choices()):
        errors["field"] = [_("Choose a field.")]
    if op not in assignment.OPS:
        errors["op"] = [_("Choose how to compare.")]
    if not value:
        errors["value"] = [_("Enter a value.")]
    elif op in ("gt", "lt") and assignment.as_number(value) is None:
        errors["value"] = [_("Enter a number.")]
    else:
        value = coded_values.to_code(field, value)
    given: Any = data.get("points")
    points: int | None
    try:
        points = int(given)
    except (TypeError, ValueError):
        points = None
    if points is None or not -100 <= points <= 100:
        errors["points"] = [_("Enter points from −100 to 100.")]
    if errors:
        raise ValidationError(errors)
    assert points is not None  # else "points" is among the errors
    with transaction.atomic():
        created = rule is None
        if rule is None:
            rule = ScoringRule()
        else:
            rule = locked_current(ScoringRule, rule.pk, expected_version, data)
        before = (rule.name, rule.field, rule.op, rule.value, rule.points, rule.active)
        rule.name, rule.field, rule.op, rule.value, rule.points = name, field, op, value, points
        rule.active = bool(data.get("active", True))
        if not created and before != (name, field, op, value, points, rule.active):
            rule.version += 1
        rule.updated_at = timezone.now()
        rule.save()
        audit.record(actor, rule, "create" if created else "update",
                     {"rule": [None, f"{field} {op} {value}: {points:+d}"]})  # fmt: skip
        transaction.on_commit(_rescore_later)
    return rule


def delete_rule(actor: User, rule: ScoringRule) -> None:
    require_admin(actor)
    with transaction.atomic():
        audit.record(actor, rule, "delete", {"name": [rule.name, None]})
        rule.delete()
        transaction.on_commit(_rescore_later)


def _rescore_later() -> None:
    from kehu.sales.tasks import rescore_leads

    rescore_leads.enqueue()
