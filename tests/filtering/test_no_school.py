"""Filtering is about one school: the service operator (a superuser with no school) gets a
404 from its pages, and the actions refuse, with a message, what needs a school."""

import pytest
from django.core.management import CommandError, call_command

from esafety.directory import roles
from esafety.directory.models import Person
from esafety.errors import InvalidInput, NotAllowed
from esafety.filtering import actions

from .conftest import soon

PASSWORD = "operator-password-1"

# One page of each view that reads the signed-in person's school.
PAGES = ["/filtering/policy/", "/filtering/policy/try/", "/filtering/attempts/",
         "/filtering/alerts/", "/filtering/reports/", "/filtering/suspensions/"]
POSTS = ["/filtering/policy/settings/", "/filtering/policy/rule/",
         "/filtering/policy/working-time/", "/filtering/policy/entries/",
         "/filtering/policy/staff-social-networks/", "/filtering/policy/group/ks3/",
         "/filtering/policy/category/1/statutory/", "/filtering/attempts/load/"]


@pytest.fixture
def operator(db):
    return Person.objects.create_superuser("operator", "op@example.org", PASSWORD)


@pytest.fixture
def operator_client(operator, client_for):
    client = client_for(operator)
    client.raise_request_exception = False  # (a 500 is a failure here, not an error)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_the_operator_gets_404_from_a_schools_filtering_page(operator_client, url):
    assert operator_client.get(url).status_code == 404


@pytest.mark.parametrize("url", POSTS)
def test_the_operator_gets_404_from_a_schools_filtering_change(operator_client, url):
    assert operator_client.post(url, {}).status_code == 404


def test_someone_with_no_school_cannot_ask_for_an_unblock(operator):
    with pytest.raises(NotAllowed, match="only someone in a school"):
        actions.unblock_request(actor=operator, site="www.example.org", groups=["ks3"],
                                reason="A reason long enough to judge.",
                                starts_at=soon(), ends_at=soon(days=1))


def test_a_pupil_with_no_school_cannot_be_suspended(operator):
    pupil = Person.objects.create(username="lost", role=roles.PUPIL, year_group=8,
                                  first_name="Lost", last_name="Pupil")
    with pytest.raises(InvalidInput, match="not in a school"):
        actions.internet_suspend(actor=operator, pupil=pupil, starts_at=soon(),
                                 ends_at=soon(hours=1), reason="Games in an ICT lesson.")


def test_decide_with_an_empty_user_says_who_is_missing(db):
    with pytest.raises(CommandError, match="--user USERNAME"):
        call_command("filter", "decide", "http://a.example/", "--user", "")
