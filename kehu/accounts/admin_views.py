# mypy: disable-error-code="arg-type"
"""Settings screens for administrators: users, teams and roles (under /settings/)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts import services
from kehu.accounts.admin_forms import (
    PasswordResetForm,
    RoleForm,
    TeamForm,
    UserCreateForm,
    UserForm,
    add_service_errors,
)
from kehu.accounts.models import ACTION_LABELS, MODULES, Role, Team, User
from kehu.core.visibility import ACTIONS
from kehu.web.pages import settings_page


def forbidden(request):
    return render(request, "accounts/admin/forbidden.html", status=403)


def admin_required(view):
    """Logged-in administrators only; anyone else gets a proper 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_admin:
            return forbidden(request)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request)

    return wrapper


# users -------------------------------------------------------------------------------------


@admin_required
def user_list(request):
    show = request.GET.get("show", "active")
    users = User.objects.select_related("team", "role").order_by("username")
    if show == "active":
        users = users.filter(is_active=True)
    elif show == "inactive":
        users = users.filter(is_active=False)
    now = timezone.now()
    rows = [(u, bool(u.locked_until and u.locked_until > now)) for u in users]
    return render(
        request, "accounts/admin/user_list.html", {"rows": rows, "show": show, "nav": "users"}
    )


@admin_required
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        data["password"] = form.cleaned_data["password1"]
        try:
            user = services.create_user(request.user, data)
        except ValidationError as exc:
            add_service_errors(form, exc, {"password": "password1"})
        else:
            messages.success(request, _("User “%(name)s” is created.") % {"name": user.username})
            return redirect("user-list")
    return render(
        request,
        "accounts/admin/user_form.html",
        {"form": form, "nav": "users", "title": _("New user")},
    )


@admin_required
def user_edit(request, pk: int):
    user = get_object_or_404(User.objects.select_related("team", "role"), pk=pk)
    form = UserForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(request.user, user, form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("User “%(name)s” is saved.") % {"name": user.username})
            return redirect("user-list")
    locked = bool(user.locked_until and user.locked_until > timezone.now())
    return render(
        request,
        "accounts/admin/user_form.html",
        {
            "form": form,
            "edited": user,
            "locked": locked,
            "password_form": PasswordResetForm(),
            "nav": "users",
            "title": _("Edit user"),
        },
    )


@admin_required
def user_password(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_password(request.user, user, form.cleaned_data["password1"])
        except ValidationError as exc:
            add_service_errors(form, exc, {"password": "password1"})
        else:
            messages.success(
                request, _("The password of “%(name)s” is reset.") % {"name": user.username}
            )
            return redirect("user-edit", pk=user.pk)
    return render(
        request,
        "accounts/admin/password_form.html",
        {"form": form, "edited": user, "nav": "users"},
    )


@admin_required
@require_POST
def user_deactivate(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    try:
        services.deactivate_user(request.user, user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "“%(name)s” is deactivated and can no longer log in. "
                "Their records keep them as owner."
            )
            % {"name": user.username},
        )
    return redirect("user-edit", pk=user.pk)


@admin_required
@require_POST
def user_activate(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    services.activate_user(request.user, user)
    messages.success(request, _("“%(name)s” is active again.") % {"name": user.username})
    return redirect("user-edit", pk=user.pk)


@admin_required
@require_POST
def user_unlock(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    services.unlock_user(request.user, user)
    messages.success(request, _("“%(name)s” is unlocked.") % {"name": user.username})
    return redirect("user-edit", pk=user.pk)


# teams -------------------------------------------------------------------------------------


@admin_required
def team_list(request):
    teams = Team.objects.annotate(
        member_count=Count("members", distinct=True),
    ).order_by("name")
    return render(request, "accounts/admin/team_list.html", {"teams": teams, "nav": "teams"})


@admin_required
def team_create(request):
    return _team_form(request, None)


@admin_required
def team_edit(request, pk: int):
    return _team_form(request, get_object_or_404(Team, pk=pk))


def _team_form(request, team: Team | None):
    def save(form, _rows):
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        if team is None:
            return services.create_team(request.user, data)
        return services.update_team(request.user, team, data, version)

    initial = {"name": team.name, "version": team.version} if team else None
    return settings_page(
        request,
        team,
        TeamForm(request.POST or None, initial=initial),
        save=save,
        template="accounts/admin/team_form.html",
        done="team-list",
        context={
            "nav": "teams",
            "new_title": _("New team"),
            "members": team.members.order_by("username") if team else [],
        },
    )


# roles -------------------------------------------------------------------------------------


@admin_required
def role_list(request):
    roles = Role.objects.annotate(user_count=Count("users")).order_by("name")
    rows = [
        (
            role,
            [
                (label, [ACTION_LABELS.get(a, a) for a in role.permissions.get(module, [])])
                for module, label in MODULES.items()
            ],
            [
                (label, Role.Scope(role.scopes[module]).label)
                for module, label in MODULES.items()
                if module in (role.scopes or {})
            ],
        )
        for role in roles
    ]
    return render(request, "accounts/admin/role_list.html", {"rows": rows, "nav": "roles"})


@admin_required
def role_create(request):
    return _role_form(request, None)


@admin_required
def role_edit(request, pk: int):
    return _role_form(request, get_object_or_404(Role, pk=pk))


def _role_form(request, role: Role | None):
    def save(form, _rows):
        if role is None:
            return services.create_role(request.user, form.data_for_service())
        version = form.cleaned_data.get("version")
        return services.update_role(request.user, role, form.data_for_service(), version)

    return settings_page(
        request,
        role,
        RoleForm(request.POST or None, role=role),
        save=save,
        template="accounts/admin/role_form.html",
        done="role-list",
        context={"role": role, "actions": ACTIONS, "nav": "roles"},
    )


urlpatterns = [
    path("settings/users/", user_list, name="user-list"),
    path("settings/users/new/", user_create, name="user-create"),
    path("settings/users/<int:pk>/", user_edit, name="user-edit"),
    path("settings/users/<int:pk>/password/", user_password, name="user-password"),
    path("settings/users/<int:pk>/deactivate/", user_deactivate, name="user-deactivate"),
    path("settings/users/<int:pk>/activate/", user_activate, name="user-activate"),
    path("settings/users/<int:pk>/unlock/", user_unlock, name="user-unlock"),
    path("settings/teams/", team_list, name="team-list"),
    path("settings/teams/new/", team_create, name="team-create"),
    path("settings/teams/<int:pk>/", team_edit, name="team-edit"),
    path("settings/roles/", role_list, name="role-list"),
    path("settings/roles/new/", role_create, name="role-create"),
    path("settings/roles/<int:pk>/", role_edit, name="role-edit"),
]
