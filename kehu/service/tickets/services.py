"""The only writers of tickets and their threads (categories: `service.categories.services`).

A ticket's status follows its thread: the team's first public reply stops the first-response
clock and opens a new ticket; a customer's reply brings a ticket waiting for them, or one
solved, back to the team (a solved one counts as reopened). Solving and closing are stamped;
a closed ticket is final: nothing changes it, and the customer's next mail opens a new one.
"""

import datetime
import decimal
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import Team, User
from kehu.core import events, records, search, text, visibility
from kehu.customers.fields.values import clean_custom
from kehu.customers.models import Person
from kehu.customers.services import resolve_tags
from kehu.service.categories.models import TicketCategory
from kehu.service.sla import clock
from kehu.service.tickets.models import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH, Ticket, TicketMessage

TICKET_FIELDS = ["subject", "description", "requester", "company", "channel", "category",
                 "priority", "status", "owner", "team", "deal", "order", "custom"]  # fmt: skip
MENTION = re.compile(r"(?<![\w.@])@([\w.+-]{1,150})")


def _pick(value: Any, model: Any, **alive: Any) -> Any:
    """The row of `model` that `value` (an instance or an id) names among `alive`, or None."""
    if isinstance(value, model):
        value = value.pk
    try:
        pk = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 < pk < 2**63:
        return None
    return next(iter(model.objects.filter(pk=pk, **alive).order_by()[:1]), None)


def resolve_assignee(actor: User, value: Any) -> User | None:
    """The colleague `value` names, if they may work tickets and `actor` may hand one to them
    (own scope: only themselves; team scope: their team); None leaves the ticket unassigned."""
    if value in (None, ""):
        return None
    user = actor if value in (actor, actor.pk) else _pick(value, User, is_active=True)
    if user is None or not visibility.can(user, "service", "edit"):
        raise ValidationError({"owner": [_("Choose an active colleague who works tickets.")]})
    scope = visibility.scope_of(actor, "service")
    if user.pk != actor.pk and scope == visibility.SCOPE_OWN:
        raise ValidationError({"owner": [_("You can only assign tickets to yourself.")]})
    if user.pk != actor.pk and scope == visibility.SCOPE_TEAM and user.team_id != actor.team_id:
        raise ValidationError({"owner": [_("Choose a member of your team.")]})
    return user


def resolve_requester(actor: User, value: Any) -> Person:
    """The person `value` names, if `actor` may see them (customers: read)."""
    person = None
    if value not in (None, ""):
        pk = value.pk if isinstance(value, Person) else value
        try:
            person = Person.objects.visible_to(actor).filter(pk=int(pk)).order_by().first()
        except (TypeError, ValueError, OverflowError):
            person = None
    if person is None:
        raise ValidationError({"requester": [_("Choose a person you can see.")]})
    return person


def _resolve_category(value: Any) -> TicketCategory | None:
    if value in (None, ""):
        return None
    category: TicketCategory | None = _pick(value, TicketCategory, active=True)
    if category is None:
        raise ValidationError({"category": [_("Choose an active category.")]})
    return category


def _resolve_team(value: Any) -> Team | None:
    if value in (None, ""):
        return None
    team: Team | None = _pick(value, Team)
    if team is None:
        raise ValidationError({"team": [_("Choose a team.")]})
    return team


