"""Consent for photographs and published work: who records it, who sees it, who must not
appear, the published items register, the school's accounts, the spreadsheet and the
parents' page."""


import pytest
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.consent import actions, selectors
from esafety.consent.demo import load_demo_consent
from esafety.consent.models import (
    AGREED,
    NEWSPAPER,
    REFUSED,
    WEBSITE,
    WITHDRAWN,
    Consent,
    PublishedItem,
    SchoolChannel,
)
from esafety.directory import actions as directory_actions
from esafety.directory import roles
from esafety.errors import Conflict, InvalidInput, NotAllowed

TODAY = timezone.localdate


def _agree(office, pupil, purpose=WEBSITE, decision=AGREED, parent=None):
    return actions.consent_record(actor=office, pupil=pupil, purpose=purpose,
                                  decision=decision, given_on=TODAY(), given_by=parent,
                                  given_by_name="" if parent else "Mrs Pupil")


def test_office_records_a_paper_form_with_who_gave_it_and_an_audit_row(office, pupil, parent):
    consent = _agree(office, pupil, parent=parent)
    assert consent.given_by == parent and consent.recorded_by == office
    event = AuditEvent.objects.get(event_type="consent_recorded")
    assert event.object_id == str(pupil.pk) and event.after["decision"] == AGREED


def test_a_teacher_cannot_record_consent_and_nothing_is_kept(teacher, pupil):
    with pytest.raises(NotAllowed):
        _agree(teacher, pupil)
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(event_type="consent_recorded").exists()


def test_giver_must_be_the_pupils_parent(office, pupil, make_person):
    stranger = make_person(roles.PARENT)
    with pytest.raises(InvalidInput):
        _agree(office, pupil, parent=stranger)


def test_withdrawal_keeps_the_history_and_only_what_was_agreed_can_be_withdrawn(office, pupil):
    with pytest.raises(Conflict):
        actions.consent_record(actor=office, pupil=pupil, purpose=WEBSITE, decision=WITHDRAWN,
                               given_by_name="Mrs Pupil")
    _agree(office, pupil)
    actions.consent_record(actor=office, pupil=pupil, purpose=WEBSITE, decision=WITHDRAWN,
                           given_by_name="Mrs Pupil")
    assert [c.decision for c in selectors.history(pupil)] == [WITHDRAWN, AGREED]
    assert not selectors.may_appear(selectors.current_consents([pupil.pk])[pupil.pk], WEBSITE)
    assert AuditEvent.objects.filter(event_type="consent_withdrawn").count() == 1


def test_lookup_by_form_lists_who_must_not_appear_and_is_audited(
        office, teacher, make_person, client_for):
    yes = make_person(roles.PUPIL, form="7R", first_name="Ava", last_name="Yes")
    no = make_person(roles.PUPIL, form="7R", first_name="Ben", last_name="No")
    never = make_person(roles.PUPIL, form="7R", first_name="Cal", last_name="Never")
    make_person(roles.PUPIL, form="8B", first_name="Dee", last_name="Elsewhere")
    _agree(office, yes)
    _agree(office, no, decision=REFUSED)
    response = client_for(teacher).post("/consent/", {"purpose": WEBSITE, "form": "7R"})
    assert response.status_code == 200
    shown = [row.pupil for row in response.context["result"].must_not_appear]
    assert shown == [never, no]
    assert b"Ava" not in response.content.split(b"must-not")[1]
    event = AuditEvent.objects.get(event_type="consent_lookup_made")
    assert event.details == {"purpose": WEBSITE, "form": "7R", "names_given": 0,
                             "pupils_found": 3}


def test_lookup_by_year_group(office, teacher, make_person, client_for):
    year7 = make_person(roles.PUPIL, year_group=7)
    make_person(roles.PUPIL, year_group=8)
    response = client_for(teacher).post("/consent/", {"purpose": WEBSITE, "year_group": "7"})
    assert [row.pupil for row in response.context["result"].must_not_appear] == [year7]
    assert AuditEvent.objects.get(event_type="consent_lookup_made").details["form"] == "Year 7"


def test_lookup_by_pasted_names_says_which_names_were_not_found(
        office, teacher, make_person, client_for):
    yes = make_person(roles.PUPIL, first_name="Ava", last_name="Yes")
    _agree(office, yes, purpose=NEWSPAPER)
    no = make_person(roles.PUPIL, first_name="Ben", last_name="No")
    response = client_for(teacher).post("/consent/", {
        "purpose": NEWSPAPER, "names": "ava yes\nBen No\nZed Nobody"})
    result = response.context["result"]
    assert [row.pupil for row in result.must_not_appear] == [no]
    assert result.not_found == ["Zed Nobody"]


