"""The incident log's vocabulary, taken from the seed policies and kept as data.

A school reading this file should recognise every line: the kinds of incident people
report, the steps for images of children, the police-reportable list, the ratings and
the sanctions each one allows. Code looks things up here; it never hard-codes a rule.
"""

from typing import TypedDict

# --- Kinds of incident ------------------------------------------------------------------
# (code, staff label, plain-language label for pupils, who may choose it in the short form)
INAPPROPRIATE_MATERIAL = "inappropriate_material"
ABUSIVE_MESSAGE = "abusive_message"
MALICIOUS_ONLINE = "malicious_online"
CYBERBULLYING = "cyberbullying"
ABUSIVE_CALLS = "abusive_calls"
SEXTING = "sexting"
GROOMING = "grooming"
RADICALISATION = "radicalisation"
DEVICE_LOSS = "device_loss"
STAFF_MISUSE = "staff_misuse"
PUPIL_MISUSE = "pupil_misuse"
SECURITY_BREACH = "security_breach"
OTHER = "other"

INCIDENT_TYPES = [
    # 000 §2 "inadvertently accessing inappropriate material"
    (INAPPROPRIATE_MATERIAL, "Inappropriate material seen by accident",
     "I saw something online that upset me or shouldn't be there"),
    # 000 §2 "Action you must take if in receipt of inappropriate emails"
    (ABUSIVE_MESSAGE, "Inappropriate or abusive email or message received",
     "Someone sent me a nasty or rude message or email"),
    # 000 §2 "threatening or malicious material online concerning yourself or your school"
    (MALICIOUS_ONLINE, "Threatening or malicious material online about a person or the school",
     "Someone posted something nasty about me, someone else or the school"),
    (CYBERBULLYING, "Cyberbullying", "Someone is bullying me or someone else online"),
    (ABUSIVE_CALLS, "Abusive calls or texts", "I am getting nasty calls or texts"),
    # 000 §2 "Do not forward any email containing a 'sexting' image of a child"
    (SEXTING, "Nude or sexual images ('sexting')",
     "Someone shared a nude or sexual picture, or asked me for one"),
    # 002 "Potential or actual incidents of grooming"
    (GROOMING, "Grooming or inappropriate contact",
     "Someone I don't know, or an adult, is contacting me in a way that feels wrong"),
    # 004 App. I "Material intended for the purpose of radicalisation"
    (RADICALISATION, "Radicalisation concern",
     "Someone is trying to get me or others to believe in hate or violence"),
    (DEVICE_LOSS, "Loss or theft of a device or data", "I lost a school device, or it was stolen"),
    (STAFF_MISUSE, "Misuse by a member of staff", "I am worried about something a grown-up at school did online"),
    (PUPIL_MISUSE, "Misuse by a pupil", "Someone at school is misusing the computers or the internet"),
    (SECURITY_BREACH, "A security breach", "Someone got into my account, or I shared my password"),
    (OTHER, "Other", "Something else"),
]
TYPE_CHOICES = [(code, label) for code, label, _ in INCIDENT_TYPES]
TYPE_LABELS = dict(TYPE_CHOICES)
PUPIL_TYPE_CHOICES = [(code, plain) for code, _, plain in INCIDENT_TYPES]

# Kinds where the designated person is alerted as urgent, not just notified.
URGENT_TYPES = frozenset({SEXTING, GROOMING, RADICALISATION})

# --- Images of children (000 §2, 002 "Other Incidents") ----------------------------------
# esafety never accepts the image itself: only a description and where it is.
NO_IMAGE_TYPES = frozenset({SEXTING})
IMAGE_STEPS = [
    "Do not copy, forward, print, save or show the image to anyone, even to investigate. "
    "It is illegal to distribute indecent images of children, even if the child made them (000 §2).",
    "Do not upload the image here: write only a description of it and where it is.",
    "Isolate the device or account where the image is: switch the screen off, keep the device "
    "safe and unchanged. Any change to its state may hinder a police investigation (002).",
    "Halt any review of the content and refer to the police immediately (002 'Other Incidents').",
    "The designated safeguarding lead has been alerted and leads from here.",
]

