"""The default rules (defaults.yaml) and the clauses the block page quotes. Rules are data."""

from functools import cache
from pathlib import Path

import yaml

from esafety.filtering.models import GROUP_LABELS, UK_SIC_LABELS

DEFAULTS_FILE = Path(__file__).with_name("defaults.yaml")
SAMPLE_LISTS = Path(__file__).with_name("sample_lists")

# Why a request was blocked, in the school's words, with the policy clause behind it.
CLAUSES = {
    "statutory": (
        "Always blocked",
        "Illegal and seriously harmful content is blocked for everyone in school and cannot be "
        "unblocked (UK Safer Internet Centre, \u201cappropriate filtering\u201d)."),
    "suspended": (
        "Internet access suspended",
        "002 \u201cIn the Event of Inappropriate Use\u201d: use of the school\u2019s internet "
        "can be suspended for a lesson or activity."),
    "school-block": (
        "Blocked by the school",
        "The school has added this site to its own block list."),
    "approved-only": (
        "Approved sites only",
        "004 \u00a73.2.2: \u201cIn KS1, pupils access only sites approved by an adult.\u201d"),
    "group-policy": (
        "Not allowed for your group",
        "Our Acceptable Use Policy sets which kinds of site each group may use in school "
        "(004 \u00a73.2.2 for pupils; 000 and 001 \u00a74 for staff)."),
    "working-time": (
        "Personal use outside working time only",
        "Personal use of the school\u2019s internet is allowed only outside working time, e.g. "
        "at lunchtime and after school (000; 001 \u00a74; 004 \u00a72.1.2)."),
    "no-policy": (
        "Filtering is not available",
        "The filter could not load the school\u2019s policy, so it blocks everything until it "
        "can. The IT team has been told."),
    "no-lists": (
        "Filtering lists are not available",
        "The filter could not load its category lists, so pupils are blocked until it can."),
    "unknown-group": (
        "No rules for your group",
        "Your account is not in a filtering group yet."),
    "access-ended": (
        "Your access has ended",
        "003 \u00a75.9: entitlement to access the school\u2019s systems automatically ceases "
        "when you leave, when a guest account expires or when an account is switched off. "
        "If this is wrong, ask the school office or the IT team."),
    "unknown-person": (
        "Your account is not known to the school",
        "002 \u201cTechnical\u201d: all users have clearly defined access rights. The name "
        "you signed in to the network with is not one the school has on record, so the "
        "filter cannot tell which rules apply. Ask the IT team."),
}


# The same reasons in plain words for pupils: no policy codes on a pupil's page.
PUPIL_WORDS = {
    "statutory": ("Blocked for everyone",
                  "This kind of site is blocked for everyone in school, to keep everyone safe."),
    "suspended": ("Your internet is stopped for now",
                  "Your use of the internet in school has been stopped for a while. Ask your "
                  "teacher about it."),
    "school-block": ("Blocked by the school", "The school has blocked this site."),
    "approved-only": ("Only sites a grown-up has chosen",
                      "In your class you can only use sites a grown-up has chosen for you."),
    "group-policy": ("Not for your year group",
                     "This kind of site is not allowed for your year group in school."),
    "working-time": ("Not in lesson time",
                     "This kind of site is not allowed in lesson time. You may be able to use "
                     "it at lunchtime or after school."),
    "no-policy": ("The filter is not working properly",
                  "The filter is blocking everything until it is fixed. The IT team knows."),
    "no-lists": ("The filter is not working properly",
                 "The filter is blocking everything until it is fixed. The IT team knows."),
    "unknown-group": ("Your account is not ready",
                      "Your account is not set up for the internet yet. Tell your teacher."),
    "access-ended": ("You cannot use the school internet now",
                     "Your account for the school internet has stopped. If you think this "
                     "is a mistake, tell your teacher or the school office."),
    "unknown-person": ("Your account is not ready",
                       "The school does not know the name you signed in with. Tell your "
                       "teacher."),
}