def test_lookup_with_nothing_chosen_asks_again(teacher, client_for):
    response = client_for(teacher).post("/consent/", {"purpose": WEBSITE})
    assert response.status_code == 200
    assert b"Choose a class or a year group, or paste some names" in response.content
    assert not AuditEvent.objects.filter(event_type="consent_lookup_made").exists()


@pytest.mark.parametrize("url", ["/consent/", "/consent/published/", "/consent/accounts/",
                                 "/consent/export/"])
def test_pupils_parents_and_governors_do_not_see_staff_pages(url, pupil, parent, make_person,
                                                             client_for):
    for person in (pupil, parent, make_person(roles.GOVERNOR)):
        assert client_for(person).get(url).status_code == 404


def test_teacher_may_not_download_consents(teacher, client_for):
    assert client_for(teacher).get("/consent/export/").status_code == 404


def test_outsider_sees_no_pupil_item_or_account(office, pupil, outsider, client_for, school):
    item = actions.published_item_add(actor=office, school=school, title="Gallery",
                                      purpose=WEBSITE, where="", published_on=TODAY(),
                                      pupils=[pupil])
    channel = actions.channel_save(actor=office, school=school, name="News", platform="Facebook")
    client = client_for(outsider)
    assert client.get(f"/consent/pupils/{pupil.pk}/").status_code == 404
    assert client.post(f"/consent/published/{item.pk}/remove/").status_code == 404
    assert client.get(f"/consent/accounts/{channel.pk}/").status_code == 404
    assert client.post(f"/consent/accounts/{channel.pk}/approve/").status_code == 404
    assert b"Gallery" not in client.get("/consent/published/").content
    assert b"News" not in client.get("/consent/accounts/").content
    item.refresh_from_db()
    channel.refresh_from_db()
    assert item.removed_on is None and channel.approved_on is None


def test_staff_opening_a_pupils_consents_is_recorded(teacher, pupil, client_for):
    response = client_for(teacher).get(f"/consent/pupils/{pupil.pk}/")
    assert response.status_code == 200 and b"Not asked yet" in response.content
    assert b"Record a decision" not in response.content
    assert AuditEvent.objects.filter(event_type="consents_viewed",
                                     object_id=str(pupil.pk)).count() == 1


def test_office_records_on_the_pupil_page_and_junk_gets_a_message(office, pupil, client_for):
    client = client_for(office)
    response = client.post(f"/consent/pupils/{pupil.pk}/", {
        "purpose": WEBSITE, "decision": AGREED, "given_on": "2026-02-30",
        "given_by_name": "Mrs Pupil"})
    assert response.status_code == 200 and not Consent.objects.exists()
    response = client.post(f"/consent/pupils/{pupil.pk}/", {
        "purpose": WEBSITE, "decision": AGREED, "given_on": TODAY().isoformat()})
    assert b"say which parent or carer gave it" in response.content
    response = client.post(f"/consent/pupils/{pupil.pk}/", {
        "purpose": WEBSITE, "decision": AGREED, "given_on": TODAY().isoformat(),
        "given_by_name": "Mrs Pupil"})
    assert response.status_code == 302 and Consent.objects.get().given_by_name == "Mrs Pupil"


def test_an_item_is_flagged_when_a_pupil_leaves_or_a_consent_is_withdrawn(
        office, headteacher, make_person, school):
    stays = make_person(roles.PUPIL)
    leaves = make_person(roles.PUPIL)
    for person in (stays, leaves):
        _agree(office, person)
    item = actions.published_item_add(actor=office, school=school, title="Gallery",
                                      purpose=WEBSITE, where="", published_on=TODAY(),
                                      pupils=[stays, leaves])
    assert [row.reasons for row in selectors.published_items(school)] == [[]]
    directory_actions.person_leave(actor=headteacher, person=leaves)
    row = selectors.published_items(school)[0]
    assert row.flagged and row.reasons == [f"{leaves.display_name} has left the school"]
    actions.consent_record(actor=office, pupil=stays, purpose=WEBSITE, decision=WITHDRAWN,
                           given_by_name="Mr Stays")
    assert len(selectors.published_items(school)[0].reasons) == 2
    actions.published_item_remove(actor=office, item=item, note="Taken off the website")
    assert not selectors.published_items(school)[0].flagged
    assert AuditEvent.objects.filter(event_type="published_item_removed").count() == 1
    with pytest.raises(Conflict):
        actions.published_item_remove(actor=office, item=item)


