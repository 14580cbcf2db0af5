"""What each person sees first: the things that need them, by role."""

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from esafety.directory import permissions, roles
from esafety.directory.models import Person, School
from esafety.incidents import access as incident_access
from esafety.incidents import rules as incident_rules
from esafety.incidents.models import (
    STATUS_CLOSED,
    STATUS_NEW,
    STATUS_OPEN,
    Evidence,
    Incident,
    Sanction,
)
from esafety.policies import status


def dashboard_for(person: Person) -> dict:
    context = {"person": person, "standing": status.standing(person), "cards": []}
    school = person.school
    if school is None:
        return context
    context["work"] = my_work(person)
    context["school_year"] = school.school_year_label()
    if permissions.role_may(person.role, "view_compliance"):
        context["compliance"] = status.summary(school)
    context["my_reviews"] = status.reviews_due(school, person)
    if permissions.role_may(person.role, "manage_policies"):
        context["all_reviews"] = status.reviews_due(school)
    if person.is_parent:
        children = []
        for child in person.children.filter(is_active=True):
            standing = status.standing(child)
            children.append({"child": child, "standing": standing,
                             "needs_cosign": standing.status == "accepted"
                             and standing.answer is not None
                             and not standing.answer.cosigned_by_id})
        context["children"] = children
    if permissions.role_may(person.role, "manage_guests"):
        soon = timezone.now() + datetime.timedelta(days=7)
        context["guests_ending"] = Person.objects.filter(
            school=school, role__in=roles.GUEST_ROLES, is_active=True,
            access_expires_at__gt=timezone.now(), access_expires_at__lte=soon
        ).order_by("access_expires_at")
    context["report_url"] = reverse("incidents:report")
    if person.is_staff_member or person.role == roles.GOVERNOR:
        cases = incident_access.team_incidents(person)
        context["incidents_new"] = cases.filter(status=STATUS_NEW).count()
        context["incidents_open"] = cases.exclude(status=STATUS_CLOSED).count()
        if incident_access.is_leader(person):
            # New cases whose alert email reached nobody (the log lists them at #unalerted).
            from esafety.incidents.selectors import unalerted

            context["incidents_unalerted"] = unalerted(cases).count()
            context["unalerted_url"] = reverse("incidents:home") + "#unalerted"
    context["check_url"] = reverse("checks:check") if person.is_staff_member else None
    return context


# --- "My work": what waits for this person, as short lists of links ---------------------
#
# Each list is a dict: id, title, items (url, text, note, badge), more (how many beyond the
# first LIMIT), all_url ("see all"), empty (what to say when nothing waits; None hides an
# empty list). Only reads, through the apps' selectors and access helpers: a GET of the
# home page writes nothing. A list shows references, kinds and dates, never what was
# reported: the record itself is opened (and its reading audited) on its own page.

LIMIT = 5
DUE_SOON_DAYS = 7  # a case's next action due within a week is on the list
LISTS_STALE_DAYS = 30  # categorised lists not imported for a month are out of date
OVERRIDES_DAYS = 30
EMAIL_FAILURES_DAYS = 30  # as the filtering pages count them

UNBLOCK_STATES = {
    "pending": "waiting for a decision", "scheduled": "approved, not started yet",
    "active": "approved, open now", "expired": "approved, now ended",
    "refused": "refused", "withdrawn": "withdrawn",
}
# What happens next, in plain words (the same as the report's own page, incidents/status.html).
NEXT_STEP = {
    STATUS_NEW: "Your report has been passed on. Someone will look at it soon.",
    STATUS_OPEN: "Staff are looking into what you told us.",
    STATUS_CLOSED: "This has been looked into and closed. Thank you for telling us.",
}


def _section(key: str, title: str, rows: Iterable[Any], item: Callable[[Any], dict],
             all_url: str, empty: str | None = None) -> dict | None:
    """A list of the first LIMIT rows (`rows` is sliced to LIMIT + 1 by the caller)."""
    rows = list(rows)
    if not rows and empty is None:
        return None
    return {"id": key, "title": title, "items": [item(r) for r in rows[:LIMIT]],
            "more": len(rows) > LIMIT, "all_url": all_url, "empty": empty}