def _resolve_visible(actor: User, value: Any, model: Any, module: str, field: str) -> Any:
    """A deal or order `actor` may see, to link the ticket to; None unlinks."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, model) else value
    found = None
    if visibility.can(actor, module, "read"):
        try:
            found = model.objects.visible_to(actor).filter(pk=int(pk)).order_by().first()
        except (TypeError, ValueError, OverflowError):
            found = None
    if found is None:
        raise ValidationError({field: [_("Choose one you can see.")]})
    return found


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: [_("Choose one of the offered values.")]})
    return str(value)


def _prepare(actor: User, ticket: Ticket, changes: dict[str, Any]) -> None:
    from kehu.sales.models import Deal, Order

    errors: dict[str, list[str]] = {}
    changes.pop("company", None)  # it follows the requester

    def check(name: str, clean: Any) -> None:
        if name in changes:
            try:
                changes[name] = clean(changes[name])
            except ValidationError as exc:
                errors.update(exc.message_dict)

    if ticket.pk and ticket.status == Ticket.Status.CLOSED:
        raise ValidationError(
            _("This ticket is closed. A new message from the customer opens a new one.")
        )
    if "subject" in changes:
        changes["subject"] = " ".join((changes["subject"] or "").split())
        if not changes["subject"]:
            errors["subject"] = [_("This field is required.")]
    check("description", lambda v: (v or "").strip())
    check("requester", lambda v: resolve_requester(actor, v))
    check("owner", lambda v: resolve_assignee(actor, v))
    check("team", _resolve_team)
    check("category", _resolve_category)
    check("priority", lambda v: _choice(v, Ticket.Priority, "priority"))
    check("status", lambda v: _choice(v, Ticket.Status, "status"))
    check("channel", lambda v: _choice(v, Ticket.Channel, "channel"))
    check("deal", lambda v: _resolve_visible(actor, v, Deal, "sales", "deal"))
    check("order", lambda v: _resolve_visible(actor, v, Order, "sales", "order"))
    check("custom", lambda v: clean_custom("ticket", v or {}, ticket.custom))
    if errors:
        raise ValidationError(errors)
    if "requester" in changes:
        # the company follows the requester, as the customers app keeps it
        person = changes["requester"]
        changes["company"] = person.company if person.company_id else None
    before = ticket.status if ticket.pk else None
    for name, value in changes.items():
        if name in TICKET_FIELDS:
            setattr(ticket, name, value)
    if ticket.owner_id and ticket.team_id is None and ticket.owner is not None:
        ticket.team_id = ticket.owner.team_id  # a ticket someone takes is their team's
    stamp_status(ticket, before)
    repick = any(name in changes for name in ("priority", "requester", "team"))
    clock.settle(ticket, before, timezone.now(), repick=repick or before is None)
    ticket.search_text = ticket_document(ticket)


def stamp_status(ticket: Ticket, before: str | None) -> None:
    """Solved and closed times follow the status; a solved ticket coming back is a reopen."""
    now = timezone.now()
    status = ticket.status
    if status == before:
        return
    if status == Ticket.Status.SOLVED:
        ticket.solved_at = now
        ticket.resolution_hours = working_hours(ticket, now)
    elif status == Ticket.Status.CLOSED:
        ticket.closed_at = now
        if ticket.solved_at is None:
            ticket.solved_at = now
            ticket.resolution_hours = working_hours(ticket, now)
    else:
        if before == Ticket.Status.SOLVED:
            ticket.reopened_count += 1
        ticket.solved_at = None


def working_hours(ticket: Ticket, until: datetime.datetime) -> decimal.Decimal:
    """Working hours of the ticket's team from its opening to `until` (service metrics)."""
    seconds = clock.calendar_for(ticket.team_id).business_seconds_between(ticket.created_at, until)
    return (decimal.Decimal(seconds) / 3600).quantize(decimal.Decimal("0.01"))


def ticket_document(ticket: Ticket) -> str:
    """What a search finds a ticket by: its reference, subject, requester and company."""
    requester = ticket.requester if ticket.requester_id else None
    company = ticket.company if ticket.company_id else None
    return search.build_document(
        [str(ticket.pk)] if ticket.pk else [],
        search.plain_tokens(ticket.subject),
        search.name_tokens(requester.name, is_person_name=True) if requester else [],
        search.plain_tokens(requester.email) if requester and requester.email else [],
        search.name_tokens(company.name, every_initial=False) if company else [],
    )


def _save_tags(actor: User, ticket: Ticket, changes: dict[str, Any], created: bool) -> None:
    if "tags" in changes:
        tags = list({tag.pk: tag for tag in resolve_tags(changes["tags"])}.values())
        ticket.tags.set(tags)
        records.cache_related(ticket, "tags", sorted(tags, key=lambda tag: tag.name))
    if created:
        # the reference is the id, known only now: search finds the ticket by it
        ticket.search_text = ticket_document(ticket)
        Ticket.objects.filter(pk=ticket.pk).update(search_text=ticket.search_text)


def _tag_names(ticket: Ticket) -> str:
    return ", ".join(sorted(t.name for t in ticket.tags.all()))


