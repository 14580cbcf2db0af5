"""The rulebook as data: load and validate rulebook.yaml (or a school's adjusted copy)."""

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
log = logging.getLogger("esafety.rulebook")

BUILTIN_PATH = HERE / "rulebook.yaml"

AUDIENCES = ("staff", "pupils", "inbound", "bulk")
SEVERITIES = ("low", "medium", "high")
ACTIONS = ("advise", "warn", "hold", "block")  # lightest first
RATINGS = ("mild", "serious", "gross")
SEEDS = ("000", "001", "002", "003", "004")

# Every rule the checker knows how to test. A rulebook may leave rules out (a school that
# does not want one) but may not invent ids the engine cannot check.
KNOWN_RULES = (
    "recipients.parents-visible", "recipients.reply-all", "recipients.same-name",
    "recipients.contact-list", "recipients.pupil-unapproved", "attachments.bulk-capacity",
    "attachments.risky-type", "attachments.unknown-sender", "tone.shouting",
    "privacy.personal-contact-details", "privacy.sensitive-data", "accounts.personal-address",
    "content.chain-letter", "content.profanity", "content.abuse", "content.discrimination",
    "content.sexual", "content.violence", "content.self-harm", "content.extremism",
    "content.disclosure", "message.unreadable",
)


class RulebookError(ValueError):
    """The rulebook file is invalid; the message names the rule and field."""

    code = "invalid-rulebook"


@dataclass(frozen=True)
class Clause:
    seed: str
    section: str

    def __str__(self) -> str:
        return f"{self.seed} {self.section}"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    clauses: tuple[Clause, ...]
    applies_to: frozenset[str]
    severity: str
    action: str
    advice: str
    params: dict = field(default_factory=dict, hash=False, compare=False)
    category: str | None = None
    actions_by_rating: dict = field(default_factory=dict, hash=False, compare=False)

    def action_for(self, rating: str | None) -> str:
        return self.actions_by_rating.get(rating, self.action) if rating else self.action

    def as_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title,
            "clauses": [{"seed": c.seed, "section": c.section} for c in self.clauses],
            "applies_to": [a for a in AUDIENCES if a in self.applies_to],
            "severity": self.severity, "action": self.action,
            "actions_by_rating": dict(self.actions_by_rating), "category": self.category,
            "params": dict(self.params), "advice": self.advice,
        }


