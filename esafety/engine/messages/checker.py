"""Check one message against the rulebook: findings, each with the excerpt that triggered it.

    verdict = check_message(raw_bytes, directory=..., sender_role=...)
    verdict.as_dict() -> {"verdict": ..., "rating": ..., "findings": [...]}

Pure Python: the directory view and the rulebook are passed in (or empty / built in).
Each rule id has one detector here; what a rule means for the school (title, clauses,
audience, action, advice, thresholds) lives in rulebook.yaml.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from esafety.directory import roles
from esafety.engine.messages.classifier import (
    _RATING_ORDER,
    CATEGORIES,
    Classification,
    Classifier,
    default_classifier,
    uncaptured,
)
from esafety.engine.messages.directory import EMPTY, STAFF_LIKE, Directory, name_key
from esafety.engine.messages.message import (
    ParsedMessage,
    bulk_reason,
    message_from_text,
    parse_message,
    shorten,
)
from esafety.engine.messages.normalise import fold
from esafety.engine.messages.rulebook import ACTIONS, Rule, Rulebook, rulebook_in_force

VERDICTS = ("allow", *ACTIONS)
MAX_CLASSIFIED = 30_000
_VERDICT_ORDER = {v: i for i, v in enumerate(VERDICTS)}
MB = 1024 * 1024

CONTENT_CATEGORY = {
    "content.profanity": "profanity", "content.abuse": "abuse",
    "content.discrimination": "discrimination", "content.sexual": "sexual",
    "content.violence": "violence", "content.self-harm": "self_harm",
    "content.extremism": "extremism", "content.disclosure": "disclosure",
}
assert set(CONTENT_CATEGORY.values()) == set(CATEGORIES)

# Addresses at these domains belong to a person, not an organisation (the accounts rule's
# params may extend the list).
CONSUMER_DOMAINS = frozenset("""gmail.com googlemail.com hotmail.com hotmail.co.uk outlook.com
live.com live.co.uk msn.com yahoo.com yahoo.co.uk ymail.com icloud.com me.com mac.com aol.com
aol.co.uk btinternet.com sky.com virginmedia.com talktalk.net protonmail.com proton.me gmx.com
gmx.co.uk mail.com zoho.com tiscali.co.uk ntlworld.com""".split())


@dataclass
class Evidence:
    part: str  # subject | body | attachment name | header
    excerpt: str


@dataclass
class Finding:
    rule: Rule
    evidence: list[Evidence]
    rating: str | None = None

    @property
    def action(self) -> str:
        return self.rule.action_for(self.rating)

    def as_dict(self) -> dict:
        return {
            "rule": self.rule.id, "title": self.rule.title, "severity": self.rule.severity,
            "action": self.action, "clauses": [str(c) for c in self.rule.clauses],
            "evidence": [{"part": e.part, "excerpt": e.excerpt} for e in self.evidence],
            "advice": self.rule.advice,
        }


@dataclass
class Verdict:
    verdict: str
    rating: str | None
    findings: list[Finding] = field(default_factory=list)
    audience: str = "inbound"
    read_as: str = ""

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "rating": self.rating,
                "findings": [f.as_dict() for f in self.findings]}


# A line break and a quoted line after it ([^\S\n]: the white space str.lstrip() strips).
_QUOTED_LINE = re.compile(r"\n[^\S\n]*>[^\n]*")


@dataclass
class Context:
    msg: ParsedMessage
    directory: Directory
    audience: str
    sender_role: str | None
    classifier: Classifier
    _content: dict | None = None
    _own_text: str | None = None

    @property
    def own_text(self) -> str:
        """The body without quoted lines (">" replies): what this sender wrote."""
        if self._own_text is None:
            body = self.msg.body
            if ">" in body:
                # The lines whose first character after white space is ">" taken out, each
                # with the line break before it (a line break put before the first line,
                # then taken off): what joining the other lines of body.split("\n") gives,
                # with the regex finding the line breaks in C instead of a Python step a line.
                body = _QUOTED_LINE.sub("", "\n" + body)[1:]
            self._own_text = body
        return self._own_text

    def is_external(self, address: str) -> bool:
        return not self.directory.is_internal(address)

    @property
    def draft_recipients(self) -> str | None:
        """For a draft without headers, who it goes to (the writer's answer, "outside" when
        they gave none: a message with no named recipients may leave the school); None
        when the message names its recipients."""
        if self.msg.draft_audience is None or self.msg.recipients:
            return None
        return self.msg.draft_audience or "outside"

    def external_recipients(self) -> list[str]:
        """Recipients outside the school, as addresses or (for a draft) in words."""
        draft = self.draft_recipients
        if draft is not None:
            return [draft_label(self.msg.draft_audience)] if draft in ("parents", "outside") \
                else []
        # Parents are in the directory but outside the school.
        return [a for _, a in self.msg.recipients
                if self.is_external(a) or self.role_of(a) == roles.PARENT]

    def pupil_or_parent_recipients(self) -> list[str]:
        """Recipients who are pupils or parents (or may be: a personal mail account), as
        addresses or (for a draft) in words."""
        draft = self.draft_recipients
        if draft is not None:
            return [draft_label(self.msg.draft_audience)] if draft != "staff" else []
        out = []
        for _, address in self.msg.recipients:
            role = self.role_of(address)
            if role in (roles.PUPIL, roles.PARENT) or (
                    role is None and address.rpartition("@")[2] in CONSUMER_DOMAINS):
                out.append(address)
        return out

    def role_of(self, address: str) -> str | None:
        member = self.directory.member(address)
        return member.role if member else None


# ---------------------------------------------------------------- helpers

_DRAFT_LABELS = {"parents": "parents or carers, as you said",
                 "pupils": "pupils, as you said",
                 "staff": "staff in the school, as you said",
                 "outside": "someone outside the school, as you said",
                 "": "someone outside the school, assumed as nobody said who"}


def draft_label(audience: str | None) -> str:
    """Who a draft without headers goes to, in words."""
    return _DRAFT_LABELS.get(audience or "", _DRAFT_LABELS[""])


def excerpt(text: str, start: int, end: int, width: int = 50) -> str:
    """The words around text[start:end], up to `width` characters either side, never
    across a paragraph break (a blank line): the quote stays in the paragraph that holds
    the match, not in the sentence of someone else's reply or signature next to it."""
    lo, hi = max(0, start - width), min(len(text), end + width)
    before = max(text.rfind("\n\n", lo, start), text.rfind("\r\n\r\n", lo, start))
    if before >= 0:
        lo = before + 2
    after = [i for i in (text.find("\n\n", end, hi), text.find("\r\n\r\n", end, hi)) if i >= 0]
    if after:
        hi = min(after)
    snippet = " ".join(text[lo:hi].split())
    return ("…" if lo else "") + snippet[:200] + ("…" if hi < len(text) else "")


