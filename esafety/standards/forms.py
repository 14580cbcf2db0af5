"""The standards forms, in plain words."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.standards.models import MANUAL, MONITORING, ROLE_CHOICES


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}, {obj.role_label.lower()}"


def _adults(school: School):
    return Person.objects.current().filter(
        school=school, role__in=roles.STAFF_AND_GOVERNOR_ROLES).order_by("last_name", "first_name")


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES, label="Role")
    person = PersonChoice(queryset=Person.objects.none(), required=False,
                          label="Someone at the school")
    provider_name = forms.CharField(max_length=200, required=False,
                                    label="Or an outside provider (IT services)")
    provider_contact = forms.CharField(max_length=300, required=False,
                                       label="Provider's contact details")

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _adults(school)  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    group = forms.CharField(max_length=16, widget=forms.HiddenInput)
    category = forms.CharField(max_length=64, widget=forms.HiddenInput)
    reason = forms.CharField(max_length=4000, label="Why",
                             widget=forms.Textarea(attrs={"rows": 2}))


class CheckForm(forms.Form):
    kind = forms.ChoiceField(choices=[(MANUAL, "Filtering"), (MONITORING, "Monitoring")],
                             label="What was checked")
    at = forms.DateTimeField(label="When", initial=timezone.now,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])
    what_was_tested = forms.CharField(max_length=4000, label="What was tested",
                                      widget=forms.Textarea(attrs={"rows": 2}))
    passed = forms.ChoiceField(choices=[("yes", "It worked as it should"),
                                        ("no", "Something was wrong")],
                               widget=forms.RadioSelect, label="Result")
    result = forms.CharField(max_length=4000, label="What happened",
                             widget=forms.Textarea(attrs={"rows": 2}))
    action_taken = forms.CharField(max_length=4000, required=False,
                                   label="What was done about it",
                                   widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    held_on = forms.DateField(label="Held on", widget=forms.DateInput(attrs={"type": "date"}))
    governor = PersonChoice(queryset=Person.objects.none(), required=False, label="Governor")
    led_by = PersonChoice(queryset=Person.objects.none(), required=False,
                          label="Led by (senior leader)")
    who_took_part = forms.CharField(max_length=500, required=False, label="Who else took part")
    findings = forms.CharField(max_length=8000, label="What the review found",
                               widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        people = _adults(school)
        self.fields["governor"].queryset = people.filter(  # type: ignore[attr-defined]
            role=roles.GOVERNOR)
        self.fields["led_by"].queryset = people.filter(  # type: ignore[attr-defined]
            role__in=roles.STAFF_ROLES)


class ActionForm(forms.Form):
    what = forms.CharField(max_length=500, label="Action")
    owner = PersonChoice(queryset=Person.objects.none(), label="Owner")
    due_on = forms.DateField(label="Due by", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _adults(school)  # type: ignore[attr-defined]


class DoneForm(forms.Form):
    note = forms.CharField(max_length=500, required=False, label="What was done")
