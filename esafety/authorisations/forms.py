"""The authorisation forms: each field says what it is for, in plain words."""

from __future__ import annotations

from django import forms

from esafety.authorisations.models import KIND_CHOICES, MAX_DAYS
from esafety.directory import roles
from esafety.directory.models import Person, School


def _people(school: School):
    return Person.objects.filter(school=school).exclude(
        role__in=[roles.PARENT]).order_by("last_name", "first_name")


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        left = " (left)" if obj.has_left() else ""
        return f"{obj.display_name}, {obj.role_label.lower()}{left}"


class RequestForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, label="What do you need?")
    subject = PersonChoice(queryset=Person.objects.none(),
                           label="Whose mailbox or account (or who is the investigation about)?")
    reader = PersonChoice(queryset=Person.objects.none(), required=False,
                          label="Who will read it?", help_text="Leave empty if it is you.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                             label="Why is the access needed?")
    days = forms.IntegerField(min_value=1, max_value=MAX_DAYS, initial=14,
                              label="For how many days?",
                              help_text=f"At most {MAX_DAYS}; it ends on its own after that.")

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        people = _people(school)
        self.fields["subject"].queryset = people  # type: ignore[attr-defined]
        self.fields["reader"].queryset = people.filter(  # type: ignore[attr-defined]
            role__in=roles.STAFF_ROLES)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("refuse", "Refuse")],
                                 widget=forms.RadioSelect, label="Your decision")
    grounds = forms.BooleanField(required=False,
                                 label="I am satisfied there are reasonable grounds for this")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           max_length=4000, label="Note (needed when refusing)")


class UseForm(forms.Form):
    what_was_done = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                                    label="What did you do with the access?")


class EndForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
                             label="Why end it now?")


class NomineeForm(forms.Form):
    nominee = PersonChoice(queryset=Person.objects.none(), required=False,
                           label="Who decides when the headteacher cannot?")

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominee"].queryset = Person.objects.current().filter(  # type: ignore[attr-defined]
            school=school, role__in=roles.STAFF_ROLES).order_by("last_name", "first_name")