@cache
def defaults() -> dict:
    return yaml.safe_load(DEFAULTS_FILE.read_text())


def _humanised(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").capitalize()


def default_label(name: str | None) -> str:
    """A category's plain-English name from the label table (aliases followed), whatever the
    school calls it: ``drogue`` -> "Drugs", ``porn`` -> "Pornography"."""
    if not name:
        return ""
    table = defaults()["categories"]
    name = defaults().get("aliases", {}).get(name, name)
    return (table.get(name) or {}).get("label") or _humanised(name)


def category_label(name: str | None, school_labels: dict | None = None) -> str:
    """The label a page, email or CSV shows: the school's own label for the category if it
    has one, else the label table's."""
    if not name:
        return ""
    if school_labels and name in school_labels:
        return school_labels[name]
    return default_label(name)


def school_labels(school) -> dict[str, str]:
    """{category name: label} for one school (its own labels, as set on the policy page)."""
    from esafety.filtering.models import Category

    return dict(Category.objects.filter(school=school).values_list("name", "label"))


def category_defaults(name: str) -> dict:
    info = defaults()["categories"].get(name, {})
    return {"label": default_label(name),
            "uk_sic": info.get("uk_sic", ""), "statutory": bool(info.get("statutory"))}


# Staff and personal social networks: a school setting, because the seeds disagree.
STAFF_SOCIAL_NETWORKS = "social_networks"


def staff_social_choices() -> list[tuple[str, str, str]]:
    """[(action, label, clause)] for the staff social networks setting."""
    spec = defaults()["staff_social_networks"]["choices"]
    return [(action, c["label"], c["clause"]) for action, c in spec.items()]


def staff_social_default() -> str:
    return defaults()["staff_social_networks"]["default"]


def default_action(group: str, name: str, uk_sic: str,
                   staff_social_networks: str | None = None) -> str | None:
    """block | working_time | None (allowed) for a category in a group, from defaults.yaml
    (and, for staff and social networks, the school's choice)."""
    rules = defaults()["groups"].get(group, {}).get("rules", {})
    if group == "staff" and name == STAFF_SOCIAL_NETWORKS:
        return staff_social_networks or staff_social_default()
    if name in rules:
        return rules[name]
    if uk_sic == "circumvention" and "circumvention" in rules:
        return rules["circumvention"]
    if uk_sic and uk_sic != "circumvention" and "all_uk_sic" in rules:
        return rules["all_uk_sic"]
    return None


# What a rule of the decision is called on the screens ("group-policy" is an internal name).
RULE_LABELS = {
    "statutory": "Always blocked", "suspended": "Internet access suspended",
    "school-block": "The school's block list", "school-allow": "The school's allow list",
    "unblock": "An approved unblock", "approved-only": "Approved sites only",
    "group-policy": "The group's rules", "allowed": "Nothing blocks it",
    "no-policy": "No policy published", "no-lists": "No lists available",
    "unknown-group": "No rules for the group", "no-url": "No address",
    "access-ended": "Access ended (left, expired or switched off)",
    "unknown-person": "A name the school does not know",
}


def rule_label(rule: str | None) -> str:
    if not rule:
        return ""
    return RULE_LABELS.get(rule, rule.replace("-", " ").capitalize())


def clause_for(rule: str, working_time: bool = False,
               pupil: bool = False) -> tuple[str, str]:
    """(heading, clause) for a block; for a pupil, the same in plain words, without codes."""
    table = PUPIL_WORDS if pupil else CLAUSES
    if rule == "group-policy" and working_time:
        return table["working-time"]
    return table.get(rule, ("Blocked", "Blocked by the school\u2019s filtering policy."))


__all__ = ["CLAUSES", "GROUP_LABELS", "PUPIL_WORDS", "RULE_LABELS", "SAMPLE_LISTS", "UK_SIC_LABELS",
           "category_defaults", "category_label", "clause_for", "default_action",
           "default_label", "defaults", "rule_label",
           "school_labels", "staff_social_choices", "staff_social_default"]
