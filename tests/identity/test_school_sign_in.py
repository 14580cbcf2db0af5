"""Signing in with the school's provider: matched on the account, linked once by the
school's rule, never a new account, and refusals with a clear page."""

import datetime

from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.directory.models import Person
from esafety.identity.models import ExternalIdentity, UnmatchedSignIn
from tests.identity.fakeidp import configure, sign_in


def signed_in_as(client):
    key = client.session.get(SESSION_KEY)
    return Person.objects.get(pk=key) if key else None


def test_a_teacher_is_found_by_username_on_first_sign_in_and_lands_where_they_were_going(
        client, idp, school, teacher):
    configure(school, idp)
    response = sign_in(client, idp, school, {"sub": "abc-1", "preferred_username":
                                             "teacher@hollinspark.sch.uk", "name": "Tom Teach"},
                       next_url="/policies/")
    assert response.status_code == 302 and response["Location"] == "/policies/"
    assert signed_in_as(client) == teacher
    identity = ExternalIdentity.objects.get()
    assert (identity.issuer, identity.subject, identity.person, identity.how) == (
        idp.issuer, "abc-1", teacher, "username")
    assert AuditEvent.objects.filter(event_type="sign_in_linked", object_id=str(teacher.pk)).count() == 1


def test_the_next_sign_in_uses_the_account_not_the_name(client, idp, school, teacher, make_person):
    configure(school, idp)
    sign_in(client, idp, school, {"sub": "abc-1", "preferred_username": "teacher"})
    client.logout()
    # The name at the provider changed to someone else's: the account still means Tom.
    make_person(roles.TEACHER, username="someone")
    sign_in(client, idp, school, {"sub": "abc-1", "preferred_username": "someone"})
    assert signed_in_as(client) == teacher
    assert ExternalIdentity.objects.count() == 1


def test_an_unknown_account_waits_on_the_list_and_no_account_is_made(client, idp, school, teacher):
    configure(school, idp)
    people = Person.objects.count()
    response = sign_in(client, idp, school, {"sub": "new-1", "preferred_username": "stranger",
                                             "name": "Sam Stranger", "email": "sam@x.test"})
    assert response.status_code == 403
    assert "could not find you" in response.content.decode()
    assert signed_in_as(client) is None
    assert Person.objects.count() == people
    row = UnmatchedSignIn.objects.get()
    assert (row.name, row.username, row.status, row.attempts) == (
        "Sam Stranger", "stranger", "open", 1)
    sign_in(client, idp, school, {"sub": "new-1", "preferred_username": "stranger"})
    row.refresh_from_db()
    assert row.attempts == 2
    assert AuditEvent.objects.filter(event_type="sign_in_unmatched").count() == 2


def test_the_it_manager_links_an_unmatched_sign_in_and_it_then_works(
        client, client_for, idp, school, teacher, it_manager):
    configure(school, idp)
    sign_in(client, idp, school, {"sub": "new-1", "preferred_username": "t.teach"})
    row = UnmatchedSignIn.objects.get()
    manager = client_for(it_manager)
    assert "t.teach" in manager.get("/sign-in/unmatched/").content.decode()
    manager.post(f"/sign-in/unmatched/{row.pk}/", {"outcome": "link", "username": "teacher"})
    row.refresh_from_db()
    assert (row.status, row.person, row.resolved_by) == ("linked", teacher, it_manager)
    assert AuditEvent.objects.filter(event_type="sign_in_unmatched_resolved").count() == 1
    sign_in(client, idp, school, {"sub": "new-1", "preferred_username": "t.teach"})
    assert signed_in_as(client) == teacher


def test_the_it_manager_dismisses_an_unmatched_sign_in(client, client_for, idp, school, it_manager):
    configure(school, idp)
    sign_in(client, idp, school, {"sub": "new-1", "preferred_username": "who"})
    row = UnmatchedSignIn.objects.get()
    client_for(it_manager).post(f"/sign-in/unmatched/{row.pk}/", {"outcome": "dismiss"})
    row.refresh_from_db()
    assert row.status == "dismissed"
    assert ExternalIdentity.objects.count() == 0


def test_the_list_is_not_for_teachers_nor_other_schools(client_for, idp, school, teacher, outsider):
    configure(school, idp)
    row = UnmatchedSignIn.objects.create(school=school, issuer="i", subject="s", reason="r",
                                         last_seen_at=timezone.now())
    assert client_for(teacher).get("/sign-in/unmatched/").status_code == 404
    assert client_for(outsider).post(f"/sign-in/unmatched/{row.pk}/",
                                     {"outcome": "dismiss"}).status_code == 404
    row.refresh_from_db()
    assert row.status == "open"


