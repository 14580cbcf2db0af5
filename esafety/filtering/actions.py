"""Every change to filtering is one of these named actions.

Each takes keyword-only arguments and an explicit `actor`, runs in one transaction, writes
its audit row inside it, and publishes the new snapshot for the Squid helper after commit.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from esafety.audit import events
from esafety.directory import roles
from esafety.directory.access import check_actor
from esafety.engine.urls.lists import ListReport, read_lists
from esafety.engine.urls.normalise import normalise_host, parse_target
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.filtering import publish
from esafety.filtering.models import (
    GROUP_LABELS,
    BlockedAttempt,
    Category,
    CategoryEntries,
    FilteringAlert,
    FilteringSettings,
    GroupRule,
    GroupSetting,
    InternetSuspension,
    ListImport,
    SchoolEntry,
    UnblockRequest,
    WorkingTime,
    WrongBlockReport,
)
from esafety.filtering.rules import (
    STAFF_SOCIAL_NETWORKS,
    category_defaults,
    category_label,
    default_action,
    defaults,
    incident_suspension_lift_roles,
    school_labels,
    staff_social_choices,
    suspension_roles,
)

# Who may change the filtering policy, and who may see what the filter logged.
CAN_MANAGE_FILTERING = frozenset({roles.IT_MANAGER, roles.ONLINE_SAFETY_LEAD,
                                  roles.HEADTEACHER})
CAN_VIEW_FILTER_LOGS = frozenset({roles.IT_MANAGER, roles.ONLINE_SAFETY_LEAD, roles.HEADTEACHER,
                                  roles.DSL, roles.ASSISTANT_HEAD})
CAN_REQUEST_UNBLOCK = roles.STAFF_ROLES
# Suspensions: the roles the filtering policy names (defaults.yaml: DSL, online safety lead,
# headteacher, IT manager) see them, make them and lift them; one an incident's sanction made
# is lifted only by the DSL or the headteacher, with a reason.
CAN_SUSPEND_INTERNET = suspension_roles()
CAN_LIFT_INCIDENT_SUSPENSION = incident_suspension_lift_roles()
MAX_SUSPENSION_DAYS_LIMIT = 92  # a school may set at most a term


# -- helpers ------------------------------------------------------------------------------
def _require(actor, allowed, what: str, school=None) -> None:
    check_actor(actor, allowed=allowed, school_id=school.id if school is not None else None,
                what=what)


def settings_for(school) -> FilteringSettings:
    config, created = FilteringSettings.objects.get_or_create(
        school=school, defaults={"approver_roles": list(defaults().get("approver_roles", [])),
                                 "max_suspension_days": defaults()["max_suspension_days"],
                                 "staff_social_networks":
                                     defaults()["staff_social_networks"]["default"]})
    return config


def approver_roles(school) -> set[str]:
    return set(settings_for(school).approver_roles or [roles.IT_MANAGER])


def _publish_policy_after_commit(school) -> None:
    transaction.on_commit(lambda: publish.publish_policy(school))


def _publish_all_after_commit(school) -> None:
    transaction.on_commit(lambda: publish.publish_all(school))


def clean_host(text: str) -> str:
    """A site as typed (URL or host name) -> the host the lists match, or InvalidInput."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("enter a site, e.g. www.example.org", code="site-missing")
    target = parse_target(text if "://" in text else "http://" + text)
    host = normalise_host(target.host) if target else ""
    if not host or "." not in host.strip("[]") and not host.startswith("["):
        raise InvalidInput(f"{text[:100]!r} is not a web site address", code="site-invalid")
    return host[4:] if host.startswith("www.") else host


MAX_PATH = 500