# --- Police-reportable content (002 "Other Incidents") -----------------------------------
POLICE_MATTERS = [
    ("child_abuse_images", "Images of child abuse (halt and refer to the police immediately)"),
    ("grooming", "Incidents of 'grooming' behaviour"),
    ("obscene_to_child", "The sending of obscene materials to a child"),
    ("obscene_publications", "Adult material which potentially breaches the Obscene Publications Act"),
    ("racist", "Criminally racist material"),
    ("other_criminal", "Other criminal conduct, activity or materials"),
]
POLICE_MATTER_LABELS = dict(POLICE_MATTERS)
# Incident kinds that, by their nature, match the list before anyone ticks a box.
POLICE_MATTERS_BY_TYPE = {SEXTING: ["child_abuse_images"], GROOMING: ["grooming"]}

# --- The judgement (002 "Other Incidents") -----------------------------------------------
NO_SUBSTANCE = "no_substance"
INTERNAL = "internal"
LOCAL_AUTHORITY = "local_authority"
POLICE = "police"
OUTCOME_CHOICES = [
    (NO_SUBSTANCE, "The concern has no substance"),
    (INTERNAL, "Internal response or discipline procedures"),
    (LOCAL_AUTHORITY, "Involvement by the local authority or a national/local organisation"),
    (POLICE, "Police involvement and/or action"),
]
OUTCOME_LABELS = dict(OUTCOME_CHOICES)
# Judgements that find the concern has substance. 004 App. II: "If the allegations are
# proven, then consideration should be given to..." the sanction: nothing is sanctioned before.
SUBSTANTIATED_OUTCOMES = frozenset({INTERNAL, LOCAL_AUTHORITY, POLICE})
# 002: "Have more than one senior member of staff/volunteer involved in this process."
REQUIRED_INVESTIGATORS = 2

# --- People in a case and their parts ---------------------------------------------------
PART_REPORTER = "reporter"
PART_TARGET = "target"
PART_ALLEGED = "alleged"
PART_WITNESS = "witness"
PART_OTHER = "other"
PARTS = [
    (PART_REPORTER, "Reporter"),
    (PART_TARGET, "Target / victim"),
    (PART_ALLEGED, "Alleged perpetrator"),
    (PART_WITNESS, "Witness"),
    (PART_OTHER, "Other"),
]
PART_LABELS = dict(PARTS)
# Only an alleged perpetrator's misuse is rated or sanctioned: never a victim's, a witness's
# or a reporter's (004 App. I rates "misuse"; App. II sanctions "if the allegations are proven").
RATED_PARTS = frozenset({PART_ALLEGED})

# --- Evidence kinds ---------------------------------------------------------------------
EVIDENCE_URL = "url"
EVIDENCE_SCREENSHOT = "screenshot"
EVIDENCE_EMAIL = "email"
EVIDENCE_PHONE = "phone"
EVIDENCE_LOG = "log"
EVIDENCE_NOTE = "note"
EVIDENCE_DOCUMENT = "document"
EVIDENCE_IMAGE_LOCATION = "image_location"
EVIDENCE_VISIT = "visit"
EVIDENCE_CHOICES = [
    (EVIDENCE_URL, "Web address (URL) and the nature of the content"),
    (EVIDENCE_SCREENSHOT, "Screenshot (PNG, JPEG, GIF or WebP)"),
    (EVIDENCE_EMAIL, "Copy of an email (.eml file)"),
    (EVIDENCE_PHONE, "Phone number"),
    (EVIDENCE_LOG, "Call or message log (text, CSV or PDF)"),
    (EVIDENCE_DOCUMENT, "Document (PDF or text)"),
    (EVIDENCE_NOTE, "Written note"),
    (EVIDENCE_IMAGE_LOCATION, "Description of an image and where it is (no upload)"),
    (EVIDENCE_VISIT, "Site visited during the investigation (designated computer)"),
]
EVIDENCE_LABELS = dict(EVIDENCE_CHOICES)
FILE_EVIDENCE = frozenset({EVIDENCE_SCREENSHOT, EVIDENCE_EMAIL, EVIDENCE_LOG, EVIDENCE_DOCUMENT})
# Evidence that may be recorded on an incident about images of children: words only.
DESCRIPTION_ONLY_EVIDENCE = frozenset({EVIDENCE_URL, EVIDENCE_PHONE, EVIDENCE_NOTE,
                                       EVIDENCE_IMAGE_LOCATION, EVIDENCE_VISIT})
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# Extension -> the content the file must really be. A file whose bytes disagree is refused.
ALLOWED_FILES = {
    EVIDENCE_SCREENSHOT: {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif",
                          ".webp": "webp"},
    EVIDENCE_EMAIL: {".eml": "email"},
    EVIDENCE_LOG: {".txt": "text", ".csv": "text", ".pdf": "pdf"},
    EVIDENCE_DOCUMENT: {".pdf": "pdf", ".txt": "text"},
}