def _case_item(case: Incident, today: datetime.date) -> dict:
    if case.next_action:
        waits = f"Next: {case.next_action}"
        if case.next_action_due:
            waits += f", due {case.next_action_due:%-d %b %Y}"
    elif case.status == STATUS_NEW:
        waits = "Waits to be acknowledged"
    else:
        waits = "No next action recorded"
    overdue = case.next_action_due is not None and case.next_action_due < today
    return {"url": reverse("incidents:detail", args=[case.pk]),
            "text": f"{case.reference}: {case.kind_label}", "note": waits,
            "badge": ("overdue", "bad") if overdue else None}


def _concern_item(concern: Any) -> dict:
    return {"url": reverse("concerns:detail", args=[concern.pk]),
            "text": f"{concern.reference}: {concern.rule_title}",
            "note": f"{concern.get_source_display()}, "
                    f"{timezone.localtime(concern.last_seen_at):%-d %b %H:%M}",
            "badge": ("urgent", "bad") if concern.urgent else None}


def _leader_work(person: Person, school: School, today: datetime.date) -> list[dict | None]:
    from esafety.concerns import access as concern_access
    from esafety.concerns import rules as concern_rules
    from esafety.concerns import selectors as concern_selectors

    lists: list[dict | None] = []
    inbox = reverse("concerns:inbox")
    if concern_access.may_view(person, school):
        # A report's concern leaves the home lists once the report is acknowledged (someone
        # has acted), and a new report that is not urgent is listed once, as a report.
        urgent = (concern_selectors.inbox(person, state=concern_rules.NEW, severity="urgent")
                  .exclude(Q(source=concern_rules.REPORT) & ~Q(incident__status=STATUS_NEW)))
        lists.append(_section("urgent-concerns", "Urgent concerns waiting",
                              urgent[:LIMIT + 1], _concern_item,
                              f"{inbox}?state=new&severity=urgent",
                              "No urgent concern is waiting."))
        fresh = (concern_selectors.inbox(person, state=concern_rules.NEW)
                 .filter(urgent=False).exclude(source=concern_rules.REPORT))
        lists.append(_section("new-concerns", "New concerns", fresh[:LIMIT + 1],
                              _concern_item, f"{inbox}?state=new", "No new concerns."))
    if incident_access.is_leader(person):
        cases = incident_access.team_incidents(person)
        lists.append(_section(
            "new-reports", "New reports",
            cases.filter(status=STATUS_NEW).order_by("reported_at")[:LIMIT + 1],
            lambda case: {**_case_item(case, today),
                          "note": f"Reported {timezone.localtime(case.reported_at):%-d %b %H:%M}"},
            reverse("incidents:home") + "?status=new", "No new reports."))
        due = (cases.exclude(status=STATUS_CLOSED)
               .filter(next_action_due__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))
               .order_by("next_action_due", "pk"))
        lists.append(_section("cases-due", "Next actions due", due[:LIMIT + 1],
                              lambda case: _case_item(case, today),
                              reverse("incidents:search"),
                              f"No case has a next action due in the next {DUE_SOON_DAYS} days."))
    return lists


SIGNOFF_SCAN = 200  # the newest screenshots on open cases looked at for sign-offs


def _signoffs_waiting(person: Person) -> list[tuple[Evidence, str]]:
    """Current screenshots on open cases waiting for sign-off (002: "printed, signed and
    attached"; both investigators sign): those this person must sign as investigator and,
    for the DSL and other leaders, every one still short of its signatures, to chase."""
    leader = incident_access.is_leader(person)
    shots = (Evidence.objects.filter(
        incident__in=incident_access.acting_incidents(person).exclude(status=STATUS_CLOSED),
        kind=incident_rules.EVIDENCE_SCREENSHOT, withdrawn_at__isnull=True)
        .select_related("incident").prefetch_related("signoffs", "incident__investigators")
        .order_by("-added_at", "-pk")[:SIGNOFF_SCAN])
    waiting: list[tuple[Evidence, str]] = []
    for shot in reversed(list(shots)):  # oldest first
        investigators = {i.person_id for i in shot.incident.investigators.all()}
        signed = {s.person_id for s in shot.signoffs.all()} & investigators
        if person.pk in investigators and person.pk not in signed:
            waiting.append((shot, "Waiting for your sign-off: print, sign and attach it, "
                                  "then sign it off here"))
        elif leader and len(signed) < incident_rules.REQUIRED_INVESTIGATORS:
            waiting.append((shot, f"Signed off by {len(signed)} of the "
                                  f"{incident_rules.REQUIRED_INVESTIGATORS} investigators"))
        if len(waiting) > LIMIT:
            break
    return waiting


