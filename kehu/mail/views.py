# mypy: disable-error-code="dict-item, union-attr"
"""Pages for sending email: writing to a person, the templates (Settings → Email templates),
the user's signature, sending a failed email again, and downloading an attachment."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.accounts.services import require_admin
from kehu.activities.models import NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Activity
from kehu.core import audit
from kehu.core.access import get_visible_or_404
from kehu.core.records import VersionConflict
from kehu.customers.models import Person
from kehu.mail import sending as mail_send
from kehu.mail import templating as mail_templates
from kehu.mail.models import EmailAttachment, EmailMessage, EmailTemplate
from kehu.web.conflicts import stale_settings_form
from kehu.web.pages import setting_or_404, settings_delete, settings_page


def _show_errors(form, exc: ValidationError, aliases=None) -> None:
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.message_dict.items():
        name = aliases.get(field, field)
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


# ---------------------------------------------------------------- writing an email


class ComposeForm(forms.Form):
    cc = forms.CharField(label=gettext_lazy("Cc"), required=False, max_length=2000,
                         help_text=gettext_lazy("Addresses separated by commas."))  # fmt: skip
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=SUBJECT_MAX_LENGTH,
                              strip=False)  # fmt: skip
    body = forms.CharField(label=gettext_lazy("Message"), max_length=NOTE_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 12}))  # fmt: skip
    private = forms.BooleanField(
        label=gettext_lazy("Private"),
        required=False,
        help_text=gettext_lazy("Only you see it on the timeline, until you share it."),
    )
    in_reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _reply_defaults(user, raw) -> tuple[EmailMessage | None, dict]:
    """The email being answered (if the user may see it) and the reply's subject."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None, {}
    visible = Activity.objects.visible_to(user).values("id")
    parent = EmailMessage.objects.filter(pk=pk, activity_id__in=visible).first()
    if parent is None:
        return None, {}
    subject = parent.subject
    if not subject.lower().startswith(("re:", "回复")):
        subject = f"Re: {subject}"
    return parent, {"subject": subject[:SUBJECT_MAX_LENGTH], "in_reply_to": parent.pk}


@login_required
def compose(request, pk):
    """Write an email to a person; a template chosen (`?template=`) fills subject and text."""
    user = request.user
    person = get_visible_or_404(Person, user, pk, queryset=Person.objects.select_related("company"))
    mail_send.require_sender(user)
    templates = list(mail_templates.usable_templates(user))
    ready = mail_send.email_configured()
    initial: dict = {}
    parent, reply = _reply_defaults(user, request.GET.get("reply"))
    initial.update(reply)
    chosen = next((t for t in templates if str(t.pk) == request.GET.get("template", "")), None)
    if chosen is not None:
        values = mail_templates.context_for(person, user)
        initial.update(
            subject=" ".join(mail_templates.render(chosen.subject, values).split()),
            body=mail_templates.render(chosen.body, values),
        )
        if parent is not None and reply.get("subject"):
            initial["subject"] = reply["subject"]
    form = ComposeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                mail_send.send_email(
                    user,
                    person,
                    data["subject"],
                    data["body"],
                    cc=data["cc"],
                    private=data["private"],
                    in_reply_to=data["in_reply_to"],
                )
            except ValidationError as exc:
                _show_errors(
                    form, exc, {"to": "__all__", "person": "__all__", "in_reply_to": "__all__"}
                )
            else:
                messages.success(
                    request, _("Your email to %(name)s is being sent.") % {"name": person.name}
                )
                return redirect(person.get_absolute_url())
        status = 400
    context = {
        "nav": "people",
        "person": person,
        "form": form,
        "email_ready": ready,
        "parent": parent,
        "signature": mail_templates.signature_of(user),
        "placeholders": mail_templates.placeholder_help(),
        "templates": templates,
        "chosen": chosen,
    }
    return render(request, "mail/email_compose.html", context, status=status)


