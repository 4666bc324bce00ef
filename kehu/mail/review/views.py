# mypy: disable-error-code="attr-defined, var-annotated"
"""Received email that no person matched (the review list), and uploading `.eml` files.

Who may use these pages: users whose role may create customers
(`visibility.can(user, "customers", "create")`). Reviewing decides which customer a message
belongs to and often makes a new person from its sender, so it needs that right; read-only
users may look at timelines but not file mail on them. Which messages each reviewer sees is
`mail_review.review_queue`: those of mailboxes in their record scope and those of a shared
mailbox (no owner). Uploading `.eml` files feeds the same list, so it needs the same right.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DataError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core import search, visibility
from kehu.customers.models import Person
from kehu.mail import imap
from kehu.mail import parsing as mail_parse
from kehu.mail import receiving as mail_receive
from kehu.mail.models import EmailMessage
from kehu.mail.review import notices as review_notices
from kehu.mail.review import services as mail_review
from kehu.web.pages import list_page

PAGE_SIZE = 30
PEOPLE_SHOWN = 10
MAX_UPLOAD_FILES = 50
#: domains anyone can have an address at: suggesting "people at qq.com" helps nobody
FREE_MAIL_DOMAINS = frozenset(
    [
        "qq.com",
        "foxmail.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sina.cn",
        "sohu.com",
        "aliyun.com",
        "139.com",
        "189.cn",
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "web.de",
        "mail.ru",
        "yandex.ru",
    ]
)


def _queue(user):
    return mail_review.review_queue(user).prefetch_related("attachments")


def _message(request, pk: int) -> EmailMessage:
    return mail_review.review_message(request.user, pk)


@login_required
def review_list(request):
    visibility.require(request.user, "customers", "create")
    state = imap.mailbox_state() if imap.configured() else None
    context = {"mailbox": state, "mailbox_configured": imap.configured(), "nav": "mail-review"}
    return list_page(
        request,
        _queue(request.user),
        template="mail/mail_review_list.html",
        sort="-created_at",
        count=False,
        page_size=PAGE_SIZE,
        context=context,
    )


def _people_matching(user, message: EmailMessage, q: str) -> list:
    """People the user can see matching `q`; without one, a first guess: people of the
    sender's company domain (not of a free-mail domain), else of the sender's name."""
    people = Person.objects.visible_to(user).select_related("company")
    if not q:
        domain = message.from_address.rpartition("@")[2].lower()
        q = domain if domain and domain not in FREE_MAIL_DOMAINS else message.from_name
    if not q:
        return []
    return list(search.search(people, q).order_by("name_sort_key", "id")[:PEOPLE_SHOWN])


def _detail(request, message: EmailMessage, *, person_errors=None, person_data=None, status=200):
    q = (request.GET.get("q") or "").strip()[:200]
    return render(
        request,
        "mail/mail_review_detail.html",
        {
            "message": message,
            "q": q,
            "people": _people_matching(request.user, message, q),
            "person_data": person_data or mail_review.sender_as_person(message),
            "person_errors": person_errors or {},
            "nav": "mail-review",
        },
        status=status,
    )


@login_required
def review_detail(request, pk: int):
    return _detail(request, _message(request, pk))


def _filed_message(request, record) -> None:
    messages.success(
        request,
        format_html(
            _('The email is now on the timeline of <a href="{url}">{name}</a>.'),
            url=record.get_absolute_url(),
            name=str(record),
        ),
    )


@login_required
@require_POST
def review_link(request, pk: int):
    message = _message(request, pk)
    try:
        person = mail_review.person_to_link(request.user, request.POST.get("person", ""))
        mail_review.link_message(request.user, message, person)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _detail(request, message, status=400)
    _filed_message(request, person)
    return redirect("mail-review")


@login_required
@require_POST
def review_create_person(request, pk: int):
    message = _message(request, pk)
    data = {
        "name": (request.POST.get("name") or "").strip()[:150],
        "email": (request.POST.get("email") or "").strip()[:254],
    }
    try:
        person, _activity = mail_review.create_person_from(request.user, message, data)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"name": exc.messages}
        return _detail(request, message, person_errors=errors, person_data=data, status=400)
    _filed_message(request, person)
    return redirect("mail-review")


@login_required
@require_POST
def review_ignore(request, pk: int):
    message = _message(request, pk)
    mail_review.ignore_message(request.user, message)
    messages.success(
        request, _("“%(subject)s” was ignored.") % {"subject": message.subject or _("(no subject)")}
    )
    return redirect("mail-review")


# ---------------------------------------------------------------- uploading .eml files


def _report(user, filename: str, content: bytes, waiting: list) -> dict:
    """What became of one uploaded file, for the report the upload page shows (a message put
    in the review list is added to `waiting`)."""
    row = {"filename": filename, "outcome": "", "text": "", "url": ""}
    try:
        received = mail_receive.receive(content, owner=user, source="upload")
    except mail_receive.UnreadableEmail as exc:
        row.update(outcome="unreadable", text=str(exc))
        return row
    except (DataError, ValueError, UnicodeError):  # stored nothing: say so, never a 500
        row.update(outcome="unreadable", text=_("This message could not be read."))
        return row
    message = received.message
    if received.outcome == mail_receive.DUPLICATE:
        # the stored message may be someone else's (even private): show nothing of it
        row.update(outcome="duplicate", text=_("Already in Kehu: this message was stored before."))
        return row
    row["subject"] = message.subject
    if received.outcome == mail_receive.REVIEW:
        waiting.append(message)
        row.update(
            outcome="review",
            text=_("Waiting for review: no person has this address."),
            url=reverse("mail-review-detail", args=[message.pk]),
        )
    else:
        record = received.record
        if visibility.can(user, record.module, "read") and visibility.in_scope(user, record):
            row.update(
                outcome="matched",
                text=_("On the timeline of %(name)s.") % {"name": record},
                url=record.get_absolute_url(),
            )
        else:  # filed on a customer this user may not see: do not name them
            row.update(outcome="matched", text=_("On the timeline of a customer of a colleague."))
    if message.error:
        row["problems"] = message.error
    return row


@login_required
def upload(request):
    visibility.require(request.user, "customers", "create")
    rows, error, waiting = [], "", []
    limit = mail_parse.max_message_bytes()
    if request.method == "POST":
        files = request.FILES.getlist("files")
        if not files:
            error = _("Choose one or more .eml files.")
        elif len(files) > MAX_UPLOAD_FILES:
            error = _("At most %(n)s files at a time.") % {"n": MAX_UPLOAD_FILES}
        else:
            for upload_file in files:
                name = (upload_file.name or "")[:200]
                if upload_file.size > limit:
                    rows.append(
                        {
                            "filename": name,
                            "outcome": "unreadable",
                            "text": _("Larger than %(mb)s MB: not read.")
                            % {"mb": f"{limit / 1024 / 1024:g}"},
                        }
                    )
                    continue
                rows.append(_report(request.user, name, upload_file.read(), waiting))
            review_notices.tell_reviewers(waiting)  # one notification for the whole upload
    return render(
        request,
        "mail/mail_upload.html",
        {
            "rows": rows,
            "error": error,
            "limit_mb": f"{limit / 1024 / 1024:g}",
            "nav": "mail-upload",
        },
        status=400 if error else 200,
    )
