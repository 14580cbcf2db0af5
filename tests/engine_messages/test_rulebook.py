"""The rulebook as data: every required rule, its clauses, and validation of a school's copy."""

import os

import pytest
import yaml

from esafety.engine.messages.rulebook import (
    BUILTIN_PATH,
    RulebookError,
    builtin_rulebook,
    load_rulebook,
    parse_rulebook,
)

REQUIRED = [
    "recipients.parents-visible", "recipients.reply-all", "recipients.same-name",
    "recipients.contact-list", "recipients.pupil-unapproved", "attachments.bulk-capacity",
    "attachments.risky-type", "attachments.unknown-sender", "tone.shouting",
    "privacy.personal-contact-details", "privacy.sensitive-data", "accounts.personal-address",
    "content.chain-letter", "content.profanity", "content.abuse", "content.discrimination",
    "content.sexual", "content.violence", "content.self-harm", "content.extremism",
]


def test_the_built_in_rulebook_has_every_required_rule_with_clauses():
    rulebook = builtin_rulebook()
    ids = [r.id for r in rulebook.rules]
    assert set(REQUIRED) <= set(ids)
    for rule in rulebook.rules:
        assert rule.clauses and all(c.seed in {"000", "001", "002", "003", "004"}
                                    for c in rule.clauses)
        assert rule.title and rule.advice


def test_bcc_rule_cites_000_section_8_and_003_appendix_1():
    rule = builtin_rulebook().get("recipients.parents-visible")
    assert [str(c).split(" ")[:2] for c in rule.clauses] == [["000", "§8"], ["003", "Appendix"]]


def test_pupil_rule_applies_to_pupils_only_and_cites_004_3_2_3():
    rule = builtin_rulebook().get("recipients.pupil-unapproved")
    assert rule.applies_to == frozenset({"pupils"})
    assert str(rule.clauses[0]).startswith("004 §3.2.3")


def _data():
    return yaml.safe_load(BUILTIN_PATH.read_text())


@pytest.mark.parametrize("change,message", [
    (lambda d: d["rules"][0].update(action="shout"), "action"),
    (lambda d: d["rules"][0].update(applies_to=["everyone"]), "applies_to"),
    (lambda d: d["rules"][0].update(id="recipients.made-up"), "unknown rule id"),
    (lambda d: d["rules"].append(dict(d["rules"][0])), "duplicate"),
    (lambda d: d["rules"][0].update(clauses=[{"seed": "999", "section": "x"}]), "seed"),
    (lambda d: d["rules"][0].update(advice=""), "advice"),
])
def test_an_invalid_rulebook_is_refused_with_the_rule_named(change, message):
    data = _data()
    change(data)
    with pytest.raises(RulebookError, match=message):
        parse_rulebook(data)


def test_a_school_can_soften_an_action_in_its_own_copy(tmp_path, monkeypatch):
    data = _data()
    for rule in data["rules"]:
        if rule["id"] == "tone.shouting":
            rule["action"] = "warn"
    (tmp_path / "rulebook.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("ESAFETY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ESAFETY_RULEBOOK", raising=False)
    assert load_rulebook().get("tone.shouting").action == "warn"


def test_a_missing_rulebook_file_is_a_clear_error(tmp_path):
    with pytest.raises(RulebookError, match="cannot read the rulebook"):
        load_rulebook(tmp_path / "nope.yaml")


def test_the_checks_use_the_schools_own_copy_and_see_it_change(tmp_path, monkeypatch):
    from esafety.engine.messages import rulebook
    from esafety.engine.messages.checker import check_message

    monkeypatch.setattr(rulebook, "RECHECK_SECONDS", 0.0)  # (not once a second: at once)

    shouting = (b"From: t@school.example\r\nTo: p@elsewhere.example\r\nSubject: trip\r\n\r\n"
                b"PLEASE BRING YOUR PACKED LUNCH AND COAT ON FRIDAY MORNING\r\n")

    def action():
        verdict = check_message(shouting, sender_role="teacher")
        return [f.action for f in verdict.findings if f.rule.id == "tone.shouting"]

    assert action() == ["advise"]
    data = _data()
    [rule] = [r for r in data["rules"] if r["id"] == "tone.shouting"]
    rule["action"] = "warn"
    copy = tmp_path / "rulebook.yaml"
    copy.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("ESAFETY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ESAFETY_RULEBOOK", raising=False)
    assert action() == ["warn"]
    # Changed again: read again (the file's time moves on).
    rule["action"] = "hold"
    copy.write_text(yaml.safe_dump(data))
    os.utime(copy, ns=(copy.stat().st_mtime_ns + 10**9,) * 2)
    assert action() == ["hold"]
    # A copy that is not valid: the built-in rules, not a failed check.
    copy.write_text("rules: [oops")
    os.utime(copy, ns=(copy.stat().st_mtime_ns + 2 * 10**9,) * 2)
    assert action() == ["advise"]
