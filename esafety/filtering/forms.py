import datetime

from django import forms
from django.utils import timezone

from esafety.directory import permissions, roles
from esafety.directory.models import Person
from esafety.directory.picker import PersonPickerField
from esafety.filtering.models import GROUPS, Category, GroupRule, SchoolEntry, WorkingTime
from esafety.filtering.rules import staff_social_choices


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class UnblockRequestForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False,
                                      empty_label="(a single site instead)",
                                      help_text="Statutory categories cannot be unblocked.")
    site = forms.CharField(required=False, max_length=800, label="Or a site or a page",
                           help_text="A page, e.g. www.bbc.co.uk/bitesize, unblocks that page "
                                     "and the pages below it; a site name, e.g. "
                                     "www.example.org, unblocks the whole site.")
    groups = forms.MultipleChoiceField(choices=[g for g in GROUPS if g[0] != "staff"],
                                       required=False, widget=forms.CheckboxSelectMultiple,
                                       label="For these groups")
    form = forms.CharField(required=False, max_length=32, label="Or for one class / form",
                           help_text="e.g. 9C")
    starts_at = forms.DateTimeField(widget=DateTimeInput(), label="From")
    ends_at = forms.DateTimeField(widget=DateTimeInput(), label="Until",
                                  help_text="The unblock ends by itself at this time.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="What the pupils will study and why the block gets in "
                                       "the way. This is kept in the audit trail.")

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.queryset = Category.objects.filter(school=school, statutory=False)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["starts_at"].initial = now
        self.fields["ends_at"].initial = now + datetime.timedelta(days=7)


class DecisionNoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           label="Note (required when refusing)")
    whole_site = forms.BooleanField(required=False)


class WrongBlockForm(forms.Form):
    url = forms.CharField(max_length=2000, label="Blocked address")
    category = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    rule = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              label="Why do you need it?", max_length=2000)


class RuleForm(forms.Form):
    group = forms.ChoiceField(choices=GROUPS)
    category = forms.IntegerField()
    action = forms.ChoiceField(choices=GroupRule.ACTIONS)


class SchoolEntryForm(forms.Form):
    kind = forms.ChoiceField(choices=SchoolEntry.KINDS, label="List")
    site = forms.CharField(max_length=500)
    note = forms.CharField(required=False, max_length=300)


class WorkingTimeForm(forms.Form):
    """One line per weekday: 08:30-12:15, 13:15-15:30 (blank for no working time)."""

    def __init__(self, *args, initial_spans=None, **kwargs):
        super().__init__(*args, **kwargs)
        for day, label in WorkingTime.WEEKDAYS:
            spans = (initial_spans or {}).get(day, [])
            self.fields[f"day{day}"] = forms.CharField(
                required=False, label=label, max_length=200,
                initial=", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in spans))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        spans = {}
        for day, _label in WorkingTime.WEEKDAYS:
            text = (data.get(f"day{day}") or "").strip()
            day_spans = []
            for part in filter(None, (p.strip() for p in text.split(","))):
                try:
                    a, b = (datetime.datetime.strptime(x.strip(), "%H:%M").time()
                            for x in part.split("-"))
                except ValueError:
                    self.add_error(f"day{day}", f"write spans like 08:30-12:15, not {part!r}")
                    continue
                if not a < b:
                    self.add_error(f"day{day}", f"{part} ends before it starts")
                day_spans.append((a, b))
            if day_spans:
                spans[day] = day_spans
        data["spans"] = spans
        return data


class SettingsForm(forms.Form):
    approver_roles = forms.MultipleChoiceField(
        choices=[(r, roles.ROLE_LABELS[r])
                 for r in sorted(permissions.roles_with("approve_unblock"))],
        widget=forms.CheckboxSelectMultiple, label="Who decides unblock requests")
    alert_threshold = forms.IntegerField(min_value=1, max_value=1000,
                                         label="Alert after this many blocked attempts")
    alert_window_minutes = forms.IntegerField(min_value=1, max_value=1440,
                                              label="within this many minutes")
    block_page_url = forms.CharField(required=False, max_length=300,
                                     label="Block page address as browsers reach it",
                                     help_text="e.g. http://esafety.school.internal/filtering/"
                                               "blocked/")
    max_suspension_days = forms.IntegerField(
        min_value=1, max_value=92, label="Longest internet suspension (days)",
        help_text="Nobody can suspend a pupil's internet access for longer than this. "
                  "002: suspension is \u201cfor a particular lesson or activity\u201d, or "
                  "\u201cfor a period of time\u201d after further misuse.")
    log_retention_days = forms.IntegerField(
        min_value=7, max_value=3650, required=False,
        label="Keep the filter's logs for (days)",
        help_text="Who visited or searched for what, and when. Older days are deleted whole.")


class StaffSocialNetworksForm(forms.Form):
    choice = forms.ChoiceField(widget=forms.RadioSelect,
                               label="Staff and personal social networks")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice = self.fields["choice"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [(a, label) for a, label, _ in staff_social_choices()]

    def chosen_label(self) -> str:
        """The label of the setting chosen (once the form is valid): as the choices show it."""
        labels = {a: label for a, label, _ in staff_social_choices()}
        return labels[self.cleaned_data["choice"]]


class SuspensionForm(forms.Form):
    # The person picker: suggestions as you type, or a name or username typed without
    # JavaScript; only current pupils of the school the viewer may see.
    pupil = PersonPickerField(label="Pupil", queryset=Person.objects.none(), scope="pupils",
                              help_text="Type part of the pupil's name or their username.")
    starts_at = forms.DateTimeField(widget=DateTimeInput(), label="From")
    ends_at = forms.DateTimeField(widget=DateTimeInput(), label="Until")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, max_days: int, school, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_days = max_days
        pupil = self.fields["pupil"]
        assert isinstance(pupil, PersonPickerField)
        pupil.limit_to(viewer)
        pupil.queryset = Person.objects.filter(
            school=school, role=roles.PUPIL, is_active=True).order_by("last_name", "first_name")
        self.fields["ends_at"].help_text = (f"At most {max_days} day{'s' if max_days != 1 else ''}"
                                            " after it starts (the school's limit).")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends:
            if ends <= starts:
                self.add_error("ends_at", "The suspension must end after it starts.")
            elif ends - starts > datetime.timedelta(days=self.max_days):
                self.add_error("ends_at", f"A suspension can last at most {self.max_days} "
                                          f"day{'s' if self.max_days != 1 else ''}, as the "
                                          "school has set. Choose an earlier end.")
        return data


class LiftForm(forms.Form):
    reason = forms.CharField(required=False, max_length=2000, label="Why is it lifted early?")


class DecideForm(forms.Form):
    url = forms.CharField(max_length=2000, label="Address")
    username = forms.CharField(max_length=150, label="Username")
    at = forms.DateTimeField(required=False, widget=DateTimeInput(), label="At (default now)")
