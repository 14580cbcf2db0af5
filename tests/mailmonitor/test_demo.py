from esafety.api.models import ApiToken
from esafety.directory import roles
from esafety.mailmonitor.demo import load_demo_mailmonitor
from esafety.mailmonitor.models import CapturedMessage, MonitorSettings


def test_the_demo_has_settings_two_captured_messages_and_a_token(school, headteacher,
                                                                 it_manager, make_person,
                                                                 settings, tmp_path):
    settings.DATA_DIR = tmp_path
    make_person(roles.PUPIL)
    make_person(roles.TEACHER)
    load_demo_mailmonitor(school)
    load_demo_mailmonitor(school)  # twice: nothing more
    assert MonitorSettings.objects.filter(school=school).count() == 1
    captured = list(CapturedMessage.objects.order_by("pk"))
    assert [c.private for c in captured] == [False, True]
    assert ApiToken.objects.filter(school=school).count() == 1
