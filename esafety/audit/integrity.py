"""The history check: is every incident's history and the audit trail as esafety wrote it?

It runs daily (the scheduled jobs that `esafety serve` runs, or `esafety jobs` from cron:
`run_due_checks`; or `esafety evidence verify`) and on demand ("Check now"); pages only read
it. Each run is stored as an IntegrityCheck, sealed with the chain key; while the latest one
for their school failed (or its record was tampered with), or no check has run for
OVERDUE_AFTER, the headteacher and the DSL see a warning on every page.
"""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from esafety import keys
from esafety.audit import events
from esafety.audit.models import IntegrityCheck
from esafety.directory import permissions

if TYPE_CHECKING:
    from esafety.directory.models import Person, School

CHECK_EVERY = datetime.timedelta(days=1)
# Checks stopped: the jobs are not running (a missed day is tolerated, two are not).
OVERDUE_AFTER = datetime.timedelta(days=2)
MAX_KEPT = 500  # findings kept in one check's record


def _now():
    return timezone.now()


def check_seal(check: IntegrityCheck) -> str:
    body = json.dumps({
        "school": check.school_id, "at": check.at.astimezone(datetime.UTC).isoformat(),
        "how": check.how, "requested_by": check.requested_by_id, "ok": check.ok,
        "problems": check.problems, "incidents": check.incidents,
        "incident_events": check.incident_events, "audit_events": check.audit_events,
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return keys.seal("integrity-check|" + body)


def is_genuine(check: IntegrityCheck) -> bool:
    return check.seal == check_seal(check)


def run_check(*, school: School, how: str, actor: Person | None = None, incidents=None, trail=None) -> IntegrityCheck:
    """Verify the school's incidents and the whole audit trail; store and return the result.

    `incidents` and `trail` may be given when already computed (the command checks every
    school and the trail once).
    """
    from esafety.audit.chain import verify_trail
    from esafety.incidents.chain import verify_all

    if incidents is None:
        incidents = verify_all(school)
    if trail is None:
        trail = verify_trail()
    problems = [{"incident": c.incident.pk, "reference": c.incident.reference, "text": text}
                for c in incidents for text in c.problems]
    problems += [{"incident": None, "reference": "", "text": text} for text in trail.problems]
    if len(problems) > MAX_KEPT:
        # A wholesale rewrite can fail every row: keep the first ones and say how many more.
        more = len(problems) - MAX_KEPT
        problems = problems[:MAX_KEPT] + [{"incident": None, "reference": "",
                                           "text": f"audit trail: and {more} more problems"}]
    check = IntegrityCheck(
        school=school, at=_now(), how=how,
        requested_by=actor if getattr(actor, "pk", None) else None, ok=not problems,
        problems=problems, incidents=len(incidents),
        incident_events=sum(c.events for c in incidents), audit_events=trail.events)
    check.seal = check_seal(check)
    with transaction.atomic():
        check.save()
        if how == IntegrityCheck.ON_DEMAND:
            events.history_checked(actor=actor, school=school, all_in_order=check.ok,
                                   problems=len(problems))
    return check


def latest(school) -> IntegrityCheck | None:
    return IntegrityCheck.objects.filter(school=school).order_by("-at", "-id").first()


def may_check(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.school_id
                and permissions.role_may(user.role, "see_history_warning"))


def current_for(user) -> IntegrityCheck | None:
    """The latest check of the user's school (pages read it; the scheduled jobs run it)."""
    if not may_check(user):
        return None
    return latest(user.school)


def run_due_checks() -> list[IntegrityCheck]:
    """The daily check for every school whose latest check is over a day old (or missing):
    one of the scheduled jobs (esafety/web/jobs.py)."""
    from esafety.audit.chain import verify_trail
    from esafety.directory.models import School

    now = _now()
    due = [school for school in School.objects.order_by("pk")
           if (last := latest(school)) is None or now - last.at > CHECK_EVERY]
    if not due:
        return []
    trail = verify_trail()  # one pass over the trail serves every school
    return [run_check(school=school, how=IntegrityCheck.DAILY, trail=trail) for school in due]


def is_overdue(check: IntegrityCheck | None) -> bool:
    return check is not None and _now() - check.at > OVERDUE_AFTER


def warning_for(user) -> dict | None:
    """What the page-top warning says to this user, or None when all is well (or not theirs)."""
    check = current_for(user)
    if check is None:
        return None
    if not is_genuine(check):
        return {"check": check, "forged": True, "count": 0}
    if check.ok:
        if is_overdue(check):
            return {"check": check, "forged": False, "overdue": True, "count": 0}
        return None
    return {"check": check, "forged": False, "count": len(check.problems)}


def problems_for(user, check: IntegrityCheck) -> list[dict]:
    """The check's findings as this user may read them: a case they cannot open is not named
    (an allegation is need-to-know even when its history was altered)."""
    from esafety.incidents.access import access_level
    from esafety.incidents.models import Incident

    ids = {p["incident"] for p in check.problems if p.get("incident")}
    cases = {i.pk: i for i in Incident.objects.filter(pk__in=ids, school_id=user.school_id)}
    shown, hidden = [], 0
    for problem in check.problems:
        pk = problem.get("incident")
        if pk is None:
            shown.append({"where": "Audit trail", "text": _after_colon(problem["text"])})
        elif pk in cases and access_level(user, cases[pk]) is not None:
            shown.append({"where": problem["reference"], "incident": pk, "text": problem["text"]})
        else:
            hidden += 1
    if hidden:
        shown.append({"where": "Cases you cannot open",
                      "text": f"{hidden} finding{'s' if hidden != 1 else ''} about cases you "
                              "cannot open; whoever holds those cases sees them."})
    return shown


def _after_colon(text: str) -> str:
    head, sep, rest = text.partition(": ")
    return rest[:1].upper() + rest[1:] if sep and head == "audit trail" else text
