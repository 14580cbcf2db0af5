"""School devices: the register and its exceptions, loans with the personal-data sign-off,
loss reported as an incident, the headteacher's software approvals, BYOD agreements."""

import datetime

import pytest
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.devices import actions, selectors
from esafety.devices.demo import load_demo_devices
from esafety.devices.models import (
    APPROVED,
    CAMERA,
    DESKTOP,
    LAPTOP,
    LOST,
    PENDING,
    ByodAgreement,
    Device,
    Loan,
    SoftwareApproval,
)
from esafety.directory import roles
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import rules
from esafety.incidents.models import Incident

DAY = datetime.timedelta(days=1)


@pytest.fixture
def business_manager(make_person):
    return make_person(roles.BUSINESS_MANAGER, username="bm")


@pytest.fixture
def laptop(it_manager, school, teacher):
    return actions.device_save(actor=it_manager, school=school, name="LAP-001", kind=LAPTOP,
                               holder=teacher, encrypted=True, antivirus_current=True,
                               last_checked_on=timezone.localdate())


def test_it_manager_adds_a_device_with_an_audit_row(it_manager, client_for, teacher):
    response = client_for(it_manager).post("/devices/", {
        "name": "LAP-009", "kind": LAPTOP, "holder": teacher.pk, "encrypted": "on"})
    assert response.status_code == 302
    device = Device.objects.get()
    assert device.holder == teacher and device.encrypted and not device.antivirus_current
    assert AuditEvent.objects.get(event_type="device_saved").after["name"] == "LAP-009"


@pytest.mark.parametrize("role", [roles.TEACHER, roles.DSL, roles.PUPIL, roles.PARENT,
                                  roles.GOVERNOR])
def test_roles_without_need_to_know_see_no_device_pages(role, make_person, client_for, laptop):
    client = client_for(make_person(role))
    for url in ["/devices/", "/devices/exceptions/", "/devices/export/", "/devices/software/",
                "/devices/own-devices/", f"/devices/{laptop.pk}/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/devices/{laptop.pk}/lost/", {"what": LOST,
                                                       "description": "gone"}).status_code == 404
    laptop.refresh_from_db()
    assert laptop.status == "in_use"


def test_outsider_sees_nothing_of_this_schools_devices(outsider, client_for, laptop, teacher,
                                                       it_manager):
    loan = actions.device_lend(actor=it_manager, device=laptop, borrower=teacher,
                               due_on=timezone.localdate() + DAY)
    client = client_for(outsider)
    assert client.get(f"/devices/{laptop.pk}/").status_code == 404
    assert client.post(f"/devices/loans/{loan.pk}/return/",
                       {"data_removed": "on"}).status_code == 404
    assert client.post(f"/devices/{laptop.pk}/lend/").status_code == 404
    assert b"LAP-001" not in client.get("/devices/").content
    loan.refresh_from_db()
    assert loan.returned_on is None
    with pytest.raises(NotAllowed):
        actions.device_save(actor=outsider, school=laptop.school, device=laptop,
                            name="x", kind=LAPTOP)


