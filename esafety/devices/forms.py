"""The devices pages' forms: bad input gets a message, never a server error."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from esafety.consent.forms import SafeDateField, no_nul
from esafety.devices.models import KINDS, LOST, STOLEN
from esafety.directory import roles
from esafety.directory.models import Person, School


def _people(form: forms.Form, name: str, school: School) -> None:
    # School devices are held by staff, governors, guests and pupils; never by parents.
    cast(Any, form.fields[name]).queryset = Person.objects.current().filter(
        school=school).exclude(role=roles.PARENT)


class DeviceForm(forms.Form):
    name = forms.CharField(max_length=200, validators=[no_nul], label="Name or asset tag")
    kind = forms.ChoiceField(choices=KINDS)
    serial = forms.CharField(required=False, max_length=100, validators=[no_nul])
    holder = forms.ModelChoiceField(queryset=Person.objects.none(), required=False,
                                    label="Held by")
    encrypted = forms.BooleanField(required=False)
    antivirus_current = forms.BooleanField(required=False, label="Anti-virus up to date")
    last_checked_on = SafeDateField(required=False, label="Last checked")
    notes = forms.CharField(required=False, max_length=500, validators=[no_nul])

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        _people(self, "holder", school)


class LendForm(forms.Form):
    borrower = forms.ModelChoiceField(queryset=Person.objects.none())
    due_on = SafeDateField(label="Due back")
    note = forms.CharField(required=False, max_length=500, validators=[no_nul])

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        _people(self, "borrower", school)


class ReturnForm(forms.Form):
    data_removed = forms.BooleanField(required=False,
                                      label="Personal data removed (photos, files, accounts)")


class LossForm(forms.Form):
    what = forms.ChoiceField(choices=[(LOST, "Lost"), (STOLEN, "Stolen")])
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                                  validators=[no_nul], label="What happened")


class SoftwareForm(forms.Form):
    name = forms.CharField(max_length=200, validators=[no_nul], label="Software or app")
    purpose = forms.CharField(required=False, max_length=500, validators=[no_nul],
                              label="What it is for")
    licence_notes = forms.CharField(required=False, max_length=500, validators=[no_nul])
    licence_renewal_on = SafeDateField(required=False, label="Licence renews on")


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("refuse", "Do not approve")])
    note = forms.CharField(required=False, max_length=500, validators=[no_nul])


class ByodForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none())
    device_description = forms.CharField(max_length=200, validators=[no_nul],
                                         label="Their device", help_text="e.g. iPhone 13")
    agreed_on = SafeDateField(initial=timezone.localdate, label="Agreed on")
    note = forms.CharField(required=False, max_length=500, validators=[no_nul])

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        _people(self, "person", school)
