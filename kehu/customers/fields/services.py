"""The only writers of custom field definitions: administrators only, validated, audited.

Creating a field also creates a database index on the very expression lists filter and sort it
by (`queries.custom_expression`), so that stays fast with a million records. Fields are never
deleted: deactivating hides them and keeps both the stored values and the index.
"""

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit, pinyin
from kehu.core.records import locked_current
from kehu.customers.models import ALIVE, Company, CustomField, Person
from kehu.customers.queries import KEY_PATTERN, custom_expression

CHOICE_TYPES = {CustomField.Type.CHOICE, CustomField.Type.MULTI_CHOICE}
MODELS: dict[str, Any] = {CustomField.Entity.PERSON: Person, CustomField.Entity.COMPANY: Company}
INDEX_PREFIX: dict[str, str] = {
    CustomField.Entity.PERSON: "cf_p_",
    CustomField.Entity.COMPANY: "cf_c_",
}


def register_entity(entity: str, model: Any, index_prefix: str) -> None:
    """Another app's record type with custom fields (sales registers leads "cf_l_", deals
    "cf_d_" and quotes "cf_q_"); the customers app does not import the apps that build on it
    (decision 0018)."""
    MODELS[entity] = model
    INDEX_PREFIX[entity] = index_prefix


FIELDS = ["entity", "key", "label", "label_zh", "type", "choices", "required", "position",
          "active"]  # fmt: skip
EDITABLE = ["label", "label_zh", "choices", "required", "position", "active"]


def suggest_key(label: str) -> str:
    """A key from a label: "Annual revenue" → "annual_revenue", "年收入" → "nian_shou_ru"."""
    text = "_".join(pinyin.romanize(label or ""))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if key and not key[0].isalpha():
        key = f"f_{key}"
    return key[:40].rstrip("_")


