"""Email templates with placeholders, and each user's signature.

Placeholders are a fixed list (`PLACEHOLDERS`) substituted by one regular expression; user
text is never compiled as a Django template, so a template cannot reach anything else
(template injection). An unknown placeholder is an error, never silently sent as written.
"""

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.activities.models import NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH
from kehu.core import audit, events, visibility
from kehu.core.records import VersionConflict, check_version, locked_current
from kehu.customers.models import Person
from kehu.mail.models import EmailSignature, EmailTemplate

#: what may appear between {{ and }}, and what each stands for
PLACEHOLDERS = {
    "person.name": gettext_lazy("the person’s full name"),
    "person.first_name": gettext_lazy(
        "the person’s first name (for a name in Chinese characters: the full name)"
    ),
    "person.email": gettext_lazy("the person’s email address"),
    "person.title": gettext_lazy("the person’s job title"),
    "company.name": gettext_lazy("the person’s company"),
    "user.name": gettext_lazy("your name"),
    "user.email": gettext_lazy("your email address"),
    "user.signature": gettext_lazy("your signature"),
}
#: anything written as a placeholder, known or not
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
NAME_MAX_LENGTH = 100
TEMPLATE_BODY_MAX_LENGTH = NOTE_MAX_LENGTH
SIGNATURE_MAX_LENGTH = 2_000
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")


def first_name(name: str) -> str:
    """How a letter greets the person: the first word of a Western name ("Schmidt, Anna" →
    Anna), but the whole of a name in Chinese (Japanese, Korean) characters, where the given
    name alone is too familiar for business mail (张伟 → 张伟)."""
    name = " ".join(str(name or "").split())
    if not name or _CJK.search(name):
        return name
    if "," in name:
        rest = name.split(",", 1)[1].strip()
        return rest.split(" ")[0] if rest else name.split(",")[0]
    return name.split(" ")[0]


def user_name(user: User) -> str:
    """A user's name as a letter is signed: family name first, without a space, for a name in
    Chinese characters (李 + 娜 → 李娜); otherwise "first last"; else the username."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return user.get_full_name() or user.username


def own_signature(user: User) -> EmailSignature | None:
    """The user's signature row (its text and version), if they have one."""
    return EmailSignature.objects.filter(user=user).first()


def signature_of(user: User) -> str:
    found = EmailSignature.objects.filter(user=user).values_list("text", flat=True).first()
    return (found or "").strip()


def context_for(person: Person | None, user: User | None) -> dict[str, str]:
    """The values of every placeholder for an email from `user` to `person`."""
    company = getattr(person, "company", None) if getattr(person, "company_id", None) else None
    return {
        "person.name": person.name if person else "",
        "person.first_name": first_name(person.name) if person else "",
        "person.email": (person.email or "") if person else "",
        "person.title": (person.title or "") if person else "",
        "company.name": company.name if company else "",
        "user.name": user_name(user) if user else "",
        "user.email": (user.email or "") if user else "",
        "user.signature": signature_of(user) if user else "",
    }


def code(key: str) -> str:
    """How a placeholder is written: {{ person.name }}."""
    return "{{ " + key + " }}"


def unknown_placeholders(text: str) -> list[str]:
    return [
        "{{" + m.group(1) + "}}"
        for m in PLACEHOLDER.finditer(text or "")
        if m.group(1).strip() not in PLACEHOLDERS
    ]


def check_placeholders(fields: dict[str, str]) -> None:
    """ValidationError naming each field that holds a placeholder Kehu does not know."""
    errors = {}
    for name, text in fields.items():
        unknown = unknown_placeholders(text)
        if unknown:
            errors[name] = [
                _("Unknown placeholder %(found)s. Use one of: %(known)s.")
                % {
                    "found": ", ".join(dict.fromkeys(unknown)),
                    "known": ", ".join(code(k) for k in PLACEHOLDERS),
                }
            ]
    if errors:
        raise ValidationError(errors)


def uses(text: str, key: str) -> bool:
    """Whether `text` holds the placeholder `key` (however it is spaced)."""
    return any(m.group(1).strip() == key for m in PLACEHOLDER.finditer(text or ""))


def render(text: str, values: dict[str, str]) -> str:
    """`text` with each known placeholder replaced (one pass: values are not read again)."""

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        return values[key] if key in values else match.group(0)

    return PLACEHOLDER.sub(substitute, text or "")


def placeholder_help() -> list[tuple[str, str]]:
    return [(code(key), str(label)) for key, label in PLACEHOLDERS.items()]


# ---------------------------------------------------------------- templates


def usable_templates(user: User) -> QuerySet[EmailTemplate]:
    """The templates `user` may pick when writing: the active ones, for whoever reads
    customers."""
    if not visibility.can(user, "customers", "read"):
        return EmailTemplate.objects.none()
    return EmailTemplate.objects.filter(active=True)


