"""Who may give which role: the one table (issue 10 "Nobody climbs").

Nobody gives a role above their own. The senior and safeguarding roles
(`roles.PROTECTED_ROLES`: headteacher, assistant head, DSL, online safety lead, governor)
are given and taken away only by the headteacher or the service operator (a Django
superuser, or the command line), never by an import; each change is audited by the
action that makes it (`actions.person_role_change`).

The same table decides who may act on someone's record at all (record them as a leaver,
restore their access, change their role): you may act on a person only if you could have
given them their role. So a business manager cannot record the headteacher as a leaver.
"""

from esafety.directory import roles
from esafety.errors import NotAllowed

# Roles below the people managers: what the business and IT managers look after.
_EVERYDAY_ROLES = frozenset({roles.TEACHER, roles.SUPPORT_STAFF, roles.SUPPLY_TEACHER,
                             roles.TRAINEE, roles.VISITOR, roles.PUPIL, roles.PARENT})
ALL_ROLES = frozenset(roles.ROLE_LABELS)

# role -> the roles someone holding it may give (and take away). Roles not listed give none.
GRANTS: dict[str, frozenset[str]] = {
    roles.HEADTEACHER: ALL_ROLES,
    roles.BUSINESS_MANAGER: _EVERYDAY_ROLES,
    roles.IT_MANAGER: _EVERYDAY_ROLES,
}

# Who may be named the subject of an allegation and still hold sway over the people who
# would hear it: while they are, they cannot change these people's role or record them
# as leavers (issue 10: an accused head must not take the case from the chair of governors).
GUARDED_BY_ALLEGATION = "the headteacher and the chair of governors"


def is_operator(actor) -> bool:
    """The service operator: a superuser, or the system itself (the command line)."""
    return actor is None or bool(getattr(actor, "is_superuser", False))


def grantable_roles(actor) -> frozenset[str]:
    if is_operator(actor):
        return ALL_ROLES
    return GRANTS.get(actor.role, frozenset())


def may_grant(actor, role: str) -> bool:
    return role in grantable_roles(actor)


def may_manage(actor, person) -> bool:
    """Whether `actor` may act on `person`'s record: same school, and a role they could give."""
    if is_operator(actor):
        return True
    return actor.school_id == person.school_id and may_grant(actor, person.role)


def require_manage(actor, person, *, what: str = "change this person's record") -> None:
    if may_manage(actor, person):
        return
    if actor.school_id != person.school_id:
        raise NotAllowed("that belongs to another school")
    if person.role in roles.PROTECTED_ROLES:
        raise NotAllowed(f"only the headteacher can {what}: {person.display_name} is "
                         f"{roles.ROLE_LABELS.get(person.role, person.role).lower()}")
    raise NotAllowed(f"your role cannot {what}")


def require_role_change(actor, person, new_role: str) -> None:
    """Raise NotAllowed unless `actor` may move `person` from their role to `new_role`."""
    if not is_operator(actor) and actor.pk == person.pk:
        raise NotAllowed("nobody can change their own role; ask the headteacher")
    require_manage(actor, person, what="change their role")
    if not may_grant(actor, new_role):
        label = roles.ROLE_LABELS.get(new_role, new_role)
        if new_role in roles.PROTECTED_ROLES:
            raise NotAllowed(f"only the headteacher can give the role {label}")
        raise NotAllowed(f"your role cannot give the role {label}")
    require_not_under_allegation(actor, person, what="change their role")


def is_subject_of_open_allegation(person) -> bool:
    """Whether an allegation about `person` is still open (not closed)."""
    # Read-only look into the incident log; imported here to keep the apps loosely coupled.
    from esafety.incidents.models import STATUS_CLOSED, Incident

    if person is None or not getattr(person, "pk", None):
        return False
    return Incident.objects.filter(subject_staff_id=person.pk).exclude(
        status=STATUS_CLOSED).exists()


def is_guarded_by_allegation(person) -> bool:
    """The headteacher, and the school's chair of governors (from the incident settings)."""
    from esafety.incidents.models import IncidentSettings

    if person.role == roles.HEADTEACHER:
        return True
    return IncidentSettings.objects.filter(school_id=person.school_id,
                                           chair_of_governors_id=person.pk).exists()


def require_not_under_allegation(actor, person, *, what: str) -> None:
    """Someone with an open allegation about them cannot touch the head or the chair."""
    if is_operator(actor) or actor.pk == person.pk:
        return
    if is_guarded_by_allegation(person) and is_subject_of_open_allegation(actor):
        raise NotAllowed(f"you cannot {what} while an allegation about you is open: "
                         f"{GUARDED_BY_ALLEGATION} hear allegations, so ask the service operator")


# Who each role may find in a person picker (issue 10: "Person pickers show only the people
# that role may see"). Staff who teach or look after pupils, and the people managers, find
# anyone in the school; everyone else finds the adults (staff, governors, guests), so a pupil
# can still name a trusted adult and a visitor can name a member of staff; other people are
# described in words. A parent also finds their own children. Everyone finds themselves.
SEES_WHOLE_SCHOOL = "the whole school"
SEES_ADULTS = "adults"
SEES_ADULTS_AND_OWN_CHILDREN = "adults and their own children"
PICKER_SEES: dict[str, str] = {
    roles.HEADTEACHER: SEES_WHOLE_SCHOOL,
    roles.ASSISTANT_HEAD: SEES_WHOLE_SCHOOL,
    roles.DSL: SEES_WHOLE_SCHOOL,
    roles.ONLINE_SAFETY_LEAD: SEES_WHOLE_SCHOOL,
    roles.IT_MANAGER: SEES_WHOLE_SCHOOL,
    roles.BUSINESS_MANAGER: SEES_WHOLE_SCHOOL,
    roles.TEACHER: SEES_WHOLE_SCHOOL,
    roles.SUPPLY_TEACHER: SEES_WHOLE_SCHOOL,
    roles.TRAINEE: SEES_WHOLE_SCHOOL,
    roles.SUPPORT_STAFF: SEES_ADULTS,
    roles.GOVERNOR: SEES_ADULTS,
    roles.VISITOR: SEES_ADULTS,
    roles.PUPIL: SEES_ADULTS,
    roles.PARENT: SEES_ADULTS_AND_OWN_CHILDREN,
}
