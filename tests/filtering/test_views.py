"""The filtering screens: block page, unblock requests, logs, policy; outsiders get 404."""

from django.test import Client

from esafety.audit.models import AuditEvent
from esafety.filtering import actions
from esafety.filtering.models import (
    Category,
    GroupRule,
    SchoolEntry,
    UnblockRequest,
    WrongBlockReport,
)

from .conftest import soon

BLOCKED = ("/filtering/blocked/?school=hollins-park&url=http%3A//www.facebook.com/"
           "&category=social_networks&rule=group-policy&group=ks3&user=pupil")


def make_request(school, teacher):
    return actions.unblock_request(
        actor=teacher, category=Category.objects.get(school=school, name="gambling"),
        groups=["ks4"], reason="PSHE unit on gambling harm for Year 10.",
        starts_at=soon(), ends_at=soon(days=3))


def test_the_block_page_tells_a_pupil_to_tell_an_adult_without_signing_in(imported):
    response = Client().get(BLOCKED)
    page = response.content.decode()
    assert response.status_code == 403
    assert "Social networks" in page
    # Plain words for a pupil: no policy codes.
    assert "not allowed for your year group" in page
    assert "\u00a7" not in page and "004" not in page
    assert "tell your teacher or another adult" in page
    assert "ask for an unblock" not in page
    assert "Report a wrong block" in page


def test_the_block_page_offers_staff_an_unblock_request_and_explains_working_time(
        imported, client_for, teacher):
    page = client_for(teacher).get(BLOCKED.replace("group=ks3", "group=staff").replace(
        "category=social_networks", "category=shopping")).content.decode()
    assert "ask for an unblock" in page
    assert "allowed for staff outside working time" in page
    assert "001 \u00a74" in page  # staff see the clause behind the block


def test_the_block_page_says_a_statutory_category_can_never_be_unblocked(imported, client_for,
                                                                       teacher):
    page = client_for(teacher).get(
        "/filtering/blocked/?school=hollins-park&url=http%3A//pornhub.com/&category=adult"
        "&rule=statutory&group=staff").content.decode()
    assert "can never be unblocked" in page
    assert "ask for an unblock" not in page


def test_a_pupil_reports_a_wrong_block_and_it_reaches_the_it_manager(imported, client_for,
                                                                   pupil, it_manager):
    response = client_for(pupil).post("/filtering/report/", {
        "url": "http://www.facebook.com/groups/school-robotics", "category": "social_networks",
        "rule": "group-policy", "comment": "Our robotics club page"})
    assert response.status_code == 302
    report = WrongBlockReport.objects.get()
    assert (report.reported_by, report.host) == (pupil, "www.facebook.com")
    listing = client_for(it_manager).get("/filtering/reports/").content.decode()
    assert "Our robotics club page" in listing


def test_resolving_a_report_by_allowing_the_site_adds_a_school_allow_entry(
        imported, client_for, pupil, it_manager, school):
    report = actions.wrong_block_report(actor=pupil, url="http://scratch.example/x",
                                        comment="class work")
    client_for(it_manager).post(f"/filtering/reports/{report.pk}/resolve/",
                                {"outcome": "allow", "note": "fine"})
    assert SchoolEntry.objects.get(school=school, kind="allow").host == "scratch.example"


def test_a_teacher_asks_for_an_unblock_through_the_form(imported, client_for, teacher, school):
    gambling = Category.objects.get(school=school, name="gambling")
    response = client_for(teacher).post("/filtering/unblocks/new/", {
        "category": gambling.pk, "groups": ["ks4"], "form": "",
        "starts_at": soon().strftime("%Y-%m-%dT%H:%M"),
        "ends_at": soon(days=2).strftime("%Y-%m-%dT%H:%M"),
        "reason": "Year 10 PSHE on how gambling adverts work."})
    request = UnblockRequest.objects.get()
    assert response["Location"] == f"/filtering/unblocks/{request.pk}/"
    assert request.requested_by == teacher


def test_a_statutory_category_is_not_offered_and_a_bad_form_does_not_crash(
        imported, client_for, teacher, school):
    page = client_for(teacher).get("/filtering/unblocks/new/").content.decode()
    assert "Pornography" not in page
    response = client_for(teacher).post("/filtering/unblocks/new/", {"reason": "x"})
    assert response.status_code == 200
    assert not UnblockRequest.objects.exists()


def test_the_it_manager_approves_on_the_request_page(imported, client_for, teacher, it_manager,
                                                    school):
    request = make_request(school, teacher)
    client_for(it_manager).post(f"/filtering/unblocks/{request.pk}/approve/", {"note": "ok"})
    request.refresh_from_db()
    assert request.status == "approved"
    page = client_for(teacher).get(f"/filtering/unblocks/{request.pk}/").content.decode()
    assert "Tom Teach: asked" in page and "Ivy Tech: approved" in page


