"""The demo school's standards records."""

from esafety.directory import roles
from esafety.standards import selectors
from esafety.standards.demo import load_demo_standards
from esafety.standards.models import Check, Review


def test_demo_records_a_school_would_recognise(lists, school, make_person):
    for role in (roles.HEADTEACHER, roles.DSL, roles.ONLINE_SAFETY_LEAD, roles.GOVERNOR,
                 roles.ASSISTANT_HEAD):
        make_person(role)
    load_demo_standards(school)
    status = {s.title: s.status for s in selectors.status(school)}
    assert list(status.values()) == ["met", "due", "due", "met"]
    needing = [r for r in selectors.register(school) if r["needs_reason"]]
    assert [(r["group"], r["category"]) for r in needing] == [("staff", "social_networks")]
    assert Check.objects.filter(kind="automatic", passed=True).count() == 1
    assert Review.objects.get().actions.filter(done_on__isnull=True).count() == 2
