"""REST routes for email messages (/api/v1/emails).

An email is read through its activity, so it is seen by exactly those who see that activity
(`Activity.objects.visible_to`): a private one only by its owner. Sending goes through
`mail_send.send_email`. The review list's routes (/api/v1/emails/review) are in
`kehu.mail.review.api`.
"""

import datetime
from typing import Annotated, Literal

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from kehu.activities.models import NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Activity
from kehu.core.access import get_visible_or_404
from kehu.core.api_support import (
    CREATE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    ErrorOut,
    Input,
    PageParams,
    RowId,
    page_of,
)
from kehu.customers.models import Person
from kehu.mail import sending as mail_send
from kehu.mail.models import EmailMessage
from kehu.mail.review.api import add_review_routes

emails_router = Router(tags=["emails"])
add_review_routes(emails_router)  # /emails/review/...: received mail that matched nobody

ID = Path(..., ge=1, le=2**63 - 1)
Address = Annotated[str, Field(max_length=254)]
#: 409: email is not set up on this server (no KEHU_EMAIL_HOST)
SEND_ERRORS = {**CREATE_ERRORS, 404: ErrorOut, 409: ErrorOut}
RETRY_ERRORS = {**WRITE_ERRORS, 409: ErrorOut}


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str = Field(description="Download link (signed-in session).")


class EmailOut(Schema):
    id: int
    activity_id: int | None
    record_type: str | None = Field(description="`person`, `company`, `lead` or `deal`.")
    record_id: int | None
    person_id: int | None = Field(description="The person it is filed on, if a person.")
    owner_id: int | None
    private: bool = Field(description="Only its owner sees it.")
    direction: Literal["out", "in"]
    status: str = Field(description="`queued` (sending), `sent`, `failed`, `received`.")
    error: str = Field(description="What the mail server said when sending failed.")
    message_id: str
    in_reply_to: str
    references: str
    thread_key: str = Field(description="The Message-ID that started the conversation.")
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str = Field(description="Sanitised HTML body of a received email, if any.")
    sent_at: datetime.datetime
    created_at: datetime.datetime
    attachments: list[AttachmentOut]


class EmailPage(Schema):
    items: list[EmailOut]
    next_cursor: str | None


class EmailFilters(PageParams):
    person: RowId | None = Field(None, description="Only the emails filed on this person.")
    direction: Literal["out", "in"] | None = None
    thread: str | None = Field(
        None, max_length=255, description="Only this conversation (a `thread_key`)."
    )


class SendIn(Input):
    person_id: RowId
    subject: str = Field("", max_length=SUBJECT_MAX_LENGTH,
                         description="Empty: the template's subject.")  # fmt: skip
    body: str = Field("", max_length=NOTE_MAX_LENGTH, description="Empty: the template's text.")
    template_id: RowId | None = None
    cc: list[Address] = Field(default_factory=list, max_length=mail_send.MAX_CC)
    private: bool = False
    in_reply_to_id: RowId | None = Field(None, description="The email this answers.")


def _record_types() -> dict[int, str]:
    from kehu.activities.visibility import parent_models

    return {ContentType.objects.get_for_model(m).pk: m._meta.model_name for m in parent_models()}


def email_out(message: EmailMessage, types: dict[int, str]) -> dict:
    activity = message.activity
    record_type = types.get(activity.content_type_id) if activity else None
    record_id = activity.object_id if activity else None
    fields = [name for name in EmailOut.model_fields if hasattr(message, name)]
    data = {name: getattr(message, name) for name in fields}
    data.update(
        activity_id=message.activity_id,
        record_type=record_type,
        record_id=record_id,
        person_id=record_id if record_type == "person" else None,
        private=bool(activity and activity.private),
        to=list(message.to or []),
        cc=list(message.cc or []),
        attachments=[
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "url": reverse("email-attachment", args=[a.pk]),
            }  # fmt: skip
            for a in message.attachments.all()
        ],
    )
    return data


def visible_emails(user):
    """Emails filed on an activity the user can see (review-list mail is not here)."""
    visible = Activity.objects.visible_to(user).values("id")
    return (
        EmailMessage.objects.filter(activity_id__in=visible)
        .select_related("activity")
        .prefetch_related("attachments")
    )


@emails_router.get("", response={200: EmailPage, **READ_ERRORS}, summary="List emails")
def list_emails(request: ApiRequest, filters: Query[EmailFilters]):
    """Sent and received emails you can see, newest first."""
    qs = visible_emails(request.auth)
    if filters.person is not None:
        person_type = ContentType.objects.get_for_model(Person)
        qs = qs.filter(activity__content_type=person_type, activity__object_id=filters.person)
    if filters.direction:
        qs = qs.filter(direction=filters.direction)
    if filters.thread:
        qs = qs.filter(thread_key=filters.thread)
    page = page_of(qs, "-id", filters)
    types = _record_types()
    return {"items": [email_out(m, types) for m in page.items], "next_cursor": page.next_cursor}


def _email(user, pk: int) -> EmailMessage:
    message = visible_emails(user).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


@emails_router.get("/{email_id}", response={200: EmailOut, **READ_ERRORS}, summary="Read an email")
def get_email(request: ApiRequest, email_id: int = ID):
    return email_out(_email(request.auth, email_id), _record_types())


def _not_set_up(exc: mail_send.EmailNotConfigured):
    return HttpError(409, " ".join(exc.messages))


@emails_router.post("", response={201: EmailOut, **SEND_ERRORS}, summary="Send an email")
def send_email(request: ApiRequest, payload: SendIn):
    """Email a person you can see; it is logged on their timeline and sent in the background
    (`status` goes from `queued` to `sent` or `failed`). 409 when email is not set up."""
    person = get_visible_or_404(Person, request.auth, payload.person_id)
    try:
        message = mail_send.send_email(
            request.auth,
            person,
            payload.subject,
            payload.body,
            template=payload.template_id,
            cc=payload.cc,
            private=payload.private,
            in_reply_to=payload.in_reply_to_id,
        )
    except mail_send.EmailNotConfigured as exc:
        raise _not_set_up(exc) from None
    return Status(201, email_out(_email(request.auth, message.pk), _record_types()))


@emails_router.post(
    "/{email_id}/retry",
    response={200: EmailOut, **RETRY_ERRORS},
    summary="Send a failed email again",
)
def retry_email(request: ApiRequest, email_id: int = ID):
    """Its sender only; an email that is not `failed` is left as it is."""
    message = _email(request.auth, email_id)
    try:
        mail_send.retry_email(request.auth, message)
    except mail_send.EmailNotConfigured as exc:
        raise _not_set_up(exc) from None
    return email_out(_email(request.auth, email_id), _record_types())
