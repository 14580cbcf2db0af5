"""Urgent concerns reach the leads and the school's deputies and out-of-hours contacts,
who say "I have seen this"; the Notices pages are each person's own; preferences never
turn urgent emails off."""

import pytest
from django.core import mail
from django.urls import reverse

from esafety.concerns import rules
from esafety.concerns.actions import concern_raise
from esafety.directory import roles
from esafety.errors import InvalidInput, NotAllowed
from esafety.notices import actions, kinds
from esafety.notices.models import Notice
from esafety.notices.notifications import tell


def raise_urgent(school, person=None):
    concern, _ = concern_raise(actor=None, school=school, topic=rules.SELF_HARM, person=person,
                               source=rules.MESSAGE_CHECK, rule="content.self_harm",
                               rule_title="Self-harm", excerpt="secret words",
                               clauses=["004 \u00a73.2.3"], advice="Tell the DSL today.")
    return concern


def test_urgent_concerns_reach_the_deputies_and_who_saw_it_is_recorded(
        school, dsl, headteacher, make_person, client_for, pupil,
        django_capture_on_commit_callbacks):
    deputy = make_person(roles.ASSISTANT_HEAD, username="deputy")
    actions.urgent_contacts_set(actor=headteacher, school=school, people=[deputy])
    with django_capture_on_commit_callbacks(execute=True):
        concern = raise_urgent(school, pupil)
    told = Notice.objects.filter(about_type="concern", about_id=concern.pk)
    assert {n.recipient_id for n in told} == {dsl.pk, headteacher.pk, deputy.pk}
    assert all(n.urgent and n.emailed_at for n in told)
    assert deputy.email in [m.to[0] for m in mail.outbox]
    assert "secret words" not in "".join(m.body for m in mail.outbox)
    notice = told.get(recipient=deputy)
    page = client_for(deputy).post(reverse("notices:acknowledge", args=[notice.pk]))
    assert page.status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None
    who = client_for(dsl).get(reverse("notices:told_about", args=["concern", concern.pk]))
    assert who.status_code == 200 and deputy.display_name in who.content.decode()


def test_only_current_staff_of_the_school_may_be_urgent_contacts(
        school, headteacher, pupil, outsider, teacher):
    for wrong in (pupil, outsider):
        with pytest.raises(InvalidInput):
            actions.urgent_contacts_set(actor=headteacher, school=school, people=[wrong])
    with pytest.raises(NotAllowed):
        actions.urgent_contacts_set(actor=teacher, school=school, people=[teacher])


def test_urgent_contacts_page(school, headteacher, teacher, client_for):
    page = client_for(headteacher).post(reverse("notices:urgent_contacts"),
                                        {"people": [teacher.pk]})
    assert page.status_code == 302
    assert client_for(teacher).get(reverse("notices:urgent_contacts")).status_code == 404
    junk = client_for(headteacher).post(reverse("notices:urgent_contacts"),
                                        {"people": ["nonsense"]})
    assert junk.status_code == 400


def test_urgent_emails_cannot_be_turned_off(school, dsl, pupil,
                                           django_capture_on_commit_callbacks):
    actions.preferences_update(actor=dsl, email_routine=False)
    with django_capture_on_commit_callbacks(execute=True):
        raise_urgent(school, pupil)
    notice = Notice.objects.get(recipient=dsl, kind=kinds.URGENT_CONCERN)
    assert notice.emailed_at is not None and not notice.email_skipped


def test_routine_emails_can_be_turned_off_and_the_page_says_what_cannot(dsl, client_for):
    client = client_for(dsl)
    page = client.get(reverse("notices:preferences"))
    assert "always emailed" in page.content.decode().lower()
    assert kinds.LABELS[kinds.URGENT_CONCERN] in page.content.decode()
    assert client.post(reverse("notices:preferences"), {}).status_code == 302
    sent = tell([dsl], kind=kinds.INVESTIGATOR_ADDED, school=dsl.school, title="Case X")
    assert sent.skipped == [dsl] and mail.outbox == []
    assert tell([dsl], kind=kinds.ALLEGATION, school=dsl.school, title="Y").emailed == [dsl]


def test_your_notices_are_yours_alone(school, dsl, teacher, outsider, client_for):
    told = tell([dsl], kind=kinds.INVESTIGATOR_ADDED, school=school, title="Case 42 for you")
    notice = told.notices[0]
    assert "Case 42 for you" in client_for(dsl).get(reverse("notices:list")).content.decode()
    for other in (teacher, outsider):
        client = client_for(other)
        assert "Case 42" not in client.get(reverse("notices:list")).content.decode()
        assert client.post(reverse("notices:read", args=[notice.pk])).status_code == 404
        assert client.post(reverse("notices:acknowledge", args=[notice.pk])).status_code == 404
    assert client_for(outsider).get(
        reverse("notices:told_about", args=["concern", 1])).status_code == 404
    assert client_for(teacher).get(
        reverse("notices:told_about", args=["concern", 1])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_navigation_counts_unread_notices_and_mark_read_clears_it(school, dsl, client_for):
    told = tell([dsl], kind=kinds.INVESTIGATOR_ADDED, school=school, title="Case 7")
    client = client_for(dsl)
    assert "Notices (1 new)" in client.get(reverse("notices:list")).content.decode()
    client.post(reverse("notices:read", args=[told.notices[0].pk]))
    assert "Notices (1 new)" not in client.get(reverse("notices:list")).content.decode()


def test_email_problems_page_is_for_whoever_runs_the_mail(it_manager, teacher, pupil,
                                                         client_for):
    assert client_for(it_manager).get(reverse("notices:email_problems")).status_code == 200
    for person in (teacher, pupil):
        assert client_for(person).get(reverse("notices:email_problems")).status_code == 404