TICKET = records.RecordSpec(
    model=Ticket,
    event_prefix="ticket",
    audited_fields=TICKET_FIELDS,
    prepare=_prepare,
    after_save=_save_tags,
    m2m_snapshot={"tags": _tag_names},
    resolved_relations=("owner", "team", "requester", "company", "category", "deal", "order"),
)


def create_ticket(actor: User, data: dict[str, Any]) -> Ticket:
    """A new ticket, unassigned unless `owner` names someone; its description is the first
    message of the thread, from the customer."""
    data = {"owner": None, "channel": Ticket.Channel.AGENT, **data}
    data.setdefault("subject", "")
    return records.create(TICKET, actor, data)


def open_customer_ticket(
    requester: Person,
    subject: str,
    body: str,
    channel: str,
    *,
    team: Team | None = None,
    message_id: str = "",
) -> Ticket:
    """A ticket the customer opened themselves (by mail, the web form, the portal): no
    colleague acts, so no permission check; the caller (mail intake, a public form with its
    own limits) has decided the message is worth a ticket. Unassigned, in `team`'s queue."""
    subject = " ".join((subject or "").split())[:SUBJECT_MAX_LENGTH] or _("(no subject)")
    with transaction.atomic():
        ticket = Ticket(
            subject=subject,
            description=(body or "").strip()[:BODY_MAX_LENGTH],
            requester=requester,
            company=requester.company if requester.company_id else None,
            channel=_choice(channel, Ticket.Channel, "channel"),
            team=team,
            owner=None,
            created_by=None,
            first_message_id=message_id[:255],
        )
        clock.settle(ticket, None, ticket.created_at, repick=True)
        ticket.full_clean(exclude=["search_text", "owner", "created_by", "deleted_by",
                                   "requester", "company", "team", "category"])  # fmt: skip
        ticket.save()
        ticket.search_text = ticket_document(ticket)
        Ticket.objects.filter(pk=ticket.pk).update(search_text=ticket.search_text)
        from kehu.core import audit

        audit.record(None, ticket, "create", {"channel": [None, ticket.channel]})
        events.emit("ticket.created", actor=None, record=ticket)
    return ticket


def update_ticket(
    actor: User, ticket: Ticket, changes: dict[str, Any], expected_version: int | None = None
) -> Ticket:
    return records.update(TICKET, actor, ticket, changes, expected_version)


def delete_ticket(actor: User, ticket: Ticket) -> Ticket:
    return records.soft_delete(TICKET, actor, ticket)


def restore_ticket(actor: User, ticket: Ticket, expected_version: int | None = None) -> Ticket:
    return records.restore(TICKET, actor, ticket, expected_version=expected_version)


def clean_body(value: Any) -> str:
    body = (value or "").strip() if isinstance(value, str) else ""
    if not body:
        raise ValidationError({"body": [_("Write a message.")]})
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            {"body": [_("At most %(n)s characters.") % {"n": f"{BODY_MAX_LENGTH:,}"}]}
        )
    if text.has_unprintable_characters(body):
        raise ValidationError({"body": [_("The message holds characters that cannot be shown.")]})
    return body


def mentioned_colleagues(ticket: Ticket, body: str) -> list[User]:
    """The active colleagues an internal note names as @username who may read the ticket."""
    names = {name.rstrip(".").lower() for name in MENTION.findall(body)}
    if not names:
        return []
    found = User.objects.filter(username__in=names, is_active=True).order_by("username")[:20]
    return [user for user in found if visibility.can(user, "service", "read") and
            visibility.in_scope(user, ticket)]  # fmt: skip