@login_required
@require_POST
def retry(request, pk):
    """Send a failed email again (its sender only)."""
    message = get_object_or_404(EmailMessage.objects.select_related("activity"), pk=pk)
    try:
        message = mail_send.retry_email(request.user, message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The email is being sent again."))
    record = message.activity.record if message.activity else None
    return redirect(record.get_absolute_url() if record is not None else "home")


@login_required
def attachment(request, pk):
    """Download an attachment of an email the user can see (404 otherwise)."""
    found = get_object_or_404(EmailAttachment.objects.select_related("message"), pk=pk)
    activity_id = found.message.activity_id
    if (
        activity_id is None
        or not Activity.objects.visible_to(request.user).filter(pk=activity_id).exists()
    ):
        raise Http404
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=found.filename or "attachment")
    response["Content-Type"] = "application/octet-stream"  # never rendered by the browser
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- the signature


class SignatureForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Email signature"),
        required=False,
        max_length=mail_templates.SIGNATURE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Added under every email you send from Kehu, after a “-- ” line."),
    )
    #: the signature's version when the form was loaded (0: none yet); missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


@login_required
def signature(request):
    """The user's signature; a form loaded before the signature was saved elsewhere (another
    tab) shows both texts instead of overwriting."""
    stored = mail_templates.own_signature(request.user)
    initial = {
        "text": stored.text.strip() if stored else "",
        "version": stored.version if stored else 0,
    }
    form = SignatureForm(request.POST or None, initial=initial)
    context: dict = {"form": form, "nav": "profile", "conflict": None}
    if request.method == "POST" and form.is_valid():
        try:
            mail_templates.save_signature(
                request.user, form.cleaned_data["text"], form.cleaned_data["version"]
            )
        except VersionConflict as conflict:
            context["conflict"] = stale_settings_form(form, conflict.current)
            current = conflict.current
            context["conflict_by"] = audit.history(current).first() if current.pk else None
            context["conflict_discard_url"] = reverse("email-signature")
            return render(request, "mail/email_signature.html", context, status=409)
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Your signature is saved."))
            return redirect("profile")
    status = 400 if form.errors else 200
    return render(request, "mail/email_signature.html", context, status=status)


# ---------------------------------------------------------------- templates (Settings)


class TemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=mail_templates.NAME_MAX_LENGTH)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=mail_templates.TEMPLATE_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    #: the template's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


@login_required
def template_list(request):
    require_admin(request.user)
    context = {
        "nav": "email-templates",
        "templates": list(EmailTemplate.objects.select_related("created_by")),
        "placeholders": mail_templates.placeholder_help(),
    }
    return render(request, "mail/email_templates.html", context)


@login_required
def template_edit(request, pk=None):
    user = request.user
    require_admin(user)
    template = setting_or_404(EmailTemplate, pk)
    initial = {"active": True}
    if template is not None:
        initial = {"name": template.name, "subject": template.subject, "body": template.body,
                   "active": template.active, "version": template.version}  # fmt: skip

    def save(form, _rows):
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        return mail_templates.save_template(user, template, data, expected_version=version)

    return settings_page(
        request,
        template,
        TemplateForm(request.POST or None, initial=initial),
        save=save,
        template="mail/email_template_form.html",
        done="email-template-list",
        error_status=400,
        context={
            "nav": "email-templates",
            "template": template,
            "placeholders": mail_templates.placeholder_help(),
        },
    )


@login_required
@require_POST
def template_delete(request, pk):
    require_admin(request.user)
    return settings_delete(
        request, EmailTemplate, pk, delete=mail_templates.delete_template,
        done="email-template-list",
    )  # fmt: skip


@login_required
def reply(request, pk):
    """Answer an email: on to the writing page of the person it is filed on."""
    visible = Activity.objects.visible_to(request.user).values("id")
    message = get_object_or_404(
        EmailMessage.objects.select_related("activity"), pk=pk, activity_id__in=visible
    )
    record = message.activity.record
    if not isinstance(record, Person):
        raise Http404
    mail_send.require_sender(request.user)
    return redirect(f"{reverse('person-email', args=[record.pk])}?reply={message.pk}")
