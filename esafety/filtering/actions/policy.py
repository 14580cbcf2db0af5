"""The filtering table: categories, each group's rule for a category, group settings and
working time."""

from __future__ import annotations

import datetime

from django.db import transaction

from esafety.directory.models import Person, School
from esafety.errors import InvalidInput, NotAllowed
from esafety.filtering import events
from esafety.filtering.access import require
from esafety.filtering.actions.publishing import publish_policy_after_commit
from esafety.filtering.models import GROUP_LABELS, Category, GroupRule, GroupSetting, WorkingTime
from esafety.filtering.rules import STAFF_SOCIAL_NETWORKS


def category_update(*, actor: Person | None, category: Category, label: str | None = None,
                    uk_sic: str | None = None, statutory: bool | None = None) -> Category:
    require(actor, "manage_filtering", "change filtering categories", category.school)
    fields = ["label", "uk_sic", "statutory"]
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        before = events.snapshot(category, fields)
        if label is not None:
            if not label.strip():
                raise InvalidInput("a category needs a name", code="label-missing")
            category.label = label.strip()[:120]
        if uk_sic is not None:
            category.uk_sic = uk_sic
        if statutory is not None:
            category.statutory = statutory
        category.save(update_fields=fields)
        events.category_changed(actor=actor, category=category, before=before,
                                after=events.snapshot(category, fields))
        publish_policy_after_commit(category.school)
    return category


def group_rule_set(*, actor: Person | None, school: School, group: str, category: Category,
                   action: str) -> GroupRule:
    """Allow, block, or block-in-working-time one category for one group."""
    require(actor, "manage_filtering", "change the filtering policy", school)
    if group not in GROUP_LABELS:
        raise InvalidInput(f"unknown filtering group {group!r}", code="group-unknown")
    if action not in dict(GroupRule.ACTIONS):
        raise InvalidInput(f"unknown action {action!r}", code="action-unknown")
    if category.school_id != school.id:
        raise NotAllowed("that category belongs to another school")
    if group == "staff" and category.name == STAFF_SOCIAL_NETWORKS:
        raise InvalidInput("staff and personal social networks follow the school's setting "
                           "under \u201cStaff and personal social networks\u201d; change it "
                           "there", code="staff-social-setting")
    with transaction.atomic():
        rule = GroupRule.objects.select_for_update().filter(
            school=school, group=group, category=category).first()
        before = {"action": rule.action if rule else GroupRule.ALLOW}
        if rule is None:
            rule = GroupRule.objects.create(school=school, group=group, category=category,
                                            action=action)
        else:
            rule.action = action
            rule.save(update_fields=["action"])
        events.rule_changed(actor=actor, school=school, rule=rule,
                            label=f"{category.label} for {GROUP_LABELS[group]}",
                            before=before, action=action)
        publish_policy_after_commit(school)
    return rule


def group_setting_update(*, actor: Person | None, school: School, group: str,
                         approved_only: bool, safe_search: bool) -> GroupSetting:
    require(actor, "manage_filtering", "change the filtering policy", school)
    if group not in GROUP_LABELS:
        raise InvalidInput(f"unknown filtering group {group!r}", code="group-unknown")
    with transaction.atomic():
        setting, _ = GroupSetting.objects.select_for_update().get_or_create(school=school,
                                                                            group=group)
        before = events.snapshot(setting, ["approved_only", "safe_search"])
        setting.approved_only = approved_only
        setting.safe_search = safe_search
        setting.save()
        events.group_changed(actor=actor, school=school, setting=setting,
                             label=GROUP_LABELS[group], before=before,
                             after=events.snapshot(setting, ["approved_only", "safe_search"]))
        publish_policy_after_commit(school)
    return setting


def working_time_set(*, actor: Person | None, school: School,
                     spans: dict[int, list[tuple[datetime.time, datetime.time]]]) -> None:
    """Replace the school's working time. Outside it is personal time."""
    require(actor, "manage_filtering", "change working time", school)
    for weekday, day in spans.items():
        if weekday not in range(7):
            raise InvalidInput(f"weekday {weekday} is not 0 (Monday) to 6", code="weekday")
        for starts, ends in day:
            if not starts < ends:
                raise InvalidInput("each span of working time must end after it starts",
                                   code="span-order")
    with transaction.atomic():
        old = WorkingTime.objects.filter(school=school)
        before: dict[str, list] = {str(w.weekday): [] for w in old}
        for w in old:
            before[str(w.weekday)].append([w.starts.isoformat("minutes"),
                                           w.ends.isoformat("minutes")])
        old.delete()
        after: dict[str, list] = {}
        for weekday, day in sorted(spans.items()):
            for starts, ends in day:
                WorkingTime.objects.create(school=school, weekday=weekday, starts=starts,
                                           ends=ends)
                after.setdefault(str(weekday), []).append([starts.isoformat("minutes"),
                                                           ends.isoformat("minutes")])
        events.working_time_changed(actor=actor, school=school, before=before, after=after)
        publish_policy_after_commit(school)
