"""The scheduled handoffs run as tasks: the daily concerns summary once a local day per
school, and the checks for unblocks ending and next actions due."""

import datetime

from django.core import mail
from django.utils import timezone

from esafety import tasks
from esafety.concerns import rules
from esafety.concerns.actions import concern_raise
from esafety.filtering import actions as filtering
from esafety.incidents import actions as incidents
from esafety.notices.models import Notice


def test_the_daily_summary_task_sends_once_a_day(school, dsl):
    concern_raise(actor=None, school=school, topic=rules.BULLYING, source=rules.MESSAGE_CHECK,
                  rule="content.bullying", rule_title="Bullying", excerpt="words",
                  clauses=[], advice="")
    assert tasks.send_daily_digest_task.call(school.pk) == 1
    concern_raise(actor=None, school=school, topic=rules.BULLYING, source=rules.MESSAGE_CHECK,
                  rule="content.bullying2", rule_title="Bullying", excerpt="more",
                  clauses=[], advice="")
    assert tasks.send_daily_digest_task.call(school.pk) == 0  # already sent today
    assert len(mail.outbox) == 1 and "words" not in mail.outbox[0].body


def test_the_handoff_checks_task_tells_of_unblocks_ending_and_actions_due(
        school, teacher, it_manager, dsl, pupil):
    now = timezone.now()
    request = filtering.unblock_request(
        actor=teacher, site="www.example.org", groups=["ks3"],
        reason="A reason long enough to judge.", starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=3))
    filtering.unblock_approve(actor=it_manager, request=request)
    incident = incidents.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                         description="Mean comments.", people=[pupil])
    incidents.next_action_set(actor=dsl, incident=incident, action="Call home",
                              due=timezone.localdate(), reason="Agreed")
    assert tasks.handoff_checks_task.call(school.pk) == 2
    assert tasks.handoff_checks_task.call(school.pk) == 0
    assert set(Notice.objects.filter(kind__in=["unblock_ending", "review_due"])
               .values_list("kind", "recipient")) == {("unblock_ending", teacher.pk),
                                                      ("review_due", dsl.pk)}
