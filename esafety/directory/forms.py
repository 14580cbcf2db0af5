import datetime

from django import forms
from django.utils import timezone

from esafety.directory import roles


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
