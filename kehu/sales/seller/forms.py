"""The seller's details form; the service validates."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SellerForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200, required=False,
                           help_text=_("As registered, e.g. 上海星辰科技有限公司."))  # fmt: skip
    address = forms.CharField(label=_("Address"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    tax_number = forms.CharField(
        label=_("Tax number (纳税人识别号)"),
        max_length=20,
        required=False,
        help_text=_("The unified social credit code, 18 characters."),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=200, required=False,
                                help_text=_("The bank and branch (开户行)."))  # fmt: skip
    bank_account = forms.CharField(label=_("Bank account"), max_length=40, required=False)
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG or JPEG, at most 512 KB and 2000 × 2000 pixels."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    #: the setting's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def add_service_errors(self, exc) -> None:
        from kehu.web.conflicts import show_service_errors

        show_service_errors(self, exc)
