"""The concerns inbox's vocabulary: sources, topics, states, what is urgent, and which
filtering categories and checker rules raise a concern. Pure Python (no Django)."""

from __future__ import annotations

import datetime

# Where a concern came from.
MESSAGE_CHECK = "message_check"
SCAN = "scan"
FILTERING_ALERT = "filtering_alert"
SAFEGUARDING_REQUEST = "safeguarding_request"
SEARCH_TERM = "search_term"
REPORT = "report"
MAIL_FLOW = "mail_flow"
SOURCE_LABELS = {
    MESSAGE_CHECK: "Message check",
    SCAN: "Mailbox scan or command-line check",
    FILTERING_ALERT: "Repeated blocked attempts",
    SAFEGUARDING_REQUEST: "Web request in a safeguarding category",
    SEARCH_TERM: "Search term",
    REPORT: "Report",
    MAIL_FLOW: "School mail",
}
SOURCE_CHOICES = list(SOURCE_LABELS.items())

# What it is about. Self-harm, suicide and abuse are urgent: the safeguarding lead and
# those who share the role are emailed at once and the inbox lists them first until someone
# acts (000 §2 "Action you must take if an incident occurs"). The others wait for the
# daily summary.
SELF_HARM = "self_harm"
SUICIDE = "suicide"
ABUSE = "abuse"
EXTREMISM = "extremism"
VIOLENCE = "violence"
MISUSE = "misuse"
BULLYING = "bullying"
OTHER = "other"
TOPIC_LABELS = {
    SELF_HARM: "Self-harm",
    SUICIDE: "Suicide",
    ABUSE: "Abuse",
    EXTREMISM: "Extremism or radicalisation",
    VIOLENCE: "Threats or violence",
    MISUSE: "Misuse of the school's systems",
    BULLYING: "Bullying or abusive messages",
    OTHER: "Something else",
}
TOPIC_CHOICES = list(TOPIC_LABELS.items())
URGENT_TOPICS = frozenset({SELF_HARM, SUICIDE, ABUSE})

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITY_LABELS = {HIGH: "High", MEDIUM: "Medium", LOW: "Low"}
SEVERITY_CHOICES = list(SEVERITY_LABELS.items())

NEW = "new"
SEEN = "seen"
NO_FURTHER_ACTION = "no_further_action"
FALSE_POSITIVE = "false_positive"
ESCALATED = "escalated"
STATE_LABELS = {
    NEW: "New",
    SEEN: "Seen",
    NO_FURTHER_ACTION: "No further action",
    FALSE_POSITIVE: "False positive",
    ESCALATED: "Escalated to an incident",
}
STATE_CHOICES = list(STATE_LABELS.items())
OPEN_STATES = frozenset({NEW, SEEN})
CLOSING_STATES = frozenset({NO_FURTHER_ACTION, FALSE_POSITIVE})

# The same rule, person and excerpt again within this time of the last one adds to that
# concern's count (a pupil retrying a blocked site forty times is one concern).
REPEAT_WINDOW = datetime.timedelta(hours=1)

# Checker rules (engine/messages/rulebook.yaml) whose findings are concerns, and their topic.
CHECKER_RULE_TOPICS = {
    "content.self-harm": SELF_HARM,
    # a child telling of harm done to them (abuse, neglect, threats, grooming, sexual
    # exploitation): abuse, urgent
    "content.disclosure": ABUSE,
    "content.extremism": EXTREMISM,
    "content.violence": VIOLENCE,
}

# Filtering categories that are safeguarding signals whatever the group's rule: by their
# UK Safer Internet Centre heading, or by the category's own name (a school's own lists,
# or list providers that carry them).
SAFEGUARDING_HEADINGS = {"self_harm": SELF_HARM, "extremism": EXTREMISM}
SAFEGUARDING_NAMES = {
    "suicide": SUICIDE, "self_harm": SELF_HARM, "self-harm": SELF_HARM, "selfharm": SELF_HARM,
    "sect": EXTREMISM, "extremism": EXTREMISM, "radicalisation": EXTREMISM,
}
SAFEGUARDING_REQUEST_CLAUSES = [
    "DfE Keeping Children Safe in Education: filtering and monitoring, the designated "
    "safeguarding lead takes lead responsibility",
    "000 §2: Action you must take if an incident occurs",
]
SAFEGUARDING_REQUEST_ADVICE = (
    "Someone asked for a site in a safeguarding category. Look at who it was and what else "
    "you know about them; talk to them or their form tutor if you are worried, and escalate "
    "to an incident if action is needed.")
REPEATED_ATTEMPTS_CLAUSES = [
    "003 §4.4: prolonged or regular access to such sites is considered as intentional misuse",
]
REPEATED_ATTEMPTS_ADVICE = (
    "Someone kept trying to reach blocked sites. Find out why: it may be a misunderstanding, "
    "misuse (rate it in an incident) or a sign that something is wrong.")
SEARCH_TERM_CLAUSES = [
    "DfE Keeping Children Safe in Education: monitoring that attributes activity to a person, "
    "with date, time and search term",
]

# The kind of incident a concern becomes when escalated (incidents/rules.py's kinds).
INCIDENT_KIND_BY_TOPIC = {
    SELF_HARM: "other",
    SUICIDE: "other",
    ABUSE: "other",
    EXTREMISM: "radicalisation",
    VIOLENCE: "abusive_message",
    MISUSE: "pupil_misuse",
    BULLYING: "cyberbullying",
    OTHER: "other",
}

# A report in the incident log, by its kind (incidents/rules.py): sexting and grooming are
# abuse (urgent); the incident log has already emailed its designated person about it.
TOPIC_BY_INCIDENT_KIND = {
    "sexting": ABUSE,
    "grooming": ABUSE,
    "radicalisation": EXTREMISM,
    "cyberbullying": BULLYING,
    "abusive_message": BULLYING,
    "abusive_calls": BULLYING,
    "malicious_online": BULLYING,
    "pupil_misuse": MISUSE,
    "staff_misuse": MISUSE,
}
REPORT_CLAUSES = [
    "002 Other Incidents: the designated person judges whether the concern has substance",
]

# Search engines' query parameters: a search's words, from the address requested.
SEARCH_PARAMETERS = {"q", "p", "query", "search_query", "text", "wd", "k"}


# In what someone wrote or received, threats and extremism are told at once too: the
# designated person decides about a Prevent referral or danger to someone, not tomorrow's
# summary (003 App. 1; the rulebook's advice says such content is passed to them).
URGENT_IN_MESSAGES = frozenset({EXTREMISM, VIOLENCE})
MESSAGE_SOURCES = frozenset({MESSAGE_CHECK, SCAN, MAIL_FLOW})


def is_urgent(topic: str, source: str = "") -> bool:
    return topic in URGENT_TOPICS or (topic in URGENT_IN_MESSAGES and source in MESSAGE_SOURCES)


def safeguarding_topic(category: str, heading: str = "") -> str | None:
    """The topic a filtering category raises concerns about, or None for an ordinary one."""
    return SAFEGUARDING_HEADINGS.get(heading) or SAFEGUARDING_NAMES.get(category.lower())

# Search terms raise concerns for these topics only (the self-harm and extremism lexicon).
SEARCH_TERM_TOPICS = frozenset({SELF_HARM, EXTREMISM})
