# mypy: disable-error-code="union-attr"
"""Activities in the browser: the panel on every record page (quick add + timeline), an
activity's own page, and the quick-add page the "n" shortcut opens from anywhere."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.activities import follow_ups, services, timeline
from kehu.activities.follow_ups import FollowUpForm
from kehu.activities.forms import ActivityForm, initial_for
from kehu.activities.invitations.replies import annotate_answers
from kehu.activities.models import Activity
from kehu.activities.visibility import require_activity
from kehu.core import search, visibility
from kehu.core.access import get_visible_or_404
from kehu.core.records import VersionConflict
from kehu.web import undo

Kind = Activity.Kind
QUICK_KINDS = [Kind.NOTE, Kind.TASK, Kind.CALL, Kind.MEETING]
PICK_LIMIT = 6


def _targets() -> dict:
    from kehu.customers.models import Company, Person
    from kehu.sales.models import Deal, Lead

    return {"person": Person, "company": Company, "lead": Lead, "deal": Deal}


def target_of(record) -> str:
    return {model: key for key, model in _targets().items()}[type(record)]


def _record(user, target: str, pk: int):
    model = _targets().get(target)
    if model is None:
        raise Http404
    return get_visible_or_404(model, user, pk)


def _custom_labels(record) -> dict:
    from kehu.customers.models import CustomField

    entity = {"person": "person", "company": "company", "lead": "lead"}.get(target_of(record))
    if entity is None:
        return {}
    return {d.key: d.display_label for d in CustomField.objects.filter(entity=entity)}


def _kinds(request) -> list[str]:
    return [k for k in request.GET.getlist("kind") if k in timeline.all_kinds()]


def panel_context(
    request,
    record,
    forms: dict | None = None,
    active: str = "note",
    *,
    follow_up_for: Activity | None = None,
    follow_up_form: FollowUpForm | None = None,
) -> dict:
    """What the activity panel of a record page needs: the quick-add forms, what is coming up
    (Focus), the history, and after a call or meeting the offer of a follow-up task."""
    user = request.user
    target = target_of(record)
    kinds = _kinds(request)
    forms = forms or {}
    now = timezone.now()
    if follow_up_for is not None and follow_up_form is None:
        follow_up_form = FollowUpForm(user=user, record=record)
    return {
        "record": record,
        "target": target,
        "can_edit_record": visibility.can(user, record.module, "edit"),
        # only the open tab's form is drawn; the others come when their tab is chosen
        "quick_tabs": [(kind, Activity.Kind(kind).label) for kind in QUICK_KINDS],
        "kind": active,
        "kind_label": Activity.Kind(active).label,
        "form": forms.get(active) or ActivityForm(kind=active, user=user, record=record),
        "follow_up": forms.get("follow_up") or _follow_up_form(active, user, record),
        "active_kind": active,
        "focus": timeline.focus(record, user=user, now=now),
        "timeline": timeline.page(
            record,
            request.GET.get("before"),
            _custom_labels(record),
            user=user,
            kinds=kinds,
            history_only=now,
        ),
        "follow_up_for": follow_up_for,
        "follow_up_box": follow_up_form,
        "timeline_kinds": [(k, _kind_label(k)) for k in timeline.all_kinds(record)],
        "chosen_kinds": kinds,
        "timeline_url": reverse("activity-timeline", args=[target, record.pk]),
        "now": now,
    }


#: the kinds whose log form asks for the next step (a follow-up task)
FOLLOWED_UP = (Kind.CALL, Kind.MEETING)


def _follow_up_form(kind: str, user, record, data=None) -> FollowUpForm | None:
    if kind not in FOLLOWED_UP:
        return None
    return FollowUpForm(data, user=user, record=record)


def _kind_label(kind: str) -> str:
    if kind == "changes":
        return _("changes")
    if kind in Activity.Kind.values:
        return str(Activity.Kind(kind).label)
    return next(str(s.label) for s in timeline.STREAMS if s.kind == kind)


@login_required
def record_timeline(request, target, pk):
    """The timeline list alone: the next page ("Show older") or another kind filter."""
    record = _record(request.user, target, pk)
    context = panel_context(request, record)
    template = (
        "activities/_timeline_items.html"
        if "before" in request.GET
        else "activities/_timeline.html"
    )
    return render(request, template, context)


@login_required
def log(request, target, pk, kind):
    """Quick add on a record page: the panel comes back with the new item on top. A GET
    gives the kind's empty form (the panel's tabs fetch it)."""
    user = request.user
    record = _record(user, target, pk)
    if kind not in QUICK_KINDS:
        raise Http404
    if request.method != "POST":
        form = ActivityForm(kind=kind, user=user, record=record)
        context = {
            **_form_page(record, form, kind),
            "follow_up": _follow_up_form(kind, user, record),
        }
        if request.htmx:
            return render(request, "activities/_quick_form.html", context)
        return render(request, "activities/form.html", context)
    form = ActivityForm(request.POST, kind=kind, user=user, record=record)
    follow_up = _follow_up_form(kind, user, record, request.POST)
    saved = task = None
    if form.is_valid() and (follow_up is None or follow_up.is_valid()):
        try:
            with transaction.atomic():  # the call and its follow-up, or neither
                saved = services.log_activity(user, record, kind, form.service_data())
                if follow_up is not None and follow_up.wanted:
                    task = follow_up.create(user, record)
        except ValidationError as error:
            saved = None
            _add_errors(form, error)
    if saved:
        said = _("“%(name)s” is logged.") % {"name": saved}
        messages.success(request, said + (" " + follow_ups.said(task) if task else ""))
    if request.htmx:
        forms = {} if saved else {kind: form, "follow_up": follow_up}
        # a call or meeting saved without a next step: the panel offers one
        offer = saved if saved and kind in FOLLOWED_UP and task is None else None
        context = panel_context(request, record, forms, kind, follow_up_for=offer)
        return render(request, "activities/_panel.html", context)
    if saved:
        return redirect(_back(request, saved))
    context = {**_form_page(record, form, kind), "follow_up": follow_up}
    return render(request, "activities/form.html", context)


@login_required
@require_POST
def follow_up(request, pk):
    """The next step after a call or meeting in one click: a task on the same record, due
    on the preset's day (or the day chosen), made through the activities service."""
    user = request.user
    activity = _activity_with_record(user, pk)
    if activity.deleted_at:
        raise Http404
    record = activity.record
    form = FollowUpForm(request.POST, user=user, record=record)
    task = None
    if form.is_valid() and form.wanted:
        try:
            task = form.create(user, record)
        except ValidationError as error:
            _add_errors(form, error)
    elif form.is_valid():
        form.add_error("when", _("Choose when the follow-up is due."))
    if task is not None:
        messages.success(request, follow_ups.said(task))
    if request.htmx:
        again = None if task else activity
        context = panel_context(
            request, record, follow_up_for=again, follow_up_form=None if task else form
        )
        return render(request, "activities/_panel.html", context)
    if task is None:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect(_back(request, activity))


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _form_page(record, form, kind, activity=None) -> dict:
    return {
        "record": record,
        "form": form,
        "kind": kind,
        "kind_label": Activity.Kind(kind).label,
        "activity": activity,
        "target": target_of(record),
    }


