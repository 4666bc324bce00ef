"""The only writers of survey responses: the CSAT invitation when a ticket is solved, the NPS
invitations of a scheduled survey, the answer (a score, once) and its comment, and the
follow-up task a low score makes.

Links: each score in the mail is its own URL `/survey/<token>/`, the token signed (salted)
over the response's id, the score and the response's nonce, so a link cannot be forged,
changed to another score or moved to another invitation. The first click records its score;
any later click shows what was recorded and changes nothing.

One CSAT invitation per solving: a ticket reopened and solved again is asked again (the
`solving` counter is its `reopened_count` then), as it is a new experience of the desk."""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.core import events
from kehu.service.surveys.models import COMMENT_MAX_LENGTH, Survey, SurveyKind, SurveyResponse
from kehu.service.tickets.models import UNSOLVED, Ticket

log = logging.getLogger(__name__)

SALT = "kehu.service.surveys.answer"
#: a link answers for this long after it was sent
ANSWER_WITHIN = datetime.timedelta(days=60)
#: a person is asked an NPS question at most once in this many days (every NPS survey)
NPS_REST = datetime.timedelta(days=90)
#: the scores that make a follow-up task: CSAT 1–2, NPS 0–6 (detractors)
LOW = {SurveyKind.CSAT: 2, SurveyKind.NPS: 6}
TOP = {SurveyKind.CSAT: 5, SurveyKind.NPS: 10}
#: the languages of a survey mail (Kehu does not know which one a customer reads)
MAIL_LANGUAGES = ("zh-hans", "en")


# --- links ------------------------------------------------------------------------------------


def make_token(response: SurveyResponse, score: int) -> str:
    return signing.dumps([response.pk, score, response.nonce], salt=SALT)


def answer_url(response: SurveyResponse, score: int) -> str:
    path = reverse("survey-answer", args=[make_token(response, score)])
    return settings.PUBLIC_URL.rstrip("/") + path


def read_token(token: str) -> tuple[SurveyResponse, int]:
    """The response and score a link names; 404 for a forged, changed or expired one."""
    try:
        pk, score, nonce = signing.loads(token, salt=SALT, max_age=ANSWER_WITHIN)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404 from None
    response = SurveyResponse.objects.filter(pk=pk, nonce=nonce).first()
    if response is None or score not in response.scale:
        raise Http404
    return response, score


# --- invitations ------------------------------------------------------------------------------


def csat_survey() -> Survey | None:
    """The CSAT survey, when an administrator switched it on."""
    return Survey.objects.filter(kind=SurveyKind.CSAT, active=True).order_by("id").first()


def invite_csat(ticket: Ticket) -> SurveyResponse | None:
    """Ask the requester of a just-solved ticket how the desk did (None: CSAT is off, the
    requester has no address, or this solving was asked about already)."""
    survey = csat_survey()
    if survey is None or ticket.deleted_at is not None:
        return None
    person = ticket.requester
    email = (person.email or "").strip()
    if not email or person.deleted_at is not None:
        return None
    solving = ticket.reopened_count
    if SurveyResponse.all_objects.filter(ticket=ticket, solving=solving).exists():
        return None
    response = SurveyResponse(
        survey=survey,
        kind=SurveyKind.CSAT,
        ticket=ticket,
        solving=solving,
        person=person,
        owner_id=ticket.owner_id,
        team_id=ticket.team_id,
        email=email[:254],
    )
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:  # the same solving, asked about by a concurrent save
        return None
    _queue(response)
    return response


def _queue(response: SurveyResponse) -> None:
    from kehu.mail.sending import email_configured

    if not email_configured():
        SurveyResponse.objects.filter(pk=response.pk).update(
            mail_status=SurveyResponse.MailStatus.FAILED,
            mail_error=_(
                "Email is not set up on this server yet: ask an administrator to set it up."
            ),
        )
        return
    from kehu.service.surveys.tasks import deliver_survey_mail

    pk = response.pk
    transaction.on_commit(lambda: deliver_survey_mail.enqueue(pk))


@events.subscribe("ticket.updated")
def _on_ticket_updated(
    event: str, record: Ticket, changes: dict[str, Any] | None = None, **_: Any
) -> None:
    status = (changes or {}).get("status")
    if status and status[0] in UNSOLVED and status[1] in ("solved", "closed"):
        invite_csat(record)


def nps_audience(survey: Survey, now: datetime.datetime | None = None) -> QuerySet[Any]:
    """The people `survey` asks now: matching its condition, with an address, and not asked
    an NPS question in the last 90 days."""
    from kehu.core import conditions
    from kehu.customers.models import Person

    now = now or timezone.now()
    people: QuerySet[Any] = Person.objects.exclude(email="")
    if survey.condition:
        people = conditions.narrow(people, "person", survey.condition, conditions.Context(now=now))
    recent = SurveyResponse.all_objects.filter(kind=SurveyKind.NPS, sent_at__gt=now - NPS_REST)
    return people.exclude(pk__in=recent.values("person_id"))


def is_due(survey: Survey, now: datetime.datetime) -> bool:
    if not survey.active or survey.kind != SurveyKind.NPS:
        return False
    last = survey.last_sent_at
    return last is None or last + datetime.timedelta(days=survey.every_days) <= now