def _case_work(person: Person, today: datetime.date) -> list[dict | None]:
    """The cases this person is named on (investigator) or owns, and what each waits for."""
    mine = (incident_access.acting_incidents(person).exclude(status=STATUS_CLOSED)
            .filter(Q(investigators__person=person, investigators__stood_down_at__isnull=True)
                    | Q(owner=person)).distinct()
            .order_by(F("next_action_due").asc(nulls_last=True), "reported_at"))
    return [
        _section("my-cases", "Your cases", mine[:LIMIT + 1],
                 lambda case: _case_item(case, today), reverse("incidents:home")),
        _section("signoffs", "Screenshots waiting for sign-off", _signoffs_waiting(person),
                 lambda row: {"url": reverse("incidents:detail", args=[row[0].incident_id])
                              + "#evidence",
                              "text": f"{row[0].incident.reference}: {row[0].original_name}",
                              "note": row[1], "badge": None},
                 reverse("incidents:home")),
    ]


def _head_work(person: Person, school: School, today: datetime.date) -> list[dict | None]:
    lists: list[dict | None] = []
    allegations = (incident_access.team_incidents(person).filter(subject_staff__isnull=False)
                   .exclude(status=STATUS_CLOSED).order_by("reported_at"))
    lists.append(_section(
        "allegations", "Allegations about staff", allegations[:LIMIT + 1],
        lambda case: _case_item(case, today), reverse("incidents:home"),
        "No open allegation." if permissions.role_may(person.role, "view_allegations")
        else None))
    if permissions.role_may(person.role, "override_sanction"):
        since = timezone.now() - datetime.timedelta(days=OVERRIDES_DAYS)
        overrides = (Sanction.objects.filter(
            incident__in=incident_access.team_incidents(person), decided_at__gte=since)
            .exclude(override_reason="").select_related("incident")
            .order_by("-decided_at")[:LIMIT + 1])
        lists.append(_section(
            "overrides", f"Sanctions outside the policy's range (last {OVERRIDES_DAYS} days)",
            overrides,
            lambda made: {"url": reverse("incidents:detail", args=[made.incident_id])
                          + "#sanctions",
                          "text": f"{made.incident.reference}: {made.kind_label}",
                          "note": f"Decided {timezone.localtime(made.decided_at):%-d %b}",
                          "badge": ("override", "warn")},
            reverse("incidents:home"), "None recorded."))
    return lists


