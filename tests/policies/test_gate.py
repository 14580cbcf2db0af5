"""The Acceptable Use gate: nobody uses the school's systems until they accept the AUP for their role."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.policies import actions, status
from esafety.policies.models import Acceptance

AUP_PAGE = "/policies/acceptable-use/"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_someone_who_has_not_accepted_is_sent_to_the_aup(teacher, publish, client_for):
    version = publish(roles.AUDIENCE_STAFF, text="Use only your own account.")
    client = client_for(teacher)

    response = client.get("/policies/")

    assert response.status_code == 302
    assert response["Location"] == f"{AUP_PAGE}?next=%2Fpolicies%2F"
    page = client.get(AUP_PAGE).content.decode()
    assert "Use only your own account." in page
    assert version.monitoring_notice[:60] in page  # 002 Appendix 1's notice
    assert ">I accept<" in page and ">I do not accept<" in page


def test_accepting_opens_the_school_systems_and_is_recorded(teacher, publish, client_for):
    version = publish(roles.AUDIENCE_STAFF)
    client = client_for(teacher)

    response = client.post(AUP_PAGE, {"decision": "accepted", "version": version.pk,
                                      "next": "/policies/"})

    assert response.status_code == 302 and response["Location"] == "/policies/"
    assert client.get("/policies/").status_code == 200
    answer = Acceptance.objects.get(person=teacher)
    assert (answer.decision, answer.method, answer.version_id) == ("accepted", "online", version.pk)
    assert AuditEvent.objects.filter(event_type="aup_accepted", actor=teacher).count() == 1


def test_someone_who_declined_sees_only_the_aup_their_reports_and_sign_out(teacher, publish,
                                                                             client_for):
    version = publish(roles.AUDIENCE_STAFF)
    client = client_for(teacher)

    client.post(AUP_PAGE, {"decision": "declined", "version": version.pk})

    for url in ("/", "/policies/", f"/policies/{version.document.pk}/"):
        assert client.get(url).status_code == 302, url
    page = client.get(AUP_PAGE)
    assert page.status_code == 200
    assert "You chose not to accept this policy" in page.content.decode()
    assert [item["label"] for item in page.context["nav_items"]] == ["Acceptable use",
                                                                     "Your reports"]
    assert client.post("/sign-out/").status_code == 302
    assert AuditEvent.objects.filter(event_type="aup_declined").count() == 1


def test_someone_who_declined_can_accept_later(teacher, publish, client_for):
    version = publish(roles.AUDIENCE_STAFF)
    client = client_for(teacher)
    client.post(AUP_PAGE, {"decision": "declined", "version": version.pk})

    client.post(AUP_PAGE, {"decision": "accepted", "version": version.pk})

    assert client.get("/").status_code == 200
    assert list(Acceptance.objects.filter(person=teacher).order_by("decided_at", "id")
                .values_list("decision", flat=True)) == ["declined", "accepted"]


def test_a_new_version_must_be_accepted_again(teacher, publish, client_for):
    first = publish(roles.AUDIENCE_STAFF, "1.0")
    client = client_for(teacher)
    client.post(AUP_PAGE, {"decision": "accepted", "version": first.pk})
    assert client.get("/").status_code == 200

    second = publish(roles.AUDIENCE_STAFF, "2.0", text="New rule: Bcc parents.")

    assert client.get("/").status_code == 302
    assert "New rule: Bcc parents." in client.get(AUP_PAGE).content.decode()
    client.post(AUP_PAGE, {"decision": "accepted", "version": second.pk})
    assert client.get("/").status_code == 200


def test_an_answer_to_an_old_version_is_not_taken_as_an_answer_to_the_new_one(teacher, publish, client_for):
    first = publish(roles.AUDIENCE_STAFF, "1.0")
    client = client_for(teacher)
    publish(roles.AUDIENCE_STAFF, "2.0")

    response = client.post(AUP_PAGE, {"decision": "accepted", "version": first.pk})

    assert response.status_code == 302 and response["Location"] == AUP_PAGE
    assert not Acceptance.objects.exists()
    assert client.get("/").status_code == 302


def test_pupils_accept_again_each_school_year(pupil, publish, client_for, school):
    version = publish(roles.AUDIENCE_KS3)
    last_year = school.school_year_start() - datetime.timedelta(days=30)
    Acceptance.objects.create(person=pupil, version=version, decision="accepted",
                              decided_at=timezone.make_aware(datetime.datetime.combine(last_year, datetime.time(10))),
                              school_year_start=school.school_year_start(last_year))
    client = client_for(pupil)

    assert client.get("/").status_code == 302  # last year's answer does not count
    client.post(AUP_PAGE, {"decision": "accepted", "version": version.pk})
    assert client.get("/").status_code == 200
    assert Acceptance.objects.filter(person=pupil).latest("decided_at").school_year_start == school.school_year_start()


def test_the_school_sets_when_its_year_starts(school):
    school.year_start_month, school.year_start_day = 9, 4
    assert str(school.school_year_start(datetime.date(2026, 9, 3))) == "2025-09-04"
    assert str(school.school_year_start(datetime.date(2026, 9, 4))) == "2026-09-04"
    assert school.school_year_label(datetime.date(2027, 1, 10)) == "2026/27"


def test_staff_do_not_accept_again_just_because_the_year_changed(teacher, publish):
    version = publish(roles.AUDIENCE_STAFF)
    Acceptance.objects.create(person=teacher, version=version, decision="accepted",
                              decided_at=timezone.now() - datetime.timedelta(days=400))
    assert status.standing(teacher).may_use_systems


def test_each_audience_gets_its_own_aup(pupil, teacher, parent, publish, client_for):
    publish(roles.AUDIENCE_KS3, text="Pupil rules KS3")
    publish(roles.AUDIENCE_STAFF, text="Staff rules")
    publish(roles.AUDIENCE_PARENTS, text="Parent rules")
    assert "Pupil rules KS3" in client_for(pupil).get(AUP_PAGE).content.decode()
    assert "Staff rules" in client_for(teacher).get(AUP_PAGE).content.decode()
    assert "Parent rules" in client_for(parent).get(AUP_PAGE).content.decode()


def test_pupil_pages_use_plain_language(make_person, publish, client_for):
    young = make_person(roles.PUPIL, year_group=1)
    publish(roles.AUDIENCE_KS1)
    page = client_for(young).get(AUP_PAGE).content.decode()
    assert "Please read these rules with a grown-up" in page
    assert "Grown-ups at school can see what you do on school computers" in page


def test_a_linked_parent_cosigns_their_childs_acceptance(pupil, parent, publish, client_for):
    version = publish(roles.AUDIENCE_KS3)
    publish(roles.AUDIENCE_PARENTS)
    client_for(pupil).post(AUP_PAGE, {"decision": "accepted", "version": version.pk})
    answer = Acceptance.objects.get(person=pupil)
    parent_client = client_for(parent)
    parent_version = status.current_aup(parent.school, roles.AUDIENCE_PARENTS)
    parent_client.post(AUP_PAGE, {"decision": "accepted", "version": parent_version.pk})

    page = parent_client.get("/policies/acceptable-use/children/").content.decode()
    assert "Co-sign Pip's agreement" in page
    parent_client.post(f"/policies/acceptable-use/cosign/{answer.pk}/")

    answer.refresh_from_db()
    assert answer.cosigned_by == parent and answer.cosigned_at is not None
    event = AuditEvent.objects.get(event_type="aup_cosigned")
    assert event.before["cosigned_by"] is None and event.after["cosigned_by"] == str(parent)


def test_a_parent_cannot_cosign_someone_elses_child(pupil, make_person, publish, client_for):
    stranger = make_person(roles.PARENT)
    version = publish(roles.AUDIENCE_KS3)
    answer = actions.acceptance_record(actor=pupil, person=pupil, version=version, decision="accepted")

    assert client_for(stranger).post(f"/policies/acceptable-use/cosign/{answer.pk}/").status_code == 404
    with pytest.raises(NotAllowed):
        actions.acceptance_cosign(actor=stranger, acceptance=answer)
    answer.refresh_from_db()
    assert answer.cosigned_by is None


def test_a_parent_cannot_cosign_a_declined_agreement_or_twice(pupil, parent, publish):
    version = publish(roles.AUDIENCE_KS3)
    declined = actions.acceptance_record(actor=pupil, person=pupil, version=version, decision="declined")
    with pytest.raises(Conflict):
        actions.acceptance_cosign(actor=parent, acceptance=declined)
    accepted = actions.acceptance_record(actor=pupil, person=pupil, version=version, decision="accepted")
    actions.acceptance_cosign(actor=parent, acceptance=accepted)
    with pytest.raises(Conflict):
        actions.acceptance_cosign(actor=parent, acceptance=accepted)


def test_staff_with_the_right_role_record_a_paper_signature(pupil, parent, make_person, publish, client_for):
    business_manager = make_person(roles.BUSINESS_MANAGER)
    publish(roles.AUDIENCE_STAFF)
    version = publish(roles.AUDIENCE_KS3)
    staff_version = status.current_aup(business_manager.school, roles.AUDIENCE_STAFF)
    actions.acceptance_record(actor=business_manager, person=business_manager, version=staff_version,
                              decision="accepted")
    client = client_for(business_manager)

    response = client.post(f"/policies/agreements/paper/{pupil.pk}/", {
        "decision": "accepted", "signed_on": timezone.localdate().isoformat(),
        "scanned_form": SimpleUploadedFile("form.pdf", PDF, content_type="application/pdf"),
        "cosigned_by": parent.pk})

    assert response.status_code == 302
    answer = Acceptance.objects.get(person=pupil)
    assert (answer.method, answer.recorded_by, answer.cosigned_by, answer.version) == (
        "paper", business_manager, parent, version)
    assert answer.scanned_form.read() == PDF
    assert len(answer.scanned_form_sha256) == 64
    assert client_for(pupil).get("/").status_code == 200  # the paper form opens the gate
    scan = client.get(f"/policies/agreements/forms/{answer.pk}/")
    assert scan.status_code == 200 and b"".join(scan.streaming_content) == PDF


def test_a_paper_signature_needs_a_real_scan(pupil, make_person, publish, client_for):
    business_manager = make_person(roles.BUSINESS_MANAGER)
    version = publish(roles.AUDIENCE_KS3)
    with pytest.raises(InvalidInput, match="attach the scanned"):
        actions.acceptance_record(actor=business_manager, person=pupil, version=version,
                                  decision="accepted", method="paper")
    fake = SimpleUploadedFile("form.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(InvalidInput, match="must be a PDF, PNG or JPEG"):
        actions.acceptance_record(actor=business_manager, person=pupil, version=version,
                                  decision="accepted", method="paper", scanned_form=fake)
    response = client_for(business_manager).post(f"/policies/agreements/paper/{pupil.pk}/", {
        "decision": "accepted", "signed_on": "2999-01-01"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"signed_on", "scanned_form"}
    assert not Acceptance.objects.exists()


def test_a_teacher_cannot_record_paper_signatures(teacher, pupil, publish, client_for):
    version = publish(roles.AUDIENCE_KS3)
    assert client_for(teacher).get(f"/policies/agreements/paper/{pupil.pk}/").status_code == 404
    with pytest.raises(NotAllowed):
        actions.acceptance_record(actor=teacher, person=pupil, version=version, decision="accepted",
                                  method="paper", scanned_form=SimpleUploadedFile("f.pdf", PDF))


def test_nobody_can_accept_online_for_someone_else(teacher, pupil, publish):
    version = publish(roles.AUDIENCE_KS3)
    with pytest.raises(NotAllowed):
        actions.acceptance_record(actor=teacher, person=pupil, version=version, decision="accepted")


def test_a_paper_form_for_another_schools_pupil_is_not_found(outsider, pupil, publish, client_for):
    publish(roles.AUDIENCE_KS3)
    assert client_for(outsider).get(f"/policies/agreements/paper/{pupil.pk}/").status_code == 404


def test_without_a_published_aup_there_is_nothing_to_accept(teacher, client_for):
    assert client_for(teacher).get("/").status_code == 200