def require_template_reader(user: User) -> None:
    if not visibility.can(user, "customers", "read"):
        raise PermissionDenied(_("You do not have permission to do this."))


def _clean_template(data: dict[str, Any], template: EmailTemplate | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    current = {
        "name": template.name if template else "",
        "subject": template.subject if template else "",
        "body": template.body if template else "",
        "active": template.active if template else True,
    }
    unknown = set(data) - set(current)
    for name in sorted(unknown):
        errors[name] = [_("Unknown field.")]
    values = {**current, **{k: v for k, v in data.items() if k in current}}
    name = " ".join(str(values["name"] or "").split())
    subject = str(values["subject"] or "").strip()
    body = str(values["body"] or "").replace("\r\n", "\n").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("At most %(n)s characters.") % {"n": NAME_MAX_LENGTH}]
    elif (
        EmailTemplate.objects.filter(name__iexact=name)
        .exclude(pk__in=[template.pk] if template else [])
        .exists()
    ):
        errors["name"] = [_("Another template already has this name.")]
    if not subject:
        errors["subject"] = [_("This field is required.")]
    elif "\n" in subject or "\r" in subject:
        errors["subject"] = [_("A subject is one line.")]
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = [_("At most %(n)s characters.") % {"n": SUBJECT_MAX_LENGTH}]
    if not body:
        errors["body"] = [_("This field is required.")]
    elif len(body) > TEMPLATE_BODY_MAX_LENGTH:
        errors["body"] = [_("At most %(n)s characters.") % {"n": f"{TEMPLATE_BODY_MAX_LENGTH:,}"}]
    try:
        check_placeholders(
            {k: v for k, v in (("subject", subject), ("body", body)) if k not in errors}
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return {"name": name, "subject": subject, "body": body, "active": bool(values["active"])}


def _snapshot(template: EmailTemplate) -> dict[str, Any]:
    return audit.snapshot(template, ["name", "subject", "body", "active"])


def save_template(
    actor: User,
    template: EmailTemplate | None,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> EmailTemplate:
    """Create (`template` None) or change an email template; administrators only. A change
    made against `expected_version` when someone saved the template since raises
    VersionConflict and changes nothing."""
    require_admin(actor)
    with transaction.atomic():
        created = template is None
        if template is None:
            template = EmailTemplate(created_by=actor)
            before = {}
        else:
            template = locked_current(EmailTemplate, template.pk, expected_version, data)
            before = _snapshot(template)
        cleaned = _clean_template(dict(data), None if created else template)
        for name, value in cleaned.items():
            setattr(template, name, value)
        delta = audit.diff(before, _snapshot(template))
        if created or delta:
            if not created:
                template.version += 1
            template.updated_at = timezone.now()
            template.save()
        if delta:
            verb = "create" if created else "update"
            audit.record(actor, template, verb, delta)
            events.emit(f"email_template.{verb}d", actor=actor, template=template, changes=delta)
    return template


def delete_template(actor: User, template: EmailTemplate) -> None:
    """Remove a template; the emails written from it keep their text."""
    require_admin(actor)
    with transaction.atomic():
        changes = {"name": [template.name, None]}
        audit.record(actor, template, "delete", changes)
        events.emit("email_template.deleted", actor=actor, template=template, changes=changes)
        template.delete()


# ---------------------------------------------------------------- signatures


def save_signature(user: User, text: str, expected_version: int | None = None) -> EmailSignature:
    """The user's own signature, added under every email they send ("-- " and the text).
    `expected_version` is the version the user's form showed (0: they had none yet); if
    their signature changed since, VersionConflict, and nothing is saved."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    text = str(text or "").replace("\r\n", "\n").strip()
    if len(text) > SIGNATURE_MAX_LENGTH:
        raise ValidationError(
            {"text": [_("At most %(n)s characters.") % {"n": f"{SIGNATURE_MAX_LENGTH:,}"}]}
        )
    if PLACEHOLDER.search(text):
        raise ValidationError({"text": [_("A signature cannot hold placeholders.")]})
    with transaction.atomic():
        signature = EmailSignature.objects.select_for_update().filter(user=user).first()
        created = signature is None
        if signature is None:
            if expected_version not in (None, 0):
                raise VersionConflict(EmailSignature(user=user, version=0), {"text": text})
            signature = EmailSignature.objects.create(user=user, text=text)
            before = ""
        else:
            check_version(signature, expected_version, {"text": text})
            before = signature.text
            if before != text:
                signature.text = text
                signature.version += 1
                signature.save(update_fields=["text", "version"])
        if before != text:
            changes = {"text": [before or None, text or None]}
            audit.record(user, signature, "create" if created else "update", changes)
            events.emit("email_signature.updated", actor=user, signature=signature, changes=changes)
    return signature
