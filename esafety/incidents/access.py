"""Who may see an incident: need-to-know, in one place, so no page or export decides it alone.

- A reporter sees the status of their own reports, nothing of the investigation.
- Investigators see their cases.
- The DSL, online safety lead, headteacher and the school's designated person see the
  school's incidents, except allegations against staff.
- An allegation against a member of staff is visible only to the headteacher and the people
  they add (investigators count as added); against the headteacher, to the chair of
  governors instead. The person the allegation is about never sees it. The people added
  with "Give someone access" are senior staff, and read only (VIEWER) unless the owner
  names them investigators.
- Nobody else sees anything, and "missing" and "not yours" are the same 404.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from esafety.directory import permissions, roles
from esafety.directory.models import Person, School
from esafety.incidents import rules
from esafety.incidents.models import STATUS_CLOSED, Incident, IncidentSettings

TEAM = "team"
VIEWER = "viewer"  # reads the whole case, changes nothing (added to an allegation)
REPORTER = "reporter"


def settings_for(school: School) -> IncidentSettings:
    """The school's incident settings: the defaults, unsaved, until someone saves them, so
    reading a page (or asking who leads) never writes."""
    return (IncidentSettings.objects.filter(school=school).first()
            or IncidentSettings(school=school))


def is_leader(user: Person) -> bool:
    if not getattr(user, "school_id", None):
        return False
    if permissions.role_may(user.role, "view_incident_log"):
        return True
    school = user.school
    return school is not None and settings_for(school).designated_person_id == user.pk


def allegation_owner_q(user: Person, chair_id: int | None) -> Q:
    """Allegations this user owns: the headteacher's, or the chair's when the head is accused."""
    owned = Q(pk__in=[])
    if permissions.role_may(user.role, "view_allegations"):
        owned |= ~Q(subject_staff__role=roles.HEADTEACHER)
    if chair_id == user.pk:
        owned |= Q(subject_staff__role=roles.HEADTEACHER)
    return owned


def _visible_incidents(user: Person, *, with_viewers: bool) -> QuerySet[Incident]:
    school = user.school if getattr(user, "is_authenticated", False) and user.school_id else None
    if school is None:
        return Incident.objects.none()
    conf = settings_for(school)
    visible = Q(investigators__person=user, investigators__stood_down_at__isnull=True)
    if with_viewers and permissions.role_may(user.role, "investigate"):
        # Extra access on an allegation is for senior staff only (a row naming anyone else,
        # from before that rule, opens nothing).
        visible |= Q(viewers__person=user)
    if (permissions.role_may(user.role, "view_incident_log")
            or conf.designated_person_id == user.pk):
        visible |= Q(subject_staff__isnull=True)
    visible |= Q(subject_staff__isnull=False) & allegation_owner_q(user, conf.chair_of_governors_id)
    ids = (Incident.objects.filter(school=school).filter(visible)
           .exclude(subject_staff=user).values("pk"))
    return Incident.objects.filter(pk__in=ids)


def team_incidents(user: Person) -> QuerySet[Incident]:
    """Incidents this person may see in full (as investigator, leader, allegation owner or
    someone the owner gave access to)."""
    return _visible_incidents(user, with_viewers=True)


def acting_incidents(user: Person) -> QuerySet[Incident]:
    """Incidents this person may change: team_incidents without the read-only viewers."""
    return _visible_incidents(user, with_viewers=False)


def own_reports(user: Person) -> QuerySet[Incident]:
    if not getattr(user, "is_authenticated", False) or not user.school_id:
        return Incident.objects.none()
    return Incident.objects.filter(school=user.school, reported_by=user)


def access_level(user: Person, incident: Incident) -> str | None:
    if not getattr(user, "is_authenticated", False) or incident.school_id != user.school_id:
        return None
    if acting_incidents(user).filter(pk=incident.pk).exists():
        return TEAM
    if team_incidents(user).filter(pk=incident.pk).exists():
        return VIEWER
    if incident.reported_by_id == user.pk:
        return REPORTER
    return None


def get_incident_for_user(user: Person, pk: int | str, *, team: bool = False) -> tuple[Incident, str]:
    """The incident and the viewer's level of access; the same 404 for missing and not yours.

    With team=True, a reporter who is not on the case also gets the 404 (a read-only
    VIEWER passes: they see the whole case; actions refuse their changes).
    """
    try:
        incident = Incident.objects.select_related("school", "reported_by", "subject_staff").get(
            pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise Http404("no such incident") from None
    level = access_level(user, incident)
    if level is None or (team and level not in (TEAM, VIEWER)):
        raise Http404("no such incident")
    return incident, level


def can_name_investigators(user: Person, incident: Incident) -> bool:
    """Leaders name investigators; for an allegation, only its owner (head or chair)."""
    if incident.school_id != user.school_id or incident.subject_staff_id == user.pk:
        return False
    if incident.is_allegation:
        return is_allegation_owner(user, incident)
    return is_leader(user)


def is_allegation_owner(user: Person, incident: Incident) -> bool:
    if not incident.is_allegation or incident.school_id != user.school_id:
        return False
    subject = incident.subject_staff
    if subject is not None and subject.role == roles.HEADTEACHER:
        return settings_for(incident.school).chair_of_governors_id == user.pk
    return (permissions.role_may(user.role, "view_allegations")
            and incident.subject_staff_id != user.pk)


def viewer_choices(incident: Incident) -> QuerySet[Person]:
    """Who the allegation's owner may give (read-only) access: senior staff who can sign in."""
    taken = set(incident.viewers.values_list("person_id", flat=True))
    taken |= set(incident.investigators.values_list("person_id", flat=True))
    if incident.subject_staff_id:
        taken.add(incident.subject_staff_id)
    return (Person.objects.filter(school=incident.school,
                                  role__in=permissions.roles_with("investigate"), is_active=True)
            .exclude(pk__in=taken).order_by("last_name", "first_name"))


