"""Who may do what: the one permission table, and who may give which role.

Check a capability, never a role set, so every change to who may do what is made here.

    permissions.require(actor, "suspend_internet", school, what="suspend internet access")
        # actions: raises NotAllowed ("your role cannot ...", "that belongs to another school")
    permissions.require(request.user, "manage_filtering", hide=True)
        # pages: a 404, not a 403 (a page's existence is need-to-know too)
    permissions.allowed(user, "view_filtering_logs")      # bool, superuser/system may
    permissions.role_may(user.role, "manage_people")     # bool on the role alone (no superuser)
    permissions.roles_with("investigate")                 # the roles, for querysets

Where a school's settings also name someone (the designated person, the chair of governors,
the unblock approvers chosen among approve_unblock's roles), the app's access helper adds
them. Role groups that say who someone is (STAFF_ROLES, GUEST_ROLES, SENIOR_ROLES...) stay in
roles.py as vocabulary; sets of roles that say who may do something live only in TABLE
(tests/directory/test_permission_table.py finds any elsewhere). A new capability goes in
TABLE, in the school's words, and in tests/directory/permission_table.txt.

Who may give which role: nobody gives a role above their own, so nobody climbs.
The senior and safeguarding roles (`roles.PROTECTED_ROLES`: headteacher, assistant head,
DSL, online safety lead, governor) are given and taken away only by the headteacher or the
service operator (a Django superuser, or the command line), never by an import; each change
is audited by the action that makes it (`actions.person_role_change`).

The same grant table decides who may act on someone's record at all (record them as a
leaver, restore their access, change their role): you may act on a person only if you could
have given them their role. So a business manager cannot record the headteacher as a leaver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404

from esafety.directory import roles
from esafety.errors import NotAllowed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from esafety.directory.models import Person, School

    # Someone asking: a person, someone not signed in (pages), or None for the system itself.
    Asker = Person | AnonymousUser | None

# Roles below the people managers: what the business and IT managers look after.
_EVERYDAY_ROLES = frozenset({roles.TEACHER, roles.SUPPORT_STAFF, roles.SUPPLY_TEACHER,
                             roles.TRAINEE, roles.VISITOR, roles.PUPIL, roles.PARENT})
ALL_ROLES = frozenset(roles.ROLE_LABELS)
_PEOPLE_MANAGERS = frozenset({roles.HEADTEACHER, roles.BUSINESS_MANAGER, roles.IT_MANAGER})
_LEADERS = frozenset({roles.DSL, roles.ONLINE_SAFETY_LEAD, roles.HEADTEACHER})
_POLICY_LEADS = frozenset({roles.HEADTEACHER, roles.ONLINE_SAFETY_LEAD})
_PAPER_SIGNATURES = frozenset({roles.HEADTEACHER, roles.ASSISTANT_HEAD, roles.ONLINE_SAFETY_LEAD,
                               roles.BUSINESS_MANAGER})

# role -> the roles someone holding it may give (and take away). Roles not listed give none.
GRANTS: dict[str, frozenset[str]] = {
    roles.HEADTEACHER: ALL_ROLES,
    roles.BUSINESS_MANAGER: _EVERYDAY_ROLES,
    roles.IT_MANAGER: _EVERYDAY_ROLES,
}

# capability -> the roles that may do it. Data: every change shows in review
# (tests/directory/test_permission_table.py compares it with permission_table.txt).
# Where a school's settings also name someone (the designated person, the chair of
# governors, the unblock approvers), the comment says so and the app's access helper adds it.
TABLE: dict[str, frozenset[str]] = {
    # Incidents (002, 004): nobody is ever prevented from telling someone about harm.
    "report_concern": ALL_ROLES,
    "view_own_reports": ALL_ROLES,
    # The school's incident log (allegations aside); also the designated person.
    "view_incident_log": _LEADERS,
    # May be named investigator or designated person, or given access to an allegation.
    "investigate": roles.SENIOR_ROLES,
    # Owns allegations against staff; the chair of governors when the head is accused.
    "view_allegations": frozenset({roles.HEADTEACHER}),
    # Records a sanction the rules refuse, with reasons (004 Appendix I).
    "override_sanction": frozenset({roles.HEADTEACHER}),
    "change_incident_settings": frozenset({roles.HEADTEACHER, roles.DSL}),
    # The concerns inbox: every signal that someone may be at risk (message checks,
    # filtering, search terms). Need-to-know: the safeguarding lead and the headteacher;
    # also the designated person. They are emailed about urgent ones at once.
    "view_concerns": frozenset({roles.DSL, roles.HEADTEACHER}),
    "act_on_concerns": frozenset({roles.DSL, roles.HEADTEACHER}),
    # Emails about concerns that could not be sent (never their content): whoever
    # looks after the mail server, and those the emails were for.
    "see_concern_email_failures": frozenset({roles.IT_MANAGER, roles.DSL, roles.HEADTEACHER}),
    # Every email esafety could not send (never its content): the same people.
    "see_email_failures": frozenset({roles.IT_MANAGER, roles.DSL, roles.HEADTEACHER}),
    # Background tasks that failed (what, when, the error's first line): whoever looks
    # after esafety, and the headteacher.
    "see_failed_tasks": frozenset({roles.IT_MANAGER, roles.HEADTEACHER}),
    # Chooses the deputies and out-of-hours contacts told of every urgent concern.
    "manage_urgent_contacts": frozenset({roles.HEADTEACHER, roles.DSL}),
    # Told when a pupil's internet access is suspended or the suspension lifted (besides
    # the pupil's form tutor and their parents or carers).
    "told_of_suspensions": frozenset({roles.DSL, roles.ONLINE_SAFETY_LEAD}),
    # Chooses who owns a case (an allegation's owner chooses for it, whatever their role).
    "assign_case_owner": frozenset({roles.HEADTEACHER, roles.DSL}),
    # Downloads the incident log as a spreadsheet (the cases they may see; audited).
    "export_incident_log": frozenset({roles.HEADTEACHER, roles.DSL}),
    "view_governors_report": _LEADERS | {roles.GOVERNOR},
    # The termly governors' pack (002: the governing body receives regular reports).
    "view_governors_pack": frozenset({roles.GOVERNOR, roles.HEADTEACHER, roles.DSL}),
    # Retention schedule, its dry runs and purges; subject-access bundles; the DPIA text.
    "manage_retention": frozenset({roles.HEADTEACHER, roles.DSL}),
    "export_subject_access": frozenset({roles.HEADTEACHER, roles.DSL}),
    "view_dpia": frozenset({roles.HEADTEACHER, roles.DSL}),
    # People.
    "view_people": _PEOPLE_MANAGERS | roles.SENIOR_ROLES,
    "manage_people": _PEOPLE_MANAGERS,
    "import_people": _PEOPLE_MANAGERS,
    "record_leaver": _PEOPLE_MANAGERS,
    "manage_guests": _PEOPLE_MANAGERS,
    # Which roles each may give: GRANTS above.
    "grant_role": frozenset(GRANTS),
    "change_school_settings": frozenset({roles.HEADTEACHER}),
    # Policies and acceptable use agreements (004).
    "read_policies": roles.STAFF_ROLES | {roles.GOVERNOR},
    "manage_policies": _POLICY_LEADS,
    "view_compliance": _POLICY_LEADS,
    "record_paper_signature": _PAPER_SIGNATURES,
    # The agreements page: those who see who signed, or record paper signatures.
    "view_agreements": _POLICY_LEADS | _PAPER_SIGNATURES,
    # Audit trail (also the history on a person's record).
    "view_audit_trail": frozenset({roles.HEADTEACHER}),
    # Downloads the audit trail as a spreadsheet (the rows they may see; audited).
    "export_audit_trail": frozenset({roles.HEADTEACHER}),
    # Warned when the audit trail's integrity check finds something; may run the check.
    "see_history_warning": frozenset({roles.HEADTEACHER, roles.DSL}),
    # Check a message (003 App. 1): staff and guests before sending; pupils too, so a
    # worrying message they received reaches the DSL. Parents and governors have no school mail.
    "check_messages": roles.STAFF_ROLES | roles.GUEST_ROLES | {roles.PUPIL},
    # Let a pupil email one more address (004 §3.2.3).
    "approve_pupil_recipients": roles.STAFF_ROLES,
    # The mail filter: held mail is reviewed by the safeguarding and online-safety leads.
    # Private mail, held or captured, is read only on an authorisation recorded with reasons
    # by the headteacher or their nominee (003 §2.6; §2.7 "the Principal or his/her
    # nominee"). The nominee is whoever the school's access authorisation settings name,
    # not a role, so both apps' access helpers add them through mail monitoring's one rule
    # (mailmonitor.actions.may_authorise); held mail once asked for the headteacher alone.
    "review_held_mail": frozenset({roles.DSL, roles.ONLINE_SAFETY_LEAD, roles.HEADTEACHER}),
    "authorise_private_mail": frozenset({roles.HEADTEACHER}),
    "manage_mail_filter": frozenset({roles.IT_MANAGER, roles.ONLINE_SAFETY_LEAD,
                                     roles.HEADTEACHER}),
    # Web filtering (005).
    "use_filtering": roles.STAFF_ROLES,
    "request_unblock": roles.STAFF_ROLES,
    # The roles a school may name as unblock approvers; its filtering settings choose which.
    "approve_unblock": roles.STAFF_ROLES,
    "manage_filtering": frozenset({roles.IT_MANAGER, roles.ONLINE_SAFETY_LEAD,
                                   roles.HEADTEACHER}),
    "view_filtering_logs": frozenset({roles.IT_MANAGER, roles.ONLINE_SAFETY_LEAD,
                                      roles.HEADTEACHER, roles.DSL, roles.ASSISTANT_HEAD}),
    # Emailed about repeated attempts to reach blocked sites (003 §4.4). 002 "Technical
    # staff": misuse or attempted misuse is reported "to the AHT and/or Headteacher"; the
    # online safety lead looks after filtering day to day.
    "receive_filtering_alerts": frozenset({roles.ONLINE_SAFETY_LEAD, roles.ASSISTANT_HEAD,
                                           roles.HEADTEACHER}),
    # See, make and lift internet suspensions (the filtering policy names them).
    "suspend_internet": frozenset({roles.DSL, roles.ONLINE_SAFETY_LEAD, roles.HEADTEACHER,
                                   roles.IT_MANAGER}),
    # Lift a suspension an incident's sanction made (with a reason).
    "lift_incident_suspension": frozenset({roles.DSL, roles.HEADTEACHER}),
    # The network sign-in status page: helpers' heartbeats, the snapshot's age; its alerts.
    "view_network_status": frozenset({roles.IT_MANAGER, roles.ONLINE_SAFETY_LEAD,
                                      roles.HEADTEACHER}),
    # Mail monitoring (esafety/mailmonitor): evidence capture, retention, private markers;
    # reading captured mail; authorising a reviewer to read mail marked private (003 §2.6).
    "manage_mail_monitoring": frozenset({roles.HEADTEACHER}),
    "review_captured_mail": frozenset({roles.DSL, roles.HEADTEACHER}),
    # The check API's tokens (esafety/api).
    "manage_api_tokens": frozenset({roles.IT_MANAGER, roles.HEADTEACHER}),
    # Sign-in (esafety/identity): the school's identity provider and two-factor rule.
    "configure_sign_in": frozenset({roles.IT_MANAGER, roles.HEADTEACHER}),
    # Link a sign-in nobody could match to a person, or dismiss it.
    "resolve_sign_ins": frozenset({roles.IT_MANAGER, roles.HEADTEACHER}),
    # Give a two-factor code at every sign-in, unless the school switches it off.
    "sign_in_with_two_factor": frozenset({roles.HEADTEACHER, roles.DSL, roles.ONLINE_SAFETY_LEAD,
                                          roles.IT_MANAGER}),
    # Consent for photographs and published work (002 "Use of digital and video images",
    # 003 §8.2): staff who take and publish photographs look up who must not appear and
    # record what they published; the office and leaders record the parents' forms.
    "view_consents": roles.STAFF_ROLES,
    "record_published_items": roles.STAFF_ROLES,
    "record_consents": frozenset({roles.HEADTEACHER, roles.ASSISTANT_HEAD,
                                  roles.ONLINE_SAFETY_LEAD, roles.BUSINESS_MANAGER}),
    "export_consents": frozenset({roles.HEADTEACHER, roles.ASSISTANT_HEAD,
                                  roles.ONLINE_SAFETY_LEAD, roles.BUSINESS_MANAGER}),
    # A parent or carer sees and changes their own child's consents (004 §3.2.7).
    "give_own_child_consent": frozenset({roles.PARENT}),
    # The school's own social media accounts and sites (003 §6.8, 004 §2.1.8); SLT approve.
    "manage_school_channels": frozenset({roles.HEADTEACHER, roles.ASSISTANT_HEAD,
                                         roles.ONLINE_SAFETY_LEAD, roles.IT_MANAGER,
                                         roles.BUSINESS_MANAGER}),
    "approve_school_channels": frozenset({roles.HEADTEACHER, roles.ASSISTANT_HEAD}),
    # School devices, loans, losses, software and BYOD agreements (004 §2.1.1, §2.1.5).
    "view_devices": frozenset({roles.HEADTEACHER, roles.IT_MANAGER, roles.BUSINESS_MANAGER}),
    "manage_devices": frozenset({roles.HEADTEACHER, roles.IT_MANAGER, roles.BUSINESS_MANAGER}),
    # 004 §2.1.5: only software approved by the headteacher.
    "approve_software": frozenset({roles.HEADTEACHER}),
    # Online safety training (002 "Education & Training"): everyone who needs it sees their
    # own and answers the training-needs survey; leaders see and keep the records.
    "take_training": roles.STAFF_AND_GOVERNOR_ROLES,
    "view_training_records": frozenset({roles.HEADTEACHER, roles.ASSISTANT_HEAD, roles.DSL,
                                        roles.ONLINE_SAFETY_LEAD, roles.BUSINESS_MANAGER}),
    "manage_training": frozenset({roles.HEADTEACHER, roles.DSL, roles.ONLINE_SAFETY_LEAD,
                                  roles.BUSINESS_MANAGER}),
    # Access authorisations (000 §1, 003 §2.7, §5.9): ask for proxy access to a mailbox or
    # account, or for an investigation beyond day-to-day monitoring.
    "request_access": _PEOPLE_MANAGERS | roles.SENIOR_ROLES,
    # Decides them; also the nominee the school's authorisation settings name.
    "approve_access": frozenset({roles.HEADTEACHER}),
    # DfE filtering and monitoring standards: the records (roles, decisions, checks, reviews).
    "view_standards": _LEADERS | {roles.ASSISTANT_HEAD, roles.IT_MANAGER, roles.GOVERNOR},
    "manage_standards": frozenset({roles.HEADTEACHER, roles.DSL, roles.ONLINE_SAFETY_LEAD,
                                   roles.IT_MANAGER}),
}


def roles_with(capability: str) -> frozenset[str]:
    """The roles that may do `capability` (KeyError for a capability the table lacks)."""
    return TABLE[capability]


def role_may(role: str | None, capability: str) -> bool:
    """Whether the role alone may do it: no superuser rule (navigation, page links)."""
    return role in TABLE[capability]


def _school_id(school: School | int | None) -> int | None:
    return school if school is None or isinstance(school, int) else school.pk


def allowed(actor: Asker, capability: str, school: School | int | None = None) -> bool:
    """Whether `actor` may do `capability` (in `school`, a School or its id, when given).

    No actor (the system itself, the command line) and the service operator (a superuser)
    may do anything; someone not signed in may do nothing.
    """
    roles_allowed = TABLE[capability]
    if is_operator(actor):
        return True
    someone: Any = actor  # a Person from here on: signed in, with a role and a school
    if not getattr(someone, "is_authenticated", True):
        return False
    if someone.role not in roles_allowed:
        return False
    school_id = _school_id(school)
    return school_id is None or someone.school_id == school_id


def require(actor: Asker, capability: str, school: School | int | None = None, *,
            what: str = "do that", hide: bool = False) -> None:
    """Raise unless `actor` may do `capability` (see `allowed`).

    Actions raise NotAllowed, which the views show as a message: "your role cannot {what}",
    or "that belongs to another school". Pages pass hide=True and get a 404 instead of a
    403: a screen's existence is need-to-know too.
    """
    if allowed(actor, capability, school):
        return
    if hide:
        raise Http404("not available")
    if getattr(actor, "role", None) not in TABLE[capability]:
        raise NotAllowed(f"your role cannot {what}")
    raise NotAllowed("that belongs to another school")


# Who may be named the subject of an allegation and still hold sway over the people who
# would hear it: while they are, they cannot change these people's role or record them
# as leavers (an accused head must not take the case from the chair of governors).
GUARDED_BY_ALLEGATION = "the headteacher and the chair of governors"


def is_operator(actor: Asker) -> bool:
    """The service operator: a superuser, or the system itself (the command line)."""
    return actor is None or bool(getattr(actor, "is_superuser", False))


def grantable_roles(actor: Person | None) -> frozenset[str]:
    if actor is None or is_operator(actor):
        return ALL_ROLES
    return GRANTS.get(actor.role, frozenset())


def may_grant(actor: Person | None, role: str) -> bool:
    return role in grantable_roles(actor)


def may_manage(actor: Person | None, person: Person) -> bool:
    """Whether `actor` may act on `person`'s record: same school, and a role they could give."""
    if actor is None or is_operator(actor):
        return True
    return actor.school_id == person.school_id and may_grant(actor, person.role)


