"""Customer surveys: CSAT after a solved ticket, NPS sent on a schedule to the people a
condition picks. `Survey` is what an administrator sets up (one CSAT row switches the ticket
survey on; each NPS row is a survey with its audience and rhythm); `SurveyResponse` is one
invitation sent to one person and, once they click a score, their answer.

A response is a service `Record`: its `owner` is the agent who solved the ticket (CSAT) or
the person's owner (NPS), its `team` the ticket's (or the owner's) team, so the people who see
the ticket's work see its score, and the metrics group by agent and team."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core import visibility
from kehu.core.models import BINNED, Record, Versioned

NAME_MAX_LENGTH = 100
COMMENT_MAX_LENGTH = 2000


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


class SurveyKind(models.TextChoices):
    CSAT = "csat", _("Customer satisfaction (CSAT)")
    NPS = "nps", _("Net Promoter Score (NPS)")


class Survey(Versioned):
    """A survey an administrator set up. CSAT: an active row sends the ticket survey when a
    ticket is solved. NPS: sent every `every_days` days to the people `condition` matches."""

    kind = models.CharField(_("kind"), max_length=4, choices=SurveyKind.choices)
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    #: a condition over people (kehu.core.conditions), as the people list filters them
    condition = models.JSONField(_("who is asked"), default=dict, blank=True)
    every_days = models.PositiveIntegerField(_("send every (days)"), default=90)
    active = models.BooleanField(_("active"), default=True)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.name


class SurveyResponse(Record):
    """One invitation to answer a survey, and the answer once given (`answered_at`). Its mail
    is queued with it and sent by a task (`mail_status`); a score is recorded once."""

    module = "service"

    class MailStatus(models.TextChoices):
        QUEUED = "queued", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("not delivered")

    owner = models.ForeignKey(  # type: ignore[assignment]  # nullable: an unassigned ticket
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agent"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("survey")
    )
    kind = models.CharField(_("kind"), max_length=4, choices=SurveyKind.choices)
    ticket = models.ForeignKey(
        "service.Ticket",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_responses",
        verbose_name=_("ticket"),
    )
    #: which solving of the ticket it asks about (its `reopened_count` then): one survey a
    #: solving, so a reopened ticket solved again is asked again
    solving = models.PositiveIntegerField(default=0)
    person = models.ForeignKey(
        "customers.Person",
        on_delete=models.CASCADE,
        related_name="survey_responses",
        verbose_name=_("person"),
    )
    #: in every link of the mail: a link made for another invitation never fits this one
    #: set when first saved (`save`); part of every link, so a link made for another
    #: response (or forged) is refused
    nonce = models.CharField(max_length=32, default="", editable=False)
    email = models.CharField(_("sent to"), max_length=254)
    mail_status = models.CharField(
        max_length=6, choices=MailStatus.choices, default=MailStatus.QUEUED
    )
    mail_error = models.CharField(max_length=500, blank=True, default="")
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True, default="")

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "solving"],
                condition=Q(ticket__isnull=False),
                name="survey_one_per_solving",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "kind", "-sent_at"], name="survey_person_idx"),
            models.Index(fields=["kind", "answered_at"], name="survey_answered_idx"),
            models.Index(fields=["owner", "kind", "-sent_at"], name="survey_owner_idx"),
            models.Index(fields=["team", "kind", "-sent_at"], name="survey_team_idx"),
            models.Index(fields=["deleted_at", "id"], condition=BINNED, name="survey_binned_idx"),
        ]

    def save(self, *args, **kwargs) -> None:
        if not self.nonce:
            self.nonce = new_nonce()
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_id}"

    @staticmethod
    def also_in_scope(user) -> Q:
        """As tickets: in team scope the team's responses too (an unassigned ticket's)."""
        if visibility.scope_of(user, "service") == visibility.SCOPE_TEAM and user.team_id:
            return Q(team_id=user.team_id)
        return Q(pk__in=[])

    def is_also_in_scope(self, user) -> bool:
        team_scope = visibility.scope_of(user, "service") == visibility.SCOPE_TEAM
        return team_scope and user.team_id is not None and self.team_id == user.team_id

    @property
    def scale(self) -> range:
        """The scores one may give: 1–5 (CSAT), 0–10 (NPS)."""
        return range(1, 6) if self.kind == SurveyKind.CSAT else range(0, 11)