def _term_pattern(term: str, bounded: bool = True) -> re.Pattern:
    # Letters may be separated, repeated or replaced by look-alikes in the original text.
    leet = {"a": "a4@", "e": "e3", "i": "i1!|", "o": "o0", "s": "s5$", "t": "t7+", "b": "b8",
            "g": "g9", "l": "l1"}
    words = []
    for word in term.split():
        letters = [f"[{re.escape(leet.get(ch, ch))}*]+" for ch in word if ch.isalnum()]
        words.append(r"[\W_]{0,2}".join(letters))
    body = r"\W+".join(w for w in words if w)
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])" if bounded else body, re.I)


def locate(text: str, term: str) -> str:
    """An excerpt of `text` around where `term` (in normalised form) appears."""
    folded = fold(text)
    # Quote the original words when folding kept positions; otherwise the folded text.
    shown = text if len(folded) == len(text) else folded
    try:
        match = _spelled(_term_pattern(term), folded, term) or \
            _spelled(_term_pattern(term, False), folded, term)
    except re.error:
        match = None
    if match:
        return excerpt(shown, match.start(), match.end())
    return f"…{term}…"


def _spelled(pattern: re.Pattern, text: str, term: str) -> re.Match | None:
    """The first match of `pattern` that spells at least half of `term`'s letters: a masked
    "f*ck" does, a row of asterisks (which every letter's mask allows) does not."""
    needed = sum(ch.isalnum() for ch in term) / 2
    for match in pattern.finditer(text):
        if sum(ch.isalnum() for ch in match.group(0)) >= needed:
            return match
    return None


def _addr_list(pairs) -> str:
    return ", ".join(f"{n} <{a}>" if n else a for n, a in pairs)


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB"


# ---------------------------------------------------------------- detectors

def _parents_visible(rule: Rule, ctx: Context) -> list[Evidence]:
    parents = []
    for name, address in ctx.msg.visible_recipients:
        role = ctx.role_of(address)
        if role == roles.PARENT or (
                role is None and address.rpartition("@")[2] in CONSUMER_DOMAINS):
            parents.append((name, address))
    if len(parents) < int(rule.params.get("min_parents", 2)):
        return []
    return [Evidence("header", shorten(
        f"{len(parents)} parent or carer addresses in To/Cc: {_addr_list(parents)}"))]