def test_mis_id_rule_finds_the_person_by_the_claim_the_school_names(client, idp, school, make_person):
    person = make_person(roles.TEACHER, username="jb", external_id="STF042")
    configure(school, idp, match_rule="mis_id", match_claim="employeeId")
    sign_in(client, idp, school, {"sub": "x", "employeeId": "STF042", "preferred_username": "no"})
    assert signed_in_as(client) == person


def test_email_alone_never_signs_in_without_the_code_sent_to_it(
        client, idp, school, teacher, mailoutbox):
    configure(school, idp, match_rule="email")
    response = sign_in(client, idp, school, {"sub": "e-1", "email": teacher.email,
                                             "email_verified": True})
    assert response["Location"] == "/sign-in/confirm/"
    assert signed_in_as(client) is None
    assert ExternalIdentity.objects.count() == 0
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [teacher.email]
    code = [w for w in mailoutbox[0].body.split() if w.isdigit() and len(w) == 6][0]
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/sign-in/confirm/", {"code": wrong})
    assert "not right" in response.content.decode() and signed_in_as(client) is None
    response = client.post("/sign-in/confirm/", {"code": code})
    assert response.status_code == 302
    assert signed_in_as(client) == teacher
    assert ExternalIdentity.objects.get().how == "email_confirmed"


def test_an_email_the_provider_has_not_verified_is_not_matched(client, idp, school, teacher, mailoutbox):
    configure(school, idp, match_rule="email")
    sign_in(client, idp, school, {"sub": "e-1", "email": teacher.email, "email_verified": False})
    assert mailoutbox == [] and UnmatchedSignIn.objects.count() == 1


def test_a_leaver_is_refused_with_a_clear_page_and_told_how_to_tell_someone(
        client, idp, school, pupil):
    configure(school, idp)
    pupil.left_on = timezone.localdate() - datetime.timedelta(days=1)
    pupil.save()
    response = sign_in(client, idp, school, {"sub": "p", "preferred_username": "pupil"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "Your school account has ended" in page and "Childline" in page
    assert signed_in_as(client) is None
    assert ExternalIdentity.objects.count() == 0
    assert AuditEvent.objects.filter(event_type="sign_in_refused").count() == 1


def test_an_expired_guest_and_a_switched_off_account_are_refused(client, idp, school, make_person):
    configure(school, idp)
    guest = make_person(roles.VISITOR, username="guest",
                        access_expires_at=timezone.now() - datetime.timedelta(hours=1))
    off = make_person(roles.TEACHER, username="off", is_active=False)
    response = sign_in(client, idp, school, {"sub": "g", "preferred_username": guest.username})
    assert "Your guest access has ended" in response.content.decode()
    response = sign_in(client, idp, school, {"sub": "o", "preferred_username": off.username})
    assert "This account is switched off" in response.content.decode()
    assert signed_in_as(client) is None


def test_someone_of_another_school_is_refused_even_with_a_linked_account(
        client, idp, school, other_school, outsider):
    configure(school, idp)
    # A trust's schools share one tenant: the account is linked to Riverside's head.
    ExternalIdentity.objects.create(school=other_school, issuer=idp.issuer, subject="o-1",
                                    person=outsider, how="username")
    response = sign_in(client, idp, school, {"sub": "o-1", "preferred_username": "outsider"})
    assert "This is not your school" in response.content.decode()
    assert signed_in_as(client) is None


def test_a_leaver_already_linked_is_refused_at_their_next_sign_in(client, idp, school, pupil):
    configure(school, idp)
    sign_in(client, idp, school, {"sub": "p", "preferred_username": "pupil"})
    client.logout()
    pupil.left_on = timezone.localdate()
    pupil.save()
    response = sign_in(client, idp, school, {"sub": "p", "preferred_username": "pupil"})
    assert "Your school account has ended" in response.content.decode()
    assert signed_in_as(client) is None


def test_what_the_session_held_before_signing_in_is_kept(client, idp, school, teacher):
    # The internet sign-in page marks the session before sending someone to the provider;
    # it must still be there when the sign-in ends (user_logged_in). (Its own key is taken
    # off by the network app's receiver; any key is kept the same way.)
    from django.contrib.auth.signals import user_logged_in

    configure(school, idp)
    seen = []

    def remember(sender, request, user, **kwargs):
        seen.append((user, request.session.get("marker-set-before")))

    session = client.session
    session["marker-set-before"] = {"school": school.slug, "next": "http://example.com/"}
    session.save()
    user_logged_in.connect(remember)
    try:
        sign_in(client, idp, school, {"sub": "t", "preferred_username": "teacher"})
    finally:
        user_logged_in.disconnect(remember)
    assert seen == [(teacher, {"school": school.slug, "next": "http://example.com/"})]


def test_a_next_address_on_another_site_is_not_followed(client, idp, school, teacher):
    configure(school, idp)
    response = sign_in(client, idp, school, {"sub": "t", "preferred_username": "teacher"},
                       next_url="https://evil.example/")
    assert response["Location"] == "/"
