"""The consent pages' forms: bad input gets a message, never a server error."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from esafety.consent.models import AGREED, DECISIONS, PURPOSES, REFUSED
from esafety.directory import roles
from esafety.directory.models import Person, School


class SafeDateField(forms.DateField):
    """A date between 20 years ago and today: anything else is a message, not an error."""

    def to_python(self, value):
        if isinstance(value, str) and "\x00" in value:
            raise forms.ValidationError("Enter a real date.")
        day = super().to_python(value)
        if day is not None and not (datetime.date(1990, 1, 1) <= day <= datetime.date(2200, 1, 1)):
            raise forms.ValidationError("Enter a real date.")
        return day


def no_nul(value: Any) -> None:
    if "\x00" in str(value):
        raise forms.ValidationError("That text has a character esafety cannot keep.")


def _choices(form: forms.Form, name: str) -> Any:
    """A field whose choices or people are set per school (the stubs type it as Field)."""
    return cast(Any, form.fields[name])


class LookupForm(forms.Form):
    purpose = forms.ChoiceField(choices=PURPOSES, label="For")
    form = forms.ChoiceField(required=False, label="Class or form")
    year_group = forms.TypedChoiceField(required=False, label="Or a year group", coerce=int,
                                        empty_value=None)
    names = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            max_length=20_000, validators=[no_nul],
                            label="Or paste names (one a line)")

    def __init__(self, *args, forms_in: list[str], year_groups: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self, "form").choices = [("", "(none)")] + [(f, f) for f in forms_in]
        _choices(self, "year_group").choices = [("", "(none)")] + [
            (str(y), roles.year_label(y)) for y in year_groups]

    def clean(self):
        data = super().clean() or {}
        if not data.get("form") and data.get("year_group") is None \
                and not (data.get("names") or "").strip():
            raise forms.ValidationError("Choose a class or a year group, or paste some names.")
        return data


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(choices=PURPOSES, label="For")
    decision = forms.ChoiceField(choices=DECISIONS)
    given_on = SafeDateField(label="Date given", initial=timezone.localdate)
    given_by = forms.ModelChoiceField(queryset=Person.objects.none(), required=False,
                                      label="Given by (parent or carer)")
    given_by_name = forms.CharField(required=False, max_length=200, validators=[no_nul],
                                    label="Or their name, from a paper form")
    pupil_agreed = forms.BooleanField(required=False, label="The pupil agrees too")
    note = forms.CharField(required=False, max_length=500, validators=[no_nul])

    def __init__(self, *args, pupil: Person, **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self, "given_by").queryset = pupil.parents.all()


class FamilyForm(forms.Form):
    """A parent's choices for one child: plain yes or no for each purpose."""

    def __init__(self, *args, labels: dict[str, str], initial_choices: dict[str, str],
                 older: bool, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in labels.items():
            self.fields[code] = forms.ChoiceField(
                label=label, widget=forms.RadioSelect, required=False,
                choices=[(AGREED, "Yes, I agree"), (REFUSED, "No, I do not agree")],
                initial=initial_choices.get(code))
        if older:
            self.fields["pupil_agreed"] = forms.BooleanField(
                required=False, label="My child and I talked about this and they agree")


class ItemForm(forms.Form):
    title = forms.CharField(max_length=200, validators=[no_nul], label="What was published")
    purpose = forms.ChoiceField(choices=PURPOSES, label="Where")
    where = forms.CharField(required=False, max_length=300, validators=[no_nul],
                            label="Address or where it appeared")
    published_on = SafeDateField(label="Date published", initial=timezone.localdate)
    pupils = forms.ModelMultipleChoiceField(queryset=Person.objects.none(), required=False,
                                            label="Pupils in it")

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self, "pupils").queryset = Person.objects.filter(
            school=school, role=roles.PUPIL, is_active=True)


class RemoveForm(forms.Form):
    note = forms.CharField(required=False, max_length=500, validators=[no_nul],
                           label="Why it came down")


class ChannelForm(forms.Form):
    name = forms.CharField(max_length=200, validators=[no_nul])
    platform = forms.CharField(max_length=100, validators=[no_nul],
                               help_text="e.g. Facebook, X, Instagram, the school website")
    address = forms.CharField(required=False, max_length=300, validators=[no_nul])
    run_by = forms.ModelChoiceField(queryset=Person.objects.none(), required=False)
    note = forms.CharField(required=False, max_length=500, validators=[no_nul])
    closed_on = SafeDateField(required=False, label="Closed on (if no longer used)")

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        _choices(self, "run_by").queryset = Person.objects.current().filter(
            school=school, role__in=roles.STAFF_ROLES)