def _reply_all(rule: Rule, ctx: Context) -> list[Evidence]:
    if not ctx.msg.is_reply:
        return []
    visible = [(n, a) for n, a in ctx.msg.visible_recipients if a != ctx.msg.sender_address]
    many = int(rule.params.get("many_recipients", 10))
    if len(visible) >= many:
        return [Evidence("header", f"reply to {len(visible)} recipients: "
                         + shorten(_addr_list(visible), 160))]
    if ctx.directory.domains:
        internal = [a for _, a in visible if not ctx.is_external(a)]
        external = [a for _, a in visible if ctx.is_external(a)]
        if len(internal) >= 2 and external:
            return [Evidence("header", shorten(
                f"reply to {len(internal)} people in school and {len(external)} outside: "
                + ", ".join(external)))]
    return []


def _same_name(rule: Rule, ctx: Context) -> list[Evidence]:
    out = []
    for display, address in ctx.msg.recipients:
        member = ctx.directory.member(address)
        name = display or (member.name if member else "")
        if not name_key(name):
            continue
        namesakes = ctx.directory.people_named(name)
        if member and member.name and name_key(member.name) != name_key(name):
            namesakes = namesakes or ctx.directory.people_named(member.name)
        if len(namesakes) > 1:
            out.append(Evidence("header", f"{name} <{address}>: {len(namesakes)} people in the "
                                          f"directory are called {name}"))
    return out


# The local part is at most 64 characters (RFC 5321 §4.5.3.1): unbounded, a search tried
# a long run of letters or digits from each of its characters (200,000 digits: minutes).
_ADDRESS = re.compile(r"(?<![\w.+'-])[\w.+'-]{1,64}@[\w-]+(?:\.[\w-]+)+")


def _contact_list(rule: Rule, ctx: Context) -> list[Evidence]:
    external = ctx.external_recipients()
    if not external:
        return []
    minimum = int(rule.params.get("min_addresses", 15))
    known = {a for _, a in ctx.msg.recipients} | {ctx.msg.sender_address}
    out = []
    sources = [("body", ctx.msg.body)] + [("attachment name", a.name + ": " + a.text)
                                         for a in ctx.msg.attachments if a.text]
    for part, text in sources:
        if text.count("@") < minimum:
            continue
        found = {m.lower() for m in _ADDRESS.findall(text)} - known
        if len(found) >= minimum:
            sample = ", ".join(sorted(found)[:3])
            where = "" if part == "body" else f" in {text.split(':', 1)[0]}"
            out.append(Evidence(part, f"{len(found)} email addresses{where} (e.g. {sample}) "
                                      f"sent to {', '.join(external[:3])}"))
    return out


def _pupil_unapproved(rule: Rule, ctx: Context) -> list[Evidence]:
    approved = ctx.directory.approved_for(ctx.msg.sender_address)
    school_ok = bool(rule.params.get("school_addresses_allowed", True))
    out = []
    for name, address in ctx.msg.recipients:
        domain = address.rpartition("@")[2]
        if address in approved or domain in approved:
            continue
        if school_ok and ctx.directory.is_school_address(address):
            continue
        out.append(Evidence("header", f"{_addr_list([(name, address)])} is not on your list of "
                                      "approved recipients"))
    return out


def _bulk_capacity(rule: Rule, ctx: Context) -> list[Evidence]:
    attachments = [a for a in ctx.msg.attachments if a.size]
    if not attachments:
        return []
    size = sum(a.size for a in attachments)
    count = len(ctx.msg.recipients)
    total = size * count
    if count < int(rule.params.get("min_recipients", 2)) or \
            total < float(rule.params.get("total_mb", 100)) * MB:
        return []
    names = ", ".join(a.name for a in attachments[:3])
    return [Evidence("attachment name", f"{names}: {_size(size)} × {count} recipients = "
                                        f"{total / MB:.0f} MB of mailbox space")]


_RISKY_TYPES = frozenset({"application/x-msdownload", "application/x-dosexec",
                          "application/x-msdos-program", "application/x-ms-installer",
                          "application/hta", "application/x-sh", "application/x-bat",
                          "application/vnd.ms-excel.sheet.macroenabled.12",
                          "application/vnd.ms-word.document.macroenabled.12"})


def _extension(name: str) -> str:
    return name.lower().rsplit(".", 1)[-1] if "." in name else ""


