"""Form widgets every app's forms share."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker, with the ISO date it expects."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
