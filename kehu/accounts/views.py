# mypy: disable-error-code="arg-type"
from math import ceil

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts import email_change, login_limits, tokens
from kehu.accounts import profile as profiles
from kehu.accounts.admin_forms import add_service_errors
from kehu.accounts.forms import (
    EmailChangeForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    TokenForm,
)
from kehu.core.client_address import client_address


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after:  # the client's address must wait (login_limits)
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


@require_POST
def set_language(request):
    """Switch language; remembered on the user's profile and in a cookie."""
    code = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if code in dict(settings.LANGUAGES):
        translation.activate(code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 86400, samesite="Lax"
        )
        if request.user.is_authenticated:
            profiles.set_language(request.user, request.user, code)
    return response


def _profile_page(request, form=None, email_form=None, password_form=None):
    context = {
        "form": form or ProfileForm(instance=request.user),
        "email_form": email_form or EmailChangeForm(),
        "password_form": password_form or PasswordChangeForm(),
        "pending": email_change.pending_change(request.user),
        "nav": "profile",
    }
    return render(request, "accounts/profile.html", context)


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            profiles.update_profile(request.user, request.user, form.changes())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("profile")
    return _profile_page(request, form=form)


@login_required
def email_change_request(request):
    """Ask for a new address: the password, then a link mailed to the new address."""
    if request.method != "POST":
        return redirect("profile")
    form = EmailChangeForm(request.POST)
    # the password is checked here too: wrong ones count against the address as failed logins
    # do, so a borrowed session cannot be used to guess it
    address = client_address(request)
    throttled = _throttled(request, address, email_form=form)
    if throttled:
        return throttled
    if form.is_valid():
        data = form.cleaned_data
        try:
            change = email_change.request_email_change(
                request.user, data["new_email"], data["password"]
            )
        except ValidationError as exc:
            if "password" in exc.message_dict:
                login_limits.record_failure(address)
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "We sent a link to %(email)s. Your email address changes when you open it "
                    "(within %(hours)s hours)."
                )
                % {"email": change.new_email, "hours": email_change.CONFIRM_HOURS},
            )
            return redirect("profile")
    return _profile_page(request, email_form=form)


def _throttled(request, address: str, **forms):
    """The profile page saying the client's address must wait, or None when it need not."""
    wait = login_limits.retry_after(address)
    if not wait:
        return None
    for form in forms.values():
        form.add_error(None, LoginForm.error_messages["throttled"] % {"minutes": ceil(wait / 60)})
    response = _profile_page(request, **forms)
    response.status_code, response["Retry-After"] = 429, str(wait)
    return response


@login_required
def password_change(request):
    """A new password, given the current one; the other sessions of the user end."""
    if request.method != "POST":
        return redirect("profile")
    form = PasswordChangeForm(request.POST)
    # as for the email address: wrong current passwords count as failed logins do
    address = client_address(request)
    throttled = _throttled(request, address, password_form=form)
    if throttled:
        return throttled
    if form.is_valid():
        data = form.cleaned_data
        try:
            profiles.change_password(
                request.user, request.user, data["current_password"], data["new_password"]
            )
        except ValidationError as exc:
            if "current_password" in exc.message_dict:
                login_limits.record_failure(address)
            add_service_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # this session stays signed in
            messages.success(request, _("Your password is changed."))
            return redirect("profile")
    return _profile_page(request, password_form=form)


@login_required
def email_change_confirm(request, token: str):
    """The link mailed to the new address: a page asking to confirm (mail scanners open links,
    so a GET changes nothing), then the change."""
    try:
        change = email_change.find_change(request.user, token)
    except email_change.LinkRefused as refused:
        return render(
            request,
            "accounts/email_confirm.html",
            {"refused": refused, "hours": email_change.CONFIRM_HOURS},
            status=refused.status,
        )
    errors = []
    if request.method == "POST":
        try:
            email_change.confirm_email_change(request.user, token)
        except ValidationError as exc:
            errors = exc.messages
        except email_change.LinkRefused:  # used or replaced meanwhile, by another tab
            return redirect("profile")
        else:
            messages.success(
                request, _("Your email address is now %(email)s.") % {"email": change.new_email}
            )
            return redirect("profile")
    return render(
        request,
        "accounts/email_confirm.html",
        {"change": change, "errors": errors},
        status=409 if errors else 200,
    )


@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = tokens.create_token(request.user, form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": tokens.active_tokens(request.user),
            "new_secret": new_secret,
            "nav": "tokens",
        },
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    tokens.revoke_token(request.user, pk)
    messages.success(request, _("The token is revoked."))
    return redirect("token-list")