# --- Rating (004 Appendix I) ------------------------------------------------------------
GROSS = "gross"
SERIOUS = "serious"
MILD = "mild"


class RatingRow(TypedDict):
    code: str
    label: str
    meaning: str
    staff_rating: str
    staff_sanctions: list[str]


RATINGS: list[RatingRow] = [
    {"code": GROSS, "label": "Gross",
     "meaning": "Offensive material of the following nature: sexually explicit or suggestive, "
                "usually in picture format; racist, homophobic; ridiculing religion, disability, "
                "sexual orientation or politics; ridiculing/demeaning individuals; inciting cruelty "
                "or illegal activity; material intended for the purpose of radicalisation.",
     "staff_rating": "Gross misconduct", "staff_sanctions": ["dismissal"]},
    {"code": SERIOUS, "label": "Serious",
     "meaning": "Offensive material of the following nature: sexually orientated; bad and "
                "offensive language; politically aggravating; ageism; showing violence or nudity.",
     "staff_rating": "Serious misconduct / misconduct",
     "staff_sanctions": ["final_written_warning", "written_warning"]},
    {"code": MILD, "label": "Mild and non-offensive",
     "meaning": "Jokes/short stories with minor references to material of a sexist nature or in "
                "bad taste; jokes/stories of a non-offensive nature; light-hearted material; cute "
                "animal pictures.",
     "staff_rating": "Misconduct",
     "staff_sanctions": ["written_warning", "verbal_warning", "informal_process"]},
]
RATING_BY_CODE = {r["code"]: r for r in RATINGS}
RATING_CHOICES = [(r["code"], r["label"]) for r in RATINGS]
# 004 App. I: each rating is weighed on time, volume and capacity.
DIMENSIONS = [
    ("time", "Time", "personal use could be considered tantamount to fraud"),
    ("volume", "Volume", "the numbers being received and/or sent on"),
    ("capacity", "Capacity", "material that takes up a lot of capacity on the email account"),
]
# 004 Appendix II: weighed before deciding a sanction.
FACTORS = [
    ("seniority", "Seniority", "Has the manager failed to set an example to the team?"),
    ("realisation", "Realisation of misconduct",
     "Has the person understood the implications of the breach?"),
    ("behaviour_change", "Behaviour change", "Are they likely to repeat it, or to change?"),
    ("coercion", "Coercion", "Did they feel pressure to join in, from peers or a manager?"),
    ("instigator", "Instigator", "Are they at the heart of it, encouraging or distributing?"),
    ("recipients", "Recipients", "Who received the material?"),
    ("policies_breached", "Policies breached", "Which policies were breached?"),
    ("environment", "Environment",
     "Was it viewed where pupils, service users or the public might see it?"),
    ("external_contact", "External contact",
     "Was material exchanged with people outside the school, risking its reputation?"),
]

