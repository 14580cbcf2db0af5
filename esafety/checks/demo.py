"""Demo data for the checks area: a few approved recipients and known correspondents."""

from esafety.checks.actions import approved_recipient_add, correspondent_add
from esafety.checks.models import ApprovedRecipient, Correspondent
from esafety.directory import roles
from esafety.directory.models import Person

DEMO_APPROVED = ["author.visits@booksforschools.org", "museum.org.uk"]
DEMO_CORRESPONDENTS = [("localauthority.gov.uk", "Local authority"),
                       ("orders@schoolsupplies.example", "Stationery supplier")]


def load_demo_checks(school) -> None:
    """Approve two outside recipients for up to three pupils and record two correspondents.

    Idempotent: running it twice adds nothing new.
    """
    actor = (Person.objects.filter(school=school, role__in=roles.STAFF_ROLES)
             .order_by("pk").first())
    if actor is None:
        return
    pupils = Person.objects.filter(school=school, role=roles.PUPIL).order_by("pk")[:3]
    for pupil in pupils:
        for address in DEMO_APPROVED:
            if not ApprovedRecipient.objects.filter(pupil=pupil, address=address).exists():
                approved_recipient_add(actor=actor, pupil=pupil, address=address,
                                       note="Class reading project (demo)")
    for address, note in DEMO_CORRESPONDENTS:
        if not Correspondent.objects.filter(school=school, address=address).exists():
            correspondent_add(actor=actor, school=school, address=address, note=note)
