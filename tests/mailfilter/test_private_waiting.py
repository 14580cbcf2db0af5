"""Private held mail waits for the headteacher or their nominee to record why it may be read,
so they are told when one arrives (a notice and an email, once each, with nothing of the
message) and find each one listed with the requests for access waiting for their decision:
who sent it, to how many, when and why it was held, never its subject or what it says."""

import datetime
import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.mailfilter import selectors
from esafety.mailfilter.actions import held_message_authorise, ingest_events
from esafety.mailfilter.models import HeldMessage
from esafety.mailfilter.server import EVENTS_DIR
from esafety.notices.models import Notice
from tests.mailfilter.conftest import send
from tests.mailfilter.harness import message

TEACHER = "tom@hollinspark.sch.uk"
THREAT = "I will stab you tomorrow at the gates, you are dead, I will kill you."
TITLE = "A private message held by the mail filter waits for your authorisation"
REASONS = "Threats of violence: the DSL must read them in full today."


def name_nominee(school, person):
    from esafety.authorisations.models import AuthorisationSettings

    AuthorisationSettings.objects.update_or_create(school=school, defaults={"nominee": person})


def leave_event(mail_school, key, *, private=True, sender=TEACHER,
                recipients=("someone@gmail.com",), rule="content.violence",
                at="2026-12-04T09:00:00+00:00", outcome="hold"):
    """An event as the filter leaves it for the batch loader (server.py, _record)."""
    folder = mail_school["folder"] / EVENTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    event = {"key": key, "at": at, "outcome": outcome, "audience": "staff",
             "private": private, "sender": sender, "recipients": list(recipients),
             "recipient_count": len(recipients), "subject": "" if private else "Plans",
             "read_as": "", "reason": "Threats or violence (003 §2.6)", "verdict": "hold",
             "rating": None, "decided_by": [rule],
             "findings": [{"rule": rule, "rating": None,
                           "evidence": [{"part": "body", "excerpt": "stab you tomorrow"}]}]}
    (folder / f"{at.replace(':', '')}-{key}.json").write_text(json.dumps(event))


def load(mail_school, capture):
    with capture(execute=True):
        return ingest_events(mail_school["school"])


def told_by_email():
    return [m for m in mail.outbox if m.subject == TITLE]


@pytest.fixture
def nominee(make_person, mail_school):
    person = make_person(roles.ASSISTANT_HEAD, username="nina", first_name="Nina",
                         last_name="Nominee")
    name_nominee(mail_school["school"], person)
    return person


# ------------------------------------------------------------------ told when it arrives

def test_the_head_and_nominee_are_emailed_once_about_new_private_held_mail_and_never_its_content(
        mail_filter, mail_school, headteacher, nominee, dsl, online_safety_lead,
        django_capture_on_commit_callbacks):
    raw = message(TEACHER, "someone@gmail.com", "Meet at the gates", THREAT,
                  Sensitivity="Private")
    assert "Held" in send(mail_filter.port, TEACHER, ["someone@gmail.com"], raw)[1]
    assert load(mail_school, django_capture_on_commit_callbacks).held == 1
    held = HeldMessage.objects.get()
    assert held.private
    emails = told_by_email()
    assert sorted(m.to[0] for m in emails) == sorted([headteacher.email, nominee.email])
    notices = Notice.objects.filter(about_type="heldmessage", about_id=held.pk)
    assert sorted(n.recipient.pk for n in notices) == sorted([headteacher.pk, nominee.pk])
    assert all(n.emailed_at is not None for n in notices)
    path = f"/mail/held/{held.pk}/authorise/"
    for said in [m.body for m in emails] + [n.body + n.title for n in notices]:
        assert "Meet at the gates" not in said and "stab" not in said
        assert TEACHER not in said and "someone@gmail.com" not in said
        assert "Threats or violence" not in said
    assert all(path in m.body and "1 recipient." in m.body for m in emails)
    assert all(n.path == path for n in notices)
    # Loading again (the file was left, or the filter wrote it twice) tells nobody twice.
    leave_event(mail_school, held.key)
    load(mail_school, django_capture_on_commit_callbacks)
    assert len(told_by_email()) == 2 and notices.count() == 2


def test_held_mail_not_marked_private_tells_nobody_who_authorises(
        mail_school, headteacher, nominee, django_capture_on_commit_callbacks):
    leave_event(mail_school, "open1", private=False)
    assert load(mail_school, django_capture_on_commit_callbacks).held == 1
    assert told_by_email() == []
    assert not Notice.objects.filter(about_type="heldmessage").exists()


def test_a_load_that_fails_tells_nobody(mail_school, headteacher, monkeypatch,
                                        django_capture_on_commit_callbacks):
    from esafety.mailfilter.actions import ingest

    def broken(*args, **kwargs):
        raise RuntimeError("the concerns table is locked")

    monkeypatch.setattr(ingest, "_concerns", broken)
    leave_event(mail_school, "private1")
    result = load(mail_school, django_capture_on_commit_callbacks)
    # (Nor is it counted as held: the load rolled back.)
    assert result.loaded == 0 and len(result.failed) == 1 and result.held == 0
    assert not HeldMessage.objects.exists()
    assert told_by_email() == [] and not Notice.objects.exists()