def _risky_type(rule: Rule, ctx: Context) -> list[Evidence]:
    if not ctx.msg.attachments:
        return []  # (most mail: no need to build the sets below)
    risky = {e.lower() for e in rule.params.get("extensions", [])}
    archives = {e.lower() for e in rule.params.get("archives", [])}
    out = []
    for attachment in ctx.msg.attachments:
        ext = _extension(attachment.name)
        if ext in risky:
            kind = "macro-enabled document" if ext.endswith("m") and ext[:3] in (
                "doc", "xls", "ppt", "pot", "dot", "xlt", "sld") else "file that can run code"
            out.append(Evidence("attachment name", f"{attachment.name} ({kind})"))
        elif attachment.content_type in _RISKY_TYPES:
            out.append(Evidence("attachment name",
                                f"{attachment.name} (type {attachment.content_type})"))
        elif ext in archives or attachment.inner_names:
            inside = [n for n in attachment.inner_names if _extension(n) in risky]
            if inside:
                out.append(Evidence("attachment name", f"{attachment.name} contains "
                                                       f"{', '.join(inside[:3])}"))
    return out


def _unknown_sender(rule: Rule, ctx: Context) -> list[Evidence]:
    sender = ctx.msg.sender_address
    files = [a for a in ctx.msg.attachments if not a.name.startswith("(unnamed")]
    if not files or (sender and ctx.directory.knows_correspondent(sender)):
        return []
    who = sender or "an unnamed sender"
    return [Evidence("attachment name", f"{', '.join(a.name for a in files[:3])} from {who}")]


@lru_cache(maxsize=8)
def _shouting_pattern(words: int) -> re.Pattern:
    # `words` capitalised words in a row, allowing light punctuation between them.
    return re.compile(r"(?<![\w])(?:[A-Z][A-Z'’&\-]*[!?.,:;]*[ \t]+){" + str(words - 1)
                      + r",}[A-Z][A-Z'’\-]*\b")


def _shouting(rule: Rule, ctx: Context) -> list[Evidence]:
    words = max(int(rule.params.get("min_words", 5)), 2)
    letters = int(rule.params.get("min_letters", 24))
    pattern = _shouting_pattern(words)
    out = []
    for part, text in (("subject", ctx.msg.subject), ("body", ctx.own_text)):
        for match in pattern.finditer(text):
            if sum(c.isalpha() for c in match.group(0)) >= letters:
                out.append(Evidence(part, shorten(match.group(0), 160)))
                break
    return out


_MOBILE = re.compile(r"(?<!\d)(?:\+44\s?\(?0?\)?\s?7|\(?07)\d{2,3}\)?[\s.-]?\d{3}[\s.-]?\d{3,4}(?!\d)")
_FIRST_PERSON = re.compile(
    r"\b(my|me|i'?m|i am|mine|text me|call me|ring me|whatsapp me|reach me|mob|mobile|"
    r"personal|home|cell)\b", re.I)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_HOME_CUE = re.compile(r"\b(my (home )?address|i live at|my house|come (round|over) to (mine|my)|"
                       r"home address|pop round|my flat)\b", re.I)


def _personal_contact(rule: Rule, ctx: Context) -> list[Evidence]:
    audience = ctx.pupil_or_parent_recipients()
    if not audience:
        return []
    text = ctx.own_text
    out = []
    for match in _MOBILE.finditer(text):
        before = text[max(0, match.start() - 60): match.start()]
        if _FIRST_PERSON.search(before):
            out.append(Evidence("body", excerpt(text, match.start(), match.end(), 40)))
            break
    own = {a for _, a in ctx.msg.recipients}
    for match in _ADDRESS.finditer(text) if "@" in text else ():
        address = match.group(0).lower()
        if address.rpartition("@")[2] in CONSUMER_DOMAINS and address not in own:
            before = text[max(0, match.start() - 60): match.start()]
            if _FIRST_PERSON.search(before):
                out.append(Evidence("body", excerpt(text, match.start(), match.end(), 40)))
                break
    cue = _HOME_CUE.search(text)
    if cue:
        postcode = _POSTCODE.search(text, max(0, cue.start() - 20), cue.end() + 200)
        if postcode or re.search(r"\d+\s+\w+\s+(road|street|lane|avenue|close|drive|way)\b",
                                 text[cue.end(): cue.end() + 120], re.I):
            out.append(Evidence("body", excerpt(text, cue.start(), cue.end(), 60)))
    if out:
        out[0].excerpt += f" (to {', '.join(audience[:3])})"
    return out


_UPN = re.compile(r"\b[A-HJ-NP-Z]\d{11}[0-9A-HJ-NP-Z]\b")
_DOB = re.compile(r"\b(dob|d\.o\.b\.?|date of birth|born on|birth ?date)\b\W{0,3}"
                  r"\d{1,2}(?:st|nd|rd|th)?[/.\- ](?:\d{1,2}|[A-Za-z]{3,9})[/.\- ]\d{2,4}")
