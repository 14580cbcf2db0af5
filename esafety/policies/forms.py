import datetime
from typing import Any

from django import forms
from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.directory.picker import PersonPickerField
from esafety.policies.models import Acceptance


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Acceptance.DECISIONS)
    version = forms.IntegerField(widget=forms.HiddenInput)


class PublishVersionForm(forms.Form):
    number = forms.CharField(max_length=20, label="Version number", help_text="For example 3.0")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 18}), label="Policy text")
    summary_of_changes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                         label="What changed", help_text="Shown to people who accept it again")
    approved_by = forms.CharField(max_length=200, label="Approved by",
                                  help_text="For example: Full governing body")
    approved_on = forms.DateField(label="Approved on", widget=forms.DateInput(attrs={"type": "date"}))
    review_due = forms.DateField(label="Review due", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        approved, review = data.get("approved_on"), data.get("review_due")
        if approved and approved > timezone.localdate():
            self.add_error("approved_on", "The approval date cannot be in the future.")
        if approved and review and review <= approved:
            self.add_error("review_due", "The review date must be after the approval date.")
        return data


class NewDocumentForm(forms.Form):
    title = forms.CharField(max_length=200)
    audience = forms.ChoiceField(
        choices=[("", "Not an Acceptable Use Policy")] + roles.AUDIENCE_CHOICES, required=False,
        help_text="Choose who must accept it, if it is an Acceptable Use Policy")
    responsible_person = PersonPickerField(queryset=Person.objects.none(), required=False,
                                           scope="staff")
    review_every_months = forms.IntegerField(min_value=1, max_value=60, initial=12,
                                             label="Review every (months)")

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responsible_person"]
        assert isinstance(field, PersonPickerField)
        field.queryset = Person.objects.filter(
            school=school, role__in=roles.STAFF_ROLES, is_active=True)


class PaperSignatureForm(forms.Form):
    decision = forms.ChoiceField(choices=Acceptance.DECISIONS, widget=forms.RadioSelect,
                                 initial=Acceptance.ACCEPTED, label="What the form says")
    signed_on = forms.DateField(label="Date signed on the form",
                                widget=forms.DateInput(attrs={"type": "date"}))
    scanned_form = forms.FileField(label="Scanned form (PDF, PNG or JPEG, up to 10 MB)")
    cosigned_by = forms.ModelChoiceField(queryset=Person.objects.none(), required=False,
                                         label="Co-signed by parent or carer")

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()
        if person.is_pupil:
            field = self.fields["cosigned_by"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = person.parents.all()
        else:
            del self.fields["cosigned_by"]

    def clean_signed_on(self):
        day = self.cleaned_data["signed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date signed cannot be in the future.")
        if day < timezone.localdate() - datetime.timedelta(days=400):
            raise forms.ValidationError("That is more than a year ago; check the date.")
        return day


class ComplianceFilterForm(forms.Form):
    audience = forms.ChoiceField(choices=roles.AUDIENCE_CHOICES, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(required=False, choices=[
        ("", "Everyone"), ("accepted", "Accepted"), ("declined", "Declined"),
        ("pending", "Not yet responded")])
    year_group = forms.ChoiceField(required=False, label="Year group", choices=[("", "All")] + [
        (str(y), roles.year_label(y)) for y in roles.YEAR_GROUPS])
    form = forms.CharField(required=False, max_length=32, label="Form / class")
    q = forms.CharField(required=False, max_length=100, label="Name contains")