def clean_site(text: str) -> tuple[str, str]:
    """A site or page as typed -> (host, path). ``www.bbc.co.uk/bitesize`` gives
    ("bbc.co.uk", "/bitesize"); a bare site gives an empty path. The fragment (#...) is
    never sent to the filter, so it is dropped."""
    host = clean_host(text)
    raw = (text or "").strip().split("#", 1)[0]
    target = parse_target(raw if "://" in raw else "http://" + raw)
    stripped = target.stripped if target else ""
    cut = min((i for i in (stripped.find("/"), stripped.find("?")) if i >= 0), default=-1)
    path = stripped[cut:] if cut >= 0 else ""
    if path.startswith("?"):
        path = "/" + path
    path = path.rstrip("/") if "?" not in path else path
    if len(path) > MAX_PATH:
        raise InvalidInput(f"that page address is too long (at most {MAX_PATH} characters "
                           "after the site name)", code="path-long")
    return host, path


# -- lists --------------------------------------------------------------------------------
def lists_import(*, actor, school, source: str | Path, progress=None,
                 report: ListReport | None = None) -> ListImport:
    """Import category lists in the squidGuard / UT1 layout from a folder.

    Each category found replaces that category's entries in one row (so a re-import is
    atomic per category and as a whole); categories not in the folder are left alone.
    New categories get their label, UK SIC heading, statutory flag and default group rules
    from defaults.yaml.
    """
    _require(actor, CAN_MANAGE_FILTERING, "import filtering lists", school)
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
        events.record(event_type="filtering_lists_imported", actor=actor, school=school,
                      obj=record, object_label=f"Lists from {source}"[:300],
                      details={"categories": sorted(report.categories),
                               "new_categories": sorted(c.name for c in created),
                               "domains": report.domain_count, "urls": report.url_count,
                               "warnings": report.warning_count})
        _publish_all_after_commit(school)
    return record


def _default_rules_for(category: Category) -> None:
    staff_social = settings_for(category.school).staff_social_networks
    for group in GROUP_LABELS:
        action = default_action(group, category.name, category.uk_sic, staff_social)
        if action:
            GroupRule.objects.get_or_create(school=category.school, group=group,
                                            category=category, defaults={"action": action})


def ensure_group_defaults(school) -> None:
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


def filtering_settings_update(*, actor, school, approver_roles: list[str],
                              alert_threshold: int, alert_window_minutes: int,
                              block_page_url: str = "",
                              max_suspension_days: int | None = None) -> FilteringSettings:
    """Who decides unblock requests (002: the IT manager, or whoever the school names), when
    repeated attempts raise an alert, where the block page is, and the longest internet
    suspension anyone may set."""
    _require(actor, CAN_MANAGE_FILTERING, "change filtering settings", school)
    unknown = [r for r in approver_roles if r not in roles.STAFF_ROLES]
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
    fields = ["approver_roles", "alert_threshold", "alert_window_minutes", "block_page_url",
              "max_suspension_days"]
    with transaction.atomic():
        config = settings_for(school)
        before = events.snapshot(config, fields)
        if max_suspension_days is not None:
            config.max_suspension_days = max_suspension_days
        config.approver_roles = sorted(set(approver_roles))
        config.alert_threshold = alert_threshold
        config.alert_window_minutes = alert_window_minutes
        config.block_page_url = block_page_url.strip()
        config.save(update_fields=fields)
        events.record(event_type="filtering_settings_changed", actor=actor, school=school,
                      obj=config, before=before, after=events.snapshot(config, fields))
        _publish_policy_after_commit(school)
    return config


# -- policy -------------------------------------------------------------------------------
def category_update(*, actor, category: Category, label: str | None = None,
                    uk_sic: str | None = None, statutory: bool | None = None) -> Category:
    _require(actor, CAN_MANAGE_FILTERING, "change filtering categories", category.school)
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
        events.record(event_type="filtering_category_changed", actor=actor, obj=category,
                      before=before, after=events.snapshot(category, fields))
        _publish_policy_after_commit(category.school)
    return category


