from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.service.tickets.models import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH


class SupportForm(forms.Form):
    """The public support form, and a field only bots fill in."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Email"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    description = forms.CharField(label=_("How can we help?"), max_length=BODY_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 6}))  # fmt: skip
    website = forms.CharField(required=False, label=_("Leave this empty"),
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))  # fmt: skip


class PortalReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