def test_register_page_shows_items_to_take_down_first(office, teacher, make_person, school,
                                                      client_for):
    pupil = make_person(roles.PUPIL)
    client = client_for(teacher)
    response = client.post("/consent/published/", {
        "title": "Choir concert", "purpose": WEBSITE, "where": "website",
        "published_on": TODAY().isoformat(), "pupils": [pupil.pk]})
    assert response.status_code == 302
    item = PublishedItem.objects.get()
    assert list(item.pupils.all()) == [pupil] and item.added_by == teacher
    page = client.get("/consent/published/")
    assert b"1 to take down" in page.content
    response = client.post(f"/consent/published/{item.pk}/remove/", {"note": "done"})
    item.refresh_from_db()
    assert item.removed_on == TODAY() and item.removed_by == teacher


def test_an_account_needs_slt_approval_again_when_it_changes_hands(
        office, headteacher, teacher, make_person, school, client_for):
    runner = make_person(roles.TEACHER)
    response = client_for(office).post("/consent/accounts/", {
        "name": "School news", "platform": "Facebook", "run_by": teacher.pk})
    assert response.status_code == 302
    channel = SchoolChannel.objects.get()
    assert client_for(office).post(f"/consent/accounts/{channel.pk}/approve/").status_code == 404
    client_for(headteacher).post(f"/consent/accounts/{channel.pk}/approve/")
    channel.refresh_from_db()
    assert channel.approved_by == headteacher
    actions.channel_save(actor=office, school=school, channel=channel, name="School news",
                         platform="Facebook", run_by=runner)
    channel.refresh_from_db()
    assert channel.approved_on is None
    assert AuditEvent.objects.filter(event_type="school_channel_approved").count() == 1
    assert AuditEvent.objects.filter(event_type="school_channel_saved").count() == 2


def test_a_teacher_cannot_add_an_account(teacher, client_for):
    response = client_for(teacher).post("/consent/accounts/", {"name": "Mine",
                                                               "platform": "TikTok"})
    assert response.status_code == 200 and not SchoolChannel.objects.exists()


def test_export_is_formula_safe_and_audited(office, make_person, client_for):
    make_person(roles.PUPIL, first_name="=HYPERLINK(1)", last_name="Evil", form="7R")
    response = client_for(office).get("/consent/export/")
    text = response.content.decode()
    assert "'=HYPERLINK(1) Evil" in text and "Not asked" in text
    assert AuditEvent.objects.get(event_type="consents_exported").details == {"rows": 1}


def test_parent_sees_plain_words_and_changes_their_own_childs_consents(
        parent, pupil, client_for, office):
    _agree(office, pupil, purpose=NEWSPAPER)
    client = client_for(parent)
    page = client.get("/consent/my-children/")
    assert page.status_code == 200
    assert b"Photos of my child on the school website" in page.content
    assert b"003" not in page.content and b"\xc2\xa7" not in page.content
    response = client.post("/consent/my-children/", {
        "child": pupil.pk, f"c{pupil.pk}-{WEBSITE}": AGREED,
        f"c{pupil.pk}-{NEWSPAPER}": REFUSED, f"c{pupil.pk}-pupil_agreed": "on"})
    assert response.status_code == 302
    standing = selectors.current_consents([pupil.pk])[pupil.pk]
    assert standing[WEBSITE].decision == AGREED and standing[WEBSITE].given_by == parent
    assert standing[NEWSPAPER].decision == WITHDRAWN
    assert standing[WEBSITE].pupil_agreed is True  # Year 8 decides with their parent


def test_parent_cannot_change_another_childs_consents(parent, make_person, client_for):
    other = make_person(roles.PUPIL)
    client = client_for(parent)
    client.post("/consent/my-children/", {"child": other.pk, f"c{other.pk}-{WEBSITE}": AGREED})
    assert client.get(f"/consent/pupils/{other.pk}/").status_code == 404
    assert not Consent.objects.exists()
    with pytest.raises(NotAllowed):
        actions.consent_record(actor=parent, pupil=other, purpose=WEBSITE, decision=AGREED)


def test_staff_do_not_get_the_parents_page(teacher, client_for):
    assert client_for(teacher).get("/consent/my-children/").status_code == 404


