"""The feedback pages: send it (anyone), read one's own and the replies; administrators see
everyone's, filter by status and answer (status and reply)."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kehu.learning.feedback import services
from kehu.learning.feedback.forms import FeedbackForm, FeedbackReplyForm
from kehu.learning.models import Feedback
from kehu.web.pages import keyset_page, settings_page


def _visible(user):
    return Feedback.objects.visible_to(user).select_related("author", "replied_by")


@login_required
def feedback_list(request):
    qs = _visible(request.user)
    status = request.GET.get("status") or ""
    if status in Feedback.Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    context = {
        "nav": "feedback",
        "status": status,
        "statuses": Feedback.Status.choices,
        **keyset_page(request, qs, "-id"),
    }
    return render(request, "learning/feedback_list.html", context)


def _came_from(request) -> str:
    """The page the user was on: `?where=`, else the Referer's path on this site."""
    where = request.GET.get("where") or ""
    if not where:
        referer = urlsplit(request.headers.get("Referer", ""))
        if referer.netloc == request.get_host() and referer.path:
            where = referer.path + (f"?{referer.query}" if referer.query else "")
    try:
        return services.clean_where(where[: services.WHERE_MAX])
    except ValidationError:
        return ""


@login_required
def feedback_create(request):
    form = FeedbackForm(request.POST or None, initial={"where": _came_from(request)})
    if request.method == "POST" and form.is_valid():
        try:
            services.create_feedback(request.user, form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("Thank you: the administrators will read it."))
            return redirect("feedback-list")
    status = 400 if form.errors else 200
    return render(
        request, "learning/feedback_form.html", {"form": form, "nav": "feedback"}, status=status
    )


@login_required
def feedback_detail(request, pk):
    """One item: its author reads it and the reply; an administrator also answers it."""
    item = get_object_or_404(_visible(request.user), pk=pk)
    context = {"nav": "feedback", "item": item}
    if not request.user.is_admin:
        if request.method == "POST":
            raise PermissionDenied(_("Only administrators may do this."))
        return render(request, "learning/feedback_detail.html", context)
    initial = {"status": item.status, "reply": item.reply, "version": item.version}

    def save(form, _rows):
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        return services.update_feedback(request.user, item, data, version)

    return settings_page(
        request,
        item,
        FeedbackReplyForm(request.POST or None, initial=initial),
        save=save,
        template="learning/feedback_detail.html",
        done="feedback-list",
        error_status=400,
        context=context,
        message=lambda saved: _("The feedback is updated."),
    )
