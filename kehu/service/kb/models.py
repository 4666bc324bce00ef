"""The knowledge base (知识库): articles agents write once and reuse in replies, some of them
published for customers in the public help centre; which ones helped solve tickets; and what
visitors searched for without finding anything (the articles still to write)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core.models import Versioned

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 50_000
#: a search that found nothing is kept this long (characters), normalised
MISS_QUERY_MAX_LENGTH = 200
PUBLISHED = Q(status="published")


class Article(Versioned):
    """One article, in one language. Not an owned record: everyone who reads the service
    module reads the published ones; editors (service: edit) also see drafts and the archive."""

    module = "service"

    class Language(models.TextChoices):
        EN = "en", "English"
        ZH_HANS = "zh-hans", "简体中文"

    class Visibility(models.TextChoices):
        INTERNAL = "internal", pgettext_lazy("knowledge base", "Internal")
        PUBLIC = "public", pgettext_lazy("knowledge base", "Public")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("knowledge base", "Draft")
        PUBLISHED = "published", pgettext_lazy("knowledge base", "Published")
        ARCHIVED = "archived", pgettext_lazy("knowledge base", "Archived")

    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    body = models.TextField(_("body"), max_length=BODY_MAX_LENGTH, blank=True, default="")
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    category = models.ForeignKey(
        "service.TicketCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    status = models.CharField(
        _("status"), max_length=9, choices=Status.choices, default=Status.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(pgettext_lazy("moment", "created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    #: tickets solved after an agent used the article in them
    solved_count = models.PositiveIntegerField(_("tickets solved"), default=0)
    search_text = models.TextField(default="", editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="kb_article_updated_idx"),
            models.Index(
                fields=["visibility", "language", "-updated_at", "-id"],
                condition=PUBLISHED,
                name="kb_article_published_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("kb-article-detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        """Whether a visitor of the help centre may read it."""
        return self.status == self.Status.PUBLISHED and self.visibility == self.Visibility.PUBLIC

    def public_url(self) -> str:
        return reverse("help-centre-article", args=[self.pk])


class ArticleUse(models.Model):
    """An agent put the article into a ticket's reply. When the ticket is then solved, the
    article counts it (`Article.solved_count`, once per ticket)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="uses")
    ticket = models.ForeignKey("service.Ticket", on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(_("used"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the ticket's solving has been counted for the article
    credited = models.BooleanField(default=False)

    class Meta:
        ordering = ["-used_at", "-id"]
        verbose_name = _("article use")
        indexes = [
            models.Index(fields=["article", "-used_at"], name="kb_use_article_idx"),
            models.Index(fields=["ticket", "article"], name="kb_use_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} → #{self.ticket_id}"


class KbSearchMiss(models.Model):
    """A help-centre search that found nothing: one row per query and day, counted."""

    query = models.CharField(_("search"), max_length=MISS_QUERY_MAX_LENGTH)
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("times"), default=1)
    searched_at = models.DateTimeField(_("last searched"), default=timezone.now)

    class Meta:
        ordering = ["-day", "-count", "id"]
        verbose_name = _("search that found nothing")
        constraints = [
            models.UniqueConstraint(fields=["query", "day"], name="kb_miss_query_day_unique")
        ]
        indexes = [models.Index(fields=["-day", "-count"], name="kb_miss_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.query}"