def group_rule_set(*, actor, school, group: str, category: Category, action: str) -> GroupRule:
    """Allow, block, or block-in-working-time one category for one group."""
    _require(actor, CAN_MANAGE_FILTERING, "change the filtering policy", school)
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
        events.record(event_type="filtering_rule_changed", actor=actor, school=school, obj=rule,
                      object_label=f"{category.label} for {GROUP_LABELS[group]}",
                      before=before, after={"action": action})
        _publish_policy_after_commit(school)
    return rule


def staff_social_networks_set(*, actor, school, choice: str) -> FilteringSettings:
    """Staff and personal social networks, as the school's policy says: never on school
    systems (000 §2, 002) or outside working time (003 §6.12). Sets the staff rule."""
    _require(actor, CAN_MANAGE_FILTERING, "change the filtering policy", school)
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
        events.record(event_type="filtering_staff_social_networks_changed", actor=actor,
                      school=school, obj=config,
                      object_label="Staff and personal social networks", before=before,
                      after={"staff_social_networks": choice})
        _publish_policy_after_commit(school)
    return config


def group_setting_update(*, actor, school, group: str, approved_only: bool,
                         safe_search: bool) -> GroupSetting:
    _require(actor, CAN_MANAGE_FILTERING, "change the filtering policy", school)
    if group not in GROUP_LABELS:
        raise InvalidInput(f"unknown filtering group {group!r}", code="group-unknown")
    with transaction.atomic():
        setting, _ = GroupSetting.objects.select_for_update().get_or_create(school=school,
                                                                            group=group)
        before = events.snapshot(setting, ["approved_only", "safe_search"])
        setting.approved_only = approved_only
        setting.safe_search = safe_search
        setting.save()
        events.record(event_type="filtering_group_changed", actor=actor, school=school,
                      obj=setting, object_label=GROUP_LABELS[group], before=before,
                      after=events.snapshot(setting, ["approved_only", "safe_search"]))
        _publish_policy_after_commit(school)
    return setting


def working_time_set(*, actor, school, spans: dict[int, list[tuple[datetime.time,
                                                                     datetime.time]]]):
    """Replace the school's working time. Outside it is personal time."""
    _require(actor, CAN_MANAGE_FILTERING, "change working time", school)
    for weekday, day in spans.items():
        if weekday not in range(7):
            raise InvalidInput(f"weekday {weekday} is not 0 (Monday) to 6", code="weekday")
        for starts, ends in day:
            if not starts < ends:
                raise InvalidInput("each span of working time must end after it starts",
                                   code="span-order")
    with transaction.atomic():
        old = WorkingTime.objects.filter(school=school)
        before = {str(w.weekday): [] for w in old}
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
        events.record(event_type="filtering_working_time_changed", actor=actor, school=school,
                      object_type="workingtime", object_label="Working time",
                      before=before, after=after)
        _publish_policy_after_commit(school)


def school_entry_add(*, actor, school, kind: str, site: str, note: str = "") -> SchoolEntry:
    """The school's own allow, block or approved-site entry."""
    _require(actor, CAN_MANAGE_FILTERING, "change the school's own lists", school)
    if kind not in dict(SchoolEntry.KINDS):
        raise InvalidInput(f"unknown list {kind!r}", code="kind-unknown")
    host = clean_host(site)
    with transaction.atomic():
        if SchoolEntry.objects.filter(school=school, kind=kind, host=host).exists():
            raise Conflict(f"{host} is already on that list", code="entry-exists")
        entry = SchoolEntry.objects.create(school=school, kind=kind, host=host, note=note[:300],
                                           added_by=actor if getattr(actor, "pk", None) else None)
        events.record(event_type="filtering_entry_added", actor=actor, school=school, obj=entry,
                      after={"kind": kind, "host": host, "note": note[:300]})
        _publish_policy_after_commit(school)
    return entry


