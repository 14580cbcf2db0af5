"""Publishing the compiled snapshot the Squid helper reads.

``DATA_DIR/filtering/<school slug>/lists.snap`` (large, rewritten when lists change) and
``policy.json`` (small, rewritten on every policy change). Both are written to a temporary
file and renamed, so the helper never reads half a file.
"""

import datetime
import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from esafety.directory.models import Person
from esafety.engine.urls.helper import LISTS_FILE, POLICY_FILE
from esafety.engine.urls.normalise import normalise_list_url
from esafety.engine.urls.policy import FORMAT, Policy
from esafety.engine.urls.snapshot import (
    CompiledLists,
    SnapshotError,
    compile_sources,
    load_snapshot,
    write_atomic,
    write_snapshot,
)
from esafety.filtering.models import (
    GROUP_LABELS,
    Category,
    CategoryEntries,
    FilteringSettings,
    GroupRule,
    GroupSetting,
    InternetSuspension,
    SchoolEntry,
    UnblockRequest,
    WorkingTime,
)
from esafety.network import snapshot as network_snapshot


def snapshot_dir(school) -> Path:
    return Path(settings.DATA_DIR) / "filtering" / school.slug


def block_page_url(school) -> str:
    config = FilteringSettings.objects.filter(school=school).first()
    base = (config.block_page_url if config and config.block_page_url else
            os.environ.get("ESAFETY_BLOCK_PAGE_URL", "http://127.0.0.1:8000/filtering/blocked/"))
    return f"{base}{'&' if '?' in base else '?'}school={school.slug}"


def _hhmm(value: datetime.time, end: bool = False) -> str:
    if end and value.hour == 23 and value.minute == 59:
        return "24:00"
    return value.strftime("%H:%M")


def build_policy(school, now: datetime.datetime | None = None) -> dict:
    """The policy as the engine reads it, from the database."""
    now = now or timezone.now()
    # A read: the filtering table's GET page builds it too. No settings yet is version 0.
    config = FilteringSettings.objects.filter(school=school).first()
    version = config.policy_version if config is not None else 0
    categories = list(Category.objects.filter(school=school))
    groups: dict[str, dict[str, Any]] = {}
    for group in GROUP_LABELS:
        groups[group] = {"approved_only": False, "safe_search": group != "staff", "rules": {}}
    for setting in GroupSetting.objects.filter(school=school):
        groups[setting.group]["approved_only"] = setting.approved_only
        groups[setting.group]["safe_search"] = setting.safe_search
    for rule in GroupRule.objects.filter(school=school).select_related("category"):
        if rule.action != GroupRule.ALLOW:
            groups[rule.group]["rules"][rule.category.name] = rule.action
    working: dict[str, list] = {}
    for span in WorkingTime.objects.filter(school=school):
        working.setdefault(str(span.weekday), []).append(
            [_hhmm(span.starts), _hhmm(span.ends, end=True)])
    users = {}
    people = Person.objects.filter(school=school).current()
    for person in people.only("username", "role", "year_group", "form"):
        users[person.username] = [person.filtering_group, person.form or ""]
    entries: dict[str, list[str]] = {kind: [] for kind, _ in SchoolEntry.KINDS}
    for entry in SchoolEntry.objects.filter(school=school):
        entries[entry.kind].append(entry.host)
    unblocks = []
    for u in UnblockRequest.objects.filter(school=school, status=UnblockRequest.APPROVED,
                                           ends_at__gt=now).select_related("category"):
        # A page request unblocks that page and the pages below it, never the whole site,
        # unless the approver widened it (whole_site).
        page = normalise_list_url(u.site + u.path) if u.unblocks_page_only else ""
        unblocks.append({"id": u.pk,
                         "categories": [u.category.name] if u.category is not None else [],
                         "sites": [u.site] if u.site and not page else [],
                         "urls": [page] if page else [], "groups": list(u.groups),
                         "forms": [u.form] if u.form else [], "users": [],
                         "starts": u.starts_at.timestamp(), "ends": u.ends_at.timestamp(),
                         "reason": u.reason[:200]})
    suspensions = []
    for s in InternetSuspension.objects.filter(school=school, lifted_at__isnull=True,
                                               ends_at__gt=now).select_related("pupil"):
        suspensions.append({"id": s.pk, "user": s.pupil.username,
                            "starts": s.starts_at.timestamp(), "ends": s.ends_at.timestamp()})
    block_page = block_page_url(school)
    return {
        "format": FORMAT, "version": str(version), "school": school.slug,
        "published_at": now.isoformat(), "timezone": settings.TIME_ZONE,
        "block_page": block_page, "default_group": "guests",
        "statutory": sorted(c.name for c in categories if c.statutory),
        "labels": {c.name: c.label for c in categories},
        "group_labels": dict(GROUP_LABELS), "groups": groups, "working_time": working,
        "users": users, "school_block": entries[SchoolEntry.BLOCK],
        "school_allow": entries[SchoolEntry.ALLOW],
        "approved_sites": entries[SchoolEntry.APPROVED] + entries[SchoolEntry.ALLOW],
        "unblocks": unblocks, "suspensions": suspensions,
        # Who is at the network: refused people, AUP first, unidentified computers, the
        # sign-in and AUP pages and esafety's own hosts (esafety/network/snapshot.py).
        **network_snapshot.policy_keys(school, block_page),
    }


