"""Online safety training: courses with how long each stays valid, who completed them, and
the training-needs survey (002 "Education & Training": a planned programme, induction for
new staff, and "an audit of the online safety training needs of all staff will be carried
out regularly"; governors' and DSL training; 004 §2.2)."""

from __future__ import annotations

from django.db import models

from esafety.directory.models import Person, School

INDUCTION = "induction"
REFRESHER = "refresher"
DSL_COURSE = "dsl"
GOVERNOR_COURSE = "governor"
OTHER = "other"
COURSE_KINDS = [(INDUCTION, "Online safety induction"), (REFRESHER, "Annual refresher"),
                (DSL_COURSE, "Designated safeguarding lead training"),
                (GOVERNOR_COURSE, "Governor training"), (OTHER, "Other")]


class Course(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=COURSE_KINDS)
    # Months a completion stays valid; none: done once (an induction).
    valid_months = models.PositiveSmallIntegerField(null=True, blank=True)
    # The roles who must have it (directory roles).
    for_roles = models.JSONField(default=list)
    description = models.CharField(max_length=500, blank=True)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Completion(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField()
    recorded_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-completed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.course.name} completed {self.completed_on}"


SCALE = "scale"
YES_NO = "yes_no"
TEXT = "text"
QUESTION_KINDS = [(SCALE, "How confident (1 to 5)"), (YES_NO, "Yes or no"),
                  (TEXT, "In their own words")]


class Survey(models.Model):
    """A training-needs survey of staff."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=8, choices=QUESTION_KINDS)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "person"],
                                               name="one_training_survey_response_each")]

    def __str__(self) -> str:
        return f"Answers to {self.survey.title}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.CharField(max_length=2000, blank=True)

    def __str__(self) -> str:
        return f"Answer to {self.question.text}"