def _activity_with_record(user, pk) -> Activity:
    """The activity through the read door (binned too), 404 once its record is gone."""
    activity = get_visible_or_404(Activity, user, pk, include_bin=True)
    if activity.record is None:
        raise Http404
    return activity


@login_required
def activity_detail(request, pk):
    """An activity's page: what it is, with its edit form for those who may change it."""
    user = request.user
    activity = _activity_with_record(user, pk)
    record = activity.record
    can_change = False
    if not activity.deleted_at:  # a binned activity is read, or restored, not changed
        try:
            require_activity(user, activity, "edit")
            can_change = activity.kind != Kind.EMAIL
        except PermissionDenied:
            pass
    form = None
    if can_change and not activity.deleted_at:
        form = ActivityForm(
            request.POST or None,
            kind=activity.kind,
            user=user,
            record=record,
            activity=activity,
            initial=initial_for(activity),
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.update_activity(
                    user,
                    activity,
                    form.service_data(only_changed=True),
                    expected_version=form.cleaned_data.get("version"),
                )
            except VersionConflict:
                form.add_error(
                    None,
                    _("Someone else changed this meanwhile. Reload the page to see their change."),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("“%(name)s” is saved.") % {"name": activity})
                return redirect("activity-detail", pk=activity.pk)
    elif request.method == "POST":
        raise PermissionDenied
    attendee_users, attendee_people = [], []
    if activity.kind == Kind.MEETING:
        attendee_users = list(activity.attendee_users.all())
        attendee_people = list(activity.attendee_people.visible_to(user))
        annotate_answers(activity, attendee_users, attendee_people)  # accepted, declined, ...
    context = {
        "activity": activity,
        "record": record,
        "form": form,
        "can_change": can_change,
        # the bin's rule, so an email (never edited) is restored from its own page too
        "can_restore": bool(activity.deleted_at)
        and record is not None
        and services.may_restore(user, activity, record.module),
        "attendee_users": attendee_users,
        "attendee_people": attendee_people,
    }
    return render(request, "activities/detail.html", context)


def _back(request, activity) -> str:
    """Where the form asked to go back to (`next`), if that is a path on this site; else the
    record's page. A path, never a view name, so `redirect()` never tries to reverse it."""
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return activity.record.get_absolute_url()


@login_required
@require_POST
def activity_done(request, pk):
    """Done / not done again (a checkbox on the timeline, my day and the activity page)."""
    activity = _activity_with_record(request.user, pk)
    done = request.POST.get("done", "1") != "0"
    try:
        _task, following = services.complete_task(request.user, activity, done)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_back(request, activity))
    if done and _task.done_at is not None:  # done now: confirmed, with Undo
        said = _("“%(name)s” is done.") % {"name": _task}
        if following is not None and following.due_at:
            due = timezone.localtime(following.due_at).strftime("%Y-%m-%d %H:%M")
            said += " " + _("The next one is due %(when)s.") % {"when": due}
        undo.offer(request, said, "done", _task)
    if request.htmx and request.POST.get("panel"):
        return render(request, "activities/_panel.html", panel_context(request, activity.record))
    return redirect(_back(request, activity))