def open_allegations_about(person: Person) -> QuerySet[Incident]:
    """Allegations about this person that are not closed (they may not move the case)."""
    if not getattr(person, "pk", None):
        return Incident.objects.none()
    return Incident.objects.filter(subject_staff=person).exclude(status=STATUS_CLOSED)


def can_override_sanction(user: Person, incident: Incident) -> bool:
    """The headteacher on the case may record a sanction the rules refuse, with reasons."""
    return (permissions.role_may(user.role, "override_sanction")
            and access_level(user, incident) == TEAM)


def can_assign_owner(user: Person, incident: Incident) -> bool:
    """The DSL or headteacher on the case chooses its owner; for an allegation, its owner."""
    if incident.school_id != user.school_id or incident.subject_staff_id == user.pk:
        return False
    if incident.is_allegation:
        return is_allegation_owner(user, incident)
    return (permissions.role_may(user.role, "assign_case_owner")
            and access_level(user, incident) == TEAM)


def owner_choices(incident: Incident) -> list[Person]:
    """Who may own the case: senior staff who can sign in and may already act on it."""
    candidates = (Person.objects.filter(school=incident.school,
                                        role__in=permissions.roles_with("investigate"),
                                        is_active=True)
                  .exclude(pk=incident.subject_staff_id or 0).order_by("last_name", "first_name"))
    return [p for p in candidates
            if p.can_use_systems() and incident.part_of(p) != rules.PART_ALLEGED
            and access_level(p, incident) == TEAM]


def may_read_chronology(user: Person, person: Person) -> bool:
    """Whether `user` may open `person`'s chronology (the same rule as the page's)."""
    return (getattr(user, "is_authenticated", False) and is_leader(user)
            and person.school_id == user.school_id)


def can_export_log(user: Person) -> bool:
    return bool(user.school_id) and permissions.role_may(user.role, "export_incident_log")


def get_person_for_chronology(user: Person, pk: int | str) -> Person:
    """Leaders may read a chronology of someone in their own school; everyone else gets 404."""
    if not getattr(user, "is_authenticated", False) or not is_leader(user):
        raise Http404("no such person")
    try:
        return Person.objects.get(pk=pk, school=user.school)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("no such person") from None


def can_manage_settings(user: Person) -> bool:
    return bool(user.school_id) and permissions.role_may(user.role, "change_incident_settings")


def can_read_governors_report(user: Person) -> bool:
    return bool(user.school_id) and permissions.role_may(user.role, "view_governors_report")
