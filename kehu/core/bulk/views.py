"""Bulk actions in the browser: the in-page confirmation, starting the job, its result or
progress page (polled by htmx while a worker runs it), and the undo of a bulk delete.

The checks and the writes are the services' (`jobs`, `running`): these views turn the bar's
form into a request, show its errors, and never change a row themselves.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kehu.core.bulk import jobs, registry
from kehu.core.bulk.bar import ACTION_LABELS
from kehu.core.bulk.models import BulkJob
from kehu.core.bulk.running import NOT_ALLOWED, NOT_FOUND

#: how the page reads the reasons rows were skipped (others are the services' own messages)
REASON_LABELS = {
    NOT_FOUND: _("not found, or not visible to you"),
    NOT_ALLOWED: _("you may not change it"),
}


def _request_of(post: QueryDict) -> dict[str, Any]:
    """The bar's form as `jobs.check` arguments."""
    action = post.get("action", "")
    request: dict[str, Any] = {}
    if post.get("scope") == "all":
        request["filters"] = QueryDict(post.get("filters", ""))
    else:
        request["ids"] = post.getlist("ids")
    if action == registry.ASSIGN_OWNER:
        request["value"] = post.get("owner")
    elif action in registry.TAG_ACTIONS:
        request["value"] = post.get("tag")
    elif action == registry.SET_FIELD:
        field = post.get("field", "")
        request["field"] = field
        request["value"] = post.get(f"value_{field}", post.get("value"))
    return request


def _errors(exc: ValidationError) -> list[str]:
    found = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    return [message for messages in found.values() for message in messages]


@login_required
@require_POST
def bulk_confirm(request: Any, record_type: str) -> HttpResponse:
    """The in-page confirmation of the bar's request (or its errors): what will happen to
    how many rows, with the button that starts it."""
    action = request.POST.get("action", "")
    context: dict[str, Any] = {
        "kind_key": record_type,
        "action_label": ACTION_LABELS.get(action, ""),
    }
    try:
        plan = jobs.check(request.user, record_type, action, **_request_of(request.POST))
    except ValidationError as exc:
        context["errors"] = _errors(exc)
        status = 422
    else:
        context.update(plan=plan, post=request.POST, ids=request.POST.getlist("ids"))
        status = 200
    template = "bulk/_confirm.html" if request.htmx else "bulk/confirm.html"
    return render(request, template, context, status=200 if request.htmx else status)


@login_required
@require_POST
def bulk_start(request: Any, record_type: str) -> HttpResponse:
    """Start the confirmed action: a small one runs now, a large one in a worker; either
    way the answer is its page."""
    action = request.POST.get("action", "")
    try:
        job = jobs.start(request.user, record_type, action, **_request_of(request.POST))
    except ValidationError as exc:
        context: dict[str, Any] = {"kind_key": record_type, "errors": _errors(exc),
                   "action_label": ACTION_LABELS.get(action, "")}  # fmt: skip
        return render(request, "bulk/confirm.html", context, status=422)
    jobs.launch(job)
    return redirect("bulk-job", job.pk)


def _job_context(job: BulkJob) -> dict[str, Any]:
    kind = registry.get(job.kind)
    reasons = [(REASON_LABELS.get(reason, reason), count) for reason, count in job.reasons.items()]
    return {
        "job": job,
        "kind": kind,
        "list_url": reverse(kind.list_url) if kind else "",
        "action_label": ACTION_LABELS.get(job.action, ""),
        "reasons": reasons,
        "can_undo": job.action == registry.DELETE and job.finished and bool(job.changed_ids),
    }


@login_required
def bulk_job(request: Any, pk: int) -> HttpResponse:
    job = jobs.own_job(request.user, pk)
    return render(request, "bulk/job.html", _job_context(job))


@login_required
def bulk_job_status(request: Any, pk: int) -> HttpResponse:
    """The progress card alone, which the page polls while a worker runs the job."""
    job = jobs.own_job(request.user, pk)
    return render(request, "bulk/_progress.html", _job_context(job))


@login_required
@require_POST
def bulk_job_undo(request: Any, pk: int) -> HttpResponse:
    """Bring back from the recycle bin what a bulk delete put there (each row through its
    restore service)."""
    job = jobs.own_job(request.user, pk)
    try:
        undo = jobs.start_undo(request.user, job)
    except ValidationError as exc:
        return render(request, "bulk/job.html", {**_job_context(job), "errors": _errors(exc)},
                      status=422)  # fmt: skip
    jobs.launch(undo)
    return redirect("bulk-job", undo.pk)
