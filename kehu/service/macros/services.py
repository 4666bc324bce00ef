"""The only writers of macros (administrators), and applying one to a ticket (anyone who
works the ticket): its reply with the placeholders filled in, and its changes, in one step."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.core import audit, text, visibility
from kehu.core.records import locked_current
from kehu.customers.forms import split_tags
from kehu.mail import templating
from kehu.service.macros.models import Macro
from kehu.service.tickets import services as tickets
from kehu.service.tickets.models import Ticket

FIELDS = ["name", "body", "set_status", "set_priority", "add_tags", "assign", "assignee",
          "position", "active"]  # fmt: skip
#: the placeholders a macro may use: the mail templates' (the requester is the person, the
#: agent the user) and the ticket's own
PLACEHOLDERS = {
    **templating.PLACEHOLDERS,
    "ticket.reference": gettext_lazy("the ticket's number, e.g. #1234"),
    "ticket.subject": gettext_lazy("the ticket's subject"),
}


def offered() -> QuerySet[Macro]:
    return Macro.objects.filter(active=True)


def context_for(ticket: Ticket, agent: User) -> dict[str, str]:
    return {
        **templating.context_for(ticket.requester, agent),
        "ticket.reference": ticket.reference,
        "ticket.subject": ticket.subject,
    }


def rendered(macro: Macro, ticket: Ticket, agent: User) -> str:
    """The macro's reply for this ticket, from this agent."""
    return templating.render(macro.body, context_for(ticket, agent))


def _clean(macro: Macro, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "name" in data:
        macro.name = " ".join(str(data["name"] or "").split())[:100]
        if not macro.name:
            errors["name"] = [_("This field is required.")]
        elif Macro.objects.filter(name__iexact=macro.name).exclude(pk=macro.pk).exists():
            errors["name"] = [_("A macro with this name already exists.")]
    if "body" in data:
        macro.body = str(data["body"] or "").strip()
        unknown = [p for p in templating.PLACEHOLDER.findall(macro.body)
                   if p.strip() not in PLACEHOLDERS]  # fmt: skip
        if unknown:
            errors["body"] = [
                _("Unknown placeholder %(found)s. Use one of: %(known)s.")
                % {"found": ", ".join("{{" + u + "}}" for u in unknown),
                   "known": ", ".join(templating.code(k) for k in PLACEHOLDERS)}
            ]  # fmt: skip
        elif len(macro.body) > 10_000 or text.has_unprintable_characters(macro.body):
            errors["body"] = [_("At most 10,000 characters, all of them printable.")]
    choices = {"set_status": Ticket.Status.values, "set_priority": Ticket.Priority.values,
               "assign": ["me", "user"]}  # fmt: skip
    for field, allowed in choices.items():
        if field in data:
            value = str(data[field] or "")
            if value and value not in allowed:
                errors[field] = [_("Choose one of the offered values.")]
            setattr(macro, field, value)
    if "add_tags" in data:
        value = data["add_tags"]
        macro.add_tags = split_tags(value) if isinstance(value, str) else list(value or [])
    if "assignee" in data:
        found = None
        if data["assignee"] not in (None, ""):
            found = User.objects.filter(pk=data["assignee"], is_active=True).first()
            if found is None or not visibility.can(found, "service", "edit"):
                errors["assignee"] = [_("Choose an active colleague who works tickets.")]
        macro.assignee = found
    if macro.assign == "user" and macro.assignee is None and "assignee" not in errors:
        errors["assignee"] = [_("Choose whom the macro assigns tickets to.")]
    if not macro.body and not (macro.set_status or macro.set_priority or macro.add_tags
                               or macro.assign):  # fmt: skip
        errors.setdefault("body", []).append(_("A macro replies, or changes something, or both."))
    for field in ("position", "active"):
        if field in data:
            setattr(macro, field, data[field] if field == "position" else bool(data[field]))
    if errors:
        raise ValidationError(errors)


def save_macro(
    actor: User, macro: Macro | None, data: dict[str, Any], expected_version: int | None = None
) -> Macro:
    require_admin(actor)
    with transaction.atomic():
        if macro is None:
            current, before = Macro(), {}
        else:
            current = locked_current(Macro, macro.pk, expected_version, data)
            before = audit.snapshot(current, FIELDS)
        _clean(current, data)
        after = audit.snapshot(current, FIELDS)
        if after != before:
            if current.pk:
                current.version += 1
            current.save()
            audit.record(
                actor, current, "update" if before else "create", audit.diff(before, after)
            )
    return current


def apply_macro(
    actor: User, ticket: Ticket, macro: Macro, expected_version: int | None = None
) -> Ticket:
    """Reply with the macro's text (if it has one) and make its changes, all or nothing;
    VersionConflict when the ticket changed since the agent read it."""
    if not macro.active:
        raise ValidationError(_("This macro is no longer in use."))
    with transaction.atomic():
        version = expected_version
        if macro.body:
            tickets.add_message(actor, ticket, rendered(macro, ticket, actor), public=True,
                                status=macro.set_status or None,
                                expected_version=version)  # fmt: skip
            version = None
        changes: dict[str, Any] = {}
        if macro.set_status and not macro.body:
            changes["status"] = macro.set_status
        if macro.set_priority:
            changes["priority"] = macro.set_priority
        if macro.add_tags:
            names = [t.name for t in ticket.tags.all()]
            changes["tags"] = names + [t for t in macro.add_tags if t not in names]
        if macro.assign == "me":
            changes["owner"] = actor
        elif macro.assign == "user":
            changes["owner"] = macro.assignee
        current = Ticket.objects.get(pk=ticket.pk)
        if changes:
            current = tickets.update_ticket(actor, current, changes, version)
    return current