def publish_policy(school) -> dict:
    """Bump the version and write policy.json. Called after commit by the actions."""
    config, _ = FilteringSettings.objects.get_or_create(school=school)
    config.policy_version += 1
    config.published_at = timezone.now()
    config.save(update_fields=["policy_version", "published_at"])
    data = build_policy(school)
    write_atomic(snapshot_dir(school) / POLICY_FILE, json.dumps(data, indent=1).encode())
    return data


def compile_school_lists(school) -> CompiledLists:
    sources = {}
    usage = {}
    aliases = {}
    for entries in CategoryEntries.objects.filter(category__school=school).select_related(
            "category"):
        name = entries.category.name
        sources[name] = {"domains": entries.domains.split("\n") if entries.domains else [],
                         "urls": entries.urls.split("\n") if entries.urls else [],
                         "expressions": (entries.expressions.split("\n")
                                         if entries.expressions else [])}
        usage[name] = entries.category.usage
        aliases[name] = entries.category.aliases
    return compile_sources(sources, usage=usage, aliases=aliases,
                           version=timezone.now().isoformat(timespec="seconds"))


def publish_lists(school) -> Path:
    lists = compile_school_lists(school)
    path = write_snapshot(lists, snapshot_dir(school) / LISTS_FILE)
    FilteringSettings.objects.filter(school=school).update(lists_published_at=timezone.now())
    return path


def publish_all(school) -> None:
    publish_lists(school)
    publish_policy(school)


def current_lists(school) -> CompiledLists | None:
    """The published lists, publishing them first if there are none yet."""
    path = snapshot_dir(school) / LISTS_FILE
    try:
        return load_snapshot(path)
    except SnapshotError:
        if not CategoryEntries.objects.filter(category__school=school).exists():
            return None
        publish_lists(school)
        return load_snapshot(path)


def lists_for_reading(school) -> CompiledLists | None:
    """The published lists, or (none published yet) the lists compiled in memory: for pages,
    which never write."""
    try:
        return load_snapshot(snapshot_dir(school) / LISTS_FILE)
    except SnapshotError:
        if not CategoryEntries.objects.filter(category__school=school).exists():
            return None
        return compile_school_lists(school)


def current_policy(school, lists: CompiledLists | None = None) -> Policy:
    """The policy as the database says it is now (what the next publication will say)."""
    if lists is None:
        lists = current_lists(school)
    return Policy(build_policy(school), lists)