JUNK = {"purpose": "aliens", "decision": "maybe", "given_on": "99999-12-31", "form": "\x00",
        "names": "a\x00b", "title": "x" * 5000, "published_on": "0001-01-01",
        "pupils": "nope", "run_by": "-1", "closed_on": "9999-12-31", "note": "x" * 5000,
        "child": "1e308", "name": "", "platform": "x" * 500, "given_by": "abc",
        "year_group": "9" * 40}


@pytest.mark.parametrize("role", [roles.HEADTEACHER, roles.BUSINESS_MANAGER, roles.TEACHER,
                                  roles.PUPIL, roles.PARENT])
def test_junk_never_causes_a_server_error(role, make_person, client_for, pupil, school, office):
    item = actions.published_item_add(actor=office, school=school, title="Gallery",
                                      purpose=WEBSITE, where="", published_on=TODAY(),
                                      pupils=[pupil])
    channel = actions.channel_save(actor=office, school=school, name="News", platform="X")
    client = client_for(make_person(role))
    for url in ["/consent/", f"/consent/pupils/{pupil.pk}/", "/consent/published/",
                f"/consent/published/{item.pk}/remove/", "/consent/accounts/",
                f"/consent/accounts/{channel.pk}/", f"/consent/accounts/{channel.pk}/approve/",
                "/consent/my-children/", "/consent/export/"]:
        for response in (client.get(url, JUNK), client.post(url, JUNK)):
            assert response.status_code in (200, 302, 404, 405), (url, response.status_code)


def test_demo_consents_a_school_would_recognise(school, make_person, headteacher, office):
    pupils = [make_person(roles.PUPIL, year_group=7 + n % 5) for n in range(25)]
    for pupil in pupils:
        make_person(roles.PARENT).children.add(pupil)
    make_person(roles.TEACHER)
    load_demo_consent(school)
    load_demo_consent(school)  # twice adds nothing
    summary = selectors.exceptions_summary(school)
    assert summary["items_to_remove"] >= 1 and summary["channels_unapproved"] == 1
    assert summary["no_consent_website"] >= 3
    assert PublishedItem.objects.filter(school=school).count() == 3
    assert Consent.objects.filter(decision=WITHDRAWN).count() == 1


def test_whoever_published_an_item_is_told_once_to_take_it_down(
        office, teacher, headteacher, make_person, school):
    from esafety.consent.tasks import takedowns_due_task
    from esafety.notices import kinds
    from esafety.notices.models import Notice
    from esafety.web import jobs

    pupil = make_person(roles.PUPIL, first_name="Secret", last_name="Name")
    _agree(office, pupil)
    item = actions.published_item_add(actor=teacher, school=school, title="Gallery",
                                      purpose=WEBSITE, where="", published_on=TODAY(),
                                      pupils=[pupil])
    assert takedowns_due_task.call(school.pk) == 0
    directory_actions.person_leave(actor=headteacher, person=pupil)
    assert takedowns_due_task.call(school.pk) == 1
    assert takedowns_due_task.call(school.pk) == 0  # once
    notice = Notice.objects.get(kind=kinds.TAKE_DOWN)
    assert notice.recipient == teacher and notice.path == "/consent/published/"
    assert "Secret" not in notice.title + notice.body
    actions.published_item_remove(actor=teacher, item=item)
    job = next(j for j in jobs.JOBS if j.name == "published items to take down")
    handed = []
    job.run(lambda task, *args: handed.append((task, args)))
    assert handed == [(takedowns_due_task, (school.pk,))]


def test_published_items_and_accounts_download_too(office, teacher, make_person, school,
                                                   client_for):
    pupil = make_person(roles.PUPIL, first_name="Ava", last_name="Yes")
    actions.published_item_add(actor=teacher, school=school, title="+Gallery", purpose=WEBSITE,
                               where="", published_on=TODAY(), pupils=[pupil])
    actions.channel_save(actor=office, school=school, name="@school", platform="X")
    client = client_for(office)
    items = client.get("/consent/export/", {"register": "published"}).content.decode()
    assert "'+Gallery" in items and "Ava Yes" in items and "has no consent" in items
    accounts = client.get("/consent/export/", {"register": "accounts"}).content.decode()
    assert "'@school" in accounts and "Not approved" in accounts
    assert [e.object_label for e in AuditEvent.objects.filter(
        event_type="consents_exported").order_by("pk")] == [
        "Published items", "The school's accounts and sites"]
    assert client_for(teacher).get("/consent/export/",
                                    {"register": "published"}).status_code == 404