_SENSITIVE_STRONG = re.compile(
    r"\b(ehcp|ehc plan|education,? health and care plan|child protection (plan|conference|case|"
    r"concern|referral|register)|cp plan|safeguarding (concern|referral|disclosure|record|file|"
    r"report)|section 47|s47 enquir\w+|mash referral|looked[- ]after child|social worker|camhs|"
    r"diagnosed with|diagnosis of|disclosed (abuse|that)|domestic (abuse|violence) (at home|"
    r"incident)|on the sen(d)? register|sen(d)? register|pupil premium list|fsm list|"
    r"medical (records?|history|conditions? of))\b")
_SENSITIVE_WEAK = re.compile(
    r"\b(adhd|autism|autistic|asd|dyslexia|dyspraxia|epilepsy|epileptic|diabetes|diabetic|asthma|"
    r"anxiety disorder|depression|eating disorder|self[- ]harm\w*|medication|inhaler|epipen|"
    r"allerg\w+|sen support|send|iep|free school meals|fsm|pupil premium|young carer|"
    r"exclusion|excluded|attendance concerns?)\b")


def _sensitive_data(rule: Rule, ctx: Context) -> list[Evidence]:
    external = ctx.external_recipients()
    if not external:
        return []
    out = []
    parts = [("subject", ctx.msg.subject), ("body", ctx.own_text)] + [
        ("attachment name", a.name) for a in ctx.msg.attachments]
    for part, text in parts:
        # The patterns are lower case: fold the text once instead of matching with re.I.
        lower = text.lower()
        for pattern, label, source in ((_UPN, "a unique pupil number", text),
                                       (_DOB, "a date of birth", lower),
                                       (_SENSITIVE_STRONG, "special-category or safeguarding "
                                        "data", lower)):
            match = pattern.search(source)
            if match:
                out.append(Evidence(part, excerpt(text, match.start(), match.end(), 40)
                                    + f" ({label})"))
                break
        else:
            weak = list(_SENSITIVE_WEAK.finditer(lower))
            if len({m.group(0) for m in weak}) >= 2:
                m = weak[0]
                out.append(Evidence(part, excerpt(text, m.start(), weak[1].end(), 30)
                                    + " (health or special needs details)"))
    if out:
        out[0].excerpt += f" — sent to {', '.join(external[:3])}"
    return out


def _name_in_address(name: str, address: str) -> bool:
    words = [w for w in name_key(name).split() if len(w) >= 2]
    local = re.sub(r"[^a-z]", "", address.partition("@")[0].lower())
    if len(words) < 2 or not local:
        return False
    first, last = words[0], words[-1]
    return (first in local and last in local) or local.startswith(first[0] + last) \
        or local.startswith(last + first[0])


@lru_cache(maxsize=32)
def _personal_domains(extra: tuple[str, ...]) -> frozenset[str]:
    # Built once per rulebook setting rather than for every message.
    return CONSUMER_DOMAINS | {d.lower() for d in extra}


def _personal_address(rule: Rule, ctx: Context) -> list[Evidence]:
    personal = _personal_domains(tuple(rule.params.get("personal_domains", [])))
    sender_name, sender = ctx.msg.sender or ("", "")
    sender_domain = sender.rpartition("@")[2]
    out = []
    if ctx.audience == "staff":
        member = ctx.directory.member(sender)
        own_name = (member.name if member else "") or sender_name
        if sender_domain in personal:
            out.append(Evidence("header", f"sent from a personal account: {sender}"))
        for name, address in ctx.msg.recipients:
            if address.rpartition("@")[2] not in personal or address == sender:
                continue
            same = (name and name_key(name) == name_key(own_name)) or \
                _name_in_address(own_name, address)
            if same:
                what = "school mail forwarded to" if ctx.msg.is_forward else \
                    "school mail sent to"
                out.append(Evidence("header", f"{what} a personal account: {address}"))
        for key in ("x-forwarded-to", "resent-to"):
            value = ctx.msg.headers.get(key, "")
            for address in _ADDRESS.findall(value):
                if address.lower().rpartition("@")[2] in personal:
                    out.append(Evidence("header", f"{key}: {address.lower()} (automatic "
                                                  "forwarding to a personal account)"))
    elif ctx.audience == "inbound" and sender_domain in personal and sender_name:
        staff = [a for a in ctx.directory.people_named(sender_name)
                 if (ctx.role_of(a) or "") in STAFF_LIKE]
        if staff:
            out.append(Evidence("header", f"{sender_name} <{sender}> writes from a personal "
                                          f"account; their school address is {staff[0]}"))
    return out