@dataclass(frozen=True)
class Rulebook:
    rules: tuple[Rule, ...]
    source: str

    def get(self, rule_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def as_dict(self) -> dict:
        return {"source": self.source, "rules": [r.as_dict() for r in self.rules]}


def _require(cond: object, where: str, message: str) -> None:
    if not cond:
        raise RulebookError(f"{where}: {message}")


def parse_rulebook(data, source: str = "<data>") -> Rulebook:
    _require(isinstance(data, dict), source, "the rulebook must be a mapping with `rules`")
    items = data.get("rules")
    _require(isinstance(items, list) and items, source, "`rules` must be a non-empty list")
    rules, seen = [], set()
    for index, item in enumerate(items):
        where = f"{source}: rules[{index}]"
        _require(isinstance(item, dict), where, "each rule must be a mapping")
        rule_id = item.get("id")
        where = f"{source}: rule {rule_id!r}"
        _require(rule_id in KNOWN_RULES, where, "unknown rule id (the checker cannot test it)")
        _require(rule_id not in seen, where, "duplicate id")
        seen.add(rule_id)
        for key in ("title", "advice"):
            _require(isinstance(item.get(key), str) and item[key].strip(), where,
                     f"`{key}` must be non-empty text")
        clauses = item.get("clauses")
        _require(isinstance(clauses, list) and clauses, where, "`clauses` must be a list")
        parsed_clauses = []
        for clause in clauses:
            _require(isinstance(clause, dict) and str(clause.get("seed")) in SEEDS
                     and str(clause.get("section", "")).strip(), where,
                     f"each clause needs a seed ({', '.join(SEEDS)}) and a section")
            parsed_clauses.append(Clause(str(clause["seed"]), str(clause["section"]).strip()))
        applies = item.get("applies_to")
        _require(isinstance(applies, list) and applies and set(applies) <= set(AUDIENCES),
                 where, f"`applies_to` must list some of {AUDIENCES}")
        _require(item.get("severity") in SEVERITIES, where,
                 f"`severity` must be one of {SEVERITIES}")
        _require(item.get("action") in ACTIONS, where, f"`action` must be one of {ACTIONS}")
        by_rating = item.get("actions_by_rating") or {}
        _require(isinstance(by_rating, dict) and set(by_rating) <= set(RATINGS)
                 and set(by_rating.values()) <= set(ACTIONS), where,
                 "`actions_by_rating` maps mild/serious/gross to an action")
        params = item.get("params") or {}
        _require(isinstance(params, dict), where, "`params` must be a mapping")
        for key, value in params.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                _require(value >= 0, where, f"`params.{key}` must not be negative")
        rules.append(Rule(
            id=rule_id, title=item["title"].strip(), clauses=tuple(parsed_clauses),
            applies_to=frozenset(applies), severity=item["severity"], action=item["action"],
            advice=" ".join(item["advice"].split()), params=params,
            category=item.get("category"), actions_by_rating=by_rating))
    return Rulebook(rules=tuple(rules), source=source)


def rulebook_path() -> Path:
    """The rulebook in force: ESAFETY_RULEBOOK, else <data dir>/rulebook.yaml, else built in."""
    env = os.environ.get("ESAFETY_RULEBOOK")
    if env:
        return Path(env)
    data_dir = Path(os.environ.get("ESAFETY_DATA_DIR") or Path.cwd() / "esafety-data")
    local = data_dir / "rulebook.yaml"
    return local if local.exists() else BUILTIN_PATH


def load_rulebook(path: Path | str | None = None) -> Rulebook:
    path = Path(path) if path else rulebook_path()
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise RulebookError(f"cannot read the rulebook {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise RulebookError(f"{path}: not valid YAML ({exc})") from exc
    return parse_rulebook(data, source=str(path))


_builtin: Rulebook | None = None


def builtin_rulebook() -> Rulebook:
    global _builtin
    if _builtin is None:
        _builtin = load_rulebook(BUILTIN_PATH)
    return _builtin


# How often the school's copy is looked for again (a stat a message costs the check engine
# a few per cent; a change still applies within a second).
RECHECK_SECONDS = 1.0
# ((ESAFETY_RULEBOOK, ESAFETY_DATA_DIR, the copy's path and time), when looked, the rules)
_in_force: tuple[tuple, float, Rulebook] | None = None


def rulebook_in_force() -> Rulebook:
    """The school's own rulebook (rulebook_path(): ESAFETY_RULEBOOK, else <data dir>/
    rulebook.yaml) when it has one, else the built-in one; read again when the file changes.
    Every check uses it unless given another, so the rules a school sets apply in the web
    app, the mail filter and the monitor alike, as the classifier's thresholds always did.
    A copy that cannot be read or is not valid is logged and the built-in rules apply: a
    typing slip must not stop the school's mail."""
    global _in_force
    where = (os.environ.get("ESAFETY_RULEBOOK"), os.environ.get("ESAFETY_DATA_DIR"))
    now = time.monotonic()
    cached = _in_force
    if cached is not None and cached[0][:2] == where and now - cached[1] < RECHECK_SECONDS:
        return cached[2]
    path = rulebook_path()
    if path == BUILTIN_PATH:
        _in_force = (where + (None,), now, builtin_rulebook())
        return _in_force[2]
    try:
        stamp = (str(path), path.stat().st_mtime_ns)
    except OSError as exc:
        log.error("the rulebook %s cannot be read (%s): the built-in rules apply", path,
                  exc.strerror)
        return builtin_rulebook()
    key = where + (stamp,)
    if cached is not None and cached[0] == key:
        rulebook = cached[2]
    else:
        try:
            rulebook = load_rulebook(path)
        except RulebookError as exc:
            log.error("%s: the built-in rules apply", exc)
            rulebook = builtin_rulebook()
    _in_force = (key, now, rulebook)
    return rulebook