def test_only_the_head_and_a_current_nominee_are_told(
        mail_school, make_person, headteacher, dsl, online_safety_lead,
        django_capture_on_commit_callbacks):
    school = mail_school["school"]
    former = make_person(roles.ASSISTANT_HEAD)
    name_nominee(school, former)
    name_nominee(school, None)
    make_person(roles.HEADTEACHER, left_on=timezone.localdate() - datetime.timedelta(days=1))
    assert selectors.private_authorisers(school) == [headteacher]
    leave_event(mail_school, "private1")
    load(mail_school, django_capture_on_commit_callbacks)
    assert [m.to for m in told_by_email()] == [[headteacher.email]]


def test_an_email_that_cannot_be_sent_is_recorded_and_the_notice_kept(
        mail_school, headteacher, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    leave_event(mail_school, "private1")
    assert load(mail_school, django_capture_on_commit_callbacks).held == 1
    notice = Notice.objects.get(about_type="heldmessage")
    assert notice.recipient == headteacher and notice.emailed_at is None and notice.email_error
    failed = AuditEvent.objects.get(event_type="notice_email_failed")
    assert failed.details["to"] == [headteacher.display_name]
    assert TEACHER not in str(failed.details) + failed.object_label


# ------------------------------------------------------------------ listed while it waits

def test_the_head_finds_private_held_mail_waiting_with_the_requests_for_access(
        mail_school, headteacher, client_for, django_capture_on_commit_callbacks):
    leave_event(mail_school, "private1", recipients=("a@gmail.com", "b@gmail.com"))
    leave_event(mail_school, "private2", sender="pip@hollinspark.sch.uk",
                at="2026-12-04T10:30:00+00:00")
    leave_event(mail_school, "open1", private=False, sender="open@hollinspark.sch.uk")
    load(mail_school, django_capture_on_commit_callbacks)
    # Even a subject recorded by an older filter is never shown.
    HeldMessage.objects.filter(private=True).update(subject="Secret subject line")
    first, second = HeldMessage.objects.filter(private=True).order_by("held_at")
    page = client_for(headteacher).get(reverse("authorisations:register")).content.decode()
    assert "Private held mail waiting for your authorisation (2)" in page
    assert f'href="/mail/held/{first.pk}/authorise/"' in page
    assert f'href="/mail/held/{second.pk}/authorise/"' in page
    assert f"From {TEACHER}</a>,\nto 2 recipients, held 4 Dec 2026" in page
    assert "From pip@hollinspark.sch.uk</a>,\nto 1 recipient, held" in page
    assert "Held because: Threats or violence" in page
    assert "Secret subject line" not in page and "stab you" not in page
    assert "open@hollinspark.sch.uk" not in page and "gmail.com" not in page
    # Listing them opens nothing: the authorisation page records its own view.
    assert not AuditEvent.objects.filter(event_type="held_message_viewed").exists()


def test_the_nominee_finds_it_too_and_nobody_else_does(
        mail_school, headteacher, nominee, dsl, online_safety_lead, teacher, outsider,
        client_for, django_capture_on_commit_callbacks):
    leave_event(mail_school, "private1")
    load(mail_school, django_capture_on_commit_callbacks)
    held = HeldMessage.objects.get()
    url = reverse("authorisations:register")
    page = client_for(nominee).get(url).content.decode()
    assert "waiting for your authorisation (1)" in page
    assert f"/mail/held/{held.pk}/authorise/" in page
    for person in (dsl, online_safety_lead, outsider):
        page = client_for(person).get(url).content.decode()
        assert "waiting for your authorisation" not in page and TEACHER not in page
    assert client_for(teacher).get(url).status_code == 404
    for person in (dsl, teacher, outsider):
        assert selectors.private_waiting_for(person, mail_school["school"]) == (0, [])
    assert selectors.private_waiting_for(outsider, outsider.school) == (0, [])


def test_it_leaves_the_list_once_authorised_or_decided(
        mail_school, headteacher, dsl, client_for, django_capture_on_commit_callbacks):
    for key in ("private1", "private2", "private3"):
        leave_event(mail_school, key)
    load(mail_school, django_capture_on_commit_callbacks)
    school = mail_school["school"]
    authorised, released, waiting = HeldMessage.objects.order_by("key")
    held_message_authorise(actor=headteacher, held=authorised, reasons=REASONS)
    HeldMessage.objects.filter(pk=released.pk).update(status=HeldMessage.RELEASED)
    count, shown = selectors.private_waiting_for(headteacher, school)
    assert (count, [row.pk for row in shown]) == (1, [waiting.pk])
    HeldMessage.objects.filter(pk=waiting.pk).update(content_removed_at=timezone.now())
    assert selectors.private_waiting_for(headteacher, school) == (0, [])
    page = client_for(headteacher).get(reverse("authorisations:register")).content.decode()
    assert "waiting for your authorisation" not in page


def test_the_count_is_of_them_all_when_only_the_oldest_are_listed(
        mail_school, headteacher, django_capture_on_commit_callbacks):
    for n in range(4):
        leave_event(mail_school, f"private{n}", at=f"2026-12-04T09:0{n}:00+00:00")
    load(mail_school, django_capture_on_commit_callbacks)
    count, shown = selectors.private_waiting_for(headteacher, mail_school["school"], limit=2)
    assert count == 4
    assert [row.pk for row in shown] == list(
        HeldMessage.objects.order_by("held_at").values_list("pk", flat=True)[:2])
