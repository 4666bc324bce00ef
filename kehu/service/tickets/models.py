"""Tickets: a customer's question or problem, worked by a support team until it is solved,
with its thread of public replies and internal notes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core import visibility
from kehu.core.models import BINNED, Record
from kehu.core.urls import record_url

ALIVE = Q(deleted_at__isnull=True)
#: statuses in which the team still owes the customer something
WORKING = ("new", "open", "on_hold")
#: statuses of a ticket that is not finished (the backlog)
UNSOLVED = ("new", "open", "pending", "on_hold")
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 50_000


class Ticket(Record):
    """One request from one customer. `owner` is the agent working it (None while nobody has
    taken it); `team` is the support team it belongs to, whose members see it while it waits."""

    module = "service"

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("ticket status", "New")
        OPEN = "open", pgettext_lazy("ticket status", "Open")
        PENDING = "pending", _("Pending customer")
        ON_HOLD = "on_hold", _("On hold")
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", pgettext_lazy("ticket status", "Closed")

    class Priority(models.TextChoices):
        LOW = "low", pgettext_lazy("priority", "Low")
        NORMAL = "normal", pgettext_lazy("priority", "Normal")
        HIGH = "high", pgettext_lazy("priority", "High")
        URGENT = "urgent", pgettext_lazy("priority", "Urgent")

    class Channel(models.TextChoices):
        EMAIL = "email", pgettext_lazy("channel", "Email")
        WEB = "web", _("Web form")
        PORTAL = "portal", _("Portal")
        PHONE = "phone", pgettext_lazy("channel", "Phone")
        API = "api", _("API")
        AGENT = "agent", _("Opened by an agent")

    owner = models.ForeignKey(  # type: ignore[assignment]  # nullable here: unassigned
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    description = models.TextField(
        _("description"), max_length=BODY_MAX_LENGTH, blank=True, default=""
    )
    requester = models.ForeignKey(
        "customers.Person",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("requester"),
    )
    company = models.ForeignKey(
        "customers.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("company"),
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.AGENT
    )
    category = models.ForeignKey(
        "service.TicketCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default="new")
    tags = models.ManyToManyField("customers.Tag", blank=True, related_name="+")
    deal = models.ForeignKey(
        "sales.Deal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("deal"),
    )
    order = models.ForeignKey(
        "sales.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("order"),
    )
    #: values of the tickets' custom fields by key (`customers.fields`)
    custom = models.JSONField(default=dict, blank=True)
    #: the first public reply from the team (the first-response clock stops)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("ticket", "closed"), null=True, blank=True)
    #: how many times a solved ticket came back (reopen rate)
    reopened_count = models.PositiveIntegerField(_("times reopened"), default=0)
    #: working hours (of the team's calendar) to the first public reply, and from opening to
    #: the last solving: what the service metrics take the median of
    first_response_hours = models.DecimalField(
        _("first response time (working hours)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    resolution_hours = models.DecimalField(
        _("resolution time (working hours)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    #: public replies from the team (one-touch resolution: solved after exactly one)
    agent_replies = models.PositiveIntegerField(default=0)
    last_message_at = models.DateTimeField(_("last message"), default=timezone.now)
    # the SLA clocks (service.sla.clock): the policy, the due times, the pause
    sla_policy = models.ForeignKey(
        "service.SlaPolicy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("SLA policy"),
    )
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    #: the earliest target still running (queues sort and warn by it); None when none runs
    sla_due_at = models.DateTimeField(_("due"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    #: working seconds the resolution clock stood still while the customer was asked
    sla_paused_seconds = models.BigIntegerField(default=0)
    #: the due time the last warning was about (a new due time is warned about again)
    sla_warned_for = models.DateTimeField(null=True, blank=True)
    #: when the clock sweep next has something to do: warn, or record a breach
    sla_check_at = models.DateTimeField(null=True, blank=True)
    first_response_breached = models.BooleanField(_("first response late"), default=False)
    resolution_breached = models.BooleanField(_("resolution late"), default=False)
    #: the Message-ID of the mail that opened it: replies to it thread into the ticket
    first_message_id = models.CharField(max_length=255, blank=True, default="")
    search_text = models.TextField(default="", editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # queues: an agent's tickets, a team's tickets (unassigned first), all by status
            models.Index(
                fields=["owner", "status", "-updated_at", "-id"],
                condition=ALIVE,
                name="ticket_owner_status_idx",
            ),
            models.Index(
                fields=["team", "status", "-updated_at", "-id"],
                condition=ALIVE,
                name="ticket_team_status_idx",
            ),
            models.Index(
                fields=["status", "-updated_at", "-id"],
                condition=ALIVE,
                name="ticket_status_idx",
            ),
            models.Index(fields=["-updated_at", "-id"], condition=ALIVE, name="ticket_updated_idx"),
            models.Index(
                fields=["requester", "-updated_at", "-id"],
                condition=ALIVE,
                name="ticket_requester_idx",
            ),
            models.Index(
                fields=["company", "-updated_at", "-id"],
                condition=ALIVE,
                name="ticket_company_idx",
            ),
            models.Index(fields=["deleted_at", "id"], condition=BINNED, name="ticket_binned_idx"),
            # breaching soon
            models.Index(
                fields=["sla_due_at", "id"],
                condition=ALIVE & Q(sla_due_at__isnull=False),
                name="ticket_sla_due_idx",
            ),
            # the clock sweep: what needs a warning or a breach recorded now
            models.Index(
                fields=["sla_check_at"],
                condition=Q(sla_check_at__isnull=False),
                name="ticket_sla_check_idx",
            ),
            models.Index(
                fields=["first_message_id"],
                condition=~Q(first_message_id=""),
                name="ticket_first_mid_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    def get_absolute_url(self) -> str:
        return record_url("ticket-detail", self.pk)

    @staticmethod
    def also_in_scope(user) -> Q:
        """Tickets in `user`'s record scope besides the ones they work (core.visibility): the
        ones they opened, and in team scope their team's, taken by someone or not."""
        extra = Q(created_by_id=user.pk)
        if visibility.scope_of(user, "service") == visibility.SCOPE_TEAM and user.team_id:
            extra |= Q(team_id=user.team_id)
        return extra

    def is_also_in_scope(self, user) -> bool:
        """`also_in_scope` for this one ticket."""
        if self.created_by_id == user.pk:
            return True
        team_scope = visibility.scope_of(user, "service") == visibility.SCOPE_TEAM
        return team_scope and user.team_id is not None and self.team_id == user.team_id

    @property
    def reference(self) -> str:
        """How mail and people name the ticket: "#1234"."""
        return f"#{self.pk}"

    @property
    def is_unsolved(self) -> bool:
        return self.status in UNSOLVED