@login_required
@require_POST
def activity_delete(request, pk):
    activity = _activity_with_record(request.user, pk)
    record = activity.record
    binned = services.delete_activity(request.user, activity)
    said = _("“%(name)s” is moved to the recycle bin.") % {"name": activity}
    undo.offer(request, said, "delete", binned)  # Undo restores it
    if request.htmx:
        return render(request, "activities/_panel.html", panel_context(request, record))
    return redirect(record.get_absolute_url())


@login_required
@require_POST
def activity_restore(request, pk):
    activity = _activity_with_record(request.user, pk)
    services.restore_activity(request.user, activity)
    messages.success(request, _("“%(name)s” is restored.") % {"name": activity})
    if request.POST.get("next") == "bin":
        return redirect("recycle-bin")
    return redirect("activity-detail", pk=activity.pk)


@login_required
@require_POST
def activity_privacy(request, pk):
    activity = _activity_with_record(request.user, pk)
    services.set_private(request.user, activity, request.POST.get("private") == "1")
    return redirect(_back(request, activity))


@login_required
def quick_add(request):
    """Log an activity from anywhere: pick the record (search), then the kind and the details."""
    user = request.user
    raw = request.GET.get("record") or request.POST.get("record") or ""
    kind = request.GET.get("kind") or request.POST.get("kind") or Kind.TASK
    if kind not in QUICK_KINDS:
        kind = Kind.TASK
    record = None
    if ":" in raw:
        target, _sep, pk = raw.partition(":")
        if pk.isdigit() and len(pk) < 19:
            record = _record(user, target, int(pk))
    if record is None:
        q = (request.GET.get("q") or "").strip()
        context = {"q": q, "matches": _matches(user, q) if q else [], "kind": kind}
        template = "activities/_pick_results.html" if request.htmx else "activities/quick_add.html"
        return render(request, template, context)
    form = ActivityForm(request.POST or None, kind=kind, user=user, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.log_activity(user, record, kind, form.service_data())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” is logged.") % {"name": saved})
            return redirect(record.get_absolute_url())
    context = {
        **_form_page(record, form, kind),
        "kinds": [(k, Activity.Kind(k).label) for k in QUICK_KINDS],
        "quick": True,
    }
    return render(request, "activities/form.html", context)


def _matches(user, q: str) -> list[tuple[str, str, object]]:
    """People, companies, leads and deals matching `q` that the user can see."""
    found = []
    for target, model in _targets().items():
        if not visibility.can(user, model.module, "read"):
            continue
        qs = search.search(model.objects.visible_to(user), q).order_by("-updated_at", "-id")
        found += [(f"{target}:{r.pk}", model._meta.verbose_name, r) for r in qs[:PICK_LIMIT]]
    return found