def _health(person: Person, school: School) -> list[dict]:
    """What is wrong with the filter's machinery, as linked problems (none: all well)."""
    from esafety.filtering import access as filtering_access
    from esafety.filtering import publish
    from esafety.filtering import selectors as filtering_selectors
    from esafety.filtering.models import ListImport
    from esafety.network import selectors as network_selectors
    from esafety.notices import selectors as notice_selectors

    problems: list[dict] = []

    def problem(text: str, url: str) -> None:
        problems.append({"url": url, "text": text, "note": "", "badge": ("check", "bad")})

    if permissions.role_may(person.role, "view_network_status"):
        status_url = reverse("network:status")
        state = network_selectors.network_status(school, publish.snapshot_dir(school))
        for text in state.problems:
            problem(text, status_url)
        limit = state.limit_minutes * 60
        if state.policy_age_seconds is not None and state.policy_age_seconds > limit:
            problem(f"The filter's policy is {state.policy_age_seconds // 60} minutes old "
                    f"(the limit is {state.limit_minutes}).", status_url)
        stopped = [h for h in state.helpers if h.stopped]
        if stopped:
            problem(f"{len(stopped)} filter helper{'s' if len(stopped) != 1 else ''} "
                    "stopped reporting.", status_url)
        if state.helpers_behind:
            problem(f"{len(state.helpers_behind)} filter helper"
                    f"{'s are' if len(state.helpers_behind) != 1 else ' is'} "
                    "running an old policy.", status_url)
    if filtering_access.may_manage(person):
        last = ListImport.objects.filter(school=school).first()
        stale = timezone.now() - datetime.timedelta(days=LISTS_STALE_DAYS)
        if last is None:
            problem("The categorised lists have never been imported.", reverse("filtering:home"))
        elif last.at < stale:
            problem(f"The categorised lists were last imported on {last.at:%-d %b %Y} "
                    f"(more than {LISTS_STALE_DAYS} days ago).", reverse("filtering:home"))
    since = timezone.now() - datetime.timedelta(days=EMAIL_FAILURES_DAYS)
    if permissions.role_may(person.role, "see_email_failures"):
        # Every app's emails that could not be sent, on the one email problems page.
        failed = sum(1 for row in notice_selectors.email_failures(school)
                     if row["at"] >= since)
        if failed:
            problem(f"{failed} email{'s' if failed != 1 else ''} could not be sent in the "
                    f"last {EMAIL_FAILURES_DAYS} days.", reverse("notices:email_problems"))
    elif filtering_access.may_manage(person) or filtering_access.may_view_logs(person):
        failed = filtering_selectors.failed_emails(school).count()
        if failed:
            problem(f"{failed} filtering email{'s' if failed != 1 else ''} could not be sent.",
                    reverse("filtering:home"))
    if permissions.role_may(person.role, "see_failed_tasks"):
        from esafety import tasks

        failed = sum(1 for task in tasks.failed_tasks_for(school.pk)
                     if task.at is None or task.at >= since)
        if failed:
            problem(f"{failed} background task{'s' if failed != 1 else ''} failed in the "
                    f"last {EMAIL_FAILURES_DAYS} days.", reverse("notices:failed_tasks"))
    return problems


def _filtering_work(person: Person, school: School) -> list[dict | None]:
    from esafety.filtering import access as filtering_access
    from esafety.filtering.models import UnblockRequest, WrongBlockReport

    lists: list[dict | None] = []
    if filtering_access.is_approver(person, school):
        pending = (UnblockRequest.objects.filter(school=school, status=UnblockRequest.PENDING)
                   .select_related("requested_by", "category").order_by("created_at", "pk"))
        lists.append(_section(
            "unblocks-pending", "Unblock requests waiting for a decision",
            pending[:LIMIT + 1],
            lambda u: {"url": reverse("filtering:unblock", args=[u.pk]),
                       "text": u.what_label,
                       "note": f"{u.requested_by.display_name}, "
                               f"{timezone.localtime(u.created_at):%-d %b %H:%M}",
                       "badge": None},
            reverse("filtering:unblocks") + "?state=pending", "No request is waiting."))
    if filtering_access.may_resolve_reports(person, school):
        reports = (WrongBlockReport.objects.filter(school=school, status=WrongBlockReport.OPEN)
                   .order_by("created_at", "pk"))
        lists.append(_section(
            "wrong-blocks", "Reports of a wrong block", reports[:LIMIT + 1],
            lambda r: {"url": reverse("filtering:reports"), "text": r.host or r.url[:80],
                       "note": f"{timezone.localtime(r.created_at):%-d %b %H:%M}",
                       "badge": None},
            reverse("filtering:reports"), "No open report."))
    if permissions.role_may(person.role, "view_network_status") or \
            filtering_access.may_manage(person):
        problems = _health(person, school)
        lists.append({"id": "health", "title": "Filter and network health",
                      "items": problems, "more": False,
                      "all_url": reverse("network:status")
                      if permissions.role_may(person.role, "view_network_status")
                      else reverse("filtering:home"),
                      "empty": "All well: the policy is fresh, the helpers report in, "
                               "the lists are up to date and every email was sent."})
    return lists


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _decision_work(person: Person, school: School) -> list[dict | None]:
    """What waits for the headteacher's or their nominee's say-so (003 §2.7): requests for
    access and private held mail, each as one line with its count, on the register page
    where both are listed. The selectors ask the access checks themselves (is_decider,
    may_authorise_private_mail), so everyone else counts nothing; counting writes nothing
    (the register's own look is recorded when it is opened)."""
    from esafety.authorisations import selectors as authorisation_selectors
    from esafety.mailfilter import selectors as held_mail

    register = reverse("authorisations:register")
    lines: list[tuple[str, str]] = []
    asked = authorisation_selectors.waiting_for(person, school).count()
    if asked:
        lines.append((register + "#waiting",
                      _plural(asked, "request to read someone's mail or records waits",
                              "requests to read someone's mail or records wait")
                      + " for your decision"))
    # Only the count is shown: a limit of one lists nothing beyond the first.
    private, _ = held_mail.private_waiting_for(person, school, limit=1)
    if private:
        lines.append((register + "#private-mail-waiting",
                      _plural(private, "private message held by the mail filter waits",
                              "private messages held by the mail filter wait")
                      + " for your authorisation"))
    return [_section("decisions", "Waiting for your decision", lines,
                     lambda line: {"url": line[0], "text": line[1], "note": "",
                                   "badge": None},
                     register)]