class TicketMessage(models.Model):
    """One entry in a ticket's thread: a public reply (from the team or the customer) or an
    internal note, which the customer never sees."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("reply")
        NOTE = "note", _("internal note")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    #: the colleague who wrote it; None when the customer wrote it
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the customer who wrote it (a reply by mail or through the portal)
    person = models.ForeignKey(
        "customers.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"), max_length=BODY_MAX_LENGTH)
    #: `body` rendered (Markdown, sanitised) when saved: a thread of 200 replies is shown
    #: without rendering 200 Markdown texts on each view
    body_html = models.TextField(default="", editable=False)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Ticket.Channel.choices, default=Ticket.Channel.AGENT
    )
    created_at = models.DateTimeField(pgettext_lazy("moment", "created"), default=timezone.now)
    #: the colleagues it mentions (@username), who were notified
    mentions = models.JSONField(default=list, blank=True)
    #: mail threading: this message's Message-ID, when it came or went by mail
    message_id = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket message")
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="ticket_message_thread_idx"),
            models.Index(
                fields=["message_id"], condition=~Q(message_id=""), name="ticket_message_mid_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        from kehu.activities.rendering import render_markdown

        self.body_html = render_markdown(self.body)
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html"}
        super().save(*args, **kwargs)

    @property
    def from_customer(self) -> bool:
        return self.author_id is None

    @property
    def rendered(self) -> SafeString:
        """The body as HTML: sanitised by `render_markdown` when it was saved."""
        from kehu.activities.rendering import render_markdown

        return mark_safe(self.body_html) if self.body_html else render_markdown(self.body)  # noqa: S308
