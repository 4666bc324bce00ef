from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import TIME_ZONES, User


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed attempts: this account is locked for a while. "
            "Try again later or ask an administrator."
        ),
    }

    def clean(self):
        # django.contrib.auth.authenticate() swallows the backend's AccountLocked, so look again.
        try:
            return super().clean()
        except forms.ValidationError:
            username = self.cleaned_data.get("username") or ""
            locked = User.objects.filter(
                username__iexact=username, locked_until__gt=timezone.now()
            ).exists()
            if locked:
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("time zone"),
        required=False,
        choices=[("", _("Company default"))] + [(z, z) for z in TIME_ZONES],
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language", "time_zone"]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “website form”.")
    )
