"""The only code that changes courses, completions and the training-needs survey."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from esafety.audit.events import snapshot
from esafety.directory import permissions, roles
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.training import events
from esafety.training.models import (
    COURSE_KINDS,
    QUESTION_KINDS,
    SCALE,
    YES_NO,
    Answer,
    Completion,
    Course,
    Question,
    Response,
    Survey,
)

COURSE_FIELDS = ["name", "kind", "valid_months", "for_roles", "description", "retired"]


def _text(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def course_save(*, actor: Person, school: School, course: Course | None = None, name: str,
                kind: str, valid_months: int | None, for_roles: list[str],
                description: str = "", retired: bool = False) -> Course:
    permissions.require(actor, "manage_training", school, what="change training courses")
    name = _text(name, 200)
    if not name:
        raise InvalidInput("give the course a name", code="missing-name")
    if kind not in dict(COURSE_KINDS):
        raise InvalidInput("choose what kind of course it is", code="unknown-kind")
    if valid_months is not None and not 1 <= valid_months <= 120:
        raise InvalidInput("a course stays valid for 1 to 120 months", code="bad-validity")
    for_roles = sorted(set(for_roles))
    if not for_roles or set(for_roles) - roles.ADULT_ROLES:
        # A course is for adults: staff, governors and guests (pupils are taught, not trained).
        raise InvalidInput("choose the staff roles who need it", code="bad-roles")
    with transaction.atomic():
        before = None
        if course is None:
            course = Course(school=school)
        else:
            course = Course.objects.select_for_update().get(pk=course.pk, school=school)
            before = snapshot(course, COURSE_FIELDS)
        course.name, course.kind, course.valid_months = name, kind, valid_months
        course.for_roles, course.description = for_roles, (description or "")[:500]
        course.retired = retired
        course.save()
        events.course_saved(actor=actor, course=course, before=before,
                            after=snapshot(course, COURSE_FIELDS))
    return course


def completion_record(*, actor: Person, course: Course, people: list[Person],
                      completed_on: datetime.date, note: str = "") -> list[Completion]:
    """Who completed a course and when (002 "Education & Training")."""
    permissions.require(actor, "manage_training", course.school_id,
                        what="record training")
    if completed_on > timezone.localdate():
        raise InvalidInput("the date completed cannot be in the future", code="future-date")
    if completed_on < timezone.localdate() - datetime.timedelta(days=365 * 20):
        raise InvalidInput("the date completed is too long ago", code="old-date")
    if not people:
        raise InvalidInput("choose who completed it", code="no-people")
    for person in people:
        if person.school_id != course.school_id:
            raise NotAllowed("that belongs to another school")
    made = []
    with transaction.atomic():
        for person in dict.fromkeys(people):
            completion = Completion.objects.create(
                course=course, person=person, completed_on=completed_on, recorded_by=actor,
                recorded_at=timezone.now(), note=(note or "")[:300])
            events.training_completed(actor=actor, completion=completion)
            made.append(completion)
    return made


def export_record(*, actor: Person, school: School, rows: int,
                  register: str = "Training records") -> None:
    permissions.require(actor, "view_training_records", school,
                        what="download the training records")
    events.training_exported(actor=actor, school=school, rows=rows, register=register)


def survey_open(*, actor: Person, school: School, title: str,
                questions: list[tuple[str, str]]) -> Survey:
    """002 "Education & Training": "an audit of the online safety training needs of all
    staff will be carried out regularly"."""
    permissions.require(actor, "manage_training", school, what="run a training-needs survey")
    title = _text(title, 200)
    if not title:
        raise InvalidInput("give the survey a title", code="missing-title")
    cleaned = [(_text(text, 300), kind) for text, kind in questions if _text(text, 300)]
    if not cleaned:
        raise InvalidInput("add at least one question", code="no-questions")
    if any(kind not in dict(QUESTION_KINDS) for _, kind in cleaned):
        raise InvalidInput("choose how each question is answered", code="bad-kind")
    with transaction.atomic():
        survey = Survey.objects.create(school=school, title=title,
                                       opened_on=timezone.localdate(), created_by=actor)
        for order, (text, kind) in enumerate(cleaned):
            Question.objects.create(survey=survey, text=text, kind=kind, order=order)
        events.training_survey_opened(actor=actor, survey=survey)
    return survey


def survey_close(*, actor: Person, survey: Survey) -> Survey:
    permissions.require(actor, "manage_training", survey.school_id, what="close a survey")
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.closed_on is not None:
            raise Conflict("that survey is already closed")
        survey.closed_on = timezone.localdate()
        survey.save(update_fields=["closed_on"])
        events.training_survey_closed(actor=actor, survey=survey)
    return survey


def _clean_answer(question: Question, value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if question.kind == SCALE and value not in {"1", "2", "3", "4", "5"}:
        raise InvalidInput(f"answer “{question.text}” from 1 to 5", code="bad-answer")
    if question.kind == YES_NO and value not in {"yes", "no"}:
        raise InvalidInput(f"answer “{question.text}” yes or no", code="bad-answer")
    return value[:2000]


def survey_answer(*, actor: Person, survey: Survey, answers: dict[int, str]) -> Response:
    """A member of staff's answers, once each."""
    permissions.require(actor, "take_training", survey.school_id, what="answer the survey")
    survey = Survey.objects.get(pk=survey.pk)  # closed since the page was opened?
    if survey.closed_on is not None:
        raise Conflict("that survey has closed")
    questions = list(survey.questions.all())
    cleaned = {q.pk: _clean_answer(q, answers.get(q.pk, "")) for q in questions}
    if not any(cleaned.values()):
        raise InvalidInput("answer at least one question", code="no-answers")
    try:
        with transaction.atomic():
            response = Response.objects.create(survey=survey, person=actor,
                                               submitted_at=timezone.now())
            Answer.objects.bulk_create(Answer(response=response, question=q, value=cleaned[q.pk])
                                       for q in questions)
            events.training_survey_answered(actor=actor, survey=survey)
    except IntegrityError:
        raise Conflict("you have already answered this survey") from None
    return response