def _own_work(person: Person) -> list[dict | None]:
    """What this person asked for or told us, and what happened next."""
    lists: list[dict | None] = []
    plain = person.is_pupil or person.is_parent
    if permissions.role_may(person.role, "use_filtering") and not plain:
        from esafety.filtering import selectors as filtering_selectors

        now = timezone.now()
        rows = filtering_selectors.unblocks_for(person, see_all=False)[:LIMIT + 1]
        lists.append(_section(
            "my-unblocks", "Your unblock requests", rows,
            lambda row: {"url": reverse("filtering:unblock", args=[row[0].pk]),
                         "text": row[0].what_label,
                         "note": UNBLOCK_STATES.get(row[1], row[1])
                         + (f" until {timezone.localtime(row[0].ends_at):%-d %b %H:%M}"
                            if row[1] in ("active", "scheduled") and row[0].ends_at > now
                            else ""),
                         "badge": None},
            reverse("filtering:unblocks")))
    kinds = dict(incident_rules.PUPIL_TYPE_CHOICES)
    reports = incident_access.own_reports(person).order_by("-reported_at", "-pk")[:LIMIT + 1]

    def item(case: Incident) -> dict:
        url = reverse("incidents:detail", args=[case.pk])
        if plain:  # no references or codes: what it was about and what happens next
            about = f": {kinds.get(case.kind) or case.kind_label}" if person.is_pupil \
                else f": {case.kind_label}"
            return {"url": url, "badge": None, "note": NEXT_STEP.get(case.status, ""),
                    "text": "What you told us on "
                            f"{timezone.localtime(case.reported_at):%-d %B}{about}"}
        return {"url": url, "badge": None, "text": f"{case.reference}: {case.kind_label}",
                "note": f"{case.get_status_display()}. {NEXT_STEP.get(case.status, '')}"}

    lists.append(_section("my-reports", "Your reports" if plain else "Reports you made",
                          reports, item, reverse("incidents:home")))
    return lists


def my_work(person: Person) -> list[dict]:
    """The lists of what waits for this person, most pressing first."""
    school = person.school
    if school is None or not person.pk:
        return []
    today = timezone.localdate()
    lists: list[dict | None] = []
    lists += _leader_work(person, school, today)
    lists += _decision_work(person, school)
    if permissions.role_may(person.role, "investigate") or person.is_staff_member:
        lists += _case_work(person, today)
    lists += _head_work(person, school, today)
    if person.is_staff_member:
        lists += _filtering_work(person, school)
    lists += _own_work(person)
    return [found for found in lists if found is not None]