def add_message(
    actor: User,
    ticket: Ticket,
    body: Any,
    *,
    public: bool,
    status: str | None = None,
    expected_version: int | None = None,
) -> TicketMessage:
    """A colleague's reply to the customer (`public`) or an internal note, and maybe a new
    status in the same step ("reply and set pending"). A first public reply stops the
    first-response clock and opens a new ticket. Notes notify the colleagues they @mention."""
    visibility.require_record(actor, ticket, "edit")
    body = clean_body(body)
    with transaction.atomic():
        current = records.locked_current(Ticket, ticket.pk, expected_version)
        if current.status == Ticket.Status.CLOSED:
            raise ValidationError(
                _("This ticket is closed. A new message from the customer opens a new one.")
            )
        now = timezone.now()
        kind = TicketMessage.Kind.REPLY if public else TicketMessage.Kind.NOTE
        mentions = [] if public else mentioned_colleagues(current, body)
        message = TicketMessage.objects.create(
            ticket=current,
            kind=kind,
            author=actor,
            body=body,
            channel=Ticket.Channel.AGENT,
            created_at=now,
            mentions=[user.username for user in mentions],
        )
        changes: dict[str, Any] = {}
        if public:
            if current.first_response_at is None:
                current.first_response_at = now
                current.first_response_hours = working_hours(current, now)
            current.agent_replies = F("agent_replies") + 1
            if status is None and current.status == Ticket.Status.NEW:
                status = Ticket.Status.OPEN
        if current.owner_id is None and public:
            changes["owner"] = actor  # who answers takes the ticket
        if status not in (None, "", current.status):
            changes["status"] = status
        current.last_message_at = now
        clock.refresh(current)  # a first response stops its clock
        current.save(update_fields=["first_response_at", "first_response_hours", "agent_replies",
                                    "last_message_at",
                                    "sla_due_at", "sla_check_at"])  # fmt: skip
        current.refresh_from_db(fields=["agent_replies"])
        if changes:
            current = records.update(TICKET, actor, current, changes)
        else:
            records.record_change(TICKET, actor, current, {})
        events.emit(
            "ticket.replied" if public else "ticket.noted",
            actor=actor,
            record=current,
            changes={"message": message.pk},
        )
        if mentions:
            _notify_mentions(actor, current, mentions)
    return message


def add_customer_reply(
    ticket: Ticket, person: Person | None, body: Any, channel: str, message_id: str = ""
) -> TicketMessage:
    """The customer wrote (by mail or through the portal): the ticket comes back to the team
    (a solved one counts as reopened). No colleague acts, so no permission check: the caller
    (mail intake, the portal's signed link) has proved who wrote."""
    body = clean_body(body)
    with transaction.atomic():
        current = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if current.status == Ticket.Status.CLOSED:
            raise ValidationError(
                _("This ticket is closed. A new message from the customer opens a new one.")
            )
        now = timezone.now()
        message = TicketMessage.objects.create(
            ticket=current,
            kind=TicketMessage.Kind.REPLY,
            person=person,
            body=body,
            channel=channel,
            created_at=now,
            message_id=message_id[:255],
        )
        before = current.status
        if before in (Ticket.Status.PENDING, Ticket.Status.SOLVED):
            current.status = Ticket.Status.OPEN
            stamp_status(current, before)
            clock.settle(current, before, now)
        current.last_message_at = now
        current.version += 1
        current.updated_at = now
        current.save()
        changes = {"status": [before, current.status]} if before != current.status else {}
        from kehu.core import audit

        audit.record(None, current, "update", {**changes, "_customer_reply": message.pk})
        events.emit("ticket.customer_replied", actor=None, record=current, changes=changes)
    return message


def _notify_mentions(actor: User, ticket: Ticket, users: list[User]) -> None:
    from kehu.activities.notifications.services import notify

    for user in users:
        if user.pk != actor.pk:
            notify(
                user,
                "ticket_mention",
                _("%(who)s mentioned you on ticket %(ref)s: %(subject)s")
                % {"who": actor, "ref": ticket.reference, "subject": ticket.subject},
                ticket.get_absolute_url(),
            )


def add_automatic_message(
    ticket: Ticket, person: Person | None, body: Any, channel: str, message_id: str = ""
) -> TicketMessage:
    """Mail a machine sent about the ticket (an out-of-office answer, a bounce): kept in the
    thread as an internal note and nothing else changes, so it never brings the ticket back
    to the team nor counts as the customer's reply. Nothing is added to a closed ticket."""
    body = clean_body(body)
    with transaction.atomic():
        current = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if current.status == Ticket.Status.CLOSED:
            raise ValidationError(
                _("This ticket is closed. A new message from the customer opens a new one.")
            )
        message = TicketMessage.objects.create(
            ticket=current,
            kind=TicketMessage.Kind.NOTE,
            person=person,
            body=body,
            channel=channel,
            message_id=message_id[:255],
        )
        events.emit("ticket.noted", actor=None, record=current, changes={"message": message.pk})
    return message
