"""The check esafety makes of its own filter: for every category with a known address, and
every group, ask the filter's own decision function (the engine's Policy.decide, as the Squid
helper does) and compare its answer with what the decision register says it should be.
Reads only: the action that records the result is `actions.check_run_automatic`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from esafety.directory.models import School
from esafety.engine.urls.normalise import parse_target
from esafety.engine.urls.policy import Policy
from esafety.filtering import publish
from esafety.filtering.models import GROUP_LABELS, Category, CategoryEntries

# Gating (sign-in pages, refused people) and people's own unblocks and suspensions are about
# particular people; the check asks about groups, so it leaves them out.
_PEOPLE_KEYS = ("users", "refused", "aup_pending", "web_hosts", "suspensions")


@dataclass
class Outcome:
    passed: bool
    what_was_tested: str
    result: str
    cases: list[dict] = field(default_factory=list)


def _moment(policy: Policy, working: bool, start: datetime.datetime) -> float | None:
    """The next hour (from `start`, within a week) that is in working time, or not."""
    for hour in range(24 * 7):
        at = (start + datetime.timedelta(hours=hour)).replace(minute=30).timestamp()
        if policy.is_working_time(at) == working:
            return at
    return None


def known_address(entries: CategoryEntries) -> str | None:
    for line in entries.domains.split("\n"):
        line = line.strip()
        if line and not line.startswith("#"):
            return line
    return None


def run(school: School, now: datetime.datetime | None = None) -> Outcome:
    now = now or timezone.now()
    lists = publish.lists_for_reading(school)
    if lists is None:
        return Outcome(False, "Every category, for every group",
                       "The check could not run: no category lists have been loaded.")
    data = publish.build_policy(school, now)
    data = {**data, "unidentified": "guests", "signin_page": "",
            **{key: ([] if key != "users" else {}) for key in _PEOPLE_KEYS}}
    data["users"] = {f"esafety-check-{g}": [g, ""] for g in GROUP_LABELS}
    policy = Policy(data, lists)
    moments = {"working": _moment(policy, True, now), "personal": _moment(policy, False, now)}
    cases: list[dict] = []
    categories = {c.name: c for c in Category.objects.filter(school=school)}
    for entries in (CategoryEntries.objects.filter(category__school=school)
                    .select_related("category").order_by("category__name")):
        host = known_address(entries)
        if host is None:
            continue
        url = f"http://{host}/"
        target = parse_target(url)
        for group in GROUP_LABELS:
            for when, at in moments.items():
                if at is None:
                    continue
                got = policy.decide(target, f"esafety-check-{group}", at, "GET", url)
                listed = got.categories or [entries.category.name]
                expected = "allow"
                for name in listed:
                    if name in categories and policy.category_answer(
                            group, name, working=when == "working")[0] == "block":
                        expected = "block"
                cases.append({
                    "category": entries.category.name, "label": entries.category.label,
                    "statutory": entries.category.statutory, "address": url,
                    "group": group, "when": when, "expected": expected,
                    "got": got.action, "rule": got.rule,
                    # An approved, time-limited unblock is the school's own exception.
                    "ok": got.action == expected or got.rule == "unblock"})
    wrong = [c for c in cases if not c["ok"]]
    statutory_open = [c for c in wrong if c["statutory"] and c["got"] == "allow"]
    tested = (f"{len({c['category'] for c in cases})} categories with a known address, "
              f"for {len(GROUP_LABELS)} groups, in and out of working time")
    if not cases:
        return Outcome(False, tested, "Nothing to test: no category has a known address.")
    unblocked = sum(1 for c in cases if c["rule"] == "unblock")
    if not wrong:
        return Outcome(True, tested, f"All {len(cases)} answers were as the register says"
                       + (f" ({unblocked} allowed by an approved unblock)." if unblocked
                          else "."), cases)
    words = (f"{len(wrong)} of {len(cases)} answers differ from the register"
             + (f", {len(statutory_open)} of them illegal content let through" if statutory_open
                else "") + ": "
             + "; ".join(f"{c['label']} for {GROUP_LABELS.get(c['group'], c['group'])} "
                         f"({c['when']} time) was {c['got']}ed" for c in wrong[:5]))
    return Outcome(False, tested, words, cases)
