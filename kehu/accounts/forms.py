import math

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kehu.accounts import login_limits
from kehu.accounts.models import TIME_ZONES, User
from kehu.core.client_address import client_address


class LoginForm(AuthenticationForm):
    """One answer for every failed login (no such user, wrong password, locked account), so the
    page never tells which usernames exist; and none at all while the address must wait."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter a correct username and password. After repeated failures an account "
            "is locked for a while: try again later or ask an administrator."
        ),
        "throttled": _("Too many failed logins from your network. Try again in %(minutes)s min."),
    }

    #: seconds until the client's address may try again, when it must wait
    retry_after: int | None = None

    def clean(self):
        address = client_address(self.request) if self.request is not None else None
        self.retry_after = login_limits.retry_after(address)
        if self.retry_after:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": math.ceil(self.retry_after / 60)},
            )
        return super().clean()


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=[("", _("Company default"))] + [(z, z) for z in TIME_ZONES],
    )

    class Meta:
        model = User
        # not the email address: changing it needs the password and a confirmation link
        # (EmailChangeForm, email_change.py)
        fields = ["first_name", "last_name", "language", "time_zone"]

    def _post_clean(self):
        # the service (profile.update_profile) validates and saves; the form leaves the
        # signed-in user's object as it is
        pass


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(label=_("New email address"), max_length=254)
    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("We email a link to the new address; your address changes when you open it."),
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, and not a commonly used password."),
    )
    new_password_again = forms.CharField(
        label=_("New password, again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two passwords differ."))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “website form”.")
    )
