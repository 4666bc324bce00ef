"""The ROI inputs form: labels, help and browser-side limits; `services.save_inputs` is the
one that decides (the same checks for the API)."""

import decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.analytics.roi.services import MAX_HOURS, MAX_MONEY

ZERO = decimal.Decimal(0)


class RoiInputsForm(forms.Form):
    hosting_monthly = forms.DecimalField(
        label=_("Hosting per month"), min_value=ZERO, max_value=MAX_MONEY, decimal_places=2,
        help_text=_("Servers, backups, domain: what running Kehu costs a month."),
    )  # fmt: skip
    staff_hours_monthly = forms.DecimalField(
        label=_("Staff hours per month"), min_value=ZERO, max_value=MAX_HOURS, decimal_places=2,
        help_text=_("Hours spent a month keeping Kehu: administration, data clean-up, support."),
    )  # fmt: skip
    hourly_rate = forms.DecimalField(
        label=_("Cost of an hour of staff time"), min_value=ZERO, max_value=MAX_MONEY,
        decimal_places=2,
    )  # fmt: skip
    training_monthly = forms.DecimalField(
        label=_("Training per month"), min_value=ZERO, max_value=MAX_MONEY, decimal_places=2,
        help_text=_("Courses and time spent learning, spread over the months."),
    )  # fmt: skip
    gross_margin_percent = forms.DecimalField(
        label=_("Gross margin (%)"), min_value=ZERO, max_value=decimal.Decimal(100),
        decimal_places=2, required=False,
        help_text=_("Leave empty to count the whole difference in revenue won as the gain; "
                    "enter your margin to count only the profit on it."),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