_CHAIN_STRONG = re.compile(
    r"\b(forward|send|pass|share) (this|it|the message|this message|this email|this mail|this "
    r"letter|this on)( on)? to (at least )?(\d+|ten|five|seven|twelve|twenty|all your|all of "
    r"your|everyone|everybody|as many)|\bif you (don'?t|do not|fail to) (forward|send|pass)|"
    r"\bbreak (the|this) chain|\bchain (letter|mail|e-?mail)|\b(bad|good) luck will\b|\byou will "
    r"(have|get) (bad|good) luck|\bdo not (delete|break) this|\bbill gates (will|is) (pay|giv)|"
    r"\b(microsoft|aol|facebook|whatsapp) (will|is going to) (pay|charge|shut)|\bsend (it|this) "
    r"back to (me|the sender)\b", re.I)
_CHAIN_WEAK = re.compile(
    r"\b(within|in the next) (\d+|twenty[- ]four|twelve|ten) (hours|minutes|days)|"
    r"\bthis (is not|isn'?t) a joke|\bit (really )?works\b|\bmake a wish\b|"
    r"\beveryone you know\b|\bin your address book\b|\bpass it on\b|\bplease forward\b", re.I)


# Cheap substrings one of which every chain-letter pattern needs.
_CHAIN_WORDS = ("this to ", "it to ", "this on to", "message to ", "email to ", "mail to ",
                "letter to ", "chain", "luck", "t forward", "t send", "t pass", "fail to ",
                "bill gates", "will pay", "will charge", "going to pay", "going to charge",
                "shut", "do not delete", "do not break", "back to me", "back to the sender")


# A stricter test than _CHAIN_WORDS, tried first because it usually fails after a dozen
# substring tests: every _CHAIN_STRONG match contains one of these phrases (found after
# a shorter substring of theirs), or one of _CHAIN_SENDS and then "to " and a number,
# "all", "every"… In lower-cased text that holds unless the text has one of the four
# non-ASCII letters that re.I matches to an ASCII one (_FOLDS_TO_ASCII).
_CHAIN_NEEDS = {
    "chain": ("the chain", "this chain", "chain letter", "chain mail", "chain e"),
    "luck": ("luck will", "have bad luck", "have good luck", "get bad luck", "get good luck"),
    "will ": ("will pay", "will charge", "will shut"),
    "going to ": ("going to pay", "going to charge", "going to shut"),
    "do not ": ("do not delete", "do not break"),
    "if you ": ("t forward", "t send", "t pass", "to forward", "to send", "to pass"),
    "bill gates": ("bill gates",),
    "back to ": ("back to me", "back to the sender"),
}
_CHAIN_VERBS = ("forward ", "send ", "pass ", "share ")
_CHAIN_SENDS = tuple(verb + what for verb in _CHAIN_VERBS for what in ("this", "it", "the message"))
_CHAIN_SEND_TO = re.compile(r"to (?:\d|ten|five|seven|twelve|twenty|all|every|as many|at least)")
_FOLDS_TO_ASCII = "\u0130\u0131\u212a\u017f"  # İ ı K (Kelvin) ſ


def _may_be_chain_letter(lower: str) -> bool:
    """False when no _CHAIN_STRONG match can be in `lower` (see _CHAIN_NEEDS)."""
    for key, phrases in _CHAIN_NEEDS.items():
        if key in lower and any(phrase in lower for phrase in phrases):
            return True
    return any(verb in lower for verb in _CHAIN_VERBS) and \
        any(send in lower for send in _CHAIN_SENDS) and bool(_CHAIN_SEND_TO.search(lower))


# The same patterns without re.I, for lower-cased ASCII text (sre matches much faster
# without case folding; in ASCII text the positions are the same as in the original), and
# with groups that do not capture (only where a match is, is read; see uncaptured).
_CHAIN_STRONG_LOWER = re.compile(uncaptured(_CHAIN_STRONG.pattern))
_CHAIN_WEAK_LOWER = re.compile(uncaptured(_CHAIN_WEAK.pattern))


def _chain_letter(rule: Rule, ctx: Context) -> list[Evidence]:
    text = ctx.msg.subject + "\n" + ctx.msg.body
    lower = text.lower()
    is_ascii = text.isascii()
    if (is_ascii or not any(char in text for char in _FOLDS_TO_ASCII)) and \
            not _may_be_chain_letter(lower):
        return []
    if not any(word in lower for word in _CHAIN_WORDS):
        return []
    if is_ascii:
        strong_pattern, weak_pattern, searched = _CHAIN_STRONG_LOWER, _CHAIN_WEAK_LOWER, lower
    else:
        # Lower-casing other scripts can change lengths, and re.I matches letters lower()
        # leaves alone ("ſ" matches "s"): keep the case-insensitive patterns.
        strong_pattern, weak_pattern, searched = _CHAIN_STRONG, _CHAIN_WEAK, text
    strong = list(strong_pattern.finditer(searched))
    if not strong:
        return []
    weak = list(weak_pattern.finditer(searched))
    forwards = len(re.findall(r"\bfwd?:", ctx.msg.subject, re.I))
    if len(strong) + len(weak) + (forwards >= 2) < 2:
        return []
    if ctx.audience == "bulk" and len(strong) < rule.params.get("min_strong_in_bulk", 2):
        # Newsletters ask to be passed on ("forward this to anyone who might be
        # interested"); a chain letter arriving in bulk still has its threats and promises.
        return []
    m = strong[0]
    part = "subject" if m.start() < len(ctx.msg.subject) else "body"
    offset = 0 if part == "subject" else len(ctx.msg.subject) + 1
    source = ctx.msg.subject if part == "subject" else ctx.msg.body
    return [Evidence(part, excerpt(source, m.start() - offset, m.end() - offset, 60))]