def school_entry_remove(*, actor, entry: SchoolEntry) -> None:
    _require(actor, CAN_MANAGE_FILTERING, "change the school's own lists", entry.school)
    with transaction.atomic():
        events.record(event_type="filtering_entry_removed", actor=actor, school=entry.school,
                      obj=entry, before={"kind": entry.kind, "host": entry.host})
        school = entry.school
        entry.delete()
        _publish_policy_after_commit(school)


# -- unblock requests (002 "Education - Students") ---------------------------------------
UNBLOCK_FIELDS = ["status", "decided_by", "decided_at", "decision_note", "starts_at", "ends_at"]


def unblock_request(*, actor, category: Category | None = None, site: str = "",
                    groups: list[str] | None = None, form: str = "", reason: str,
                    starts_at: datetime.datetime, ends_at: datetime.datetime) -> UnblockRequest:
    """A member of staff asks for a category, a site or a page (and the pages below it) to be
    unblocked for a group or class, for a stated period, with a reason. Statutory categories
    cannot be requested. ``www.bbc.co.uk/bitesize`` asks for that page only."""
    _require(actor, CAN_REQUEST_UNBLOCK, "request an unblock")
    school = actor.school
    groups = [g for g in (groups or []) if g]
    if category is None and not site.strip():
        raise InvalidInput("say which category or site should be unblocked", code="what-missing")
    if category is not None and site.strip():
        raise InvalidInput("ask for a category or a site, not both", code="what-both")
    if category is not None:
        if category.school_id != school.id:
            raise NotAllowed("that category belongs to another school")
        if category.statutory:
            raise NotAllowed(f"{category.label} is always blocked and cannot be unblocked",
                             code="statutory")
    host, path = clean_site(site) if site.strip() else ("", "")
    unknown = [g for g in groups if g not in GROUP_LABELS]
    if unknown:
        raise InvalidInput(f"unknown group {unknown[0]!r}", code="group-unknown")
    form = form.strip()[:32]
    if not groups and not form:
        raise InvalidInput("say which group or class the unblock is for", code="who-missing")
    if not reason or len(reason.strip()) < 10:
        raise InvalidInput("give a reason the IT manager can judge (at least a sentence)",
                           code="reason-missing")
    if not ends_at > starts_at:
        raise InvalidInput("the unblock must end after it starts", code="period-order")
    if ends_at <= timezone.now():
        raise InvalidInput("the period has already ended", code="period-past")
    if ends_at - starts_at > datetime.timedelta(days=92):
        raise InvalidInput("an unblock can last at most a term (92 days)", code="period-long")
    with transaction.atomic():
        request = UnblockRequest.objects.create(
            school=school, requested_by=actor, category=category, site=host, path=path,
            groups=groups, form=form, reason=reason.strip(), starts_at=starts_at,
            ends_at=ends_at)
        events.record(event_type="unblock_requested", actor=actor, obj=request,
                      after={"category": category.name if category else "", "site": host,
                             "path": path,
                             "groups": groups, "form": form, "reason": request.reason,
                             "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    return request


def _decide_unblock(actor, request, status, note, event_type, whole_site=False):
    school = request.school
    if not getattr(actor, "is_superuser", False):
        if actor.school_id != school.id or actor.role not in approver_roles(school):
            raise NotAllowed("only the people the school names may decide unblock requests")
        if request.requested_by_id == actor.pk:
            raise NotAllowed("someone else must decide your own request", code="own-request")
    with transaction.atomic():
        request = UnblockRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != UnblockRequest.PENDING:
            raise Conflict(f"this request is already {request.get_status_display().lower()}")
        if status == UnblockRequest.APPROVED and request.category_id and request.category.statutory:
            raise NotAllowed(f"{request.category.label} is always blocked", code="statutory")
        if status == UnblockRequest.APPROVED and request.ends_at <= timezone.now():
            raise Conflict("the requested period has already ended", code="period-past")
        before = events.snapshot(request, UNBLOCK_FIELDS)
        details = {}
        if whole_site:
            if not (request.site and request.path):
                raise InvalidInput("only a request for a page can be widened to its whole "
                                   "site", code="not-a-page")
            # Knowingly: the audit row says what was asked and what was opened instead.
            request.whole_site = True
            details = {"widened_to_whole_site": request.site, "asked_for": request.asked_for}
        request.status = status
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = note.strip()
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note",
                                    "whole_site"])
        events.record(event_type=event_type, actor=actor, obj=request, before=before,
                      after=events.snapshot(request, UNBLOCK_FIELDS), details=details)
        if status == UnblockRequest.APPROVED:
            _publish_policy_after_commit(school)
    return request


