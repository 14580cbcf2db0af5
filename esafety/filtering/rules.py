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
}


@cache
def defaults() -> dict:
    return yaml.safe_load(DEFAULTS_FILE.read_text())


def category_defaults(name: str) -> dict:
    info = defaults()["categories"].get(name, {})
    return {"label": info.get("label") or name.replace("_", " ").replace("-", " ").capitalize(),
            "uk_sic": info.get("uk_sic", ""), "statutory": bool(info.get("statutory"))}


def default_action(group: str, name: str, uk_sic: str) -> str | None:
    """block | working_time | None (allowed) for a category in a group, from defaults.yaml."""
    rules = defaults()["groups"].get(group, {}).get("rules", {})
    if name in rules:
        return rules[name]
    if uk_sic == "circumvention" and "circumvention" in rules:
        return rules["circumvention"]
    if uk_sic and uk_sic != "circumvention" and "all_uk_sic" in rules:
        return rules["all_uk_sic"]
    return None


def clause_for(rule: str, working_time: bool = False) -> tuple[str, str]:
    if rule == "group-policy" and working_time:
        return CLAUSES["working-time"]
    return CLAUSES.get(rule, ("Blocked", "Blocked by the school\u2019s filtering policy."))


__all__ = ["CLAUSES", "GROUP_LABELS", "SAMPLE_LISTS", "UK_SIC_LABELS", "category_defaults",
           "clause_for", "default_action", "defaults"]