def _content_parts(ctx: Context) -> dict:
    """Classify the message's words once: subject and body together (a subject alone is too
    short to judge), and the attachment names."""
    if ctx._content is None:
        parts: list[tuple[str, str, Classification]] = []
        # The first 30,000 characters: the sender's own words come first; what follows in
        # longer mail is quoted history, footers and newsletters.
        # Only the sender's own words: quoted history (">" lines) was judged when first sent.
        subject, body = ctx.msg.subject.strip(), ctx.own_text[:MAX_CLASSIFIED]
        text = f"{subject}\n{body}" if subject else body
        if text.strip():
            # A pupil's own long account of how they feel is read as a whole, as in chat;
            # adults' mail is correspondence (grief and tiredness told without risk).
            parts.append(("body", text, ctx.classifier.classify(
                text, mail=True, personal=ctx.sender_role == roles.PUPIL)))
        names = " / ".join(a.name for a in ctx.msg.attachments if not a.name.startswith("("))
        if names:
            parts.append(("attachment name", names, ctx.classifier.classify(names, mail=True)))
        ctx._content = {"parts": parts, "subject_length": len(subject) + 1 if subject else 0}
    return ctx._content


def _model_evidence(ctx: Context, part: str, text: str, subject_length: int) -> Evidence:
    # The learned model gave no word to quote; show the sentence it finds most hostile, and
    # say whether it is the subject line or the body.
    model = ctx.classifier.model
    subject = text[: subject_length - 1] if part == "body" and subject_length else ""
    rest = text[len(subject):]
    sentences = [("subject", subject)] if subject.strip() else []
    sentences += [(part, s) for s in re.split(r"(?<=[.!?])\s+|\n+", rest) if s.strip()][:400]
    if not model or not sentences:
        return Evidence(part, shorten(text, 160))
    from esafety.engine.messages.normalise import tokens
    where, best = max(sentences, key=lambda s: model.probability(tokens(s[1])))
    return Evidence(where, shorten(best.strip(), 200))


def _content(category: str):
    def detect(rule: Rule, ctx: Context) -> tuple[list[Evidence], str | None]:
        out: list[Evidence] = []
        rating = None
        content = _content_parts(ctx)
        for part, text, result in content["parts"]:
            if category not in result.flagged_categories:
                continue
            terms = []
            for hit in result.hits:
                if hit.category == category and hit.p >= 0.6 and hit.term not in terms:
                    terms.append(hit.term)
            if not terms:
                # Weaker signs that added up (self-harm's distress, a long account read
                # whole): quote the strongest of them rather than guess a sentence.
                weak = sorted((h for h in result.hits if h.category == category),
                              key=lambda h: -h.p)
                terms = list(dict.fromkeys(h.term for h in weak))[:2]
            if ctx.audience == "bulk" and _distinct(terms) < rule.params.get(
                    "min_terms_in_bulk", 2):
                # A newsletter or list post that mentions "porn" once is reporting on
                # something; material that is itself obscene or hateful says it many ways.
                continue
            cat_rating = result.category_ratings.get(category)
            if _RATING_ORDER[cat_rating] > _RATING_ORDER[rating]:
                rating = cat_rating
            if terms:
                for term in terms[:2]:
                    found = _located(part, text, term, content["subject_length"])
                    if all(found.excerpt != e.excerpt for e in out):
                        out.append(found)  # (two words of one sentence: quoted once)
            else:
                out.append(_model_evidence(ctx, part, text, content["subject_length"]))
        return out, rating
    return detect


def _distinct(terms: list[str]) -> int:
    """How many different words: "porn" and "porno" are one."""
    kept: list[str] = []
    for term in sorted(terms, key=len):
        if not any(term.startswith(k) for k in kept):
            kept.append(term)
    return len(kept)