def send_nps(survey: Survey, now: datetime.datetime | None = None) -> int:
    """Send `survey` to its audience now; returns how many were invited."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        people = nps_audience(survey, now).select_related("owner").order_by("id")
        for person in people.iterator(chunk_size=500):
            response = SurveyResponse.objects.create(
                survey=survey,
                kind=SurveyKind.NPS,
                person=person,
                owner_id=person.owner_id,
                team_id=person.owner.team_id if person.owner_id else None,
                email=person.email.strip()[:254],
                sent_at=now,
            )
            _queue(response)
            sent += 1
        Survey.objects.filter(pk=survey.pk).update(last_sent_at=now)
    return sent


def send_due_nps(now: datetime.datetime | None = None) -> int:
    """Every active NPS survey whose time has come, sent; returns how many were invited."""
    from kehu.core.conditions import ConditionError

    now = now or timezone.now()
    sent = 0
    for survey in Survey.objects.filter(kind=SurveyKind.NPS, active=True):
        if not is_due(survey, now):
            continue
        try:
            sent += send_nps(survey, now)
        except ConditionError:  # a field since removed, "me" (nobody is "me" here): skipped
            log.warning("NPS survey %s has a condition that cannot be used", survey.pk)
    return sent


# --- answers ----------------------------------------------------------------------------------


def record_answer(response: SurveyResponse, score: int) -> bool:
    """Record `score` unless the response was answered already; True when this recorded it.
    A low score makes a follow-up task."""
    if score not in response.scale:
        raise ValidationError({"score": [_("Choose one of the scores offered.")]})
    now = timezone.now()
    with transaction.atomic():
        updated = SurveyResponse.objects.filter(pk=response.pk, answered_at__isnull=True).update(
            score=score, answered_at=now, updated_at=now
        )
        response.refresh_from_db()
        if updated:
            events.emit("survey_response.answered", actor=None, record=response)
            if score <= LOW[SurveyKind(response.kind)]:
                follow_up(response)
    return bool(updated)


def add_comment(response: SurveyResponse, comment: Any) -> bool:
    """Keep the person's comment on an answered response (once); True when it was kept."""
    text = str(comment or "").strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": [_("At most %(n)s characters.") % {"n": f"{COMMENT_MAX_LENGTH:,}"}]}
        )
    if not text:
        return False
    updated = SurveyResponse.objects.filter(
        pk=response.pk, answered_at__isnull=False, comment=""
    ).update(comment=text, updated_at=timezone.now())
    response.refresh_from_db()
    return bool(updated)


def follow_up_subject(response: SurveyResponse) -> str:
    """ "回访：… 2/5 · Follow up: low satisfaction score 2/5 from …", both languages (Kehu
    keeps one subject for every reader)."""
    parts = []
    for language in MAIL_LANGUAGES:
        with translation.override(language):
            parts.append(
                _("Follow up: low satisfaction score %(score)s/%(top)s from %(name)s")
                % {
                    "score": response.score,
                    "top": TOP[SurveyKind(response.kind)],
                    "name": response.person.name,
                }
            )
    subject = " · ".join(dict.fromkeys(parts))
    if len(set(parts)) == 1:  # the Chinese catalogue lacks it yet: the word 回访 still shows
        subject = f"回访 {subject}"
    if response.ticket is not None:
        subject += f" ({response.ticket.reference})"
    return subject[:200]


def _tomorrow() -> datetime.datetime:
    """Nine in the morning tomorrow, in the server's time zone."""
    zone = timezone.get_default_timezone()
    day = timezone.now().astimezone(zone).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=zone)


def follow_up(response: SurveyResponse) -> Any:
    """A task on the person, for the ticket's agent (CSAT) or the person's owner (NPS), due
    tomorrow. When the agent may not see the person, the person's owner gets it. None when
    nobody can take it."""
    from kehu.activities.services import log_activity

    person = response.person
    ticket = response.ticket
    candidates = []
    if response.kind == SurveyKind.CSAT and ticket is not None and ticket.owner is not None:
        candidates.append(ticket.owner)
    if person.owner_id:
        candidates.append(person.owner)
    body = response.comment
    if ticket is not None:
        body = f"{settings.PUBLIC_URL.rstrip('/')}{ticket.get_absolute_url()}\n\n{body}"
    for user in candidates:
        if user is None or not user.is_active:
            continue
        try:
            with transaction.atomic():
                return log_activity(
                    user,
                    person,
                    "task",
                    {
                        "subject": follow_up_subject(response),
                        "body": body.strip(),
                        "due_at": _tomorrow(),
                        "priority": "high",
                    },
                )
        except (Http404, PermissionDenied, ValidationError):
            continue
    log.warning("No one can follow up survey response %s", response.pk)
    return None


# --- the mail ---------------------------------------------------------------------------------


def mail_subject(response: SurveyResponse) -> str:
    parts = []
    for language in MAIL_LANGUAGES:
        with translation.override(language):
            if response.kind == SurveyKind.CSAT:
                parts.append(_("How did we do?"))
            else:
                parts.append(_("How likely are you to recommend us?"))
    subject = " / ".join(dict.fromkeys(parts))
    if response.ticket is not None:
        subject += f" [{response.ticket.reference}]"
    return subject


def mail_text(response: SurveyResponse) -> str:
    """The question in both languages, then one link a score."""
    parts = []
    ticket = response.ticket
    for language in MAIL_LANGUAGES:
        with translation.override(language):
            if ticket is not None:
                parts.append(
                    _(
                        "Your request %(reference)s “%(subject)s” was solved. How satisfied "
                        "are you with our help? Click a score: 1 = very dissatisfied, "
                        "5 = very satisfied."
                    )
                    % {"reference": ticket.reference, "subject": ticket.subject}
                )
            else:
                parts.append(
                    _(
                        "How likely are you to recommend us to a friend or colleague? Click a "
                        "score: 0 = not at all likely, 10 = extremely likely."
                    )
                )
    links = [f"{score}: {answer_url(response, score)}" for score in response.scale]
    return "\n\n".join([*dict.fromkeys(parts), "\n".join(links)])
