"""Forms for the incident log. Each limits its choices to the acting person's school."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from esafety.directory import permissions, roles
from esafety.directory.models import Person, School
from esafety.directory.picker import PeoplePickerField, PersonPickerField, limit_pickers
from esafety.incidents import rules
from esafety.incidents.models import STATUS_CHOICES, Incident
from esafety.incidents.search import Criteria

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# A text box (styled like the rest) that phones still treat as an address.
URL_INPUT = forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off"})


def _person_label(person: Person) -> str:
    extra = person.year_label or person.role_label
    return f"{person.display_name} ({extra}{', ' + person.form if person.form else ''})"


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        return _person_label(person)


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person: Person) -> str:
        return _person_label(person)


def _people_field(form: forms.BaseForm, name: str) -> PersonPickerField | forms.ModelChoiceField:
    """The field `name` of `form`, one that chooses people (so its queryset can be set)."""
    field = form.fields[name]
    if not isinstance(field, PersonPickerField | forms.ModelChoiceField):
        raise TypeError(f"{name} does not choose people")
    return field


def _school_people(school: School) -> QuerySet[Person]:
    return Person.objects.filter(school=school, is_active=True).order_by("last_name", "first_name")


def _not_future(value):
    if value is None:
        return value
    moment = value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        moment = datetime.datetime.combine(value, datetime.time.min,
                                           tzinfo=timezone.get_current_timezone())
    if moment > timezone.now() + datetime.timedelta(minutes=5):
        raise forms.ValidationError("This date is in the future. When did it happen?")
    if moment.year < EARLIEST_YEAR:
        raise forms.ValidationError(f"This date is before {EARLIEST_YEAR}. Please check the year.")
    return value


# Nothing the incident log records happened before this (a mistyped year, e.g. 0202).
EARLIEST_YEAR = 2000


class StaffReportForm(forms.Form):
    # No kind is chosen until the reporter chooses one (a preselected first option was sent
    # unread as "Inappropriate material seen by accident").
    kind = forms.ChoiceField(label="What kind of incident is it?",
                             choices=[("", "Choose the kind of incident"), *rules.TYPE_CHOICES],
                             error_messages={"required": "Choose what kind of incident it is."})
    summary = forms.CharField(label="Summary in a few words", max_length=200, required=False)
    description = forms.CharField(
        label="What happened", widget=forms.Textarea,
        help_text="Facts only: what you saw or were told, by whom, and what you did.")
    occurred_at = forms.DateTimeField(label="When did it happen?", required=False, widget=DATETIME)
    location = forms.CharField(label="Where (room, device, website or app)", max_length=200,
                               required=False)
    people = PeoplePickerField(label="People involved", required=False,
                               queryset=Person.objects.none(), scope="involved",
                               help_text="Pupils or staff of this school the incident is about: "
                                         "type part of a name; separate several people with "
                                         "a semicolon (;).")
    subject_staff = PersonPickerField(
        label="If this is an allegation about a member of staff, who?", required=False,
        queryset=Person.objects.none(), scope="staff",
        help_text="Type part of their name. Only the headteacher (or, about the headteacher, "
                  "the chair of governors) will see it.")
    urls = forms.CharField(label="Web addresses (one per line)", widget=forms.Textarea(
        attrs={"rows": 3}), required=False)
    image_location = forms.CharField(
        label="Nude or sexual images: describe the image and where it is", required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Never upload, copy or forward the image itself.")
    evidence_file = forms.FileField(
        label="A screenshot, .eml email copy or PDF (optional)", required=False,
        help_text="Up to 10 MB. Not for nude or sexual images of a child.")

    def __init__(self, *args: Any, school: School, viewer: Person | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if viewer is not None:  # so a picker never lists people the reporter may not see
            limit_pickers(self, viewer)
        _people_field(self, "people").queryset = _school_people(school).filter(
            role__in=roles.INVOLVED_ROLES)
        _people_field(self, "subject_staff").queryset = _school_people(school).filter(
            role__in=roles.STAFF_ROLES)
        self.fields["people"].error_messages["invalid_choice"] = (
            "%(value)s is not someone in your school: a report can only be about people in your "
            "own school.")

    def clean_occurred_at(self):
        return _not_future(self.cleaned_data.get("occurred_at"))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("kind") in rules.NO_IMAGE_TYPES and data.get("evidence_file"):
            self.add_error("evidence_file", "Never upload a nude or sexual image of a child, even "
                           "to report it. Describe it and say where it is instead.")
        return data


class PupilReportForm(forms.Form):
    # Radio buttons with none ticked until the pupil picks one.
    kind = forms.ChoiceField(label="What is it about?", choices=rules.PUPIL_TYPE_CHOICES,
                             widget=forms.RadioSelect,
                             error_messages={"required": "Pick what it is about. If none of "
                                                         "them fits, pick \"Something else\"."})
    description = forms.CharField(
        label="Tell us what happened", widget=forms.Textarea,
        help_text="Write it in your own words. You are not in trouble for telling us.")
    who = forms.CharField(label="Who was involved? (if you know)", max_length=300,
                          required=False)
    when = forms.DateField(label="When did it happen? (if you know)", required=False,
                           widget=DATE)

    def clean_when(self):
        return _not_future(self.cleaned_data.get("when"))


class ParentReportForm(forms.Form):
    child = PersonChoice(label="Which of your children is it about?",
                         queryset=Person.objects.none())
    # No kind is chosen until the parent chooses one (as on the staff form).
    kind = forms.ChoiceField(label="What is it about?",
                             choices=[("", "Choose what it is about"), *rules.TYPE_CHOICES],
                             error_messages={"required": "Choose what your concern is about. If "
                                                         "none of them fits, choose \"Other\"."})
    description = forms.CharField(label="What happened", widget=forms.Textarea)
    when = forms.DateField(label="When did it happen? (if you know)", required=False,
                           widget=DATE)
    urls = forms.CharField(label="Web addresses (one per line)", required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, parent: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people_field(self, "child").queryset = parent.children.filter(school=parent.school)

    def clean_when(self):
        return _not_future(self.cleaned_data.get("when"))


class EditForm(forms.Form):
    prefix = "edit"

    version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="Kind", choices=rules.TYPE_CHOICES)
    summary = forms.CharField(label="Summary", max_length=200)
    description = forms.CharField(label="What happened", widget=forms.Textarea)
    occurred_at = forms.DateTimeField(label="When it happened", required=False, widget=DATETIME)
    location = forms.CharField(label="Where", max_length=200, required=False)
    designated_computer = forms.CharField(
        label="Designated computer for the investigation", max_length=200, required=False,
        help_text="002: one computer not used by young people, the same one throughout.")

    def clean_occurred_at(self):
        return _not_future(self.cleaned_data.get("occurred_at"))


class NoteForm(forms.Form):
    prefix = "note"

    text = forms.CharField(label="Add a note", widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceForm(forms.Form):
    prefix = "evidence"

    kind = forms.ChoiceField(label="What are you adding?", choices=rules.EVIDENCE_CHOICES)
    url = forms.URLField(label="Web address (URL)", required=False, max_length=2000,
                         assume_scheme="https", widget=URL_INPUT)
    phone = forms.CharField(label="Phone number", required=False, max_length=40)
    text = forms.CharField(label="Description, nature of the content, or note", required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    upload = forms.FileField(label="File", required=False,
                             help_text="Screenshots: PNG, JPEG, GIF, WebP. Emails: .eml. Logs: "
                                       "TXT, CSV or PDF. Up to 10 MB.")

    def __init__(self, *args: Any, incident: Incident | None = None, team: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = rules.EVIDENCE_CHOICES
        if incident is not None and incident.images_not_accepted:
            choices = [c for c in choices if c[0] in rules.DESCRIPTION_ONLY_EVIDENCE]
            del self.fields["upload"]
        if not team:
            choices = [c for c in choices if c[0] != rules.EVIDENCE_VISIT]
        kind = self.fields["kind"]
        if not isinstance(kind, forms.ChoiceField):
            raise TypeError("kind is not a choice")
        kind.choices = choices


class WithdrawForm(forms.Form):
    prefix = "withdraw"

    reason = forms.CharField(label="Why is this item withdrawn?", max_length=500)


class PersonForm(forms.Form):
    person = PersonPickerField(label="Person", queryset=Person.objects.none(), scope="adults")

    def __init__(self, *args: Any, queryset: QuerySet[Person], label: str = "Person",
                 prefix: str = "person", **kwargs: Any) -> None:
        kwargs["prefix"] = prefix
        super().__init__(*args, **kwargs)
        _people_field(self, "person").queryset = queryset
        self.fields["person"].label = label


class PoliceMattersForm(forms.Form):
    prefix = "police"

    matters = forms.MultipleChoiceField(
        label="Does the content include any of these?", choices=rules.POLICE_MATTERS,
        widget=forms.CheckboxSelectMultiple, required=False)


class JudgementForm(forms.Form):
    prefix = "judgement"

    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    outcome = forms.ChoiceField(label="Judgement", choices=rules.OUTCOME_CHOICES,
                                widget=forms.RadioSelect)
    reasons = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 4}))
    police_override_reason = forms.CharField(
        label="If the content is police-reportable but you are not involving the police, why?",
        required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    prefix = "close"

    confirm = forms.BooleanField(label="I confirm the investigation is complete")


class ReopenForm(forms.Form):
    prefix = "reopen"

    reason = forms.CharField(label="Why reopen it?", max_length=500)


class InvolvementForm(forms.Form):
    """Add someone to the case with a part, or change a person's part."""

    prefix = "part"

    # Anyone of the school, parents too: a parent can be an alleged perpetrator.
    person = PersonPickerField(label="Person", queryset=Person.objects.none(), scope="case")
    part = forms.ChoiceField(label="Their part in the case", choices=rules.PARTS)
    reason = forms.CharField(label="Why (optional)", required=False, max_length=500)

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people_field(self, "person").queryset = people
        self.fields["person"].error_messages["invalid_choice"] = (
            "Choose someone in your school: a case can only be about people in your own school.")


