"""Demo training records a school would recognise: the induction, the annual refresher,
DSL and governor training; most staff up to date, a few due or overdue; last term's
training-needs survey with answers."""

from __future__ import annotations

import datetime

from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.training import actions
from esafety.training.models import (
    DSL_COURSE,
    GOVERNOR_COURSE,
    INDUCTION,
    REFRESHER,
    SCALE,
    TEXT,
    YES_NO,
    Course,
)

STAFF = sorted(roles.STAFF_ROLES)


def load_demo_training(school: School) -> None:
    """Idempotent: a school that already has courses gets nothing more."""
    if Course.objects.filter(school=school).exists():
        return
    keeper = Person.objects.filter(school=school, role=roles.ONLINE_SAFETY_LEAD).order_by(
        "pk").first() or Person.objects.filter(school=school, role=roles.HEADTEACHER).first()
    if keeper is None:
        return
    today = timezone.localdate()
    induction = actions.course_save(
        actor=keeper, school=school, name="Online safety induction", kind=INDUCTION,
        valid_months=None, for_roles=STAFF + sorted(roles.GUEST_ROLES),
        description="Acceptable use, reporting a concern, filtering and monitoring")
    refresher = actions.course_save(
        actor=keeper, school=school, name="Annual online safety refresher", kind=REFRESHER,
        valid_months=12, for_roles=STAFF,
        description="This year's changes, KCSIE online safety, case studies")
    dsl = actions.course_save(
        actor=keeper, school=school, name="DSL training (online safety)", kind=DSL_COURSE,
        valid_months=24, for_roles=[roles.DSL, roles.HEADTEACHER],
        description="Every two years, with the local safeguarding partnership")
    governors = actions.course_save(
        actor=keeper, school=school, name="Governor online safety training",
        kind=GOVERNOR_COURSE, valid_months=36, for_roles=[roles.GOVERNOR],
        description="Filtering and monitoring standards; the governors' role")
    staff = list(Person.objects.current().filter(school=school, role__in=STAFF).order_by("pk"))
    ago = lambda days: today - datetime.timedelta(days=days)  # noqa: E731
    done = [p for n, p in enumerate(staff) if n % 6 != 5]  # a few new starters not inducted
    if done:
        actions.completion_record(actor=keeper, course=induction, people=done,
                                  completed_on=ago(300), note="September INSET")
    fresh = [p for n, p in enumerate(staff) if n % 4 != 3]
    due = [p for n, p in enumerate(staff) if n % 8 == 3]
    if fresh:
        actions.completion_record(actor=keeper, course=refresher, people=fresh,
                                  completed_on=ago(90), note="Autumn twilight session")
    if due:
        actions.completion_record(actor=keeper, course=refresher, people=due,
                                  completed_on=ago(350), note="Last year's session")
    leads = list(Person.objects.current().filter(school=school,
                                                 role__in=[roles.DSL, roles.HEADTEACHER]))
    if leads:
        actions.completion_record(actor=keeper, course=dsl, people=leads[:1],
                                  completed_on=ago(200))
    govs = list(Person.objects.current().filter(school=school, role=roles.GOVERNOR))
    if govs:
        actions.completion_record(actor=keeper, course=governors, people=govs[:1],
                                  completed_on=ago(500))
    survey = actions.survey_open(actor=keeper, school=school,
                                 title="Online safety training needs: autumn term", questions=[
        ("How confident are you spotting signs of online grooming?", SCALE),
        ("How confident are you using the school's reporting routes?", SCALE),
        ("Would you like training on AI tools and chatbots?", YES_NO),
        ("What would help you most this year?", TEXT)])
    questions = list(survey.questions.all())
    wishes = ["More on sextortion", "How the filtering works", "", "Gaming and chat apps"]
    for n, person in enumerate(staff[:8]):
        actions.survey_answer(actor=person, survey=survey, answers={
            questions[0].pk: str(2 + n % 4), questions[1].pk: str(3 + n % 3),
            questions[2].pk: "yes" if n % 3 else "no", questions[3].pk: wishes[n % 4]})
