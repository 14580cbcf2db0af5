"""esafety checks its own filter: the engine's answer for a known address in every category,
for every group, against the rules."""

from esafety.audit.models import AuditEvent
from esafety.filtering.models import Category, SchoolEntry
from esafety.standards import actions
from esafety.standards.models import AUTOMATIC, Check
from esafety.standards.selfcheck import known_address
from esafety.standards.tasks import filtering_check_task


def test_the_filter_answers_as_the_rules_say(lists, school):
    check = actions.check_run_automatic(actor=None, school=school)
    assert check.passed, check.result
    assert check.kind == AUTOMATIC and check.by is None
    statutory = [c for c in check.cases if c["statutory"]]
    assert statutory and all(c["got"] == "block" for c in statutory)
    groups = {c["group"] for c in check.cases}
    assert {"ks1", "ks3", "staff"} <= groups
    assert AuditEvent.objects.filter(event_type="standards_check_recorded").count() == 1


def test_an_allow_list_entry_that_opens_a_blocked_category_is_caught(lists, school, it_manager):
    gambling = Category.objects.get(school=school, name="gambling")
    host = known_address(gambling.entries)
    SchoolEntry.objects.create(school=school, kind=SchoolEntry.ALLOW, host=host)
    check = actions.check_run_automatic(actor=it_manager, school=school)
    assert not check.passed
    wrong = [c for c in check.cases if not c["ok"]]
    assert wrong and all(c["category"] == "gambling" and c["rule"] == "school-allow"
                         for c in wrong)
    assert "differ from the register" in check.result


def test_without_lists_the_check_says_it_could_not_run(school, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    check = actions.check_run_automatic(actor=None, school=school)
    assert not check.passed
    assert "no category lists" in check.result


def test_the_daily_job_checks_once_a_day(lists, school):
    assert filtering_check_task.call(school.pk) is True
    assert filtering_check_task.call(school.pk) is False
    assert Check.objects.filter(kind=AUTOMATIC).count() == 1


def test_an_approved_unblock_is_the_schools_own_exception_not_a_failure(lists, school,
                                                                        it_manager, teacher):
    import datetime

    from django.utils import timezone

    from esafety.filtering import actions as filtering_actions

    gambling = Category.objects.get(school=school, name="gambling")
    now = timezone.now()
    request = filtering_actions.unblock_request(
        actor=teacher, category=gambling, groups=["ks4"], reason="Year 10 PSHE on gambling harm",
        starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(days=14))
    filtering_actions.unblock_approve(actor=it_manager, request=request, note="For the unit")
    check = actions.check_run_automatic(actor=None, school=school)
    assert check.passed, check.result
    assert "allowed by an approved unblock" in check.result
    assert {c["group"] for c in check.cases if c["rule"] == "unblock"} == {"ks4"}


def test_the_daily_check_is_scheduled_for_every_school(school, other_school):
    from esafety.web.jobs import JOBS

    job = next(j for j in JOBS if j.name == "daily filtering check")
    calls = []
    job.run(lambda task, *args: calls.append((task, args)))
    assert calls == [(filtering_check_task, (school.pk,)), (filtering_check_task, (other_school.pk,))]


def test_a_failed_check_is_passed_to_those_who_look_after_filtering(
        lists, school, it_manager, headteacher, teacher, django_capture_on_commit_callbacks):
    from esafety.notices.models import Notice

    actions.role_name(actor=headteacher, school=school, role="slt", person=headteacher)
    gambling = Category.objects.get(school=school, name="gambling")
    SchoolEntry.objects.create(school=school, kind=SchoolEntry.ALLOW,
                               host=known_address(gambling.entries))
    with django_capture_on_commit_callbacks(execute=True):
        check = actions.check_run_automatic(actor=None, school=school)
    told = sorted(n.recipient.username for n in Notice.objects.filter(about_id=check.pk,
                                                                      about_type="check"))
    assert told == sorted([it_manager.username, headteacher.username])


def test_a_passing_check_tells_nobody(lists, school, django_capture_on_commit_callbacks):
    from esafety.notices.models import Notice

    with django_capture_on_commit_callbacks(execute=True):
        actions.check_run_automatic(actor=None, school=school)
    assert not Notice.objects.exists()
