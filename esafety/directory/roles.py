"""Roles, year groups and key stages: the school's own vocabulary, in one place.

Pure Python (no Django) so the engine and the importers can share it.
"""

import re

HEADTEACHER = "headteacher"
ASSISTANT_HEAD = "assistant_head"
DSL = "dsl"
ONLINE_SAFETY_LEAD = "online_safety_lead"
IT_MANAGER = "it_manager"
BUSINESS_MANAGER = "business_manager"
TEACHER = "teacher"
SUPPORT_STAFF = "support_staff"
GOVERNOR = "governor"
PUPIL = "pupil"
PARENT = "parent"
SUPPLY_TEACHER = "supply_teacher"
TRAINEE = "trainee"
VISITOR = "visitor"

ROLE_LABELS = {
    HEADTEACHER: "Headteacher / principal",
    ASSISTANT_HEAD: "Assistant headteacher",
    DSL: "Designated safeguarding lead",
    ONLINE_SAFETY_LEAD: "Online safety lead",
    IT_MANAGER: "IT manager",
    BUSINESS_MANAGER: "Business manager",
    TEACHER: "Teacher",
    SUPPORT_STAFF: "Support staff",
    GOVERNOR: "Governor",
    PUPIL: "Pupil",
    PARENT: "Parent / carer",
    SUPPLY_TEACHER: "Supply teacher",
    TRAINEE: "Trainee",
    VISITOR: "Visitor",
}
ROLE_CHOICES = list(ROLE_LABELS.items())

STAFF_ROLES = frozenset(
    {HEADTEACHER, ASSISTANT_HEAD, DSL, ONLINE_SAFETY_LEAD, IT_MANAGER, BUSINESS_MANAGER,
     TEACHER, SUPPORT_STAFF}
)
GUEST_ROLES = frozenset({SUPPLY_TEACHER, TRAINEE, VISITOR})
# Senior staff: may be named investigators (002 "Other Incidents") and see leadership screens.
SENIOR_ROLES = frozenset({HEADTEACHER, ASSISTANT_HEAD, DSL, ONLINE_SAFETY_LEAD})

# Staff and governors: the staff Acceptable Use Policy covers them (004 §2).
STAFF_AND_GOVERNOR_ROLES = STAFF_ROLES | {GOVERNOR}
# Every adult the school knows: staff, governors and guests.
ADULT_ROLES = STAFF_ROLES | GUEST_ROLES | {GOVERNOR}
# Senior and safeguarding roles, so nobody climbs: only the headteacher (or the
# service operator) gives or takes them away, never an import.
PROTECTED_ROLES = frozenset({HEADTEACHER, ASSISTANT_HEAD, DSL, ONLINE_SAFETY_LEAD, GOVERNOR})

# Who may do what is not here: permissions.TABLE maps capabilities to these roles.

# Everyone who may be involved in an incident or a check: staff, guests and pupils.
INVOLVED_ROLES = STAFF_ROLES | GUEST_ROLES | {PUPIL}
# One-role groups, so pickers and lists name a group rather than spell out a set.
PUPIL_ROLES = frozenset({PUPIL})
GOVERNOR_ROLES = frozenset({GOVERNOR})
# Roles the staff CSV may carry (pupils and parents have their own files).
STAFF_FILE_ROLES = STAFF_ROLES | GUEST_ROLES | {GOVERNOR}

# Audiences of Acceptable Use Policies (004 §2 staff, §3 pupils, §4 parents and visitors).
AUDIENCE_STAFF = "staff"
AUDIENCE_PARENTS = "parents"
AUDIENCE_VISITORS = "visitors"
AUDIENCE_KS1 = "pupils_ks1"
AUDIENCE_KS2 = "pupils_ks2"
AUDIENCE_KS3 = "pupils_ks3"
AUDIENCE_KS4 = "pupils_ks4"
AUDIENCE_KS5 = "pupils_ks5"
AUDIENCE_LABELS = {
    AUDIENCE_STAFF: "Staff and governors",
    AUDIENCE_KS1: "Pupils in Reception and Key Stage 1",
    AUDIENCE_KS2: "Pupils in Key Stage 2",
    AUDIENCE_KS3: "Pupils in Key Stage 3",
    AUDIENCE_KS4: "Pupils in Key Stage 4",
    AUDIENCE_KS5: "Sixth form students",
    AUDIENCE_PARENTS: "Parents and carers",
    AUDIENCE_VISITORS: "Visitors, supply teachers and trainees",
}
AUDIENCE_CHOICES = list(AUDIENCE_LABELS.items())
PUPIL_AUDIENCES = frozenset({AUDIENCE_KS1, AUDIENCE_KS2, AUDIENCE_KS3, AUDIENCE_KS4, AUDIENCE_KS5})

# Year groups: 0 is Reception. England and Wales number years 1 to 13.
YEAR_GROUPS = list(range(0, 14))


def year_label(year: int | None) -> str:
    if year is None:
        return ""
    return "Reception" if year == 0 else f"Year {year}"


_YEAR_RE = re.compile(r"^(?:y|yr|year)?\s*(\d{1,2})$")


def parse_year_group(text: str) -> int:
    """'R', 'Reception', 'Y7', 'Year 7', '7' -> 0..13. Raises ValueError for anything else."""
    cleaned = (text or "").strip().lower()
    if cleaned in {"r", "rec", "reception", "yr r", "year r", "fs2"}:
        return 0
    match = _YEAR_RE.match(cleaned)
    if match:
        year = int(match.group(1))
        if 1 <= year <= 13:
            return year
    raise ValueError(f"unknown year group {text!r} (use R or 1 to 13)")


def key_stage(year: int | None) -> int | None:
    """Key stage of a year group: Reception counts with KS1 here (it shares its AUP and filtering)."""
    if year is None:
        return None
    if year <= 2:
        return 1
    if year <= 6:
        return 2
    if year <= 9:
        return 3
    if year <= 11:
        return 4
    return 5


def audience_for(role: str, year: int | None = None) -> str | None:
    """Which AUP audience a person belongs to; None for roles no AUP covers."""
    if role in STAFF_ROLES or role == GOVERNOR:
        return AUDIENCE_STAFF
    if role in GUEST_ROLES:
        return AUDIENCE_VISITORS
    if role == PARENT:
        return AUDIENCE_PARENTS
    if role == PUPIL:
        stage = key_stage(year)
        return f"pupils_ks{stage}" if stage else None
    return None


# Web filtering groups: pupils by key stage (Reception with KS1), then staff and guests.
# Defined here only; filtering and the Squid helper's policy read them from here.
FILTERING_GROUP_LABELS = {
    "ks1": "Reception and Key Stage 1",
    "ks2": "Key Stage 2",
    "ks3": "Key Stage 3",
    "ks4": "Key Stage 4",
    "sixth_form": "Sixth form",
    "staff": "Staff",
    "guests": "Guests and visitors",
}
PUPIL_GROUPS = ("ks1", "ks2", "ks3", "ks4", "sixth_form")  # by key stage 1 to 5


def filtering_group(role: str, year: int | None = None) -> str:
    """The web filtering group: ks1..ks4, sixth_form, staff or guests (filtering/rules.py)."""
    if role == PUPIL:
        stage = key_stage(year)
        return "sixth_form" if stage == 5 else f"ks{stage}"
    if role in STAFF_ROLES or role == GOVERNOR:
        return "staff"
    return "guests"