def require_manage(actor: Person | None, person: Person, *,
                   what: str = "change this person's record") -> None:
    if actor is None or may_manage(actor, person):
        return
    if actor.school_id != person.school_id:
        raise NotAllowed("that belongs to another school")
    if person.role in roles.PROTECTED_ROLES:
        raise NotAllowed(f"only the headteacher can {what}: {person.display_name} is "
                         f"{roles.ROLE_LABELS.get(person.role, person.role).lower()}")
    raise NotAllowed(f"your role cannot {what}")


def require_role_change(actor: Person | None, person: Person, new_role: str) -> None:
    """Raise NotAllowed unless `actor` may move `person` from their role to `new_role`."""
    if actor is not None and not is_operator(actor) and actor.pk == person.pk:
        raise NotAllowed("nobody can change their own role; ask the headteacher")
    require_manage(actor, person, what="change their role")
    if not may_grant(actor, new_role):
        label = roles.ROLE_LABELS.get(new_role, new_role)
        if new_role in roles.PROTECTED_ROLES:
            raise NotAllowed(f"only the headteacher can give the role {label}")
        raise NotAllowed(f"your role cannot give the role {label}")
    require_not_under_allegation(actor, person, what="change their role")


def is_subject_of_open_allegation(person: Person | None) -> bool:
    """Whether an allegation about `person` is still open (not closed)."""
    # Read-only look into the incident log; imported here to keep the apps loosely coupled.
    from esafety.incidents.models import STATUS_CLOSED, Incident

    if person is None or not getattr(person, "pk", None):
        return False
    return Incident.objects.filter(subject_staff_id=person.pk).exclude(
        status=STATUS_CLOSED).exists()


def is_guarded_by_allegation(person: Person) -> bool:
    """The headteacher, and the school's chair of governors (from the incident settings)."""
    from esafety.incidents.models import IncidentSettings

    if person.role == roles.HEADTEACHER:
        return True
    if person.school_id is None:  # every school's settings belong to a school
        return False
    return IncidentSettings.objects.filter(school_id=person.school_id,
                                           chair_of_governors_id=person.pk).exists()


def require_not_under_allegation(actor: Person | None, person: Person, *, what: str) -> None:
    """Someone with an open allegation about them cannot touch the head or the chair."""
    if actor is None or is_operator(actor) or actor.pk == person.pk:
        return
    if is_guarded_by_allegation(person) and is_subject_of_open_allegation(actor):
        raise NotAllowed(f"you cannot {what} while an allegation about you is open: "
                         f"{GUARDED_BY_ALLEGATION} hear allegations, so ask the service operator")


# Who each role may find in a person picker (a picker must not show the school to someone
# who may not see it). Staff who teach or look after pupils, and the people managers, find
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
