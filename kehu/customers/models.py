"""People and companies: one record each, with tags, owner and admin-defined custom fields."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kehu.core.models import BINNED, Record, Versioned
from kehu.core.sort_keys import SortKeyField
from kehu.core.urls import record_url

ALIVE = Q(deleted_at__isnull=True)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")

    def __str__(self) -> str:
        return self.name


class CustomField(Versioned):
    """An admin-defined field for people, companies, leads, deals or quotes; values live in the
    record's `custom`. The sales record types are registered by sales (`fields.registry`)."""

    class Entity(models.TextChoices):
        PERSON = "person", _("People")
        COMPANY = "company", _("Companies")
        LEAD = "lead", _("Leads")
        DEAL = "deal", _("Deals")
        QUOTE = "quote", _("Quotes")
        TICKET = "ticket", _("Tickets")

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Whole number")
        DECIMAL = "decimal", _("Decimal")
        DATE = "date", _("Date")
        BOOLEAN = "boolean", _("Yes/no")
        CHOICE = "choice", _("Choice")
        MULTI_CHOICE = "multi_choice", _("Multiple choice")
        URL = "url", _("URL")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")

    entity = models.CharField(_("for"), max_length=10, choices=Entity.choices)
    key = models.SlugField(
        _("key"), max_length=40, help_text=_("Lower-case letters, digits and underscores.")
    )
    label = models.CharField(_("label"), max_length=100)
    label_zh = models.CharField(_("label (简体中文)"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["entity", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="custom_field_unique_key")
        ]
        verbose_name = _("custom field")

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        if self.label_zh and (get_language() or "").startswith("zh"):
            return self.label_zh
        return self.label


class Company(Record):
    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), max_length=300, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    industry = models.CharField(_("industry"), max_length=100, blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    notes = models.TextField(_("description"), blank=True, default="")
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="companies", through="CompanyTag", verbose_name=_("tags")
    )
    custom = models.JSONField(default=dict, blank=True)
    search_text = models.TextField(default="", editable=False)
    #: what "sort by name" reads: the name's pinyin (kehu.core.sort_keys), set by the services
    name_sort_key = SortKeyField()
    sorted_by_key = {"name": "name_sort_key"}

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            # finds a company by its exact name (imports, lead conversion)
            models.Index(fields=["name", "id"], condition=ALIVE, name="company_name_idx"),
            models.Index(
                fields=["name_sort_key", "id"], condition=ALIVE, name="company_sort_key_idx"
            ),
            models.Index(fields=["created_at", "id"], condition=ALIVE, name="company_created_idx"),
            models.Index(fields=["updated_at", "id"], condition=ALIVE, name="company_updated_idx"),
            models.Index(
                fields=["owner", "name_sort_key", "id"],
                condition=ALIVE,
                name="company_owner_sort_key_idx",
            ),
            models.Index(fields=["deleted_at", "id"], condition=BINNED, name="company_binned_idx"),
            models.Index(
                fields=["owner", "created_at", "id"],
                condition=ALIVE,
                name="company_owner_created_idx",
            ),
            models.Index(
                fields=["owner", "updated_at", "id"],
                condition=ALIVE,
                name="company_owner_updated_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("company-detail", self.pk)


class Person(Record):
    # a person's name is 姓名, a company's 名称: the same English word, two Chinese ones
    name = models.CharField(pgettext_lazy("person", "name"), max_length=150)
    email = models.EmailField(_("email"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    title = models.CharField(_("job title"), max_length=100, blank=True, default="")
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        verbose_name=_("company"),
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    notes = models.TextField(_("background"), blank=True, default="")
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="people", through="PersonTag", verbose_name=_("tags")
    )
    custom = models.JSONField(default=dict, blank=True)
    search_text = models.TextField(default="", editable=False)
    #: what "sort by name" reads: the name's pinyin, surname first (kehu.core.sort_keys)
    name_sort_key = SortKeyField()
    sorted_by_key = {"name": "name_sort_key"}

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(
                fields=["name_sort_key", "id"], condition=ALIVE, name="person_sort_key_idx"
            ),
            models.Index(fields=["created_at", "id"], condition=ALIVE, name="person_created_idx"),
            models.Index(fields=["updated_at", "id"], condition=ALIVE, name="person_updated_idx"),
            models.Index(
                fields=["owner", "name_sort_key", "id"],
                condition=ALIVE,
                name="person_owner_sort_key_idx",
            ),
            models.Index(fields=["deleted_at", "id"], condition=BINNED, name="person_binned_idx"),
            models.Index(
                fields=["owner", "created_at", "id"],
                condition=ALIVE,
                name="person_owner_created_idx",
            ),
            models.Index(
                fields=["owner", "updated_at", "id"],
                condition=ALIVE,
                name="person_owner_updated_idx",
            ),
            models.Index(
                fields=["company", "name_sort_key", "id"],
                condition=ALIVE,
                name="person_company_sort_key_idx",
            ),
            models.Index(fields=["email"], condition=ALIVE, name="person_email_idx"),
            # the API's duplicate check compares addresses in any letter case
            models.Index(Lower("email"), condition=ALIVE, name="person_email_lower_idx"),
            models.Index(fields=["phone"], condition=ALIVE, name="person_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("person-detail", self.pk)


class TagLink(models.Model):
    """A record's tag, with a copy of the record's owner.

    With the owner beside the tag, a tag counted within one owner's (or team's) records reads
    only their links from the `(tag, owner, record)` index instead of probing every record the
    owner has (20 ms at a million people). The services and the importer keep the copy equal
    to the record's owner; it is NOT NULL so that a writer forgetting it fails loudly.
    """

    # no single-column indexes: `(tag, owner, record)` and the unique `(record, tag)` serve
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, db_index=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # a copy of the record's owner, whose own key is checked
        db_index=False,  # the (tag, owner, record) index serves every lookup by owner
        related_name="+",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.tag_id)


class PersonTag(TagLink):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, db_index=False)

    class Meta:
        db_table = "customers_person_tags"
        unique_together = [("person", "tag")]
        indexes = [
            models.Index(fields=["tag", "owner", "person"], name="person_tags_tag_owner_idx")
        ]


class CompanyTag(TagLink):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)

    class Meta:
        db_table = "customers_company_tags"
        unique_together = [("company", "tag")]
        indexes = [
            models.Index(fields=["tag", "owner", "company"], name="company_tags_tag_owner_idx")
        ]


from kehu.customers.duplicates.models import DuplicatePair, DuplicateScan, Merge  # noqa: E402,F401
from kehu.customers.imports.models import ImportJob  # noqa: E402,F401