def test_outsiders_get_404_for_every_record(imported, client_for, teacher, outsider, school,
                                            pupil, it_manager):
    request = make_request(school, teacher)
    suspension = actions.internet_suspend(actor=it_manager, pupil=pupil, starts_at=soon(),
                                          ends_at=soon(hours=1), reason="misuse")
    client = client_for(outsider)
    assert client.get(f"/filtering/unblocks/{request.pk}/").status_code == 404
    assert client.post(f"/filtering/unblocks/{request.pk}/approve/").status_code == 404
    assert client.post(f"/filtering/suspensions/{suspension.pk}/lift/").status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"
    assert not AuditEvent.objects.filter(actor=outsider).exists()


def test_pupils_cannot_see_staff_screens(imported, client_for, pupil):
    client = client_for(pupil)
    for url in ("/filtering/", "/filtering/unblocks/", "/filtering/attempts/",
                "/filtering/policy/", "/filtering/suspensions/"):
        assert client.get(url).status_code == 404, url


def test_a_teacher_cannot_change_the_policy(imported, client_for, teacher, school):
    games = Category.objects.get(school=school, name="games")
    response = client_for(teacher).post("/filtering/policy/rule/", {
        "group": "ks3", "category": games.pk, "action": "allow"})
    assert response.status_code == 404
    assert GroupRule.objects.get(school=school, group="ks3", category=games).action == "block"


def test_the_it_manager_changes_a_rule_on_the_policy_screen(imported, client_for, it_manager,
                                                           school):
    games = Category.objects.get(school=school, name="games")
    client = client_for(it_manager)
    assert client.get("/filtering/policy/").status_code == 200
    client.post("/filtering/policy/rule/", {"group": "ks3", "category": games.pk,
                                            "action": "working_time"})
    assert GroupRule.objects.get(school=school, group="ks3",
                                 category=games).action == "working_time"
    assert AuditEvent.objects.filter(event_type="filtering_rule_changed").count() == 1


def test_the_attempts_screen_groups_by_category_group_and_person(imported, client_for, dsl,
                                                                school, pupil):
    import time

    actions.decisions_ingest(school=school, records=[
        {"t": time.time(), "user": "pupil", "url": "http://roblox.com/", "action": "block",
         "category": "games", "group": "ks3", "rule": "group-policy"}])
    page = client_for(dsl).get("/filtering/attempts/").content.decode()
    assert "Games" in page and "Key Stage 3" in page and pupil.display_name in page


def test_the_school_names_who_decides_unblocks_and_an_audit_row_says_so(
        imported, client_for, it_manager, dsl, teacher, school):
    client_for(it_manager).post("/filtering/policy/settings/", {
        "approver_roles": ["it_manager", "dsl"], "alert_threshold": "4",
        "alert_window_minutes": "20", "block_page_url": "http://esafety.test/filtering/blocked/",
        "max_suspension_days": "10"})
    config = actions.settings_for(school)
    assert (config.approver_roles, config.alert_threshold, config.max_suspension_days) == (
        ["dsl", "it_manager"], 4, 10)
    assert AuditEvent.objects.filter(event_type="filtering_settings_changed").count() == 1
    request = make_request(school, teacher)
    actions.unblock_approve(actor=dsl, request=request)


def test_bad_settings_are_refused_without_a_crash(imported, client_for, it_manager, school):
    response = client_for(it_manager).post("/filtering/policy/settings/", {
        "approver_roles": ["pupil"], "alert_threshold": "0", "alert_window_minutes": "x"})
    assert response.status_code == 302
    assert actions.settings_for(school).approver_roles == ["it_manager"]


def test_outsiders_get_404_for_alerts_reports_and_entries(imported, client_for, outsider,
                                                         school, pupil, it_manager):
    import time

    actions.settings_for(school).__class__.objects.filter(school=school).update(
        alert_threshold=1)
    _, alerts = actions.decisions_ingest(school=school, records=[
        {"t": time.time(), "user": "pupil", "url": "http://roblox.com/", "action": "block",
         "category": "games", "group": "ks3", "rule": "group-policy"}])
    report = actions.wrong_block_report(actor=pupil, url="http://roblox.com/")
    entry = actions.school_entry_add(actor=it_manager, school=school, kind="allow",
                                     site="example.org")
    client = client_for(outsider)
    assert client.post(f"/filtering/alerts/{alerts[0].pk}/acknowledge/").status_code == 404
    assert client.post(f"/filtering/reports/{report.pk}/resolve/",
                       {"outcome": "allow"}).status_code == 404
    assert client.post(f"/filtering/policy/entries/{entry.pk}/remove/").status_code == 404
    tried = client.get("/filtering/policy/try/?url=http://roblox.com/&username=pupil")
    assert "no one with that username in this school" in tried.content.decode()
    report.refresh_from_db()
    assert report.status == "open"
    assert SchoolEntry.objects.filter(pk=entry.pk).exists()