def parse_choices(value: Any) -> list[str]:
    """Choices as a list: from a list, or from text with one choice per line."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        raise ValidationError({"choices": [_("Expected a list of choices.")]})
    return [str(c).strip() for c in value if str(c).strip()]


def _clean(field: CustomField) -> None:
    """Every problem with a definition at once, as a ValidationError per field."""
    errors: dict[str, list[str]] = {}
    field.key = (field.key or "").strip()
    field.label = (field.label or "").strip()
    field.label_zh = (field.label_zh or "").strip()
    if field.entity not in MODELS:
        errors["entity"] = [_("Choose a record type from the list.")]
    if field.type not in CustomField.Type.values:
        errors["type"] = [_("Choose a field type.")]
    if not KEY_PATTERN.match(field.key):
        errors["key"] = [
            _("Use up to 40 lower-case letters, digits and underscores, starting with a letter.")
        ]
    if not field.label:
        errors["label"] = [_("This field is required.")]
    elif len(field.label) > 100:
        errors["label"] = [_("At most %(n)d characters.") % {"n": 100}]
    if len(field.label_zh) > 100:
        errors["label_zh"] = [_("At most %(n)d characters.") % {"n": 100}]
    try:
        choices = parse_choices(field.choices)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        choices = []
    if field.type in CHOICE_TYPES:
        if not choices:
            errors["choices"] = [_("List the choices, one per line.")]
        elif len(set(choices)) != len(choices):
            errors["choices"] = [_("Each choice may appear only once.")]
        elif any(len(c) > 100 for c in choices):
            errors["choices"] = [_("At most %(n)d characters.") % {"n": 100}]
        elif len(choices) > 200:
            errors["choices"] = [_("At most %(n)d choices.") % {"n": 200}]
        elif field.type == CustomField.Type.MULTI_CHOICE and any("," in c for c in choices):
            errors["choices"] = [_("Choices of a multiple choice field may not contain commas.")]
    elif choices:
        errors["choices"] = [_("Only choice fields have choices.")]
    field.choices = choices
    if not isinstance(field.position, int) or isinstance(field.position, bool):
        try:
            field.position = int(field.position)
        except (TypeError, ValueError):
            errors["position"] = [_("Enter a whole number.")]
    if isinstance(field.position, int) and not 0 <= field.position <= 2_147_483_647:
        errors["position"] = [_("Enter a whole number of 0 or more.")]
    if "key" not in errors and "entity" not in errors:
        taken = CustomField.objects.filter(entity=field.entity, key=field.key)
        if field.pk:
            taken = taken.exclude(pk=field.pk)
        if taken.exists():
            errors["key"] = [_("Another field already uses this key.")]
    if errors:
        raise ValidationError(errors)


def index_name(field: CustomField) -> str:
    return f"{INDEX_PREFIX[field.entity]}{field.pk}"


def field_index(field: CustomField) -> models.Index | None:
    """The partial `(value, id)` index that filtering and keyset sorting by `field` use."""
    expression = custom_expression(field)
    if expression is None:  # multiple choice: filtered by containment, not sortable
        return None
    return models.Index(expression, F("id"), name=index_name(field), condition=ALIVE)


def create_index(field: CustomField) -> bool:
    """Create the field's index with Django's own DDL; True if one was made."""
    index = field_index(field)
    if index is None:
        return False
    # Not entered as a context manager: SQLite's editor refuses to start inside a transaction,
    # and CREATE INDEX needs none of what entering does (it is transactional on both databases).
    editor = connection.schema_editor(atomic=False)
    if connection.vendor == "postgresql":
        # deferred foreign-key checks still pending in this transaction would block CREATE INDEX
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    editor.add_index(MODELS[field.entity], index)
    return True


def has_index(field: CustomField) -> bool:
    table = MODELS[field.entity]._meta.db_table
    with connection.cursor() as cursor:
        return index_name(field) in connection.introspection.get_constraints(cursor, table)


def ensure_indexes() -> list[str]:
    """Create any missing custom field index (e.g. fields made before indexes existed)."""
    made = []
    for field in CustomField.objects.all():
        if field_index(field) is not None and not has_index(field):
            with transaction.atomic():
                create_index(field)
            made.append(index_name(field))
    return made


def _snapshot(field: CustomField) -> dict[str, Any]:
    values = audit.snapshot(field, FIELDS)
    values["choices"] = "\n".join(field.choices or [])
    return values


def create_field(actor: User, data: dict[str, Any]) -> CustomField:
    """Define a field for one record type, and index it. Raises ValidationError."""
    require_admin(actor)
    data = dict(data)
    if not data.get("key"):
        data["key"] = suggest_key(data.get("label") or "")
    field = CustomField(
        entity=data.get("entity") or "",
        key=data.get("key") or "",
        label=data.get("label") or "",
        label_zh=data.get("label_zh") or "",
        type=data.get("type") or "",
        choices=data.get("choices") or [],
        required=bool(data.get("required", False)),
        position=data["position"] if data.get("position") not in (None, "") else 0,
        active=bool(data.get("active", True)),
    )
    _clean(field)
    try:
        with transaction.atomic():
            field.save()
            create_index(field)
            audit.record(actor, field, "create", audit.diff({}, _snapshot(field)))
    except IntegrityError as exc:  # a concurrent request took the key
        raise ValidationError({"key": [_("Another field already uses this key.")]}) from exc
    return field


def update_field(
    actor: User,
    field: CustomField,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> CustomField:
    """Change a definition. The entity, key and type stay as created: stored values depend on
    them (a different type would make existing values invalid). VersionConflict, and nothing
    changed, when someone changed it since it was read at `expected_version`."""
    require_admin(actor)
    with transaction.atomic():
        current = locked_current(CustomField, field.pk, expected_version, changes)
        return _update_field(actor, current, changes)


def _update_field(actor: User, field: CustomField, changes: dict[str, Any]) -> CustomField:
    before = _snapshot(field)
    errors: dict[str, list[str]] = {}
    for name, message in (
        ("entity", _("A field cannot move to another record type.")),
        ("key", _("The key cannot change after the field is created.")),
        (
            "type",
            _(
                "The type cannot change after the field is created: existing values may not "
                "fit the new type. Deactivate this field and create a new one instead."
            ),
        ),
    ):
        if name in changes and changes[name] != getattr(field, name):
            errors[name] = [message]
    for name in EDITABLE:
        if name in changes:
            value = changes[name]
            if name in ("required", "active"):
                value = bool(value)
            setattr(field, name, value)
    try:
        _clean(field)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    changed = audit.diff(before, _snapshot(field))
    if changed:
        field.version += 1
        field.save()
        audit.record(actor, field, "update", changed)
    return field


def _set_active(actor: User, field: CustomField, active: bool) -> CustomField:
    require_admin(actor)
    with transaction.atomic():
        found = CustomField.objects.filter(pk=field.pk).exclude(active=active)
        if found.update(active=active, version=F("version") + 1):
            audit.record(actor, field, "update", {"active": [not active, active]})
        field.version = CustomField.objects.values_list("version", flat=True).get(pk=field.pk)
    field.active = active
    return field


def deactivate_field(actor: User, field: CustomField) -> CustomField:
    """Hide a field from forms, lists and filters; values and index stay for a later return."""
    return _set_active(actor, field, False)


def activate_field(actor: User, field: CustomField) -> CustomField:
    return _set_active(actor, field, True)
