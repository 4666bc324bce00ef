"""Meeting invitations as recorded deliveries: one row per invitation (or cancellation) to
one recipient for one version of a meeting, written in the transaction that changes the
meeting and marked sent once the mail server took it, so a worker that dies mid-batch loses
nobody's invitation and sends nobody a second one. The attendee's answer (an iTIP REPLY read
from received mail) is kept on the invitation it answers."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from kehu.accounts.models import User
    from kehu.customers.models import Person

__all__ = ["InvitationDelivery"]


class InvitationDelivery(models.Model):
    class Method(models.TextChoices):
        REQUEST = "REQUEST", _("invitation")
        CANCEL = "CANCEL", _("cancellation")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        #: not sent, and never will be: a later version replaced it, or the recipient left
        SKIPPED = "skipped", _("not needed any more")

    class Response(models.TextChoices):
        NONE = "", _("no answer yet")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        TENTATIVE = "tentative", _("tentative")

    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.CASCADE, related_name="invitation_deliveries"
    )
    #: the recipient: a colleague or a person (empty once that record is gone for good)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        "customers.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the address it goes to, lower-cased; replies are matched against it
    address = models.CharField(max_length=254)
    method = models.CharField(max_length=7, choices=Method.choices)
    #: the meeting's version (its iTIP SEQUENCE) when the change that called for it was made
    sequence = models.PositiveIntegerField()
    #: who made that change (a person's invitation is written in their language and zone)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, default="")
    #: not before this time (retries after a failure back off)
    next_try_at = models.DateTimeField(default=timezone.now)
    #: set while a worker sends it; a claim older than the reminders' CLAIM_TIMEOUT is stale
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(
        _("answer"), max_length=9, choices=Response.choices, blank=True, default=""
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    #: the received email that carried the answer
    reply = models.ForeignKey(
        "mail.EmailMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "address", "sequence", "method"],
                name="invitation_delivery_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_try_at", "id"],
                condition=models.Q(status="pending"),
                name="invitation_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.method}#{self.sequence} → {self.address}"

    @property
    def recipient(self) -> "User | Person | None":
        return self.user or self.person
