"""Shared pieces for the incident log's tests: small, realistic evidence files."""

import pytest

from esafety.directory import roles
from esafety.incidents import actions

# The smallest valid PNG (1x1 pixel).
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
# A Windows executable's first bytes.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64

EML = (b"Return-Path: <nasty.sender@freemail.example>\r\n"
       b"Received: from mx.freemail.example (mx.freemail.example [192.0.2.10])\r\n"
       b"\tby mail.hollinspark.sch.uk; Mon, 9 Nov 2026 08:14:02 +0000\r\n"
       b"From: Anon Sender <nasty.sender@freemail.example>\r\n"
       b"To: teacher@hollinspark.sch.uk\r\n"
       b"Subject: you will regret it\r\n"
       b"Date: Mon, 9 Nov 2026 08:13:55 +0000\r\n"
       b"Message-ID: <abc123@freemail.example>\r\n"
       b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
       b"Everyone at that school knows what you did. Watch yourself.\r\n")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def assistant_head(make_person):
    return make_person(roles.ASSISTANT_HEAD, username="ahead", first_name="Asha",
                       last_name="Assistant")


@pytest.fixture
def governor(make_person):
    return make_person(roles.GOVERNOR, username="chair", first_name="Gita", last_name="Chair")


@pytest.fixture
def reported(pupil, dsl):
    """A pupil's cyberbullying report, with the DSL in post."""
    return actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                   description="People in my form keep posting mean comments "
                                               "about me on a group chat.", people=[pupil])


@pytest.fixture
def investigated(reported, dsl, online_safety_lead):
    actions.investigator_add(actor=dsl, incident=reported, person=dsl)
    actions.investigator_add(actor=dsl, incident=reported, person=online_safety_lead)
    reported.refresh_from_db()
    return reported


def _guards():
    from esafety.audit import guards

    return guards


@pytest.fixture
def tamper():
    """Someone with database rights drops the guards, changes history, puts them back."""
    from contextlib import contextmanager

    from django.db import connection

    @contextmanager
    def run():
        _guards().remove(connection)
        try:
            yield
        finally:
            _guards().install(connection)

    return run


@pytest.fixture
def bully(make_person):
    """The pupil who posted the comments the `reported` pupil told us about."""
    return make_person(roles.PUPIL, username="bully", first_name="Bo", last_name="Bully",
                       year_group=8, form="8C")


@pytest.fixture
def with_bully(investigated, dsl, bully):
    """The investigated case, with the pupil who posted the comments as alleged perpetrator."""
    actions.involvement_set(actor=dsl, incident=investigated, person=bully, part="alleged")
    investigated.refresh_from_db()
    return investigated


@pytest.fixture
def substantiated(with_bully, dsl):
    """...and judged to have substance: ready for a rating and a sanction."""
    actions.incident_judge(actor=dsl, incident=with_bully, outcome="internal",
                           reasons="Messages confirm the comments; anti-bullying policy.")
    with_bully.refresh_from_db()
    return with_bully