def unblock_approve(*, actor, request: UnblockRequest, note: str = "",
                    whole_site: bool = False) -> UnblockRequest:
    """Approve: the unblock takes effect at its start and ends by itself at its end.

    A request for a page unblocks that page and the pages below it; `whole_site` opens the
    whole site instead, which the approver must choose explicitly (it is audited)."""
    return _decide_unblock(actor, request, UnblockRequest.APPROVED, note, "unblock_approved",
                           whole_site=whole_site)


def unblock_refuse(*, actor, request: UnblockRequest, note: str) -> UnblockRequest:
    if not note or not note.strip():
        raise InvalidInput("say why the request is refused", code="note-missing")
    return _decide_unblock(actor, request, UnblockRequest.REFUSED, note, "unblock_refused")


def unblock_end_early(*, actor, request: UnblockRequest, note: str = "") -> UnblockRequest:
    """End an approved unblock now (the study period finished early, or it was misused)."""
    school = request.school
    if not getattr(actor, "is_superuser", False) and not (
            actor.school_id == school.id and (actor.role in approver_roles(school)
                                              or actor.pk == request.requested_by_id)):
        raise NotAllowed("only the requester or an approver may end an unblock")
    with transaction.atomic():
        request = UnblockRequest.objects.select_for_update().get(pk=request.pk)
        now = timezone.now()
        if request.status != UnblockRequest.APPROVED or request.ends_at <= now:
            raise Conflict("this unblock is not running")
        before = events.snapshot(request, UNBLOCK_FIELDS)
        request.ends_at = max(now, request.starts_at)
        request.save(update_fields=["ends_at"])
        events.record(event_type="unblock_ended_early", actor=actor, obj=request, before=before,
                      after=events.snapshot(request, UNBLOCK_FIELDS), details={"note": note})
        _publish_policy_after_commit(school)
    return request


def unblock_withdraw(*, actor, request: UnblockRequest) -> UnblockRequest:
    if actor.pk != request.requested_by_id:
        raise NotAllowed("only the person who asked can withdraw a request")
    with transaction.atomic():
        request = UnblockRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != UnblockRequest.PENDING:
            raise Conflict("only a request waiting for a decision can be withdrawn")
        before = events.snapshot(request, UNBLOCK_FIELDS)
        request.status = UnblockRequest.WITHDRAWN
        request.save(update_fields=["status"])
        events.record(event_type="unblock_withdrawn", actor=actor, obj=request, before=before,
                      after=events.snapshot(request, UNBLOCK_FIELDS))
    return request


# -- suspensions (002 "In the Event of Inappropriate Use") -------------------------------
def may_see_suspensions(user) -> bool:
    """The suspensions list and its actions are for the roles the filtering policy names."""
    return bool(user is not None and user.is_authenticated and (
        user.is_superuser or (user.school_id is not None and user.role in CAN_SUSPEND_INTERNET)))


def may_lift(user, suspension: InternetSuspension) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    if user.school_id != suspension.school_id:
        return False
    allowed = (CAN_LIFT_INCIDENT_SUSPENSION if suspension.incident_reference
               else CAN_SUSPEND_INTERNET)
    return user.role in allowed


