# mypy: disable-error-code="misc, no-untyped-def"
"""Fields every owned record offers (owner, team, created, updated) and custom fields."""

from django.utils.translation import gettext_lazy as _

from kehu.core.conditions.registry import ConditionField


def user_choices():
    from kehu.accounts.models import User

    return [(u.pk, str(u)) for u in User.objects.filter(is_active=True)[:500]]


def record_fields() -> list[ConditionField]:
    """What every `Record` has: its owner (and their team) and when it was made and changed."""
    return [
        ConditionField("owner", _("Owner"), "user", "owner_id", nullable=True),
        ConditionField(
            "owner.team", _("Owner's team"), "ref", "owner__team_id", nullable=True,
            read=lambda r: r.owner.team_id if r.owner_id else None,
        ),
        ConditionField("created_at", _("Created"), "datetime", "created_at"),
        ConditionField("updated_at", _("Updated"), "datetime", "updated_at"),
    ]  # fmt: skip


def tag_field(model_name: str) -> ConditionField:
    """`tags`: has / has not a tag (by id), as EXISTS on the link table, which carries an index
    by (tag, owner, record)."""

    def links():
        from kehu.customers.models import CompanyTag, PersonTag

        return {"person": (PersonTag, "person_id"), "company": (CompanyTag, "company_id")}[
            model_name
        ]

    return ConditionField(
        "tags", _("Tags"), "tags", tag_links=links,
        read=lambda r: {t.pk for t in r.tags.all()},
    )  # fmt: skip


def _custom_read(key: str, convert):
    def read(record):
        value = (record.custom or {}).get(key)
        if value in (None, ""):
            return None
        return convert(value)

    return read


def custom_fields(entity: str) -> list[ConditionField]:
    """The entity's active custom fields as `custom.<key>`, compiled to the same expression
    their list index holds (customers/queries.py `CustomValue`). Multiple choice is not offered."""
    from kehu.customers.models import CustomField
    from kehu.customers.queries import KEY_PATTERN, LONG_TEXT_PREFIX, NUMBER_MISSING, CustomValue

    kind = CustomField.Type
    found = []
    for d in CustomField.objects.filter(entity=entity, active=True):
        if not KEY_PATTERN.match(d.key):
            continue
        path, label, key = f"custom.{d.key}", d.display_label, d.key
        if d.type in (kind.TEXT, kind.EMAIL, kind.URL, kind.PHONE, kind.LONG_TEXT):
            sql_kind = "prefix" if d.type == kind.LONG_TEXT else "text"
            cut = LONG_TEXT_PREFIX if d.type == kind.LONG_TEXT else None
            found.append(ConditionField(
                path, label, "text", expression=lambda k=key, s=sql_kind: CustomValue(k, s),
                read=_custom_read(key, lambda v, n=cut: str(v)[:n]), absent="",
            ))  # fmt: skip
        elif d.type == kind.CHOICE:
            found.append(ConditionField(
                path, label, "choice", expression=lambda k=key: CustomValue(k, "text"),
                read=_custom_read(key, str), absent="",
                choices=lambda c=tuple(d.choices or ()): [(x, x) for x in c],
            ))  # fmt: skip
        elif d.type in (kind.NUMBER, kind.DECIMAL):
            found.append(ConditionField(
                path, label, "number", expression=lambda k=key: CustomValue(k, "number"),
                read=_custom_read(key, float), prepare=float, absent=NUMBER_MISSING,
            ))  # fmt: skip
        elif d.type == kind.BOOLEAN:
            found.append(ConditionField(
                path, label, "boolean", expression=lambda k=key: CustomValue(k, "boolean"),
                read=lambda r, k=key: (r.custom or {}).get(k),
                prepare=lambda flag: "true" if flag else "false",
            ))  # fmt: skip
        elif d.type == kind.DATE:
            found.append(ConditionField(
                path, label, "date", expression=lambda k=key: CustomValue(k, "text"),
                read=_custom_read(key, str), prepare=lambda day: day.isoformat(), absent="",
                ops=("on", "before", "after", "on_or_before", "on_or_after", "is_empty",
                     "is_not_empty"),
            ))  # fmt: skip
    return found
