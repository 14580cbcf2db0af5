from esafety.directory import roles
from esafety.filtering import demo
from esafety.filtering.models import (
    BlockedAttempt,
    Category,
    FilteringAlert,
    InternetSuspension,
    UnblockRequest,
)
from esafety.filtering.rules import SAMPLE_LISTS


def test_the_demo_has_lists_policies_an_open_and_an_expired_unblock_and_attempts(
        monkeypatch, school, headteacher, it_manager, make_person, django_capture_on_commit_callbacks):
    monkeypatch.setattr(demo, "lists_folder", lambda: SAMPLE_LISTS)
    for n in range(3):
        make_person(roles.TEACHER, username=f"t{n}")
    for n in range(30):
        make_person(roles.PUPIL, username=f"p{n}", year_group=7 + n % 6, form=f"{7 + n % 6}A")
    with django_capture_on_commit_callbacks(execute=True):
        demo.load_demo_filtering(school, headteacher)
    assert Category.objects.filter(school=school).count() == 21
    states = sorted(u.state() for u in UnblockRequest.objects.filter(school=school))
    assert states == ["active", "expired", "pending"]
    assert InternetSuspension.objects.filter(school=school).count() == 1
    assert BlockedAttempt.objects.filter(school=school, person__role=roles.PUPIL).exists()
    assert BlockedAttempt.objects.filter(school=school, group="staff").exists()
    assert FilteringAlert.objects.filter(school=school, category="redirector").count() == 1
