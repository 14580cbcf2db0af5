"""Reads for the training pages, the reminders and the governors' pack; never writes."""

from __future__ import annotations

import calendar
import datetime
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.training.models import SCALE, TEXT, YES_NO, Completion, Course, Survey

# Someone whose training runs out within this long is "due" and reminded.
DUE_WITHIN = datetime.timedelta(days=30)

COMPLETE = "complete"
DUE = "due"
OVERDUE = "overdue"
STATUS_LABELS = {COMPLETE: "Complete", DUE: "Due soon", OVERDUE: "Overdue"}


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    if year > datetime.MAXYEAR:
        return datetime.date.max
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def courses(school: School, *, include_retired: bool = False):
    found = Course.objects.filter(school=school)
    return found if include_retired else found.filter(retired=False)


def people_for(school: School, course: Course):
    return Person.objects.current().filter(school=school, role__in=course.for_roles)


@dataclass
class Cell:
    course: Course
    person: Person
    status: str
    completed_on: datetime.date | None
    expires_on: datetime.date | None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def cell_for(course: Course, person: Person, last: datetime.date | None,
             today: datetime.date) -> Cell:
    if last is None:
        return Cell(course, person, OVERDUE, None, None)
    expires = add_months(last, course.valid_months) if course.valid_months else None
    if expires is not None and expires <= today:
        status = OVERDUE
    elif expires is not None and expires - today <= DUE_WITHIN:
        status = DUE
    else:
        status = COMPLETE
    return Cell(course, person, status, last, expires)


def cells(school: School, today: datetime.date | None = None) -> list[Cell]:
    """One cell for every course and every current person whose role it is for."""
    today = today or timezone.localdate()
    found: list[Cell] = []
    for course in courses(school):
        people = list(people_for(school, course))
        latest: dict[int, datetime.date] = {}
        for person_id, day in Completion.objects.filter(
                course=course, person__in=people).values_list("person_id", "completed_on"):
            if person_id not in latest or day > latest[person_id]:
                latest[person_id] = day
        found.extend(cell_for(course, person, latest.get(person.pk), today) for person in people)
    return found


@dataclass
class RoleRow:
    role: str
    label: str
    cells: list[Cell]


def matrix(school: School, today: datetime.date | None = None) -> dict[str, list]:
    """By role: each person, and their status for every course their role needs."""
    by_role: dict[str, dict[int, list[Cell]]] = {}
    people: dict[int, Person] = {}
    for cell in cells(school, today):
        by_role.setdefault(cell.person.role, {}).setdefault(cell.person.pk, []).append(cell)
        people[cell.person.pk] = cell.person
    groups = []
    for role, label in roles.ROLE_CHOICES:
        if role not in by_role:
            continue
        rows = sorted(((people[pk], row) for pk, row in by_role[role].items()),
                      key=lambda pair: (pair[0].last_name, pair[0].first_name))
        groups.append({"role": role, "label": label, "rows": rows})
    return {"groups": groups}


def coverage_summary(school: School) -> dict[str, int]:
    """Counts for the governors' pack: courses, people who need training, and how many of
    the required trainings are complete, due soon or overdue."""
    found = cells(school)
    counts = Counter(cell.status for cell in found)
    return {
        "courses": courses(school).count(),
        "people": len({cell.person.pk for cell in found}),
        "required": len(found),
        "complete": counts[COMPLETE],
        "due": counts[DUE],
        "overdue": counts[OVERDUE],
    }


def surveys(school: School):
    return Survey.objects.filter(school=school)


def results(survey: Survey) -> list[dict]:
    """Per question: how many answered, and the spread (scale, yes/no) or the words."""
    summary = []
    for question in survey.questions.all():
        values = [a.value for a in question.answers.all() if a.value != ""]
        entry: dict = {"question": question, "answered": len(values)}
        if question.kind == SCALE:
            numbers = [int(v) for v in values if v.isdigit()]
            entry["spread"] = [(n, numbers.count(n)) for n in range(1, 6)]
            entry["average"] = round(sum(numbers) / len(numbers), 1) if numbers else None
        elif question.kind == YES_NO:
            entry["yes"] = values.count("yes")
            entry["no"] = values.count("no")
        elif question.kind == TEXT:
            entry["texts"] = values
        summary.append(entry)
    return summary
