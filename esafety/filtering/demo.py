"""The demo school's web filtering: lists, group policies, schedules, unblocks, attempts."""

import datetime
import random
from pathlib import Path

from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.engine.urls.normalise import parse_target
from esafety.engine.urls.policy import Policy
from esafety.filtering import actions, publish
from esafety.filtering.models import Category, CategoryEntries, SchoolEntry, UnblockRequest
from esafety.filtering.rules import SAMPLE_LISTS

APPROVED_FOR_KS1 = ["bbc.co.uk", "cbeebies.co.uk", "topmarks.co.uk", "phonicsplay.co.uk",
                    "natgeokids.com", "scratch.mit.edu"]
TRIED = ["social_networks", "games", "gambling", "vpn", "redirector", "chat", "shopping",
         "dating", "adult", "agressif", "drogue"]


def lists_folder() -> Path:
    """../shared/data/urls/ut1 next to the repository when present, else the sample."""
    candidate = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "urls" / "ut1"
    return candidate if candidate.is_dir() else SAMPLE_LISTS


def load_demo_filtering(school: School, actor: Person) -> None:
    """Import the lists (UT1 when ../shared is there, else the package sample), set the
    default group policies and working time, an open and an expired unblock, a suspension,
    a wrong-block report and a week of blocked attempts by the school's pupils and staff."""
    rng = random.Random(4)
    folder = lists_folder()
    actions.lists_import(actor=actor, school=school, source=folder)
    for host in APPROVED_FOR_KS1:
        actions.school_entry_add(actor=actor, school=school, kind=SchoolEntry.APPROVED,
                                 site=host, note="Approved by the KS1 phase leader")
    actions.school_entry_add(actor=actor, school=school, kind=SchoolEntry.ALLOW,
                             site="thinkuknow.co.uk", note="CEOP education resources")

    people = Person.objects.filter(school=school, is_active=True)
    it_manager = people.filter(role=roles.IT_MANAGER).first()
    teachers = list(people.filter(role=roles.TEACHER)[:3])
    now = timezone.now()
    gambling = Category.objects.filter(school=school, name="gambling").first()
    drugs = Category.objects.filter(school=school, name="drogue").first()
    if teachers and it_manager:
        # Open: Year 10 PSHE on gambling harm, running now for a fortnight (002 "Education").
        if gambling:
            open_request = actions.unblock_request(
                actor=teachers[0], category=gambling, groups=["ks4"],
                reason="Year 10 PSHE unit on gambling harm: pupils compare betting sites' "
                       "advertising with the odds they actually offer.",
                starts_at=now - datetime.timedelta(hours=1),
                ends_at=now + datetime.timedelta(days=14))
            actions.unblock_approve(actor=it_manager, request=open_request,
                                    note="Approved for the length of the unit.")
        # Expired: last term's drugs-education research for one form.
        if drugs:
            old = actions.unblock_request(
                actor=teachers[1 % len(teachers)], category=drugs, form="11C",
                reason="Science: pupils research the effects of drugs on the body for "
                       "their coursework.",
                starts_at=now, ends_at=now + datetime.timedelta(days=5))
            actions.unblock_approve(actor=it_manager, request=old, note="Fine for one week.")
            UnblockRequest.objects.filter(pk=old.pk).update(
                created_at=now - datetime.timedelta(days=60),
                starts_at=now - datetime.timedelta(days=58),
                ends_at=now - datetime.timedelta(days=53),
                decided_at=now - datetime.timedelta(days=59))
        # Waiting for a decision.
        actions.unblock_request(
            actor=teachers[2 % len(teachers)], site="www.youtube.com/watch?v=demo",
            groups=["ks3"], reason="Year 8 history: documentary clips on the suffragettes.",
            starts_at=now + datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=3))

    pupils = list(people.filter(role=roles.PUPIL, year_group__gte=7).order_by("username"))
    staff = list(people.filter(role__in=[roles.TEACHER, roles.SUPPORT_STAFF])[:5])
    # Suspensions are made by the roles the filtering policy names (here the DSL).
    suspender = people.filter(role=roles.DSL).first() or it_manager or actor
    if pupils:
        actions.internet_suspend(
            actor=suspender, pupil=pupils[0],
            starts_at=now - datetime.timedelta(minutes=10), ends_at=now + datetime.timedelta(hours=1),
            reason="Kept opening games in an ICT lesson after two warnings (002 \u201cIn the "
                   "Event of Inappropriate Use\u201d).")
    _blocked_attempts(school, pupils[1:], staff, rng, now)
    if pupils:
        actions.wrong_block_report(actor=pupils[-1], url="http://www.scratch-games.example/"
                                   "project/volcano", category="games", rule="group-policy",
                                   comment="This is the Scratch project our teacher set.")


def _sites(school, rng) -> dict[str, list[str]]:
    out = {}
    for name in TRIED:
        entries = CategoryEntries.objects.filter(category__school=school,
                                                 category__name=name).first()
        if entries is None:
            continue
        hosts = [h for h in entries.domains.split("\n")[:400] if h]
        urls = [u for u in entries.urls.split("\n")[:200] if u]
        choice = rng.sample(hosts, min(6, len(hosts))) + rng.sample(urls, min(3, len(urls)))
        if choice:
            out[name] = choice
    return out


def _blocked_attempts(school, pupils, staff, rng, now) -> None:
    lists = publish.compile_school_lists(school)
    policy = Policy(publish.build_policy(school), lists)
    sites = _sites(school, rng)
    if not sites:
        return
    records = []
    # A week of school days: pupils and staff trying blocked sites at random moments.
    for day in range(7, 0, -1):
        date = timezone.localdate() - datetime.timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for person in rng.sample(pupils, min(25, len(pupils))) + staff:
            for _ in range(rng.randint(1, 3)):
                category = rng.choice(list(sites))
                url = "http://" + rng.choice(sites[category]).rstrip("/") + "/"
                moment = timezone.make_aware(datetime.datetime.combine(
                    date, datetime.time(rng.randint(8, 15), rng.randint(0, 59))))
                records += _attempt(policy, person, url, moment)
    # One pupil keeps trying a proxy in a lesson: that raises an alert (003 §4.4).
    if pupils and "redirector" in sites:
        keen = pupils[len(pupils) // 2]
        start = now - datetime.timedelta(hours=2)
        for i in range(8):
            url = "http://" + sites["redirector"][i % len(sites["redirector"])] + "/"
            records += _attempt(policy, keen, url, start + datetime.timedelta(minutes=2 * i))
    actions.decisions_ingest(school=school, records=records)


def _attempt(policy, person, url, moment) -> list[dict]:
    target = parse_target(url)
    decision = policy.decide(target, person.username, moment.timestamp(), "GET", url)
    if decision.action != "block":
        return []
    return [{"t": moment.timestamp(), "user": person.username, "url": url, "action": "block",
             "client": f"10.20.{person.pk % 250}.{person.pk % 200 + 10}",
             "category": decision.category, "group": decision.group, "rule": decision.rule,
             "policy": policy.version}]
