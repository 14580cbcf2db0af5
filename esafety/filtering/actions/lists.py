"""Importing the category lists, and the group defaults a school starts with."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from esafety.directory.models import Person, School
from esafety.engine.urls.lists import ListReport, read_lists
from esafety.errors import InvalidInput
from esafety.filtering import events
from esafety.filtering.access import require
from esafety.filtering.actions.publishing import publish_all_after_commit
from esafety.filtering.actions.settings import settings_for
from esafety.filtering.models import (
    GROUP_LABELS,
    Category,
    CategoryEntries,
    GroupRule,
    GroupSetting,
    ListImport,
    WorkingTime,
)
from esafety.filtering.rules import category_defaults, default_action, defaults


def lists_import(*, actor: Person | None, school: School, source: str | Path,
                 progress: Callable | None = None,
                 report: ListReport | None = None) -> ListImport:
    """Import category lists in the squidGuard / UT1 layout from a folder.

    Each category found replaces that category's entries in one row (so a re-import is
    atomic per category and as a whole); categories not in the folder are left alone.
    New categories get their label, UK SIC heading, statutory flag and default group rules
    from defaults.yaml.
    """
    require(actor, "manage_filtering", "import filtering lists", school)
    source = Path(source)
    if report is None:
        try:
            report = read_lists(source, progress=progress)
        except FileNotFoundError as exc:
            raise InvalidInput(str(exc), code="lists-not-found") from exc
    if not report.categories:
        raise InvalidInput(f"no category folders (with domains, urls or expressions) in {source}",
                           code="lists-empty")
    now = timezone.now()
    with transaction.atomic():
        settings_for(school)
        ensure_group_defaults(school)
        created = []
        for name, cat in report.categories.items():
            category = Category.objects.filter(school=school, name=name).first()
            if category is None:
                category = Category(school=school, name=name, **category_defaults(name))
                created.append(category)
            category.usage = cat.usage
            category.aliases = cat.aliases
            category.domain_count = len(cat.domains)
            category.url_count = len(cat.urls)
            category.expression_count = len(cat.expressions)
            category.source = str(source)[:300]
            category.imported_at = now
            category.save()
            CategoryEntries.objects.update_or_create(category=category, defaults={
                "domains": "\n".join(cat.domains), "urls": "\n".join(cat.urls),
                "expressions": "\n".join(cat.expressions)})
        for category in created:
            _default_rules_for(category)
        record = ListImport.objects.create(
            school=school, actor=actor if getattr(actor, "pk", None) else None,
            source=str(source)[:500], categories=len(report.categories),
            domains=report.domain_count, urls=report.url_count, lines_read=report.lines_read,
            warning_count=report.warning_count, warnings=report.warnings[:200])
        events.lists_imported(actor=actor, school=school, record=record, source=str(source),
                              details={"categories": sorted(report.categories),
                                       "new_categories": sorted(c.name for c in created),
                                       "domains": report.domain_count,
                                       "urls": report.url_count,
                                       "warnings": report.warning_count})
        publish_all_after_commit(school)
    return record


def _default_rules_for(category: Category) -> None:
    staff_social = settings_for(category.school).staff_social_networks
    for group in GROUP_LABELS:
        action = default_action(group, category.name, category.uk_sic, staff_social)
        if action:
            GroupRule.objects.get_or_create(school=category.school, group=group,
                                            category=category, defaults={"action": action})


def ensure_group_defaults(school: School) -> None:
    """Group settings and working time from defaults.yaml, for a school that has none."""
    spec = defaults()["groups"]
    for group in GROUP_LABELS:
        GroupSetting.objects.get_or_create(school=school, group=group, defaults={
            "approved_only": bool(spec.get(group, {}).get("approved_only")),
            "safe_search": bool(spec.get(group, {}).get("safe_search", True))})
    if not WorkingTime.objects.filter(school=school).exists():
        for weekday, spans in defaults()["working_time"].items():
            for starts, ends in spans:
                WorkingTime.objects.create(school=school, weekday=int(weekday),
                                           starts=datetime.time.fromisoformat(starts),
                                           ends=datetime.time.fromisoformat(ends))
