import contextlib
import smtplib

import pytest

from esafety.checks.models import ApprovedRecipient, Correspondent
from esafety.directory import roles
from esafety.mailfilter import server
from esafety.mailfilter.models import MailFilterSettings
from esafety.mailfilter.publishing import folder, publish
from tests.mailfilter.harness import FilterThread, Sink


def send(port: int, mail_from: str, rcpts: list[str], raw: bytes) -> tuple[int, str]:
    """One message over SMTP: the filter's answer to DATA (or to the first failing step)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        smtp.ehlo()
        code, text = smtp.mail(mail_from)
        if code != 250:
            return code, text.decode()
        for rcpt in rcpts:
            code, text = smtp.rcpt(rcpt)
            if code not in (250, 251):
                return code, text.decode()
        code, text = smtp.data(raw)
        return code, text.decode()


@pytest.fixture
def mail_school(settings, tmp_path, school, make_person, dsl):
    """The school with a pupil (one approved outside address), a teacher, a known outside
    correspondent and its snapshot published."""
    settings.DATA_DIR = tmp_path / "data"
    pupil = make_person(roles.PUPIL, username="pip", first_name="Pip", last_name="Pupil",
                        email="pip@hollinspark.sch.uk")
    teacher = make_person(roles.TEACHER, username="tom", first_name="Tom", last_name="Teach",
                          email="tom@hollinspark.sch.uk")
    ApprovedRecipient.objects.create(school=school, pupil=pupil, address="grandma@example.org")
    Correspondent.objects.create(school=school, address="parent@known.example")
    MailFilterSettings.objects.create(school=school, trusted_authserv="mx.hollinspark.sch.uk",
                                      who_can_approve="your form tutor, Mr Teach")
    publish(school)
    return {"school": school, "pupil": pupil, "teacher": teacher, "dsl": dsl,
            "folder": folder(school)}


@pytest.fixture
def sink():
    with Sink() as running:
        yield running


@pytest.fixture
def mail_filter(mail_school, sink):
    config = server.Config(school=mail_school["school"].slug, folder=mail_school["folder"],
                           next_hop=("127.0.0.1", sink.port), timeout=10)
    with FilterThread(config) as running:
        yield running


@contextlib.contextmanager
def postfix_flow(mail_school, sink, *, milter: bool):
    """A real Postfix with the filter in its flow -> sink: its after-queue content filter
    (re-injection through a second smtpd), or with milter=True its smtpd's milter (notices
    and released messages through that second smtpd)."""
    from tests.mailfilter import postfix

    pf = postfix.Postfix(sink.port, None, milter=milter)
    config = server.Config(school=mail_school["school"].slug, folder=mail_school["folder"],
                           next_hop=("127.0.0.1", pf.reinject), timeout=10)
    with FilterThread(config, milter=milter) as running:
        pf.filter_port = running.port
        with pf:
            yield pf


@pytest.fixture
def milter_flow(mail_school, sink):
    """Postfix with the filter as its milter (skipped where Postfix cannot run: the tests
    using it say so)."""
    with postfix_flow(mail_school, sink, milter=True) as pf:
        yield pf
