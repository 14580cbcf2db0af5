"""The school's filtering settings: who decides unblocks, alerts, the block page, the
longest suspension, and staff access to social networks."""

from __future__ import annotations

from django.db import transaction

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import InvalidInput
from esafety.filtering import events
from esafety.filtering.access import require
from esafety.filtering.actions.publishing import publish_policy_after_commit
from esafety.filtering.models import Category, FilteringSettings, GroupRule
from esafety.filtering.rules import STAFF_SOCIAL_NETWORKS, defaults, staff_social_choices

MAX_SUSPENSION_DAYS_LIMIT = 92  # a school may set at most a term


def settings_for(school: School) -> FilteringSettings:
    """The school's settings, saved with the defaults the first time an action needs them."""
    config, _created = FilteringSettings.objects.get_or_create(
        school=school, defaults={"approver_roles": list(defaults().get("approver_roles", [])),
                                 "max_suspension_days": defaults()["max_suspension_days"],
                                 "staff_social_networks":
                                     defaults()["staff_social_networks"]["default"]})
    return config


def filtering_settings_update(*, actor: Person | None, school: School,
                              approver_roles: list[str], alert_threshold: int,
                              alert_window_minutes: int, block_page_url: str = "",
                              max_suspension_days: int | None = None,
                              log_retention_days: int | None = None) -> FilteringSettings:
    """Who decides unblock requests (002: the IT manager, or whoever the school names), when
    repeated attempts raise an alert, where the block page is, and the longest internet
    suspension anyone may set."""
    require(actor, "manage_filtering", "change filtering settings", school)
    unknown = [r for r in approver_roles if r not in permissions.roles_with("approve_unblock")]
    if not approver_roles or unknown:
        raise InvalidInput("name at least one staff role to decide unblock requests",
                           code="approvers")
    if not 1 <= alert_threshold <= 1000 or not 1 <= alert_window_minutes <= 24 * 60:
        raise InvalidInput("alerts need 1 to 1000 attempts within 1 to 1440 minutes",
                           code="alert-settings")
    if block_page_url and not block_page_url.startswith(("http://", "https://")):
        raise InvalidInput("the block page address must start with http:// or https://",
                           code="block-page")
    if max_suspension_days is not None and not (
            1 <= max_suspension_days <= MAX_SUSPENSION_DAYS_LIMIT):
        raise InvalidInput(f"the longest suspension must be 1 to {MAX_SUSPENSION_DAYS_LIMIT} "
                           "days", code="suspension-limit")
    if log_retention_days is not None and not 7 <= log_retention_days <= 3650:
        raise InvalidInput("keep the filter's logs for 7 to 3650 days", code="log-retention")
    fields = ["approver_roles", "alert_threshold", "alert_window_minutes", "block_page_url",
              "max_suspension_days", "log_retention_days"]
    with transaction.atomic():
        config = settings_for(school)
        before = events.snapshot(config, fields)
        if max_suspension_days is not None:
            config.max_suspension_days = max_suspension_days
        if log_retention_days is not None:
            config.log_retention_days = log_retention_days
        config.approver_roles = sorted(set(approver_roles))
        config.alert_threshold = alert_threshold
        config.alert_window_minutes = alert_window_minutes
        config.block_page_url = block_page_url.strip()
        config.save(update_fields=fields)
        events.settings_changed(actor=actor, school=school, config=config, before=before,
                                after=events.snapshot(config, fields))
        publish_policy_after_commit(school)
    return config


def staff_social_networks_set(*, actor: Person | None, school: School,
                              choice: str) -> FilteringSettings:
    """Staff and personal social networks, as the school's policy says: never on school
    systems (000 §2, 002) or outside working time (003 §6.12). Sets the staff rule."""
    require(actor, "manage_filtering", "change the filtering policy", school)
    allowed = [c[0] for c in staff_social_choices()]
    if choice not in allowed:
        raise InvalidInput("choose one of the settings shown", code="choice-unknown")
    with transaction.atomic():
        config = FilteringSettings.objects.select_for_update().get(pk=settings_for(school).pk)
        before = {"staff_social_networks": config.staff_social_networks}
        config.staff_social_networks = choice
        config.save(update_fields=["staff_social_networks"])
        category = Category.objects.filter(school=school, name=STAFF_SOCIAL_NETWORKS).first()
        if category is not None:
            GroupRule.objects.update_or_create(school=school, group="staff", category=category,
                                               defaults={"action": choice})
        events.staff_social_networks_changed(actor=actor, school=school, config=config,
                                             before=before, choice=choice)
        publish_policy_after_commit(school)
    return config