def internet_suspend(*, actor, pupil, starts_at: datetime.datetime,
                     ends_at: datetime.datetime, reason: str,
                     incident_reference: str = "") -> InternetSuspension:
    """Suspend a pupil's internet access for a period (a lesson, an activity, a sanction),
    no longer than the school's maximum.

    Called by the incident log when a sanction includes loss of internet access; it passes
    the incident's reference, and such a suspension is then lifted only by the DSL or the
    headteacher.
    """
    _require(actor, CAN_SUSPEND_INTERNET, "suspend internet access")
    if pupil.school_id != actor.school_id and not getattr(actor, "is_superuser", False):
        raise NotAllowed("that pupil is not in your school")
    if not pupil.is_pupil:
        raise InvalidInput("internet access can only be suspended for pupils", code="not-pupil")
    if not ends_at > starts_at:
        raise InvalidInput("the suspension must end after it starts", code="period-order")
    if ends_at <= timezone.now():
        raise InvalidInput("the period has already ended", code="period-past")
    longest = settings_for(pupil.school).max_suspension_days
    if ends_at - starts_at > datetime.timedelta(days=longest):
        raise InvalidInput(f"a suspension can last at most {longest} day"
                           f"{'s' if longest != 1 else ''}, as the school has set; "
                           "choose an earlier end", code="period-long")
    if not reason or not reason.strip():
        raise InvalidInput("give the reason for the suspension", code="reason-missing")
    with transaction.atomic():
        suspension = InternetSuspension.objects.create(
            school=pupil.school, pupil=pupil, starts_at=starts_at, ends_at=ends_at,
            reason=reason.strip(), created_by=actor,
            incident_reference=(incident_reference or "")[:20])
        events.record(event_type="internet_suspended", actor=actor, obj=suspension,
                      object_label=f"Internet access of {pupil.display_name}",
                      after={"pupil": pupil.username, "starts_at": starts_at.isoformat(),
                             "ends_at": ends_at.isoformat(), "reason": suspension.reason,
                             "incident": suspension.incident_reference})
        _publish_policy_after_commit(pupil.school)
    return suspension


def internet_suspension_lift(*, actor, suspension: InternetSuspension,
                             reason: str = "") -> InternetSuspension:
    """Lift a suspension early. One that an incident's sanction made needs the DSL or the
    headteacher and a reason (the sanction was their decision)."""
    _require(actor, CAN_SUSPEND_INTERNET, "lift a suspension", suspension.school)
    reason = (reason or "").strip()
    if suspension.incident_reference:
        if actor is not None and not getattr(actor, "is_superuser", False) and \
                actor.role not in CAN_LIFT_INCIDENT_SUSPENSION:
            raise NotAllowed("only the designated safeguarding lead or the headteacher may "
                             f"lift a suspension that incident {suspension.incident_reference}"
                             " decided", code="incident-sanction")
        if not reason:
            raise InvalidInput("say why the sanction's suspension is lifted early",
                               code="reason-missing")
    with transaction.atomic():
        suspension = InternetSuspension.objects.select_for_update().get(pk=suspension.pk)
        if suspension.lifted_at is not None:
            raise Conflict("this suspension has already been lifted")
        suspension.lifted_at = timezone.now()
        suspension.lifted_by = actor if getattr(actor, "pk", None) else None
        suspension.lift_reason = reason[:2000]
        suspension.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        events.record(event_type="internet_suspension_lifted", actor=actor, obj=suspension,
                      object_label=f"Internet access of {suspension.pupil.display_name}",
                      after={"lifted_at": suspension.lifted_at.isoformat(),
                             "reason": suspension.lift_reason,
                             "incident": suspension.incident_reference})
        _publish_policy_after_commit(suspension.school)
    return suspension


