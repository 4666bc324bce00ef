from django import forms
from django.utils.translation import gettext_lazy

from kehu.learning.feedback import services
from kehu.learning.models import Feedback


class FeedbackForm(forms.Form):
    what = forms.CharField(
        label=gettext_lazy("What hinders you?"),
        max_length=services.WHAT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("What you tried to do, and what got in the way."),
    )
    where = forms.CharField(
        label=gettext_lazy("Where (page address)"),
        max_length=services.WHERE_MAX,
        required=False,
        help_text=gettext_lazy("Filled in with the page you came from; change it if needed."),
    )


class FeedbackReplyForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Feedback.Status.choices)
    reply = forms.CharField(
        label=gettext_lazy("Reply"),
        max_length=services.REPLY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Shown to the person who sent it."),
    )
    #: the item's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