class InvolvementRemoveForm(forms.Form):
    prefix = "remove"

    reason = forms.CharField(label="Why take them off the case?", max_length=500)


class RatingWithdrawForm(forms.Form):
    prefix = "unrate"

    reason = forms.CharField(label="Why is this rating withdrawn?", max_length=500)


class RatingForm(forms.Form):
    prefix = "rating"

    person = PersonChoice(label="Whose misuse? (alleged perpetrators only)",
                          queryset=Person.objects.none())
    rating = forms.ChoiceField(label="Rating (004 Appendix I)", choices=rules.RATING_CHOICES,
                               widget=forms.RadioSelect)

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people_field(self, "person").queryset = people
        for code, label, hint in rules.DIMENSIONS:
            self.fields[f"dim_{code}"] = forms.CharField(label=label, help_text=hint,
                                                         required=False, max_length=500)
        for code, label, hint in rules.FACTORS:
            self.fields[f"factor_{code}"] = forms.CharField(
                label=label, help_text=hint, required=False, max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}))

    def dimensions(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"dim_{code}", "") for code, _, _ in rules.DIMENSIONS}

    def factors(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"factor_{code}", "") for code, _, _ in rules.FACTORS}


class SanctionForm(forms.Form):
    prefix = "sanction"

    person = PersonChoice(label="Who is the sanction for? (alleged perpetrators only)",
                          queryset=Person.objects.none())
    kind = forms.ChoiceField(label="Sanction", choices=[
        ("Pupils (002, 004 §3.3)", rules.PUPIL_SANCTIONS[:-1]),
        ("Staff (004 Appendix I)", rules.STAFF_SANCTIONS[:-1]),
        ("", [("none", "No sanction")])])
    reasons = forms.CharField(label="Reasons, having weighed the Appendix II factors",
                              widget=forms.Textarea(attrs={"rows": 3}))
    starts_at = forms.DateTimeField(label="Internet suspension starts", required=False,
                                    widget=DATETIME)
    ends_at = forms.DateTimeField(label="Internet suspension ends", required=False,
                                  widget=DATETIME)

    def __init__(self, *args: Any, people: QuerySet[Person], can_override: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people_field(self, "person").queryset = people
        if can_override:
            self.fields["override_reason"] = forms.CharField(
                label="Headteacher's override: if the policy's rules refuse this sanction, why "
                      "it should be recorded anyway", required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Leave empty unless you mean to override. Kept in the case history.")


class TakedownForm(forms.Form):
    prefix = "takedown"

    target = forms.ChoiceField(label="Request sent to", choices=rules.TAKEDOWN_TARGETS)
    target_name = forms.CharField(label="Name of the site, provider or person", max_length=200)
    url = forms.URLField(label="Address of the material", required=False, max_length=2000,
                         assume_scheme="https", widget=URL_INPUT)
    sent_on = forms.DateField(label="Date sent", widget=DATE)
    notes = forms.CharField(label="Notes", required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def clean_sent_on(self):
        return _not_future(self.cleaned_data.get("sent_on"))


class TakedownOutcomeForm(forms.Form):
    prefix = "outcome"

    outcome = forms.ChoiceField(label="Outcome", choices=rules.TAKEDOWN_OUTCOMES)
    outcome_on = forms.DateField(label="Date", widget=DATE)
    notes = forms.CharField(label="Notes", required=False, max_length=1000)

    def clean_outcome_on(self):
        return _not_future(self.cleaned_data.get("outcome_on"))


class SettingsForm(forms.Form):
    designated_person = PersonChoice(
        label="Designated person (told at once of every report)", required=False,
        queryset=Person.objects.none())
    chair_of_governors = PersonChoice(
        label="Chair of governors (receives allegations against the headteacher)", required=False,
        queryset=Person.objects.none())
    letter_template = forms.CharField(
        label="Letter to parents", widget=forms.Textarea(attrs={"rows": 16}), max_length=20_000,
        help_text="Fields: {parent_name} {pupil_name} {pupil_first_name} {pupil_year} "
                  "{incident_date} {summary} {sanction} {sanction_reasons} {designated_person} "
                  "{signed_by} {school_name} {reference} {date}")

    def clean_letter_template(self):
        # Checked when saved, so a letter never fails later (the action checks it again).
        from esafety.errors import InvalidInput
        from esafety.incidents.actions.settings import check_letter_template

        text = self.cleaned_data["letter_template"]
        try:
            check_letter_template(text)
        except InvalidInput as exc:
            message = str(exc)
            raise forms.ValidationError(message[:1].upper() + message[1:] + ".") from None
        return text

    def __init__(self, *args: Any, school: School, locked: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = _school_people(school)
        _people_field(self, "designated_person").queryset = people.filter(
            role__in=permissions.roles_with("investigate"))
        _people_field(self, "chair_of_governors").queryset = people.filter(role=roles.GOVERNOR)
        if locked:
            # The subject of an open allegation keeps the current choices (the action refuses
            # a change too; disabled fields keep their initial values whatever is posted).
            for name in ("designated_person", "chair_of_governors"):
                self.fields[name].disabled = True
                self.fields[name].help_text = ("You cannot change this while an allegation "
                                               "about you is open.")


class ReportRangeForm(forms.Form):
    start = forms.DateField(label="From", widget=DATE)
    end = forms.DateField(label="To", widget=DATE)

    def clean(self):
        from esafety.incidents.report import period_problem

        super().clean()
        data = self.cleaned_data
        if data.get("start") and data.get("end"):
            problem = period_problem(data["start"], data["end"])
            if problem:
                raise forms.ValidationError(problem)
        return data


class OwnerForm(forms.Form):
    prefix = "owner"

    person = PersonChoice(label="Who owns the case", queryset=Person.objects.none(),
                          required=False, empty_label="Nobody")

    def __init__(self, *args: Any, queryset: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people_field(self, "person").queryset = queryset


class NextActionForm(forms.Form):
    prefix = "next"

    action = forms.CharField(label="What must happen next", max_length=200, required=False)
    due = forms.DateField(label="By when", widget=DATE, required=False)
    reason = forms.CharField(label="Why (kept in the case's history)", max_length=500)


class CaseSearchForm(forms.Form):
    """Searching the cases: every field optional; bad dates get a message, never a 500."""

    person = forms.CharField(label="Person (any part in the case)", max_length=100,
                             required=False)
    kind = forms.ChoiceField(label="Type", required=False,
                             choices=[("", "Any"), *rules.TYPE_CHOICES])
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("", "Any"), *STATUS_CHOICES])
    since = forms.DateField(label="Reported from", widget=DATE, required=False)
    until = forms.DateField(label="Reported until", widget=DATE, required=False)
    words = forms.CharField(label="Words in the summary, description or notes", max_length=200,
                            required=False)
    overdue = forms.BooleanField(label="Only cases whose next action is overdue",
                                 required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("The 'reported from' date is after the 'reported "
                                        "until' date.")
        return data

    def criteria(self) -> Criteria:
        data = self.cleaned_data if self.is_valid() else {}
        return Criteria(**{name: data[name] for name in Criteria.__dataclass_fields__
                           if data.get(name) not in (None, "")})
