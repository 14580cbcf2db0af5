"""People who can use the systems now: one query, Person.objects.current(), the twin of
Person.can_use_systems."""

import datetime

from django.utils import timezone

from esafety.checks.directory_view import build_directory
from esafety.directory import roles
from esafety.directory.models import Person
from esafety.filtering.publish import build_policy
from esafety.policies import status


def _people(school, make_person):
    now = timezone.now()
    today = timezone.localdate()
    return {
        "teacher": make_person(roles.TEACHER),
        "guest": make_person(roles.SUPPLY_TEACHER, username="guest.current"),
        "expired_guest": make_person(roles.SUPPLY_TEACHER, username="guest.expired",
                                     access_expires_at=now - datetime.timedelta(minutes=1)),
        "left": make_person(roles.TEACHER, left_on=today, is_active=False),
        "leaving_tomorrow": make_person(roles.TEACHER,
                                        left_on=today + datetime.timedelta(days=1)),
        "left_yesterday_still_active": make_person(
            roles.TEACHER, left_on=today - datetime.timedelta(days=1)),
        "inactive": make_person(roles.PUPIL, is_active=False),
    }


def test_current_people_are_exactly_those_who_can_use_the_systems(school, make_person):
    people = _people(school, make_person)
    current = set(Person.objects.filter(school=school).current().values_list("username",
                                                                             flat=True))
    assert current == {people["teacher"].username, people["guest"].username,
                       people["leaving_tomorrow"].username}
    for person in people.values():
        assert (person.username in current) == person.can_use_systems(), person.username


def test_the_message_check_directory_leaves_out_a_guest_whose_access_has_ended(school,
                                                                               make_person):
    # Fixed: the directory used to keep expired guests as members of the school.
    people = _people(school, make_person)
    members = build_directory(school).members
    assert people["guest"].email.lower() in members
    assert people["expired_guest"].email.lower() not in members
    assert people["left"].email.lower() not in members


def test_the_filtering_policy_leaves_out_a_guest_whose_access_has_ended(school, make_person):
    # Fixed: the published policy used to keep expired guests among its users.
    people = _people(school, make_person)
    users = build_policy(school)["users"]
    assert people["guest"].username in users
    assert people["expired_guest"].username not in users
    assert people["left"].username not in users


def test_the_agreements_audience_is_the_current_people(school, make_person):
    people = _people(school, make_person)
    visitors = set(status.people_in_audience(school, roles.AUDIENCE_VISITORS))
    assert visitors == {people["guest"]}
