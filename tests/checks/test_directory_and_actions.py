"""Approved recipients, correspondents, the directory adapter and the demo hook."""

import datetime

import pytest

from esafety.audit.models import AuditEvent
from esafety.checks import actions
from esafety.checks.demo import load_demo_checks
from esafety.checks.directory_view import build_directory, school_for_cli
from esafety.checks.models import ApprovedRecipient, Correspondent
from esafety.directory import roles
from esafety.engine.messages.checker import check_message, check_parsed
from esafety.engine.messages.message import parse_message
from esafety.errors import Conflict, InvalidInput, NotAllowed
from tests.engine_messages.mail import make_mail


def test_teacher_approves_an_author_for_a_pupil_and_it_is_audited(teacher, pupil):
    approved = actions.approved_recipient_add(actor=teacher, pupil=pupil,
                                              address=" Author@BooksForSchools.org ",
                                              note="Reading project")
    assert approved.address == "author@booksforschools.org"
    event = AuditEvent.objects.get(event_type="approved_recipient_added")
    assert event.actor == teacher and event.after["pupil"] == pupil.username


def test_approving_the_same_address_twice_is_a_conflict(teacher, pupil):
    actions.approved_recipient_add(actor=teacher, pupil=pupil, address="museum.org.uk")
    with pytest.raises(Conflict):
        actions.approved_recipient_add(actor=teacher, pupil=pupil, address="museum.org.uk")
    assert AuditEvent.objects.filter(event_type="approved_recipient_added").count() == 1


def test_a_pupil_cannot_approve_their_own_recipients(pupil):
    with pytest.raises(NotAllowed):
        actions.approved_recipient_add(actor=pupil, pupil=pupil, address="friend@gmail.com")
    assert not ApprovedRecipient.objects.exists()
    assert not AuditEvent.objects.exists()


def test_staff_of_another_school_cannot_approve(outsider, pupil):
    with pytest.raises(NotAllowed):
        actions.approved_recipient_add(actor=outsider, pupil=pupil, address="museum.org.uk")
    assert not AuditEvent.objects.exists()


def test_only_pupils_have_approved_recipients(teacher, parent):
    with pytest.raises(InvalidInput):
        actions.approved_recipient_add(actor=teacher, pupil=parent, address="museum.org.uk")


@pytest.mark.parametrize("bad", ["", "not an address", "a@b", "x" * 300 + "@example.com"])
def test_bad_addresses_are_refused(teacher, pupil, bad):
    with pytest.raises(InvalidInput):
        actions.approved_recipient_add(actor=teacher, pupil=pupil, address=bad)


def test_the_directory_knows_the_schools_current_people_only(school, teacher, pupil, parent,
                                                            outsider, make_person):
    leaver = make_person(roles.TEACHER, left_on=datetime.date(2020, 7, 20))
    actions.approved_recipient_add(actor=teacher, pupil=pupil, address="museum.org.uk")
    actions.correspondent_add(actor=teacher, school=school, address="council.gov.uk")
    directory = build_directory(school)
    assert directory.member(teacher.email).role == roles.TEACHER
    assert directory.member(parent.email).role == roles.PARENT
    assert directory.member(outsider.email) is None
    assert directory.member(leaver.email) is None
    # (their own parent is approved with them: see the tests below)
    assert directory.approved_for(pupil.email) == frozenset({"museum.org.uk",
                                                             parent.email.lower()})
    assert directory.knows_correspondent("admissions@council.gov.uk")
    assert directory.domains == frozenset({"hollinspark.sch.uk"})


def test_the_checker_blocks_a_pupil_email_the_school_has_not_approved(school, teacher, pupil):
    actions.approved_recipient_add(actor=teacher, pupil=pupil, address="museum.org.uk")
    directory = build_directory(school)
    ok = make_mail(sender=pupil.email, to=["curator@museum.org.uk"], body="Hello")
    bad = make_mail(sender=pupil.email, to=["stranger@gmail.com"], body="Hello")
    assert check_message(ok, directory=directory).verdict == "allow"
    assert check_message(bad, directory=directory).verdict == "block"


def test_the_cli_needs_a_school_when_there_are_several(school, other_school):
    with pytest.raises(InvalidInput, match="--school"):
        school_for_cli(None)
    assert school_for_cli("riverside") == other_school
    with pytest.raises(InvalidInput):
        school_for_cli("nowhere")


def test_demo_hook_adds_a_little_and_is_idempotent(school, teacher, make_person):
    for _ in range(4):
        make_person(roles.PUPIL)
    load_demo_checks(school)
    load_demo_checks(school)
    assert ApprovedRecipient.objects.filter(school=school).count() == 6
    assert Correspondent.objects.filter(school=school).count() == 2


def test_demo_hook_on_a_school_without_staff_does_nothing(other_school):
    load_demo_checks(other_school)
    assert not ApprovedRecipient.objects.exists()


def test_a_pupil_may_write_to_their_own_parent_but_not_to_another_pupils(
        school, teacher, pupil, make_person):
    # A parent in the directory has no school account: their own address is an outside
    # one, approved for their own children only (004 §3.2.3).
    own_parent = make_person(roles.PARENT, username="own-parent", email="mum@gmail.com")
    own_parent.children.add(pupil)
    other_child = make_person(roles.PUPIL, username="other-child")
    other_parent = make_person(roles.PARENT, username="other-parent", email="dad@gmail.com")
    other_parent.children.add(other_child)
    directory = build_directory(school)

    def unapproved(to):
        msg = parse_message(f"From: {pupil.email}\r\nTo: {to}\r\nSubject: hi\r\n\r\n"
                            "See you later.\r\n".encode())
        verdict = check_parsed(msg, directory=directory)
        return [f.rule.id for f in verdict.findings if f.rule.id == "recipients.pupil-unapproved"]

    assert unapproved("mum@gmail.com") == []
    assert unapproved(teacher.email) == []
    assert unapproved(other_child.email) == []
    assert unapproved("dad@gmail.com") == ["recipients.pupil-unapproved"]
