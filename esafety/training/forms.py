"""The training pages' forms: bad input gets a message, never a server error."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from esafety.consent.forms import SafeDateField, no_nul
from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.training.models import (
    COURSE_KINDS,
    QUESTION_KINDS,
    SCALE,
    TEXT,
    YES_NO,
    Course,
    Survey,
)

ROLE_CHOICES = [(code, label) for code, label in roles.ROLE_CHOICES if code in roles.ADULT_ROLES]


class CourseForm(forms.Form):
    name = forms.CharField(max_length=200, validators=[no_nul])
    kind = forms.ChoiceField(choices=COURSE_KINDS)
    valid_months = forms.IntegerField(required=False, min_value=1, max_value=120,
                                      label="Stays valid for (months)",
                                      help_text="Leave empty for a course done once, "
                                                "such as the induction.")
    for_roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, label="Who needs it",
                                          widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(required=False, max_length=500, validators=[no_nul])
    retired = forms.BooleanField(required=False, label="No longer used")


class CompletionForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.none())
    people = forms.ModelMultipleChoiceField(queryset=Person.objects.none(), label="Who")
    completed_on = SafeDateField(initial=timezone.localdate, label="Completed on")
    note = forms.CharField(required=False, max_length=300, validators=[no_nul])

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        from esafety.training.selectors import courses

        cast(Any, self.fields["course"]).queryset = courses(school)
        cast(Any, self.fields["people"]).queryset = Person.objects.current().filter(
            school=school, role__in=roles.ADULT_ROLES)


QUESTION_SLOTS = 8


class SurveyForm(forms.Form):
    title = forms.CharField(max_length=200, validators=[no_nul],
                            initial="Online safety training needs")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(QUESTION_SLOTS):
            self.fields[f"q{n}"] = forms.CharField(required=False, max_length=300,
                                                   validators=[no_nul],
                                                   label=f"Question {n + 1}")
            self.fields[f"k{n}"] = forms.ChoiceField(choices=QUESTION_KINDS, required=False,
                                                     label="Answered as")

    def questions(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [(data[f"q{n}"], data[f"k{n}"] or SCALE) for n in range(QUESTION_SLOTS)
                if data.get(f"q{n}")]


class AnswerForm(forms.Form):
    """One field per question: 1 to 5, yes or no, or words."""

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        for question in survey.questions.all():
            name = f"a{question.pk}"
            if question.kind == SCALE:
                self.fields[name] = forms.ChoiceField(
                    label=question.text, required=False, widget=forms.RadioSelect,
                    choices=[(str(n), str(n)) for n in range(1, 6)],
                    help_text="1: not confident, 5: very confident")
            elif question.kind == YES_NO:
                self.fields[name] = forms.ChoiceField(
                    label=question.text, required=False, widget=forms.RadioSelect,
                    choices=[("yes", "Yes"), ("no", "No")])
            elif question.kind == TEXT:
                self.fields[name] = forms.CharField(
                    label=question.text, required=False, max_length=2000, validators=[no_nul],
                    widget=forms.Textarea(attrs={"rows": 3}))

    def answers(self) -> dict[int, str]:
        return {int(name[1:]): value or "" for name, value in self.cleaned_data.items()}
