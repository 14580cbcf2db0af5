import datetime
from typing import Any

from django import forms
from django.utils import timezone

from esafety.directory import permissions, roles
from esafety.directory.models import Person


class PeopleFilterForm(forms.Form):
    role = forms.ChoiceField(required=False, choices=[("", "Everyone")] + roles.ROLE_CHOICES)
    year_group = forms.ChoiceField(required=False, label="Year group", choices=[("", "All")] + [
        (str(y), roles.year_label(y)) for y in roles.YEAR_GROUPS])
    q = forms.CharField(required=False, max_length=100, label="Name contains")
    include_leavers = forms.BooleanField(required=False, label="Include leavers and expired guests")


class LeaverForm(forms.Form):
    left_on = forms.DateField(label="Leaving date", widget=forms.DateInput(attrs={"type": "date"}),
                              help_text="Today ends access now; a later date ends it on that day.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["left_on"].initial = timezone.localdate()


class RoleForm(forms.Form):
    """The roles `actor` may give `person` (none for their own record or one above them)."""

    role = forms.ChoiceField(label="New role")
    access_expires_at = forms.DateTimeField(
        label="Access ends (supply teachers, trainees and visitors only)", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args: Any, actor: Person, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        if (person.role in roles.STAFF_FILE_ROLES and person.pk != actor.pk
                and permissions.may_manage(actor, person)):
            choices = [(role, label) for role, label in roles.ROLE_CHOICES
                       if role in roles.STAFF_FILE_ROLES and role != person.role
                       and permissions.may_grant(actor, role)]
        field = self.fields["role"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        self.offers_roles = bool(choices)


class GuestForm(forms.Form):
    role = forms.ChoiceField(choices=[(r, roles.ROLE_LABELS[r]) for r in
                                      (roles.SUPPLY_TEACHER, roles.TRAINEE, roles.VISITOR)])
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    expires_at = forms.DateTimeField(
        label="Access ends", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="After this moment they cannot sign in.")
    password = forms.CharField(widget=forms.PasswordInput, min_length=10,
                               help_text="A temporary password to give them (10 characters or more).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        end_of_day = timezone.localtime().replace(hour=17, minute=0, second=0, microsecond=0)
        self.fields["expires_at"].initial = end_of_day.strftime("%Y-%m-%dT%H:%M")

    def clean_expires_at(self):
        moment = self.cleaned_data["expires_at"]
        if moment <= timezone.now():
            raise forms.ValidationError("Access must end in the future.")
        if moment > timezone.now() + datetime.timedelta(days=366):
            raise forms.ValidationError("Guest access can last a year at most.")
        return moment


MONTHS = [(1, "January"), (2, "February"), (3, "March"), (4, "April"), (5, "May"), (6, "June"),
          (7, "July"), (8, "August"), (9, "September"), (10, "October"), (11, "November"),
          (12, "December")]


class SchoolSettingsForm(forms.Form):
    name = forms.CharField(max_length=200, label="School name")
    year_start_day = forms.TypedChoiceField(coerce=int, choices=[(d, d) for d in range(1, 32)],
                                            label="School year starts on (day)")
    year_start_month = forms.TypedChoiceField(coerce=int, choices=MONTHS, label="(month)",
                                              help_text="Pupils accept their agreement again from this day each year.")
    email_domains = forms.CharField(max_length=500, required=False, label="The school's email domains",
                                    help_text="Comma separated, e.g. hollinspark.sch.uk")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            datetime.date(2024, data.get("year_start_month", 1), data.get("year_start_day", 1))
        except ValueError:
            raise forms.ValidationError("That day does not exist in that month.") from None
        return data


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=[("staff", "Staff, governors and guests"), ("pupils", "Pupils"),
                                      ("parents", "Parents and carers")], label="What the file holds")
    file = forms.FileField(label="CSV file exported from your MIS",
                           help_text="UTF-8 CSV. Nothing is imported if any row has a problem.")
    check_only = forms.BooleanField(required=False, label="Only check the file; do not import")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload
