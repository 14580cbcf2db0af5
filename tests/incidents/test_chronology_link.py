"""A person's page leads to their incident chronology, for those who may read it."""

import pytest
from django.urls import reverse

from esafety.audit.models import AuditEvent
from esafety.directory import roles

LINK = "Incident chronology"


def _person_page(client, person):
    response = client.get(reverse("directory:person", args=[person.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_dsl_reaches_a_pupils_chronology_from_their_page(reported, dsl, pupil, client_for):
    client = client_for(dsl)
    page = _person_page(client, pupil)
    url = reverse("incidents:chronology", args=[pupil.pk])
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert reported.reference in response.content.decode()
    viewed = AuditEvent.objects.get(event_type="person_chronology_viewed")
    assert viewed.object_id == str(pupil.pk)
    assert viewed.details["incidents"] == [reported.pk]


@pytest.mark.parametrize("role", [roles.HEADTEACHER, roles.ONLINE_SAFETY_LEAD])
def test_the_other_leaders_see_the_link(pupil, make_person, client_for, role):
    assert LINK in _person_page(client_for(make_person(role)), pupil)


@pytest.mark.parametrize("role", [roles.BUSINESS_MANAGER, roles.IT_MANAGER,
                                  roles.ASSISTANT_HEAD])
def test_people_who_may_not_read_it_see_no_link_and_get_404(pupil, make_person, client_for,
                                                            role):
    client = client_for(make_person(role))
    assert LINK not in _person_page(client, pupil)
    assert client.get(reverse("incidents:chronology", args=[pupil.pk])).status_code == 404


def test_opening_a_person_page_does_not_count_as_reading_their_chronology(pupil, dsl,
                                                                         client_for):
    _person_page(client_for(dsl), pupil)
    assert not AuditEvent.objects.filter(event_type="person_chronology_viewed").exists()
