from __future__ import annotations

from django import forms

from esafety.retention import registry


class PeriodForm(forms.Form):
    """How long to keep one type of record, in years or days."""

    record_type = forms.CharField(widget=forms.HiddenInput)
    amount = forms.IntegerField(label="Keep for", min_value=1, max_value=36500)
    unit = forms.ChoiceField(label="", choices=[("years", "years"), ("days", "days")])

    def clean_record_type(self):
        value = self.cleaned_data["record_type"]
        if not registry.known(value):
            raise forms.ValidationError("There is no such type of record.")
        return value

    @property
    def days(self) -> int:
        amount = self.cleaned_data["amount"]
        return amount * registry.YEAR if self.cleaned_data["unit"] == "years" else amount


class PersonSearchForm(forms.Form):
    q = forms.CharField(label="Name or username", max_length=100, required=False)


class ConfirmRedactionsForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have checked the names that will be removed, and nothing else in the bundle "
              "identifies another person",
        error_messages={"required": "Tick the box to confirm you have checked the redactions."})
