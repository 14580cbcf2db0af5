"""The approved-recipients page: staff manage who pupils may email."""

import pytest

from esafety.audit.models import AuditEvent
from esafety.checks import actions
from esafety.checks.models import ApprovedRecipient, Correspondent

URL = "/checks/approved/"


def test_teacher_approves_an_address_for_a_pupil(client_for, teacher, pupil):
    response = client_for(teacher).post(URL, {
        "approve-pupil": pupil.pk, "approve-address": "author@booksforschools.org",
        "approve-note": "Reading project"}, follow=True)
    assert "Pip Pupil may now email author@booksforschools.org." in response.content.decode()
    assert ApprovedRecipient.objects.get().address == "author@booksforschools.org"
    assert AuditEvent.objects.filter(event_type="approved_recipient_added").count() == 1


def test_a_bad_address_is_explained_and_nothing_is_saved(client_for, teacher, pupil):
    response = client_for(teacher).post(URL, {"approve-pupil": pupil.pk,
                                              "approve-address": "not an address"})
    assert response.status_code == 200
    assert "is not an email address or a domain" in response.content.decode()
    assert not ApprovedRecipient.objects.exists()


def test_pupils_of_another_school_cannot_be_chosen(client_for, outsider, pupil):
    response = client_for(outsider).post(URL, {"approve-pupil": pupil.pk,
                                               "approve-address": "museum.org.uk"})
    assert response.status_code == 200
    assert not ApprovedRecipient.objects.exists()


def test_teacher_removes_an_approval(client_for, teacher, pupil):
    approval = actions.approved_recipient_add(actor=teacher, pupil=pupil, address="museum.org.uk")
    response = client_for(teacher).post(f"{URL}{approval.pk}/remove/", follow=True)
    assert "can no longer email museum.org.uk" in response.content.decode()
    assert not ApprovedRecipient.objects.exists()
    assert AuditEvent.objects.filter(event_type="approved_recipient_removed").count() == 1


def test_outsider_gets_404_for_another_schools_approval(client_for, teacher, pupil, outsider):
    approval = actions.approved_recipient_add(actor=teacher, pupil=pupil, address="museum.org.uk")
    assert client_for(outsider).post(f"{URL}{approval.pk}/remove/").status_code == 404
    assert client_for(teacher).post(f"{URL}99999/remove/").status_code == 404
    assert ApprovedRecipient.objects.count() == 1


@pytest.mark.parametrize("persona", ["pupil", "parent"])
def test_pupils_and_parents_get_404(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).get(URL).status_code == 404


def test_teacher_adds_a_known_correspondent(client_for, teacher, school):
    client_for(teacher).post(URL, {"known-address": "LocalAuthority.gov.uk",
                                   "known-note": "Admissions"})
    assert Correspondent.objects.get(school=school).address == "localauthority.gov.uk"
