"""The public survey page a customer's click lands on (no login): the link records its
score once, then asks for a comment. A forged, changed or expired link is a 404."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from kehu.service.kb.views import with_help_centre_policy
from kehu.service.surveys import services
from kehu.service.surveys.models import COMMENT_MAX_LENGTH


@never_cache
@with_help_centre_policy
def survey_answer(request, token: str):
    response, score = services.read_token(token)
    recorded_now = False
    error = ""
    comment_saved = False
    if request.method == "POST":
        if response.answered_at is None:
            services.record_answer(response, score)
        try:
            comment_saved = services.add_comment(response, request.POST.get("comment", ""))
        except ValidationError as exc:
            error = exc.message_dict["comment"][0]
    else:
        recorded_now = services.record_answer(response, score)
    return render(
        request,
        "service/surveys/answer.html",
        {
            "response": response,
            "recorded_now": recorded_now,
            "comment_saved": comment_saved,
            "error": error,
            "max_length": COMMENT_MAX_LENGTH,
        },
        status=400 if error else 200,
    )
