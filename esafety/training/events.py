"""What happened to training records and the training-needs survey: one function per audit
event (the app's only callers of `esafety.audit.events.record`). Never a person's answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.directory.models import Person, School
    from esafety.training.models import Completion, Course, Survey


def course_saved(*, actor: Person, course: Course, before: dict | None,
                 after: dict) -> AuditEvent:
    return events.record(event_type="course_saved", actor=actor, school=course.school,
                         obj=course, before=before, after=after)


def training_completed(*, actor: Person, completion: Completion) -> AuditEvent:
    return events.record(event_type="training_completed", actor=actor,
                         school=completion.course.school, obj=completion.person,
                         object_type="person",
                         after={"course": completion.course.name,
                                "completed_on": completion.completed_on.isoformat()})


def training_exported(*, actor: Person, school: School, rows: int,
                      register: str = "Training records") -> AuditEvent:
    return events.record(event_type="training_exported", actor=actor, school=school,
                         object_type="course", object_label=register[:300],
                         details={"rows": rows})


def training_survey_opened(*, actor: Person, survey: Survey) -> AuditEvent:
    return events.record(event_type="training_survey_opened", actor=actor,
                         school=survey.school, obj=survey,
                         after={"questions": [q.text for q in survey.questions.all()]})


def training_survey_answered(*, actor: Person, survey: Survey) -> AuditEvent:
    return events.record(event_type="training_survey_answered", actor=actor,
                         school=survey.school, obj=survey)


def training_survey_closed(*, actor: Person, survey: Survey) -> AuditEvent:
    return events.record(event_type="training_survey_closed", actor=actor,
                         school=survey.school, obj=survey)