# -- wrong blocks ---------------------------------------------------------------------------
def wrong_block_report(*, actor, url: str, category: str = "", rule: str = "",
                       comment: str = "") -> WrongBlockReport:
    """Anyone signed in can say a block is wrong; the report reaches the IT manager."""
    if actor is None or actor.school_id is None:
        raise NotAllowed("sign in to report a wrong block")
    target = parse_target(url.strip()) if url and url.strip() else None
    if target is None:
        raise InvalidInput("the blocked address is missing", code="url-missing")
    with transaction.atomic():
        report = WrongBlockReport.objects.create(
            school=actor.school, reported_by=actor, url=url.strip()[:2000], host=target.host,
            category=category[:64], rule=rule[:32], comment=comment.strip()[:2000])
        events.record(event_type="wrong_block_reported", actor=actor, obj=report,
                      object_label=f"Wrong block report: {target.host}",
                      after={"url": report.url, "category": category, "comment": report.comment})
        transaction.on_commit(lambda: _tell_approvers_about_report(report))
    return report


def _tell_approvers_about_report(report: WrongBlockReport) -> None:
    from django.core.mail import send_mail

    from esafety.directory.models import Person

    recipients = [p.email for p in Person.objects.filter(
        school=report.school, role__in=approver_roles(report.school), is_active=True)
        if p.email]
    if recipients:
        send_mail(f"Wrong block reported: {report.host}",
                  f"{report.reported_by.display_name} says this block is wrong:\n\n"
                  f"{report.url}\nCategory: {category_label(report.category, school_labels(report.school)) or '-'}\n\n"
                  f"{report.comment}\n",
                  None, recipients, fail_silently=True)


def wrong_block_resolve(*, actor, report: WrongBlockReport, allow_site: bool,
                        note: str = "") -> WrongBlockReport:
    """Either allow the site for everyone (a school allow entry) or keep the block."""
    _require(actor, CAN_MANAGE_FILTERING | approver_roles(report.school),
             "resolve wrong-block reports", report.school)
    with transaction.atomic():
        report = WrongBlockReport.objects.select_for_update().get(pk=report.pk)
        if report.status != WrongBlockReport.OPEN:
            raise Conflict("this report has already been dealt with")
        report.status = WrongBlockReport.UNBLOCKED if allow_site else WrongBlockReport.KEPT
        report.resolved_by = actor
        report.resolved_at = timezone.now()
        report.resolution_note = note.strip()
        report.save()
        if allow_site and not SchoolEntry.objects.filter(
                school=report.school, kind=SchoolEntry.ALLOW, host=report.host).exists():
            SchoolEntry.objects.create(school=report.school, kind=SchoolEntry.ALLOW,
                                       host=report.host, added_by=actor,
                                       note=f"Wrong block report #{report.pk}")
            _publish_policy_after_commit(report.school)
        events.record(event_type="wrong_block_resolved", actor=actor, obj=report,
                      after={"status": report.status, "note": report.resolution_note})
    return report


# -- decision logs and alerts (003 §4.4) -----------------------------------------------------
def decisions_ingest(*, school, records: list[dict]) -> tuple[int, list[FilteringAlert]]:
    """Store a batch of helper decisions and raise alerts for repeated attempts.

    One bulk insert per batch, never one write per request.
    """
    from esafety.directory.models import Person

    if not records:
        return 0, []
    config = settings_for(school)
    names = {r.get("user", "") for r in records if r.get("user")}
    people = {p.username.lower(): p for p in Person.objects.filter(school=school,
                                                                   username__in=names)}
    rows = []
    for r in records:
        try:
            at = datetime.datetime.fromtimestamp(float(r["t"]), tz=datetime.UTC)
        except (KeyError, TypeError, ValueError):
            continue
        url = str(r.get("url", ""))[:2000]
        target = parse_target(url)
        person = people.get(str(r.get("user", "")).lower())
        rows.append(BlockedAttempt(
            school=school, person=person, username=str(r.get("user", ""))[:150], at=at,
            url=url, host=target.host[:253] if target else "",
            category=str(r.get("category") or "")[:64], group=str(r.get("group") or "")[:16],
            rule=str(r.get("rule") or "")[:32], action=str(r.get("action") or "block")[:8],
            client=str(r.get("client") or "")[:64],
            policy_version=str(r.get("policy") or "")[:32]))
    with transaction.atomic():
        BlockedAttempt.objects.bulk_create(rows, batch_size=1000)
        alerts = _raise_alerts(school, config, rows)
    return len(rows), alerts


