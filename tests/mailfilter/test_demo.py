from esafety.mailfilter.demo import load_demo_mailfilter
from esafety.mailfilter.models import GroupApproval, HeldMessage, MailFilterSettings


def test_the_demo_holds_two_messages_once(settings, tmp_path, school, headteacher, teacher,
                                          parent):
    settings.DATA_DIR = tmp_path / "data"
    load_demo_mailfilter(school)
    load_demo_mailfilter(school)
    assert MailFilterSettings.objects.filter(school=school).count() == 1
    assert GroupApproval.objects.filter(school=school).count() == 1
    held = HeldMessage.objects.filter(school=school).order_by("sender")
    assert [h.sender for h in held] == ["angry.person@mail-forward.example", teacher.email]
    assert all(h.status == HeldMessage.HELD for h in held)
