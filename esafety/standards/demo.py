"""The demo school's DfE filtering and monitoring records: the four roles named (the IT
provider an outside company), a reason for every category and group from the live rules,
esafety's own check and checks by staff, and last year's review with its actions."""

from __future__ import annotations

import datetime

from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.standards import actions, selectors


def _first(school: School, role: str) -> Person | None:
    return Person.objects.current().filter(school=school, role=role).order_by("pk").first()


def demo_reason(row: dict) -> str:
    """A reason a school would write for one category and group."""
    label, group = row["category_label"], row["group_label"]
    answer = row["answer_words"]
    if answer == "Blocked for everyone":
        return (f"{label} is illegal or on the Internet Watch Foundation's list: blocked for "
                "everyone, and it cannot be unblocked.")
    if answer == "Approved sites only":
        return (f"{group} use only sites an adult has approved, so {label.lower()} is not "
                "reachable unless a teacher approves a site.")
    if answer == "Blocked":
        return (f"{label} is not suitable for {group.lower()}: blocked, following the UK Safer "
                "Internet Centre's headings. Teachers can ask for an unblock for a lesson.")
    if answer.startswith("Blocked in working time"):
        return (f"{label} is not needed for work: blocked in working time, allowed at "
                "lunchtime and after school.")
    return (f"{label} is useful for teaching and learning and not a risk for "
            f"{group.lower()}: allowed, and seen in the filter's logs.")


def load_demo_standards(school: School) -> None:
    head = _first(school, roles.HEADTEACHER)
    dsl = _first(school, roles.DSL)
    osl = _first(school, roles.ONLINE_SAFETY_LEAD)
    itm = _first(school, roles.IT_MANAGER)
    governor = _first(school, roles.GOVERNOR)
    assistant = _first(school, roles.ASSISTANT_HEAD)
    if None in (head, dsl, osl, itm, governor):
        return
    assert head and dsl and osl and itm and governor
    actions.role_name(actor=head, school=school, role="slt", person=assistant or head)
    actions.role_name(actor=head, school=school, role="governor", person=governor)
    actions.role_name(actor=head, school=school, role="dsl", person=dsl)
    actions.role_name(actor=head, school=school, role="it_provider",
                      provider_name="Pennine Schools IT Services",
                      provider_contact="servicedesk@pennine-schools-it.example, 01706 555 010")

    rows = selectors.register(school)
    # One left for the online safety lead: staff and social networks, still being discussed.
    reasons = {(r["group"], r["category"]): demo_reason(r) for r in rows
               if not (r["group"] == "staff" and r["category"] == "social_networks")}
    actions.reasons_record_many(actor=osl, school=school, reasons=reasons)

    actions.check_run_automatic(actor=None, school=school)
    now = timezone.now()
    actions.check_record(
        actor=osl, school=school, kind="manual", at=now - datetime.timedelta(days=12),
        what_was_tested=("testfiltering.com from a Year 7 laptop in IT2 and a staff laptop "
                         "in the library, signed in as each"),
        passed=True, result="Illegal content, adult and gambling blocked for the pupil; "
                            "the block page named the reason.")
    actions.check_record(
        actor=itm, school=school, kind="manual", at=now - datetime.timedelta(days=40),
        what_was_tested="A VPN app on a guest phone on the school wifi",
        passed=False, result="The VPN connected and browsing was not filtered.",
        action_taken="Pennine blocked the VPN's ports on the guest wifi the next morning; "
                     "checked again and it failed to connect.")
    actions.check_record(
        actor=dsl, school=school, kind="monitoring", at=now - datetime.timedelta(days=20),
        what_was_tested=("Searched 'how to self harm' as a test pupil account; checked the "
                         "concern reached the DSL's inbox"),
        passed=True, result="An urgent concern appeared within a minute and the DSL was emailed.")

    review = actions.review_record(
        actor=head, school=school, held_on=timezone.localdate() - datetime.timedelta(days=300),
        governor=governor, led_by=assistant or head,
        who_took_part="DSL, online safety lead, Pennine Schools IT Services",
        findings=("Filtering blocks the statutory categories for everyone and the block page "
                  "explains why. Year 5 and 6 can reach too much of YouTube. Staff did not "
                  "know how to report a site that should be blocked. Monitoring alerts reach "
                  "the DSL, but nobody covers when she is away."))
    actions.action_add(actor=head, review=review, what="YouTube restricted mode for Key Stage 2",
                       owner=itm, due_on=review.held_on + datetime.timedelta(days=30))
    done = actions.action_add(actor=head, review=review,
                              what="Show staff how to report a wrong block at the INSET day",
                              owner=osl, due_on=review.held_on + datetime.timedelta(days=60))
    actions.action_done(actor=osl, action=done, note="Covered at the spring term INSET day",
                        on=review.held_on + datetime.timedelta(days=55))
    actions.action_add(actor=head, review=review,
                       what="Name a deputy for urgent monitoring alerts",
                       owner=dsl, due_on=timezone.localdate() + datetime.timedelta(days=14))
