"""The monitoring notice, made from the live configuration, so what the school tells parents
and staff always matches what esafety does: what is filtered and checked, for whom, why, how
long records are kept and who sees them. Plain words; no policy codes. Reads only."""

from __future__ import annotations

from dataclasses import dataclass, field

from esafety.directory import permissions, roles
from esafety.directory.models import School
from esafety.engine.urls.policy import Policy
from esafety.filtering import publish
from esafety.filtering.models import GROUP_LABELS, Category, FilteringSettings, WorkingTime

PARENTS = "parents"
STAFF = "staff"
AUDIENCES = (PARENTS, STAFF)


@dataclass
class GroupFiltering:
    label: str
    approved_only: bool
    always: list[str] = field(default_factory=list)
    working_time: list[str] = field(default_factory=list)
    safe_search: bool = False


@dataclass
class KeptFor:
    what: str
    period: str
    seen_by: str


@dataclass
class Notice:
    audience: str
    school: School
    illegal: list[str]
    groups: list[GroupFiltering]
    working_hours: list[str]
    alert_threshold: int
    alert_window_minutes: int
    alerts_go_to: str
    concerns_seen_by: str
    logs_seen_by: str
    kept: list[KeptFor]
    has_lists: bool
    mail: list[str] = field(default_factory=list)


def _plain(label: str) -> str:
    """A role's label inside a sentence: "IT manager" keeps its capitals."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _listed(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _words(capability: str) -> str:
    return _listed(sorted(_plain(str(roles.ROLE_LABELS.get(r, r)))
                          for r in permissions.roles_with(capability)))


def _kept(school: School) -> list[KeptFor]:
    # The school's retention schedule, where it is set; the filter's own setting otherwise.
    try:
        from esafety.retention import selectors as retention

        return [KeptFor(row.record_type.label, row.period,
                        _listed(sorted(_plain(label) for label in row.seen_by)))
                for row in retention.schedule(school)]
    except Exception:  # noqa: BLE001 - a public page must not fail because a schedule did
        settings = FilteringSettings.objects.filter(school=school).first()
        days = settings.log_retention_days if settings else 365
        return [KeptFor("Filtering logs", f"{days} days", _words("view_filtering_logs"))]


def _mail(school: School) -> list[str]:
    """What the school's mail checks do, where the school has set them up."""
    lines = []
    try:
        from esafety.mailfilter.models import HeldMessage, MailFilterSettings
        from esafety.mailmonitor.models import MonitorSettings

        # The filter's settings exist for every school (its snapshot is published with the
        # directory); it is in use once the school has set it up or it has held a message.
        held = MailFilterSettings.objects.filter(school=school).first()
        if held is not None and (held.postmaster or held.trusted_authserv
                                 or HeldMessage.objects.filter(school=school).exists()):
            lines.append("Email is checked before it is sent or delivered; a message that "
                         "breaks the school's rules is held until a member of staff looks at "
                         f"it, and held messages are kept for {held.held_retention_days} days.")
        monitor = MonitorSettings.objects.filter(school=school).first()
        if monitor is not None:
            lines.append("Copies of email sent and received with school accounts are checked "
                         "for signs that someone may be at risk; only messages where something "
                         f"is found are kept, for {monitor.retention_days} days. A message "
                         "marked private is checked for safeguarding only, and read only with "
                         "the headteacher's permission.")
    except Exception:  # noqa: BLE001 - a public page must not fail because a mail app did
        return lines
    return lines


def build(school: School, audience: str) -> Notice:
    data = publish.build_policy(school)
    policy = Policy(data, None)
    labels = {c.name: c.label for c in Category.objects.filter(school=school)}
    illegal = sorted(labels.get(name, name) for name in policy.statutory_names)
    wanted = [g for g in GROUP_LABELS if (g in roles.PUPIL_GROUPS) == (audience == PARENTS)
              and (audience == PARENTS or g == "staff")]
    groups = []
    for group in wanted:
        spec = data["groups"].get(group, {})
        found = GroupFiltering(GROUP_LABELS[group], bool(spec.get("approved_only")),
                               safe_search=bool(spec.get("safe_search")))
        for name, action in sorted(spec.get("rules", {}).items(),
                                   key=lambda item: labels.get(item[0], item[0])):
            if name in policy.statutory_names or name not in labels:
                continue
            (found.always if action == "block" else found.working_time).append(labels[name])
        groups.append(found)
    hours = [str(span) for span in WorkingTime.objects.filter(school=school)]
    settings = FilteringSettings.objects.filter(school=school).first()
    return Notice(
        audience=audience, school=school, illegal=illegal, groups=groups, working_hours=hours,
        alert_threshold=settings.alert_threshold if settings else 5,
        alert_window_minutes=settings.alert_window_minutes if settings else 30,
        alerts_go_to=_words("receive_filtering_alerts"),
        concerns_seen_by=_words("view_concerns"),
        logs_seen_by=_words("view_filtering_logs"),
        kept=_kept(school), has_lists=bool(labels), mail=_mail(school))