def _located(part: str, text: str, term: str, subject_length: int) -> Evidence:
    if part == "body" and subject_length:
        subject = text[: subject_length - 1]
        found = locate(subject, term)
        if not found.startswith("…" + term):
            return Evidence("subject", found)
        return Evidence("body", locate(text[subject_length:], term))
    return Evidence(part, locate(text, term))


def _unreadable(rule: Rule, ctx: Context) -> list[Evidence]:
    out = []
    for note in ctx.msg.notes[:5]:
        part = "header" if ("header" in note or "structure" in note) else "body"
        out.append(Evidence(part, note))
    return out


DETECTORS = {
    "recipients.parents-visible": _parents_visible,
    "recipients.reply-all": _reply_all,
    "recipients.same-name": _same_name,
    "recipients.contact-list": _contact_list,
    "recipients.pupil-unapproved": _pupil_unapproved,
    "attachments.bulk-capacity": _bulk_capacity,
    "attachments.risky-type": _risky_type,
    "attachments.unknown-sender": _unknown_sender,
    "tone.shouting": _shouting,
    "privacy.personal-contact-details": _personal_contact,
    "privacy.sensitive-data": _sensitive_data,
    "accounts.personal-address": _personal_address,
    "content.chain-letter": _chain_letter,
    "message.unreadable": _unreadable,
    **{rule_id: _content(category) for rule_id, category in CONTENT_CATEGORY.items()},
}


# ---------------------------------------------------------------- the checker

def audience_for(msg: ParsedMessage, directory: Directory, sender_role: str | None) -> tuple[
        str, str | None]:
    """(staff|pupils|inbound, role) for the message's sender."""
    role = sender_role
    if role is None and msg.sender_address:
        member = directory.member(msg.sender_address)
        if member:
            role = member.role
        elif directory.domains and directory.is_internal(msg.sender_address):
            role = "staff"  # a school address the directory does not list: treat as staff
    if role in ("staff", *STAFF_LIKE):
        return "staff", role
    if role in ("pupil", "pupils"):
        return "pupils", roles.PUPIL
    return "inbound", role


def check_parsed(msg: ParsedMessage, *, directory: Directory | None = None,
                 sender_role: str | None = None, rulebook: Rulebook | None = None,
                 classifier: Classifier | None = None) -> Verdict:
    directory = directory or EMPTY
    rulebook = rulebook or rulebook_in_force()
    audience, role = audience_for(msg, directory, sender_role)
    bulk = bulk_reason(msg) if audience == "inbound" else ""
    if bulk:
        audience = "bulk"
    ctx = Context(msg=msg, directory=directory, audience=audience, sender_role=role,
                  classifier=classifier or default_classifier())
    findings = []
    for rule in rulebook.rules:
        if audience not in rule.applies_to:
            continue
        result = DETECTORS[rule.id](rule, ctx)
        rating = None
        if isinstance(result, tuple):
            result, rating = result
        if result:
            findings.append(Finding(rule=rule, evidence=result, rating=rating))
    verdict = max((f.action for f in findings), key=_VERDICT_ORDER.__getitem__, default="allow")
    ratings = [f.rating for f in findings if f.rating]
    rating = max(ratings, key=_RATING_ORDER.__getitem__) if ratings else None
    read_as = _read_as(audience, role, bulk)
    if ctx.draft_recipients is not None and audience in ("staff", "pupils"):
        read_as += f", going to {draft_label(msg.draft_audience)}"
    return Verdict(verdict=verdict, rating=rating, findings=findings, audience=audience,
                   read_as=read_as)


def _read_as(audience: str, role: str | None, bulk: str) -> str:
    """How the checker read the message, in words (shown with the verdict)."""
    if audience == "staff":
        return f"sent by staff ({role})" if role and role != "staff" else "sent by staff"
    if audience == "pupils":
        return "sent by a pupil"
    if audience == "bulk":
        return (f"bulk mail from outside: {bulk}. Swearing and rudeness in "
                "mailing lists and newsletters are not raised; other content needs more "
                "than one sign")
    return "mail arriving from outside the school"


def check_message(raw: bytes, **kwargs) -> Verdict:
    """Check raw RFC 822 bytes. Raises message.EmptyMessage for empty input only."""
    return check_parsed(parse_message(raw), **kwargs)


def check_text(text: str, *, subject: str = "", audience: str = "", **kwargs) -> Verdict:
    """Check a bare message body (no headers) going to `audience` (parents, pupils, staff,
    outside; "" when not said, checked as if it leaves the school): the rules that need
    recipients (personal contact details, sensitive data, contact lists) use that answer."""
    return check_parsed(message_from_text(text, subject=subject, audience=audience), **kwargs)
