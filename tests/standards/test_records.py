"""The roles, the decision register and its history, checks by staff, reviews and actions,
and the status each adds up to."""

import datetime

import pytest
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.errors import InvalidInput, NotAllowed
from esafety.filtering.models import Category, GroupRule
from esafety.standards import actions, selectors
from esafety.standards.models import FilteringDecision


@pytest.fixture
def governor(make_person):
    return make_person(roles.GOVERNOR, first_name="Margaret", last_name="Clarke")


def _status(school):
    return {s.title.split()[0]: s.status for s in selectors.status(school)}


def test_everything_is_missing_at_first(school):
    assert set(_status(school).values()) == {"missing"}


def test_roles_are_named_and_their_history_kept(school, headteacher, dsl, governor, it_manager):
    actions.role_name(actor=headteacher, school=school, role="slt", person=headteacher)
    actions.role_name(actor=headteacher, school=school, role="governor", person=governor)
    actions.role_name(actor=headteacher, school=school, role="dsl", person=dsl)
    assert _status(school)["Roles"] == "missing"
    actions.role_name(actor=it_manager, school=school, role="it_provider",
                      provider_name="Northern Grid IT Services", provider_contact="0161 000 0000")
    assert _status(school)["Roles"] == "met"
    actions.role_name(actor=headteacher, school=school, role="it_provider", person=it_manager)
    current = {r["role"]: r["holder"].holder for r in selectors.current_roles(school)}
    assert current["it_provider"] == it_manager.display_name
    assert selectors.role_history(school).filter(role="it_provider").count() == 2
    assert AuditEvent.objects.filter(event_type="standards_role_named").count() == 5


def test_only_the_it_provider_may_be_an_outside_company(school, headteacher, outsider, teacher):
    with pytest.raises(InvalidInput):
        actions.role_name(actor=headteacher, school=school, role="dsl", provider_name="Acme")
    with pytest.raises(InvalidInput):
        actions.role_name(actor=headteacher, school=school, role="slt", person=outsider)
    with pytest.raises(NotAllowed):
        actions.role_name(actor=teacher, school=school, role="slt", person=teacher)


def test_the_register_comes_from_the_live_rules_and_asks_again_when_a_rule_changes(
        lists, school, online_safety_lead):
    rows = selectors.register(school)
    categories = Category.objects.filter(school=school).count()
    assert len(rows) == categories * len({r["group"] for r in rows})
    assert all(r["needs_reason"] for r in rows)
    games = next(r for r in rows if r["category"] == "gambling" and r["group"] == "staff")
    actions.reason_record(actor=online_safety_lead, school=school, group="staff",
                          category="gambling", reason="Gambling has no place at work.")
    after = next(r for r in selectors.register(school)
                 if r["category"] == "gambling" and r["group"] == "staff")
    assert not after["needs_reason"]
    assert after["answer_words"] == games["answer_words"]
    GroupRule.objects.update_or_create(
        school=school, group="staff", category=Category.objects.get(school=school, name="gambling"),
        defaults={"action": GroupRule.ALLOW if games["answer"] != "Allowed" else GroupRule.BLOCK})
    changed = next(r for r in selectors.register(school)
                   if r["category"] == "gambling" and r["group"] == "staff")
    assert changed["needs_reason"]
    assert actions.rule_changes_note(school=school) == 1
    assert actions.rule_changes_note(school=school) == 0
    history = list(FilteringDecision.objects.filter(category="gambling", group="staff"))
    assert [h.reason for h in history] == ["", "Gambling has no place at work."]
    assert AuditEvent.objects.filter(event_type="filtering_rule_change_noted").count() == 1


def test_a_reason_for_an_unknown_category_is_refused(lists, school, online_safety_lead):
    with pytest.raises(InvalidInput):
        actions.reason_record(actor=online_safety_lead, school=school, group="staff",
                              category="nonsense", reason="Because I said so")


def test_a_check_by_staff_needs_what_was_done_when_it_failed(school, online_safety_lead):
    now = timezone.now()
    with pytest.raises(InvalidInput):
        actions.check_record(actor=online_safety_lead, school=school, kind="manual", at=now,
                             what_was_tested="testfiltering.com on a Year 7 laptop",
                             passed=False, result="The page opened")
    with pytest.raises(InvalidInput):
        actions.check_record(actor=online_safety_lead, school=school, kind="manual",
                             at=now + datetime.timedelta(days=2), what_was_tested="x",
                             passed=True, result="fine")
    check = actions.check_record(actor=online_safety_lead, school=school, kind="manual", at=now,
                                 what_was_tested="testfiltering.com on a Year 7 laptop",
                                 passed=False, result="The page opened",
                                 action_taken="Reported to the provider; fixed the same day")
    assert check.by == online_safety_lead


def test_status_is_met_with_a_years_records(lists, school, headteacher, dsl, governor,
                                            it_manager, online_safety_lead):
    for role, person in (("slt", headteacher), ("governor", governor), ("dsl", dsl),
                         ("it_provider", it_manager)):
        actions.role_name(actor=headteacher, school=school, role=role, person=person)
    for row in selectors.register(school):
        actions.reason_record(actor=online_safety_lead, school=school, group=row["group"],
                              category=row["category"], reason="As the defaults advise")
    actions.check_run_automatic(actor=None, school=school)
    now = timezone.now()
    for kind in ("manual", "monitoring"):
        actions.check_record(actor=online_safety_lead, school=school, kind=kind, at=now,
                             what_was_tested="A known test page", passed=True,
                             result="Blocked and alerted")
    review = actions.review_record(actor=headteacher, school=school,
                                   held_on=timezone.localdate(), governor=governor,
                                   led_by=headteacher, who_took_part="IT provider",
                                   findings="Filtering fit for purpose; KS2 YouTube too open.")
    assert set(_status(school).values()) == {"met"}
    action = actions.action_add(actor=headteacher, review=review, what="Restricted mode for KS2",
                                owner=it_manager,
                                due_on=timezone.localdate() - datetime.timedelta(days=1))
    assert _status(school)["Filtering"] == "met"
    statuses = selectors.status(school)
    assert statuses[1].status == "due" and "overdue" in statuses[1].says
    actions.action_done(actor=it_manager, action=action, note="Done on the proxy")
    assert selectors.status(school)[1].status == "met"


def test_a_review_a_year_old_is_due(school, headteacher, governor):
    actions.review_record(actor=headteacher, school=school,
                          held_on=timezone.localdate() - datetime.timedelta(days=400),
                          governor=governor, led_by=headteacher, who_took_part="",
                          findings="All fine")
    assert selectors.status(school)[1].status == "due"


def test_the_review_governor_must_be_a_governor(school, headteacher, teacher):
    with pytest.raises(InvalidInput):
        actions.review_record(actor=headteacher, school=school, held_on=timezone.localdate(),
                              governor=teacher, led_by=headteacher, who_took_part="",
                              findings="All fine")


def test_an_actions_owner_is_told(school, headteacher, governor, it_manager,
                                  django_capture_on_commit_callbacks):
    from esafety.notices.models import Notice

    review = actions.review_record(actor=headteacher, school=school,
                                   held_on=timezone.localdate(), governor=governor,
                                   led_by=headteacher, who_took_part="", findings="All fine")
    with django_capture_on_commit_callbacks(execute=True):
        action = actions.action_add(actor=headteacher, review=review, what="Restricted mode",
                                    owner=it_manager, due_on=timezone.localdate())
    notice = Notice.objects.get(about_type="reviewaction", about_id=action.pk)
    assert notice.recipient == it_manager
