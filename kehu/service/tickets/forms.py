# mypy: disable-error-code="attr-defined, union-attr, misc, arg-type, return-value"
"""Forms for tickets and their thread; the ticket services validate and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import Team
from kehu.core.access import users_in_scope
from kehu.core.contact import normalize_email
from kehu.customers.fields.forms import CUSTOM_PREFIX, CustomFieldsForm
from kehu.customers.forms import split_tags
from kehu.customers.models import Person
from kehu.sales.deals.queries import id_or_none
from kehu.service.categories.services import choices as category_choices
from kehu.service.tickets.models import BODY_MAX_LENGTH, Ticket
from kehu.web.conflicts import show_service_errors

FIELDS = ["subject", "requester", "description", "category", "priority", "status", "owner",
          "team", "tags"]  # fmt: skip
RELATIONS = ("requester", "category", "owner", "team")


def assignee_choices(user, current=None) -> list[tuple[str, str]]:
    """Nobody, or the colleagues `user` may hand a ticket to (the services check again)."""
    choices = [("", _("Unassigned"))]
    choices += [(str(u.pk), str(u)) for u in users_in_scope(user, "service", "edit")[:200]]
    if current is not None and str(current.pk) not in dict(choices):
        choices.append((str(current.pk), str(current)))
    return choices


class TicketForm(CustomFieldsForm):
    custom_entity = "ticket"

    version = forms.IntegerField(widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    requester = forms.CharField(
        label=_("Requester"),
        max_length=254,
        help_text=_("The customer's email address."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=BODY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, lists, links."),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices)
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)
    owner = forms.ChoiceField(label=_("Assignee"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    tags = forms.CharField(label=_("Tags"), max_length=500, required=False)

    def __init__(self, *args, user, instance: Ticket | None = None, **kwargs):
        self.user, self.instance = user, instance
        initial = kwargs.setdefault("initial", {})
        if instance is not None:
            values = {name: getattr(instance, name) for name in ("subject", "description",
                                                               "priority", "status")}  # fmt: skip
            values.update(
                version=instance.version,
                requester=instance.requester.email or str(instance.requester_id),
                category=str(instance.category_id or ""),
                owner=str(instance.owner_id or ""),
                team=str(instance.team_id or ""),
                tags=", ".join(sorted(t.name for t in instance.tags.all())),
            )
            kwargs["initial"] = {**values, **initial}
        else:
            initial.setdefault("team", str(user.team_id or ""))
        super().__init__(*args, instance=instance, **kwargs)
        current = [(str(instance.category_id), str(instance.category))] if (
            instance and instance.category_id and instance.category
        ) else []  # fmt: skip
        offered = [(str(pk), name) for pk, name in category_choices()]
        self.fields["category"].choices = [("", "—"), *offered] + [
            c for c in current if c not in offered
        ]
        self.fields["owner"].choices = assignee_choices(user, instance.owner if instance else None)
        self.fields["team"].choices = [("", "—")] + [
            (str(t.pk), t.name) for t in Team.objects.all()
        ]
        if instance is None:
            del self.fields["version"]
            self.fields["status"].choices = [
                c for c in Ticket.Status.choices if c[0] not in ("solved", "closed")
            ]

    def clean_requester(self):
        """An id (a person page's "New ticket") or an email address of a person the user
        can see; the services check visibility again."""
        value = self.cleaned_data["requester"].strip()
        people = Person.objects.visible_to(self.user)
        if value.isascii() and value.isdigit():
            person = people.filter(pk=id_or_none(value)).first()
        else:
            try:
                email = normalize_email(value)
            except forms.ValidationError:
                email = ""
            person = people.filter(email__iexact=email).first() if email else None
        if person is None:
            raise forms.ValidationError(
                _("No person you can see has this email address: add them first.")
            )
        return person.pk

    def service_data(self, only_changed: bool = False) -> dict:
        names = set(self.changed_data) if only_changed else set(self.fields)
        data: dict = {}
        for name in names - {"version"}:
            if name not in self.cleaned_data or name.startswith(CUSTOM_PREFIX):
                continue
            value = self.cleaned_data[name]
            if name in RELATIONS:
                value = id_or_none(value)
            elif name == "tags":
                value = split_tags(value)
            data[name] = value
        custom = self.custom_service_data(names)
        if custom:
            data["custom"] = custom
        return data

    def add_service_errors(self, exc) -> None:
        show_service_errors(self, self.custom_errors_as_fields(exc))

    def display(self, name: str, value) -> str:
        if name.startswith(CUSTOM_PREFIX):
            return self.custom_display(name, value)
        if value in (None, ""):
            return "—"
        return str(dict(getattr(self.fields[name], "choices", []) or []).get(str(value), value))


class MessageForm(forms.Form):
    """A reply to the customer or an internal note, and the status to leave the ticket in."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    kind = forms.ChoiceField(
        choices=[("reply", _("Reply to the customer")), ("note", _("Internal note"))],
        initial="reply",
        widget=forms.RadioSelect,
    )
    status = forms.ChoiceField(label=_("Then set the status to"), required=False)

    def __init__(self, *args, ticket: Ticket, **kwargs):
        kwargs.setdefault("initial", {})["version"] = ticket.version
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Leave as it is"))] + [
            c for c in Ticket.Status.choices if c[0] not in ("new", "closed")
        ]