def _raise_alerts(school, config, rows) -> list[FilteringAlert]:
    window = datetime.timedelta(minutes=config.alert_window_minutes)
    touched = {(r.person_id, r.category) for r in rows
               if r.person_id and r.action == "block" and r.category
               and r.rule in ("group-policy", "statutory", "school-block", "approved-only")}
    alerts = []
    for person_id, category in touched:
        latest = max(r.at for r in rows if r.person_id == person_id and r.category == category)
        attempts = BlockedAttempt.objects.filter(
            school=school, person_id=person_id, category=category, action="block",
            at__gt=latest - window, at__lte=latest)
        count = attempts.count()
        if count < config.alert_threshold:
            continue
        if FilteringAlert.objects.filter(school=school, person_id=person_id, category=category,
                                         last_at__gt=latest - window).exists():
            continue
        first = attempts.order_by("at").values_list("at", flat=True).first()
        alert = FilteringAlert.objects.create(school=school, person_id=person_id,
                                              category=category, attempts=count,
                                              first_at=first, last_at=latest)
        events.record(event_type="filtering_alert_raised", actor=None, school=school,
                      obj=alert,
                      object_label=f"Repeated blocked attempts: {category_label(category)}",
                      details={"person_id": person_id, "category": category,
                               "attempts": count})
        alerts.append(alert)
    if alerts:
        transaction.on_commit(lambda: _tell_online_safety_leads(school, alerts))
    return alerts


def _tell_online_safety_leads(school, alerts) -> None:
    from django.core.mail import send_mail

    from esafety.directory.models import Person

    leads = [p.email for p in Person.objects.filter(
        school=school, role=roles.ONLINE_SAFETY_LEAD, is_active=True) if p.email]
    if not leads:
        return
    labels = school_labels(school)
    lines = [f"- {a.person.display_name}: {a.attempts} blocked attempts at "
             f"{category_label(a.category, labels)} "
             f"between {timezone.localtime(a.first_at):%H:%M} and "
             f"{timezone.localtime(a.last_at):%H:%M}" for a in alerts]
    send_mail("Repeated attempts to reach blocked sites",
              "003 \u00a74.4: prolonged or regular access to such sites is considered as "
              "intentional misuse.\n\n" + "\n".join(lines) + "\n", None, leads,
              fail_silently=True)


def alert_acknowledge(*, actor, alert: FilteringAlert) -> FilteringAlert:
    _require(actor, CAN_VIEW_FILTER_LOGS, "acknowledge filtering alerts", alert.school)
    with transaction.atomic():
        alert = FilteringAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.acknowledged_at is not None:
            raise Conflict("this alert has already been acknowledged")
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
        events.record(event_type="filtering_alert_acknowledged", actor=actor, obj=alert,
                      object_label=f"Filtering alert #{alert.pk}")
    return alert


def ingest_spool(*, school) -> tuple[int, int, list[FilteringAlert]]:
    """Load the helper's completed spool files for a school; returns (files, rows, alerts)."""
    folder = publish.snapshot_dir(school) / "decisions"
    files = rows = 0
    alerts: list[FilteringAlert] = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        # Claim the file first: the ingest command and a screen being opened may run at once,
        # and each file must be loaded exactly once.
        claimed = path.with_name(path.name + f".{os.getpid()}.ingesting")
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            continue
        records = []
        for line in claimed.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
        try:
            count, raised = decisions_ingest(school=school, records=records)
        except BaseException:
            os.rename(claimed, path)  # leave it for the next run
            raise
        claimed.unlink()
        files += 1
        rows += count
        alerts += raised
    return files, rows, alerts


__all__ = [n for n in dir() if not n.startswith("_") and n != "annotations"]
