"""The demo school's access authorisations: ones a school would recognise, in every state."""

from esafety.authorisations.demo import load_demo_authorisations
from esafety.authorisations.models import Authorisation
from esafety.authorisations.selectors import mailbox_access_authorised
from esafety.directory import roles


def test_demo_authorisations_cover_every_state(school, make_person):
    for role in (roles.HEADTEACHER, roles.IT_MANAGER, roles.DSL, roles.BUSINESS_MANAGER,
                 roles.ASSISTANT_HEAD, roles.TEACHER, roles.TEACHER, roles.TEACHER):
        make_person(role)
    load_demo_authorisations(school)
    states = sorted(Authorisation.objects.values_list("status", flat=True))
    assert states == ["approved", "approved", "expired", "pending", "refused"]
    mailbox = Authorisation.objects.filter(kind="mailbox", status="approved").get()
    assert mailbox_access_authorised(school, mailbox.subject, mailbox.reader) == mailbox
    assert mailbox.uses.count() == 1