# --- Sanctions ---------------------------------------------------------------------------
STAFF_SANCTIONS = [
    ("dismissal", "Dismissal"),
    ("final_written_warning", "Final written warning"),
    ("written_warning", "Written warning"),
    ("verbal_warning", "Verbal warning"),
    ("informal_process", "Informal process"),
    ("none", "No sanction"),
]
INTERNET_SUSPENSION = "internet_suspension"
LETTER_TO_PARENTS = "letter_to_parents"
PUPIL_SANCTIONS = [
    # 002: "suspending the child or young person's use for a particular lesson or activity"
    (INTERNET_SUSPENSION, "Internet use suspended for a lesson or period"),
    # 002: "not being allowed to access the internet for a period of time"; 004 §3.3
    ("further_restrictions", "Further restrictions (no school ICT equipment for a period)"),
    # 002: "A letter may be sent to parents/carers outlining the breach"
    (LETTER_TO_PARENTS, "Letter to parents/carers"),
    # 004 §3.3: "dealt with in accordance with the academy's Anti-bullying Policy"
    ("anti_bullying", "Dealt with under the Anti-bullying Policy"),
    ("none", "No sanction"),
]
SANCTION_LABELS = dict(STAFF_SANCTIONS) | dict(PUPIL_SANCTIONS)
# What the policy offers pupils at each rating (002 and 004 §3.3, from lightest upward).
PUPIL_SANCTIONS_BY_RATING = {
    MILD: [INTERNET_SUSPENSION, LETTER_TO_PARENTS],
    SERIOUS: [INTERNET_SUSPENSION, "further_restrictions", LETTER_TO_PARENTS, "anti_bullying"],
    GROSS: ["further_restrictions", LETTER_TO_PARENTS, "anti_bullying"],
}


# What 004 Appendix I gives staff at each rating (its SANCTION column).
STAFF_SANCTIONS_BY_RATING = {r["code"]: r["staff_sanctions"] for r in RATINGS}
# The one table a sanction is checked against: who -> rating -> the sanctions in range.
SANCTIONS_BY_RATING = {"pupil": PUPIL_SANCTIONS_BY_RATING, "staff": STAFF_SANCTIONS_BY_RATING}
# Deciding that no sanction follows is always open to the decision-maker (App. II factors).
NO_SANCTION = "none"
# Who may record a sanction the rules above refuse, with reasons: "override_sanction" in the
# permission table (directory/permissions.py).


def sanction_range(rating: str, *, for_pupil: bool) -> list[tuple[str, str]]:
    """The sanctions the policy gives for a rating, as (code, label)."""
    codes = SANCTIONS_BY_RATING["pupil" if for_pupil else "staff"].get(rating, [])
    return [(code, SANCTION_LABELS[code]) for code in codes]


def sanction_in_range(kind: str, rating: str, *, for_pupil: bool) -> bool:
    return kind == NO_SANCTION or kind in dict(sanction_range(rating, for_pupil=for_pupil))


# --- Takedown requests (000 §2: "contact the uploader ... or the ISP/website administrator")
TAKEDOWN_TARGETS = [
    ("uploader", "The uploader of the material"),
    ("site", "The website or social network (its report facility)"),
    ("provider", "The internet service provider / website administrator"),
]
TAKEDOWN_OUTCOMES = [
    ("pending", "Waiting for a reply"),
    ("removed", "Material removed"),
    ("refused", "Refused"),
    ("no_reply", "No reply"),
]

DEFAULT_LETTER_TEMPLATE = """Dear {parent_name},

I am writing to let you know about an online safety matter involving {pupil_name} ({pupil_year}).

On {incident_date} {pupil_first_name} did not follow our Acceptable Use Agreement. {summary}

Following the school's Online Safety Policy, we have decided: {sanction}. {sanction_reasons}

We would be grateful if you could talk with {pupil_first_name} about using the internet safely and respectfully. Please contact {designated_person} if you would like to discuss this.

Yours sincerely,

{signed_by}
{school_name}
"""