def test_business_manager_may_look_after_devices_but_not_approve_software(
        business_manager, client_for, school):
    item = actions.software_request(actor=business_manager, school=school, name="Canva")
    response = client_for(business_manager).post(f"/devices/software/{item.pk}/decide/",
                                                 {"decision": "approve"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.decision == PENDING


def test_headteacher_approves_software_once(headteacher, it_manager, client_for, school):
    item = actions.software_request(actor=it_manager, school=school, name="Seesaw",
                                    licence_notes="Free for schools")
    client_for(headteacher).post(f"/devices/software/{item.pk}/decide/",
                                 {"decision": "approve", "note": "Fine"})
    item.refresh_from_db()
    assert item.decision == APPROVED and item.decided_by == headteacher
    with pytest.raises(Conflict):
        actions.software_decide(actor=headteacher, item=item, approve=False)
    assert AuditEvent.objects.filter(event_type="software_decided").count() == 1


def test_loan_return_needs_personal_data_removed_signed_off(it_manager, laptop, teacher,
                                                           client_for):
    client = client_for(it_manager)
    today = timezone.localdate()
    client.post(f"/devices/{laptop.pk}/lend/", {"borrower": teacher.pk,
                                                "due_on": (today + 7 * DAY).isoformat()})
    loan = Loan.objects.get()
    assert loan.lent_by == it_manager
    with pytest.raises(Conflict):
        actions.device_lend(actor=it_manager, device=laptop, borrower=teacher,
                            due_on=today + DAY)
    client.post(f"/devices/loans/{loan.pk}/return/", {})
    loan.refresh_from_db()
    assert loan.returned_on == today and not loan.data_removed
    assert len(selectors.exceptions(laptop.school).unreturned_data) == 1
    client.post(f"/devices/loans/{loan.pk}/return/", {"data_removed": "on"})
    loan.refresh_from_db()
    assert loan.data_removed and selectors.exceptions(laptop.school).unreturned_data == []
    assert AuditEvent.objects.filter(event_type="device_returned").count() == 2


def test_a_loan_due_before_it_was_lent_is_refused(it_manager, laptop, teacher):
    with pytest.raises(InvalidInput):
        actions.device_lend(actor=it_manager, device=laptop, borrower=teacher,
                            due_on=timezone.localdate() - DAY)


def test_loss_is_reported_as_an_incident_naming_the_holder(it_manager, laptop, teacher,
                                                          client_for, dsl):
    response = client_for(it_manager).post(f"/devices/{laptop.pk}/lost/", {
        "what": LOST, "description": "Left on the train"})
    assert response.status_code == 302
    laptop.refresh_from_db()
    assert laptop.status == LOST
    incident = Incident.objects.get()
    assert incident.kind == rules.DEVICE_LOSS and incident.reported_by == it_manager
    assert "LAP-001" in incident.summary and "Left on the train" in incident.description
    assert [i.person for i in incident.involvements.all()] == [teacher]
    assert laptop.losses.get().incident == incident
    assert AuditEvent.objects.filter(event_type="device_loss_reported").count() == 1
    with pytest.raises(Conflict):
        actions.device_report_loss(actor=it_manager, device=laptop, what=LOST,
                                   description="again")


def test_exceptions_list_each_problem(it_manager, school, teacher, client_for):
    today = timezone.localdate()
    actions.device_save(actor=it_manager, school=school, name="LAP-BAD", kind=LAPTOP,
                        last_checked_on=today - 400 * DAY)
    actions.device_save(actor=it_manager, school=school, name="CAM-1", kind=CAMERA,
                        last_checked_on=today)
    pc = actions.device_save(actor=it_manager, school=school, name="PC-1", kind=DESKTOP,
                             encrypted=True, antivirus_current=True, last_checked_on=today)
    actions.device_lend(actor=it_manager, device=pc, borrower=teacher,
                        lent_on=today - 10 * DAY, due_on=today - DAY)
    found = selectors.exceptions(school)
    assert [d.name for d in found.unencrypted] == ["LAP-BAD"]  # a camera need not be
    assert [d.name for d in found.antivirus_out_of_date] == ["LAP-BAD"]
    assert [d.name for d in found.unchecked] == ["LAP-BAD"]
    assert [loan.device.name for loan in found.overdue_loans] == ["PC-1"]
    page = client_for(it_manager).get("/devices/exceptions/")
    assert b"LAP-BAD" in page.content and b"PC-1" in page.content


def test_byod_agreement_recorded_and_ended(it_manager, teacher, client_for):
    client = client_for(it_manager)
    client.post("/devices/own-devices/", {"person": teacher.pk,
                                          "device_description": "iPhone 13",
                                          "agreed_on": timezone.localdate().isoformat()})
    agreement = ByodAgreement.objects.get()
    assert agreement.person == teacher and agreement.recorded_by == it_manager
    client.post(f"/devices/own-devices/{agreement.pk}/end/")
    agreement.refresh_from_db()
    assert agreement.ended_on == timezone.localdate()
    assert [e.event_type for e in AuditEvent.objects.filter(
        event_type__startswith="byod").order_by("pk")] == [
        "byod_agreement_recorded", "byod_agreement_ended"]


def test_export_is_formula_safe_and_audited(it_manager, school, client_for):
    actions.device_save(actor=it_manager, school=school, name="=cmd|' /C calc'!A0",
                        kind=LAPTOP)
    response = client_for(it_manager).get("/devices/export/")
    assert "'=cmd|" in response.content.decode()
    assert AuditEvent.objects.get(event_type="devices_exported").details == {"rows": 1}


JUNK = {"name": "x" * 5000, "kind": "aliens", "holder": "-1", "encrypted": "maybe",
        "last_checked_on": "99999-12-31", "borrower": "abc", "due_on": "2026-02-30",
        "what": "eaten", "description": "a\x00b", "decision": "perhaps",
        "licence_renewal_on": "0001-01-01", "person": "1e308", "agreed_on": "\x00",
        "device_description": "", "data_removed": "9" * 40, "note": "x" * 5000}


@pytest.mark.parametrize("role", [roles.HEADTEACHER, roles.IT_MANAGER, roles.TEACHER,
                                  roles.PARENT])
def test_junk_never_causes_a_server_error(role, make_person, client_for, laptop, teacher,
                                          it_manager, school):
    loan = actions.device_lend(actor=it_manager, device=laptop, borrower=teacher,
                               due_on=timezone.localdate() + DAY)
    item = actions.software_request(actor=it_manager, school=school, name="App")
    agreement = actions.byod_record(actor=it_manager, school=school, person=teacher,
                                    device_description="Phone")
    client = client_for(make_person(role))
    for url in ["/devices/", "/devices/exceptions/", f"/devices/{laptop.pk}/",
                f"/devices/{laptop.pk}/lend/", f"/devices/{laptop.pk}/lost/",
                f"/devices/loans/{loan.pk}/return/", "/devices/software/",
                f"/devices/software/{item.pk}/decide/", "/devices/own-devices/",
                f"/devices/own-devices/{agreement.pk}/end/", "/devices/export/"]:
        for response in (client.get(url, JUNK), client.post(url, JUNK)):
            assert response.status_code in (200, 302, 404, 405), (url, response.status_code)
    assert not Incident.objects.exists()


def test_demo_devices_a_school_would_recognise(school, make_person, headteacher, it_manager):
    for _ in range(6):
        make_person(roles.TEACHER)
    load_demo_devices(school)
    load_demo_devices(school)  # twice adds nothing
    summary = selectors.exceptions_summary(school)
    assert summary["unencrypted"] == 1 and summary["antivirus_out_of_date"] == 1
    assert summary["overdue_loans"] == 1 and summary["unchecked_for_a_year"] == 1
    assert summary["software_waiting"] == 1 and summary["byod_agreements"] == 3
    assert SoftwareApproval.objects.filter(school=school).count() == 5


def test_loans_software_and_byod_download_too(it_manager, laptop, teacher, school, client_for):
    actions.device_lend(actor=it_manager, device=laptop, borrower=teacher,
                        due_on=timezone.localdate() + DAY, note="=1+1")
    actions.software_request(actor=it_manager, school=school, name="-Calc")
    actions.byod_record(actor=it_manager, school=school, person=teacher,
                        device_description="@phone")
    client = client_for(it_manager)
    for register, cell in [("loans", "'=1+1"), ("software", "'-Calc"), ("byod", "'@phone")]:
        text = client.get("/devices/export/", {"register": register}).content.decode()
        assert cell in text, register
    assert [e.object_label for e in AuditEvent.objects.filter(
        event_type="devices_exported").order_by("pk")] == [
        "Device loans", "Software and apps", "Bring Your Own Device agreements"]


def test_anti_virus_is_not_needed_on_a_camera_and_parents_hold_no_devices(
        it_manager, school, parent, client_for):
    actions.device_save(actor=it_manager, school=school, name="CAM-1", kind=CAMERA)
    page = client_for(it_manager).get("/devices/")
    assert b"Not needed" in page.content
    assert parent not in page.context["form"].fields["holder"].queryset
    text = client_for(it_manager).get("/devices/export/").content.decode()
    assert "Not needed" in text
