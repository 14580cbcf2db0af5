"""The governors' pack reads plain counts of training coverage."""

import datetime

from django.utils import timezone

from esafety.directory import roles
from esafety.training import selectors
from esafety.training.models import REFRESHER, Completion, Course


def test_counts_complete_due_and_overdue(school, make_person):
    today = timezone.localdate()
    course = Course.objects.create(school=school, name="Annual refresher", kind=REFRESHER,
                                   valid_months=12, for_roles=[roles.TEACHER])
    done, due, never = (make_person(roles.TEACHER) for _ in range(3))
    make_person(roles.PUPIL)
    Completion.objects.create(course=course, person=done, completed_on=today,
                              recorded_at=timezone.now())
    Completion.objects.create(course=course, person=due,
                              completed_on=selectors.add_months(today, -12)
                              + datetime.timedelta(days=10), recorded_at=timezone.now())
    assert never
    assert selectors.coverage_summary(school) == {
        "courses": 1, "people": 3, "required": 3, "complete": 1, "due": 1, "overdue": 1}
