# mypy: disable-error-code="arg-type, attr-defined, index"
"""The activity form: one form, showing the fields of the kind being logged."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.activities.models import NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Activity
from kehu.activities.services import KIND_FIELDS
from kehu.core.access import users_in_scope
from kehu.core.visibility import SCOPE_ALL
from kehu.customers.forms import owner_choices

Kind = Activity.Kind
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
REMIND_CHOICES = [
    ("", _("No reminder")),
    ("0", _("At the time")),
    ("10", _("10 minutes before")),
    ("30", _("30 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
]
#: the form fields each kind shows, in order
FORM_FIELDS = {
    Kind.NOTE: ["body"],
    Kind.TASK: ["subject", "due_at", "priority", "owner", "repeat", "remind_minutes", "body"],
    Kind.CALL: ["subject", "at", "direction", "outcome", "duration_minutes", "body"],
    Kind.MEETING: [
        "subject",
        "at",
        "ends_at",
        "place",
        "attendee_users",
        "attendee_people",
        "remind_minutes",
        "body",
    ],
}


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class ActivityForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH, required=False)
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=DateTimeInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        widget=DateTimeInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        widget=DateTimeInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Activity.Priority.choices, initial="normal"
    )
    owner = forms.ChoiceField(label=_("Assigned to"))
    repeat = forms.ChoiceField(label=_("Repeats"), choices=Activity.Repeat.choices, required=False)
    remind_minutes = forms.ChoiceField(label=_("Reminder"), choices=REMIND_CHOICES, required=False)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Activity.Direction.choices, initial="out"
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *Activity.Outcome.choices], required=False
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, max_value=24 * 60, required=False
    )
    place = forms.CharField(label=_("Place"), max_length=SUBJECT_MAX_LENGTH, required=False)
    attendee_users = forms.MultipleChoiceField(
        label=_("Colleagues"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    attendee_people = forms.MultipleChoiceField(
        label=_("People"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    body = forms.CharField(
        label=_("Details"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
        help_text=_("Markdown: **bold**, *italic*, lists, links."),
    )

    def __init__(self, *args, kind: str, user, record, activity=None, **kwargs):
        kwargs.setdefault("auto_id", f"id_{kind}_%s")  # the panel shows one form per kind
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.kept_people: list[int] = []
        keep = set(FORM_FIELDS[kind]) | {"version"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.order_fields(FORM_FIELDS[kind])
        if kind == Kind.NOTE:
            self.fields["body"].label = _("Note")
            self.fields["body"].widget.attrs["placeholder"] = _("Write a note…")
        if "owner" in self.fields:
            current = activity.owner if activity is not None else None
            self.fields["owner"].choices = owner_choices(
                user, current_owner=current, module="activities"
            )
            self.fields["owner"].initial = str(user.pk)
        if "attendee_users" in self.fields:
            # any active colleague may be invited, whatever the record scope: an invitation
            # shares this meeting, not the colleague's records
            colleagues = users_in_scope(user, "activities", scope=SCOPE_ALL).exclude(pk=user.pk)
            self.fields["attendee_users"].choices = [(str(u.pk), str(u)) for u in colleagues]
        if "attendee_people" in self.fields:
            choices = _people_choices(user, record)
            self.fields["attendee_people"].choices = choices
            if activity is not None:
                # people invited that this user cannot see (or that the list leaves out) stay
                # invited, unnamed: an edit must not drop them
                known = {int(value) for value, _label in choices}
                self.kept_people = [
                    p.pk for p in activity.attendee_people.all() if p.pk not in known
                ]

    def service_data(self, only_changed: bool = False) -> dict:
        data = {}
        for name in FORM_FIELDS[self.kind]:
            if only_changed and name not in self.changed_data:
                continue
            value = self.cleaned_data.get(name)
            if name == "remind_minutes":
                value = int(value) if value not in (None, "") else None
            elif name == "attendee_users":
                value = [int(v) for v in value or []]
            elif name == "attendee_people":
                value = [int(v) for v in value or []] + self.kept_people
            elif name == "owner":
                value = int(value)
            elif name in ("repeat", "outcome"):
                value = value or ""
            elif name == "at" and value is None and only_changed:
                continue
            data[name] = value
        unknown = set(data) - {"subject", "body", "at", *KIND_FIELDS[self.kind]}
        return {k: v for k, v in data.items() if k not in unknown}


def _people_choices(user, record) -> list[tuple[str, str]]:
    """The people a meeting on `record` can invite: the person, or the company's people."""
    from kehu.customers.models import Company, Person

    visible = Person.objects.visible_to(user)

    if isinstance(record, Person):
        people = [record]
        if record.company_id:
            people += list(
                visible.filter(company_id=record.company_id)
                .exclude(pk=record.pk)
                .order_by("name_sort_key", "id")[:50]
            )
    else:
        company_id = record.pk if isinstance(record, Company) else record.company_id
        people = (
            list(visible.filter(company_id=company_id).order_by("name_sort_key", "id")[:50])
            if company_id
            else []
        )
    return [(str(p.pk), f"{p.name} <{p.email}>" if p.email else p.name) for p in people]


def initial_for(activity: Activity) -> dict:
    initial = {
        "version": activity.version,
        "owner": str(activity.owner_id),
        "remind_minutes": "" if activity.remind_minutes is None else str(activity.remind_minutes),
    }
    for name in ("subject", "body", "at", "due_at", "ends_at", "priority", "repeat"):
        initial[name] = getattr(activity, name)
    for name in ("direction", "outcome", "duration_minutes", "place"):
        initial[name] = getattr(activity, name)
    if activity.kind == Kind.MEETING:
        initial["attendee_users"] = [str(u.pk) for u in activity.attendee_users.all()]
        initial["attendee_people"] = [str(p.pk) for p in activity.attendee_people.all()]
    for name in ("at", "due_at", "ends_at"):
        if initial[name]:
            from django.utils import timezone

            initial[name] = timezone.localtime(initial[name]).strftime(DATETIME_FORMAT)
    return initial
