# mypy: disable-error-code="arg-type"
"""REST routes for the review list (/api/v1/emails/review): received email that matched no
person, as the *Email to review* page shows it, with the same rules and the same services
(`mail_review`): reviewing is for those whose role may create customers (403 otherwise), and
each reviews the mail of mailboxes in their record scope and of a shared mailbox (404 for any
other). The routes go on the emails router (`add_review_routes`).
"""

import datetime
from typing import Literal

from ninja import Field, Path, Query, Router, Schema, Status

from kehu.core import visibility
from kehu.core.api_support import (
    READ_ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    Input,
    PageParams,
    RowId,
    page_of,
    renamed_fields,
)
from kehu.mail.models import EmailMessage
from kehu.mail.review import services as mail_review

ID = Path(..., ge=1, le=2**63 - 1)
#: service errors name `person` (the choice) or `record` (where it is filed): both are this
LINK_FIELDS = {"person": "person_id", "record": "person_id"}


class ReviewAttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    kept: bool = Field(description="False: over the size limit, listed but not kept.")


class ReviewEmailOut(Schema):
    id: int
    status: str = Field(
        description="`review` (waiting); once filed `received` (or `sent`: mail a colleague "
        "sent from their own mail program); `ignored`."
    )
    owner_id: int | None = Field(
        description="Whose mailbox it came from (who uploaded it); null: a shared mailbox."
    )
    direction: Literal["out", "in"]
    error: str = Field(description="What could not be read in it, if anything.")
    message_id: str
    in_reply_to: str
    thread_key: str = Field(description="The Message-ID that started the conversation.")
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str = Field(description="Sanitised HTML body, if any.")
    sent_at: datetime.datetime
    created_at: datetime.datetime
    attachments: list[ReviewAttachmentOut]
    activity_id: int | None = Field(description="The email activity it became, once filed.")
    person_id: int | None = Field(description="The person it was filed on, once filed.")


class ReviewPage(Schema):
    items: list[ReviewEmailOut]
    next_cursor: str | None


class LinkIn(Input):
    person_id: RowId = Field(description="A person you can see.")


class PersonIn(Input):
    name: str | None = Field(None, max_length=150, description="Default: the sender's name.")
    email: str | None = Field(None, max_length=254, description="Default: the sender's address.")


def review_out(message: EmailMessage, person=None) -> dict:
    data = {name: getattr(message, name) for name in ReviewEmailOut.model_fields
            if hasattr(message, name)}  # fmt: skip
    data.update(
        to=list(message.to or []),
        cc=list(message.cc or []),
        activity_id=message.activity_id,
        person_id=person.pk if person is not None else None,
        attachments=[
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "kept": bool(a.file),
            }  # fmt: skip
            for a in message.attachments.all()
        ],
    )
    return data


def _reviewed(message: EmailMessage, person=None) -> dict:
    """The message as a review left it (re-read: the service changed its own copy)."""
    current = EmailMessage.objects.prefetch_related("attachments").get(pk=message.pk)
    return review_out(current, person)


def list_review(request: ApiRequest, filters: Query[PageParams]):
    """The received email waiting for review that you may handle, newest first."""
    visibility.require(request.auth, "customers", "create")
    queue = mail_review.review_queue(request.auth).prefetch_related("attachments")
    page = page_of(queue, "-created_at", filters)
    return {"items": [review_out(m) for m in page.items], "next_cursor": page.next_cursor}


def get_review(request: ApiRequest, email_id: int = ID):
    return review_out(mail_review.review_message(request.auth, email_id))


def link_review(request: ApiRequest, payload: LinkIn, email_id: int = ID):
    """File it on a person you can see (a 422 on `person_id` for anyone else); it goes on
    their timeline and leaves the list."""
    message = mail_review.review_message(request.auth, email_id)
    with renamed_fields(LINK_FIELDS):
        person = mail_review.person_to_link(request.auth, payload.person_id)
        mail_review.link_message(request.auth, message, person)
    return _reviewed(message, person)


def create_person_from_review(request: ApiRequest, payload: PersonIn, email_id: int = ID):
    """Make a person from the sender (as `POST /people` does, with its checks; you own them)
    and file the message on them. Name and address default to the sender's."""
    message = mail_review.review_message(request.auth, email_id)
    data = mail_review.sender_as_person(message)
    given = payload.model_dump(exclude_none=True)
    data.update({key: value.strip() for key, value in given.items()})
    person, _activity = mail_review.create_person_from(request.auth, message, data)
    return Status(201, _reviewed(message, person))


def ignore_review(request: ApiRequest, email_id: int = ID):
    """Take it off the list without filing it anywhere; it stays stored."""
    message = mail_review.review_message(request.auth, email_id)
    mail_review.ignore_message(request.auth, message)
    return _reviewed(message)


def add_review_routes(router: Router) -> None:
    """Put the review routes on the emails router. Called before its `/{email_id}` routes are
    declared, so that `/review` is matched first and never read as an email's id."""
    routes = [
        ("/review", "GET", list_review, 200, ReviewPage, READ_ERRORS,
         "List email waiting for review"),
        ("/review/{email_id}", "GET", get_review, 200, ReviewEmailOut, READ_ERRORS,
         "Read an email waiting for review"),
        ("/review/{email_id}/link", "POST", link_review, 200, ReviewEmailOut, WRITE_ERRORS,
         "File an email waiting for review on a person"),
        ("/review/{email_id}/person", "POST", create_person_from_review, 201, ReviewEmailOut,
         WRITE_ERRORS, "Make a person from the sender of an email waiting for review"),
        ("/review/{email_id}/ignore", "POST", ignore_review, 200, ReviewEmailOut, WRITE_ERRORS,
         "Ignore an email waiting for review"),
    ]  # fmt: skip
    for path, method, view, status, schema, errors, summary in routes:
        router.add_api_operation(
            path, [method], view, response={status: schema, **errors}, summary=summary
        )
