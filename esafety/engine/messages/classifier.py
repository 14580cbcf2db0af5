"""The text classifier: a curated lexicon and a learned model, combined.

The learned model (model.npz, built by scripts/build_classifier.py from openly licensed
data and the project's own school-message fixtures) is a logistic regression per category
over TF-IDF features of the normalised tokens: words, word pairs and the first 4 and 5
letters of each word (but not the Scunthorpe ones, see UNSAFE_INSIDE). The file holds only numbers and strings (numpy's
.npz, read with allow_pickle=False); scikit-learn is needed to build it, never to run it.
Each category's raw score goes through a fitted sigmoid (Platt scaling), so a probability
means what it says on the build's held-back data (see benchmarks/CHECKS.md).

The lexicon (lexicon.yaml, which a school may adjust) carries what the data sets do not
label well (self-harm risk language, grooming, threats, extremism, swearing) and gives the
words every finding quotes. Both read the same normalised tokens (normalise.py), so
obfuscation is undone once. The thresholds per category are the rulebook's
(`params.threshold` of each content rule), else the lexicon's.

There is one scoring path: Classifier.classify(text) is classify_many([text]).
"""

import json
import math
import re
from collections import ChainMap
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, compress, count, islice, repeat
from pathlib import Path
from typing import cast

import yaml

from esafety.engine.messages.normalise import tokens as normalised_tokens

HERE = Path(__file__).resolve().parent
LEXICON_PATH = HERE / "lexicon.yaml"
MODEL_PATH = HERE / "model.npz"

CATEGORIES = ("profanity", "abuse", "discrimination", "sexual", "violence", "self_harm",
              "extremism", "disclosure")
# A child telling of harm done to them or to another child ("my dad hits me", "he said it's
# our secret"): found by the lexicon's phrases, and by the model's head of the same name
# (learned from children's tellings written for it, scripts/classifier_data/telling.yaml)
# in what a young person writes. The words of another category said inside a disclosure
# phrase are the disclosure's: a child quoting their groomer's "it's our secret" or telling
# that "he sent my nudes" is telling, not grooming or sharing images.
TOLD_INSIDE = "disclosure"
# The model finds a telling alone in a text of at least TOLD_FROM_TOKENS tokens, and in a
# post or chat message (not mail) only from TOLD_POST_CUT: it learned from messages to
# school staff, and reads a few teenagers' posts and question posts as tellings between
# the threshold and this ("who keeps asking me about my shoes lmao" 0.99, "says marvin and
# ashley left already now i m home alone again" 0.66). Chosen on the hand-written
# question-and-answer stand-in and self-harm-dev.csv's half A (the share of ordinary posts
# flagged): the head's first build raised them by 0.3 and 1.1 points at the category's
# threshold (0.6); the shipped one by 0 and 0.5 at 0.6, by 0 and 0.2 at 0.8.
TOLD_FROM_TOKENS = 8
TOLD_POST_CUT = 0.8
RATINGS = ("mild", "serious", "gross")  # 004 Appendix I, lightest first
_RATING_ORDER = {None: 0, "mild": 1, "serious": 2, "gross": 3}

# Text of up to SHORT_TEXT tokens is judged whole by the model; in longer mail the model
# judges windows of WINDOW tokens around a lexicon word (a whole newsletter is not judged
# by the sum of its words). In mail the model alone must be surer (MAIL_MODEL_CUT).
SHORT_TEXT = 64
WINDOW = 32
# How far a pupil's long mail is read through for a telling, and how sure the model must be
# of one window read out of its text (_reading). Chosen on 80 long tellings and 80 long
# ordinary pupils' emails written for it (found 39 before, then 74 at the category's 0.6
# with 6 ordinary ones told to the DSL, 71 and 3 at 0.9; 2 ordinary ones before). Read 400
# tokens deep, the same; windows a full window apart, 65 found. A pupil's long mail costs
# more to check: easy-ham-2 read as pupils' mail, 1,716 messages a second of CPU before,
# 1,363 now.
READ_TOKENS = 300
READ_CUT = 0.9
MAIL_MODEL_CUT = 0.9
# A weak self-harm sign of the lexicon ("i want to die" after "haha", "my dad hits me",
# "cried" in a post about a funeral) is strengthened by the model only where the model's own
# reading is at least this: the model reads a little risk into much of what young people
# write about themselves ("that video is the best thing all week"). Chosen on
# self-harm-dev.csv's tuning half (0.25 found a few more at risk and more sad-but-coping posts).
STRENGTHENS_FROM = {"self_harm": 0.35}
# The categories the model may find with no word of the lexicon: those learned from
# thousands of labelled posts (the others learned from the project's own messages only,
# enough to strengthen the lexicon's evidence, not to stand alone in a short text).
MODEL_ALONE = frozenset({"abuse", "discrimination"})
# ... and extremism where the model is at least this sure: learned from 3,780 texts in young
# people's words written for it (scripts/classifier_data/extremism.yaml: recruiting a
# friend, sharing propaganda, praise for attackers, the movements' ideas, mostly in plain
# words no list could hold) against the same subjects talked of ordinarily (history, RE,
# the news, politics, games). Chosen on the first hand-written probes
# (benchmarks/extremism_probes.yaml) and the held-back fifth of the training texts.
ALONE_FROM = {"extremism": 0.8}
# ... and only in a text of at least this many tokens: in a few words the model's reading is
# those words' alone ("the" 0.99, "luton town won" 0.85).
ALONE_FROM_TOKENS = 8
# ... and in a post or chat message of at least ACCOUNT_TOKENS tokens (someone's account of
# themselves, where risk is often told without any word the lexicon knows: "i keep thinking
# how much easier it would be for everyone"), self-harm too. Chosen on self-harm-dev.csv's
# tuning half: shorter texts gave more false alarms than findings.
ALONE_IN_ACCOUNTS = frozenset({"self_harm"})
ACCOUNT_TOKENS = 30
# The model's head that reads, in a text holding a phrase of risk ("i want to die", "kill
# myself"), whether the words around mean it (1) or say it as a figure of speech about
# something trivial (0): "i just ate a whole pizza i want to die". Learned from texts
# written for it (scripts/classifier_data/figures_of_speech.yaml), the same phrases in
# both kinds. It only weakens the lexicon entries that ask for it (`figurative_below`), and
# only in a short text (SHORT_TEXT tokens at most): a long account of oneself that says it
# is not a quip.
MEANT = "meant"
# The model's head that reads, in a message naming a means or a place (the lexicon's
# `means`: a gun, tablets, a bridge) or holding a phrase that tells of a plan (an entry's
# `plan`: "the date is set", "written my note"), whether the writer tells of a plan of their
# own (1) or of an errand, a view or a game (0): "went to the bridge again tonight, next time
# i wont walk back" against "went to the bridge again for the sunset". Learned from texts
# written for it (scripts/classifier_data/plans.yaml), the same words in both kinds. Where it
# reads a plan (at least PLAN_FROM), the message is a self-harm finding even when short, as
# a long account may be one by the model's reading alone. Asked everywhere, it would read
# plans into teenagers' short posts ("i want my laptopnow dammittt" 1.00). PLAN_FROM chosen
# on self-harm-dev.csv's tuning half and hand-written probes (benchmarks/plans_probes.yaml).
PLAN = "plan"
PLAN_FROM = 0.6
FIRST_PERSON = frozenset({"i", "me", "my", "myself", "mine", "im", "ive", "id", "ill"})
SECOND_PERSON = frozenset({"you", "u", "your", "ur", "ya", "youre", "yourself", "yours", "thou"})
_MEMORY = 200_000  # distinct tokens remembered (their features), per model
_EXPLAINED = 20_000  # texts whose explain() is remembered, per model

# Words that carry no weight of their own (no word or letter features): the model must not
# learn "mentions a group = hateful" or "names a body part = sexual", nor "yourself =
# offensive" (tweets say "kill yourself"; a teacher says "believe in yourself"). Word pairs
# with them keep their weight ("muslims are", "go back").
NEUTRAL = frozenset("""
gay gays lesbian lesbians bisexual trans transgender queer lgbt lgbtq homosexual straight
muslim muslims islam islamic jew jews jewish christian christians catholic hindu sikh
black blacks white whites asian asians african africans mexican mexicans immigrant
immigrants refugee refugees women woman girl girls men man boy boys female male
disabled disability autism autistic deaf blind sex sexual breast penis vagina cancer
yourself yourselves urself
@user url rt amp 0
""".split())


# Outside mail, hostility may also be aimed at a person named by a mention or a pronoun,
# or at a group of people (the identity words above, less bodies and illnesses).
ADDRESSED = SECOND_PERSON | frozenset({"@user", "user", "he", "she", "they", "them", "him",
                                       "her", "hes", "shes", "theyre", "people", "these",
                                       "those"}) | (NEUTRAL - frozenset(
    "sex sexual breast penis vagina cancer url rt amp 0 disability yourself yourselves "
    "urself".split()))
# Hate is about a group: the model finds discrimination on its own only where one is named
# or referred to (an identity word, "they", "these people", "their kind"), not in "kill
# yourself" or "kms", which it learned from hateful posts that also held a slur.
GROUPS = (ADDRESSED - SECOND_PERSON - frozenset(
    {"@user", "user", "he", "she", "him", "her", "hes", "shes"})) | frozenset(
    {"their", "theirs", "kind", "race", "races", "country", "religion", "foreigners",
     "illegals", "nonwhites"})
# ... or by a word beginning as a group's name does, slurs and misspellings included
# ("moslem", "muzrat", "negress", "towelhead").
GROUP_BEGINNINGS = ("musl", "mosl", "muz", "islam", "jew", "arab", "afric", "asia", "mexic",
                    "immigr", "refug", "migra", "negr", "nigg", "black", "white", "paki",
                    "wom", "fem", "girl", "gay", "lesb", "trans", "homo", "queer", "dyke",
                    "fag", "kike", "towel", "rag", "sand", "chink", "gook", "spic", "wetback",
                    "beaner", "gypsy", "gypo", "pikey", "traveller", "retard", "spaz", "tranny")


def _names_a_group(toks) -> bool:
    return not GROUPS.isdisjoint(toks) or any(tok.startswith(GROUP_BEGINNINGS) for tok in toks)


class LexiconError(ValueError):
    """The lexicon file is not valid; the message says where."""


@dataclass
class Hit:
    category: str
    p: float
    rating: str | None
    term: str
    # The entry's `figurative_below`: in a short text whose words around the model reads
    # as a figure of speech (its `meant` reading under this), the hit does not count.
    figurative_below: float = 0.0
    # The entry's `plan`: a match tells of a plan (a date set, a note written), and the
    # model's `plan` head is asked, as where a means is named (see PLAN).
    plan: bool = False
    # The entry's `told_of`: a match counts only where the words of one of these categories
    # stand inside it ("they keep calling me a fat ugly cow": a child telling of names they
    # are called; not "my nan calls me sweetheart").
    told_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Narrative:
    """The lexicon's `narrative` section: how a long first-person account is read."""

    min_tokens: int
    first_person: float
    min_signs: int
    p: float
    signs: frozenset[str]


@dataclass
class Classification:
    """One text's scores: a probability per category, and what triggered them."""

    categories: dict[str, float]
    flagged: bool
    rating: str | None
    flagged_categories: list[str]
    hits: list[Hit] = field(default_factory=list)
    model_p: float = 0.0
    category_ratings: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"flagged": self.flagged,
                "categories": {c: round(p, 4) for c, p in self.categories.items()},
                "rating": self.rating}

    def terms_for(self, category: str) -> list[str]:
        return [h.term for h in self.hits if h.category == category]


def inflections(word: str) -> set[str]:
    forms = {word, word + "s", word + "es", word + "ed", word + "ing", word + "er", word + "ers",
             word + "y", word + "in", word + "ings", word + "z"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing", word + "r", word + "rs"}
    if len(word) >= 3 and word[-1] not in "aeiouy" and word[-2] in "aeiou":
        forms |= {word + word[-1] + s for s in ("ed", "ing", "er", "ers", "y", "in")}
    return forms


_STEM_ENDINGS = ("", "s", "z", "es", "ed", "er", "ers", "ing", "in", "ings", "y", "ty", "ted",
                 "ter", "ters", "ting", "tier", "head", "heads", "face", "wit", "wits", "tard",
                 "bag", "hole", "holes", "off", "ass")
_PAIRS = tuple(c * 2 for c in "abcdefghijklmnopqrstuvwxyz")


def _stem_fits(token: str, stem: str, exceptions: frozenset[str]) -> bool:
    """Whether the stem counts in the token: it is in it, the token is not one of the
    stem's exceptions, and it stands at the start of the word or as its ending
    ("bullshit", "shithead", "motherfucker"), never in the middle of another word
    ("Matsushita", "Scunthorpe")."""
    if stem not in token or token in exceptions:
        return False
    if token.startswith(stem):
        return True
    tail = token[token.rfind(stem) + len(stem):]
    return tail in _STEM_ENDINGS


def _single_letters(tok: str) -> str:
    """`tok` with its doubled letters made single ("shitt" -> "shit")."""
    for pair in _PAIRS:
        if pair in tok:
            tok = tok.replace(pair, pair[0])
    return tok


def _as_tokens(pattern) -> str:
    """A lexicon word or pattern as the tokens read it: without apostrophes. The tokeniser
    drops them ("you'll" is the token "youll", "can't" is "cant"), so a pattern written
    "you'll" or "what's the", as anyone editing the lexicon would write it, never matched."""
    return str(pattern).replace("'", "").replace("\u2019", "")


# A named word group of the lexicon (`groups:`) is referred to as "{name}": a list of words
# used in several patterns is written once, so adding a word to it reaches them all. Only
# lower-case letters and "_" between the braces, so a quantifier ("{2}", "{0,2}") is never
# read as one.
_GROUP_REF = re.compile(r"\{([a-z_]+)\}")


def _word_groups(spec) -> dict[str, list[str]]:
    """The lexicon's `groups`: each name with its words (or word sequences), as the tokens
    read them."""
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise LexiconError("groups: must be a mapping of names to lists of words")
    groups = {}
    for name, words in spec.items():
        if not isinstance(name, str) or not re.fullmatch("[a-z_]+", name):
            raise LexiconError(f"groups: name {name!r} must be lower-case letters and _")
        if not isinstance(words, list) or not words:
            raise LexiconError(f"groups: {name} needs a list of words")
        words = [_as_tokens(str(w).lower()).strip() for w in words]
        if not all(words):
            raise LexiconError(f"groups: {name} has an empty word")
        groups[name] = words
    return groups


def _with_groups(pattern: str, groups: dict[str, list[str]], where: str) -> str:
    """`pattern` with each "{name}" replaced by its group's words as "(?:a|b|...)", the
    longest first (so "dms" is tried before "dm")."""
    def alternation(match: re.Match) -> str:
        name = match.group(1)
        if name not in groups:
            raise LexiconError(f"{where}: unknown word group {{{name}}}")
        words = sorted(groups[name], key=len, reverse=True)
        return "(?:" + "|".join(re.escape(w).replace("\\ ", " ") for w in words) + ")"
    return _GROUP_REF.sub(alternation, pattern)


def _when_with_groups(when: list[str], groups: dict[str, list[str]], where: str) -> list[str]:
    """A `when` list with each item "{name}" replaced by its group's one-token words."""
    out = []
    for w in when:
        ref = _GROUP_REF.fullmatch(w)
        if ref is None:
            out.append(w)
        elif ref.group(1) in groups:
            out += [g for g in groups[ref.group(1)] if " " not in g]
        else:
            raise LexiconError(f"{where}: unknown word group {w} in `when`")
    return out


def _phrase_regex(patterns: list[str]) -> str:
    """One regex for a phrase group: any of its patterns, as whole words.

    The word-edge tests stand once around all the patterns, not around each: the same
    matches (a test of position only, at each end), but a search tries the look-behind
    once a character instead of once a pattern (2.5 times faster on long mail). The
    patterns' groups do not capture (see uncaptured)."""
    return r"(?<![a-z0-9])" + _phrase_body(patterns)


def _phrase_body(patterns: list[str]) -> str:
    """_phrase_regex without its look-behind."""
    return "(?:" + "|".join(f"(?:{uncaptured(p)})" for p in patterns) + r")(?![a-z0-9])"


# What a phrase group's searcher matches just before its patterns: one character that is
# not a letter or digit. Searched in the text with a space put before it (Lexicon.hits),
# it finds what _phrase_regex finds, one character earlier; sre looks for such a character
# first and tries the patterns only there, where the look-behind is tested at every
# character (a sixth faster), and one regex a group is compiled once, when the lexicon is
# loaded (three compiled as the texts needed them made the first 1,400 mails of a process
# a third slower than the next).
AFTER_EDGE = "[^a-z0-9]"


# Words that deny what follows them, and words that may stand between ("not really",
# "don't feel", "never been"). Not "so": "i've never felt so depressed" says it is worse.
_DENIALS = frozenset("not never no isnt arent wasnt werent dont didnt doesnt aint".split())
_BETWEEN = frozenset("feel feeling felt am be been being that really at all even".split())


def _always_denied(toks: list[str], word: str) -> bool:
    """Whether every use of `word` in `toks` follows a denial: just before it, or with up
    to two of _BETWEEN's words between ("not really", "dont feel")."""
    for i, tok in enumerate(toks):
        if tok != word:
            continue
        before = toks[max(0, i - 3):i]
        while before and before[-1] in _BETWEEN:
            before.pop()
        if not before or before[-1] not in _DENIALS:
            return False
    return True


# What a pattern may hold that uncaptured does not rewrite: a reference to a group
# (by number or name), a condition on one, or verbose-mode comments (where "(" and "["
# are not syntax).
_KEEPS_GROUPS = re.compile(r"\\[1-9]|\(\?P=|\(\?\(|#")


def uncaptured(pattern: str) -> str:
    """`pattern` with each capturing group "(...)" made non-capturing "(?:...)": the same
    matches (only the whole match, group 0, is ever read), but sre tries a non-capturing
    group's alternatives without marking where it starts and ends, and skips at once an
    alternative whose first letter is not the text's (a search is about a third faster).
    A pattern that refers to its groups is left as it is."""
    if "(" not in pattern or _KEEPS_GROUPS.search(pattern):
        return pattern
    out = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])  # an escaped character, "\\(" among them
            i += 2
        elif char == "[":
            # A character set, to its closing "]" ("[^]..." and "[]...": that "]" is a
            # member); "(" inside it is a character.
            end = i + 1
            if pattern.startswith("^", end):
                end += 1
            if pattern.startswith("]", end):
                end += 1
            while end < n and pattern[end] != "]":
                end += 2 if pattern[end] == "\\" else 1
            out.append(pattern[i:end + 1])
            i = end + 1
        elif char == "(" and not pattern.startswith("?", i + 1):
            out.append("(?:")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


class _TokenTest:
    """Which tokens pass `test`, each token tested once (up to _MEMORY of them): most texts
    have no token not seen before, and then two set operations tell, without a step a
    token."""

    def __init__(self, test: Callable[[str], bool]):
        self.test = test
        self.judged: set[str] = set()  # tokens tested
        self.passed: set[str] = set()  # ... and those that passed

    def among(self, toks) -> set[str]:
        tokset = set(toks)
        judged, passed = self.judged, self.passed
        found = tokset & passed
        for tok in tokset.difference(judged):
            if self.test(tok):
                found.add(tok)
                if len(judged) < _MEMORY:
                    passed.add(tok)
            if len(judged) < _MEMORY:
                judged.add(tok)
        return found


def _remembered(memo: dict, keys, work: Callable):
    """A function giving each of `keys` its work(key): a plain dict look-up, with the keys
    not in `memo` worked out first and remembered (up to _MEMORY of them; past that, for
    this call only)."""
    extra = {}
    for key in set(keys).difference(memo):  # (a dict's keys() - ...: a step per key)
        value = work(key)
        if len(memo) < _MEMORY:
            memo[key] = value
        else:
            extra[key] = value
    return ChainMap(extra, memo).__getitem__ if extra else memo.__getitem__


class Lexicon:
    """The compiled lexicon: word table, safe stems, trigger-indexed phrase groups."""

    def __init__(self, data: dict):
        self.categories: dict[str, dict] = {}
        self.words: dict[str, list[Hit]] = {}
        self.stems: list[tuple[str, Hit, frozenset]] = []
        # Per phrase group: its searcher (AFTER_EDGE and the patterns), what it finds,
        # and its patterns as written.
        self.groups: list[tuple[re.Pattern, Hit, list[str]]] = []
        # Per phrase group, what must not stand just before a match for it to count
        # ("i don't want to die", "they told me to kill myself"), or None.
        self._group_unless: list[re.Pattern | None] = []
        self.triggers: dict[str, list[int]] = {}
        self._group_when: list[frozenset[str]] = []
        self._load(data)

    def _load(self, data: dict) -> None:
        if not isinstance(data, dict):
            raise LexiconError("the lexicon must be a mapping")
        cats = data.get("categories") or {}
        for name in CATEGORIES:
            spec = cats.get(name)
            if not isinstance(spec, dict):
                raise LexiconError(f"category {name!r} is missing")
            rating = spec.get("rating")
            if rating not in RATINGS:
                raise LexiconError(f"category {name!r}: rating must be one of {RATINGS}")
            threshold = float(spec.get("threshold", 0.6))
            if not 0 < threshold < 1:
                raise LexiconError(f"category {name!r}: threshold must be between 0 and 1")
            self.categories[name] = {"rating": rating, "threshold": threshold}
        unknown = set(cats) - set(CATEGORIES)
        if unknown:
            raise LexiconError(f"unknown categories: {sorted(unknown)}")

        for i, group in enumerate(data.get("words") or []):
            hit = self._hit(group, f"words[{i}]")
            for word in group.get("words") or []:
                word = _as_tokens(str(word).lower())
                forms = inflections(word) if group.get("inflect") else {word}
                for form in forms:
                    self.words.setdefault(form, []).append(
                        Hit(hit.category, hit.p, hit.rating, word, hit.figurative_below))
        for i, entry in enumerate(data.get("stems") or []):
            hit = self._hit(entry, f"stems[{i}]")
            stem = str(entry.get("stem", "")).lower()
            if len(stem) < 4:
                raise LexiconError(f"stems[{i}]: a stem must have at least 4 letters")
            hit.term = stem
            self.stems.append((stem, hit, frozenset(entry.get("except") or [])))
        self._stem_names = tuple(s for s, _, _ in self.stems)
        groups = _word_groups(data.get("groups"))
        for i, entry in enumerate(data.get("phrases") or []):
            where = f"phrases[{i}]"
            hit = self._hit(entry, where)
            for part in ("patterns", "unless", "when"):
                if any(isinstance(item, dict) for item in entry.get(part) or []):
                    # (YAML reads an unquoted {told} as a mapping)
                    raise LexiconError(f'{where}: `{part}` holds a mapping; write a word group '
                                       f'as "{{name}}", in quotes')
            patterns = [_with_groups(_as_tokens(p), groups, where)
                        for p in entry.get("patterns") or []]
            when = _when_with_groups([_as_tokens(str(w).lower()) for w in entry.get("when") or []],
                                     groups, where)
            if not patterns or not when:
                raise LexiconError(f"phrases[{i}]: needs `patterns` and `when`")
            try:
                regex = re.compile(AFTER_EDGE + _phrase_body(patterns))
            except re.error as exc:
                raise LexiconError(f"phrases[{i}]: bad pattern ({exc})") from exc
            unless = None
            if entry.get("unless"):
                try:
                    unless = re.compile("(?:" + "|".join(
                        _with_groups(_as_tokens(u), groups, where) for u in entry["unless"])
                        + r") ?$")
                except re.error as exc:
                    raise LexiconError(f"phrases[{i}]: bad `unless` pattern ({exc})") from exc
            self.groups.append((regex, hit, patterns))
            self._group_unless.append(unless)
            self._group_when.append(frozenset(when))
            for w in when:
                self.triggers.setdefault(w, []).append(len(self.groups) - 1)
        self._trigger_keys = frozenset(self.triggers)
        self._asks_inside = frozenset(i for i, (_, hit, _) in enumerate(self.groups)
                                      if hit.told_of)
        # Safe phrases are indexed by their riskiest token, so the common case (no risky
        # word in the text) costs one set intersection.
        risky = set(self.words) | set(self.triggers) | {s for s, _, _ in self.stems}
        self._safe: dict[str, list[tuple[str, ...]]] = {}
        self.narrative = self._load_narrative(data.get("narrative"))
        self._kind = self._pattern_list(data, "kind")
        self._not_told = self._pattern_list(data, "not_told")
        means = data.get("means") or []
        if not isinstance(means, list) or not all(isinstance(w, str) and w.strip() and
                                                  " " not in w.strip() for w in means):
            raise LexiconError("means: must be a list of single words")
        self.means = frozenset(_as_tokens(w.strip().lower()) for w in means)
        self.narrative_p = self.narrative.p if self.narrative else 1.0
        for phrase in data.get("safe") or []:
            toks = tuple(normalised_tokens(str(phrase)))
            if not toks:
                continue
            key = next((i for i, t in enumerate(toks)
                        if t in risky or any(s in t for s, _, _ in self.stems)),
                       max(range(len(toks)), key=lambda i: len(toks[i])))
            self._safe.setdefault(toks[key], []).append(toks)
        for entries in self._safe.values():
            entries.sort(key=lambda e: -len(e))
        self._safe_keys = frozenset(self._safe)
        self._word_keys = frozenset(self.words)
        self._words_by_length: dict[int, list[str]] = {}
        for w in self.words:
            self._words_by_length.setdefault(len(w), []).append(w)
        self._collapses: dict[str, str] = {}
        self._collapses_not: set[str] = set()
        self.profane = frozenset(w for w, hs in self.words.items()
                                 if any(h.category == "profanity" for h in hs))
        self._profane_stems = tuple(s for s, h, _ in self.stems if h.category == "profanity")
        self._swearing = _TokenTest(self._is_swearing)
        self._stem_holders = _TokenTest(lambda tok: any(map(tok.__contains__,
                                                             self._stem_names)))

    @staticmethod
    def _load_narrative(spec) -> "Narrative | None":
        if spec is None:
            return None
        if not isinstance(spec, dict) or not isinstance(spec.get("signs"), list):
            raise LexiconError("narrative: needs `signs`, a list of words")
        try:
            out = Narrative(int(spec.get("min_tokens", 60)), float(spec.get("first_person", 0.06)),
                            int(spec.get("min_signs", 2)), float(spec.get("p", 0.55)),
                            frozenset(str(w).lower() for w in spec["signs"]))
        except (TypeError, ValueError) as exc:
            raise LexiconError(f"narrative: {exc}") from exc
        if not 0 < out.p <= 1 or not 0 <= out.first_person < 1 or out.min_signs < 1:
            raise LexiconError("narrative: p must be in (0, 1], first_person in [0, 1), "
                               "min_signs at least 1")
        return out

    @staticmethod
    def _pattern_list(data: dict, name: str) -> re.Pattern | None:
        """One regex for the lexicon's list `name` of patterns, as whole words (like a
        phrase group's), or None when it has none."""
        patterns = data.get(name) or []
        if not isinstance(patterns, list) or not all(isinstance(k, str) for k in patterns):
            raise LexiconError(f"{name}: must be a list of patterns")
        try:
            return re.compile(_phrase_regex([_as_tokens(k) for k in patterns])) if patterns \
                else None
        except re.error as exc:
            raise LexiconError(f"{name}: bad pattern ({exc})") from exc

    def not_told(self, toks: list[str]) -> bool:
        """Whether the words say a threat or a harm as a figure of speech (the lexicon's
        `not_told`: "mum will kill me if i dont tidy my room")."""
        return self._not_told is not None and \
            self._not_told.search(" ".join(toks)) is not None

    def kind(self, toks: list[str]) -> bool:
        """Whether the words say something kind to someone (the lexicon's `kind`)."""
        return self._kind is not None and self._kind.search(" ".join(toks)) is not None

    def narrative_signs(self, toks: list[str]) -> list[str]:
        """The signs of distress in a long first-person account (see `narrative` in the
        lexicon), or [] when the text is not one or shows too few."""
        spec = self.narrative
        if spec is None or len(toks) < spec.min_tokens:
            return []
        mine = sum(1 for t in toks if t in FIRST_PERSON)
        if mine < spec.first_person * len(toks):
            return []
        signs = [t for t in dict.fromkeys(toks) if t in spec.signs]
        return signs if len(signs) >= spec.min_signs else []

    def _hit(self, entry: dict, where: str) -> Hit:
        if not isinstance(entry, dict):
            raise LexiconError(f"{where}: must be a mapping")
        category = entry.get("category")
        if category not in CATEGORIES:
            raise LexiconError(f"{where}: category must be one of {CATEGORIES}")
        p = float(entry.get("p", 0.9))
        if not 0 < p <= 1:
            raise LexiconError(f"{where}: p must be in (0, 1]")
        rating = entry.get("rating")
        if rating is not None and rating not in RATINGS:
            raise LexiconError(f"{where}: rating must be one of {RATINGS}")
        below = float(entry.get("figurative_below", 0.0))
        if not 0 <= below < 1:
            raise LexiconError(f"{where}: figurative_below must be in [0, 1)")
        told_of = entry.get("told_of", [])
        if not isinstance(told_of, list) or not set(told_of) <= set(CATEGORIES):
            raise LexiconError(f"{where}: told_of must be a list of categories {CATEGORIES}")
        return Hit(category, p, rating, "", below, bool(entry.get("plan", False)),
                   tuple(told_of))

    def strip_safe(self, toks: list[str]) -> tuple[list[str], str]:
        """Remove safe phrases ("sex education", "Dick Whittington") before scoring."""
        joined = " ".join(toks)
        present = self._safe_keys.intersection(toks)
        if not present:
            return toks, joined
        changed = False
        padded = f" {joined} "
        for key in present:
            for phrase in self._safe[key]:
                text = " " + " ".join(phrase) + " "
                if text in padded:
                    padded = padded.replace(text, " | ")
                    changed = True
        if not changed:
            return toks, joined
        out = padded.split()
        return out, " ".join(out)

    @staticmethod
    def _around(toks: list[str], where: dict[str, list[int]], when: frozenset[str] | set[str]
                ) -> str:
        """The stretches of `toks` within 15 tokens of a word of `when` (positions in
        `where`), joined with " | " (which no phrase matches across)."""
        words = when & where.keys()
        if len(words) == 1:
            places = where[next(iter(words))]  # (in order already)
        else:
            places = sorted(chain.from_iterable(map(where.__getitem__, words)))
        if not places:
            return ""
        # Each stretch runs 15 tokens either side of its places; a place within 31 tokens
        # of the last one extends the stretch.
        texts = []
        start, end = max(0, places[0] - 15), places[0] + 16
        for i in islice(places, 1, None):
            if i - 15 <= end:
                end = i + 16
            else:
                texts.append(" ".join(toks[start:end]))
                start, end = i - 15, i + 16
        texts.append(" ".join(toks[start:end]))
        return " | ".join(texts)

    def _is_swearing(self, tok: str) -> bool:
        return tok in self.profane or any(_stem_fits(tok, stem, frozenset())
                                          for stem in self._profane_stems if stem in tok)

    def swear_words(self, toks) -> set[str]:
        """The tokens among `toks` that are swear words (the model never reads those:
        swearing alone is profanity, which the lexicon judges, not abuse)."""
        return self._swearing.among(toks)

    def _holds_stem(self, tokset: set[str]) -> bool:
        """Whether a token holds one of the stems (a stem counts only inside a token, see
        _stem_fits): tested token by token and remembered, where looking for every stem in
        a long text read all of it once a stem."""
        return bool(self._stem_holders.among(tokset))

    def _collapsed(self, tokset: set[str]) -> set[str]:
        """The lexicon words that tokens are with their doubled letters made single
        ("shitt" is "shit"). Each token is worked out once (up to _MEMORY of them): the
        tokens already known are found by set operations, without a step a token."""
        words, others = self._collapses, self._collapses_not
        unknown = tokset.difference(others)  # (most texts: none)
        if not unknown:
            return set()
        out = {words[t] for t in unknown.intersection(words)}
        for tok in unknown.difference(words):
            collapsed = _single_letters(tok)
            if collapsed != tok and collapsed in self._word_keys:
                out.add(collapsed)
                if len(words) < _MEMORY:
                    words[tok] = collapsed
            elif len(others) < _MEMORY:
                others.add(tok)
        return out

    def hits(self, toks: list[str], joined: str) -> list[Hit]:
        """Every lexicon entry the tokens match, in the order of the text."""
        found: list[Hit] = []
        tokset = set(toks)
        for word in sorted(tokset & self._word_keys, key=toks.index):
            hits = self.words[word]
            if any(h.category == "self_harm" and h.p < 0.5 for h in hits) and \
                    _always_denied(toks, word):
                # A sign of distress denied wherever it stands ("i'm not depressed, just
                # tired", "i don't feel lonely any more") is none.
                hits = [h for h in hits if not (h.category == "self_harm" and h.p < 0.5)]
            found.extend(hits)
        singles = self._collapsed(tokset)
        for single in sorted(singles - tokset):
            found.extend(Hit(h.category, h.p, h.rating, h.term) for h in self.words[single])
        if "*" in joined:
            for tok in dict.fromkeys(toks):
                if "*" in tok and len(tok) > 2 and tok.strip("*"):
                    # A masked word ("f***", "n*****s") is the first word of the
                    # lexicon's it may be; its hits quote it as written (inside a phrase
                    # of a child telling what they were called, it is that phrase's).
                    pattern = re.compile(re.escape(tok).replace(r"\*", "[a-z]"))
                    for word in self._words_by_length.get(len(tok), ()):
                        if pattern.fullmatch(word):
                            found.extend(Hit(h.category, h.p, h.rating, tok, h.figurative_below)
                                         for h in self.words[word])
                            break
        if self._holds_stem(tokset):
            for stem, hit, exceptions in self.stems:
                if stem in joined:
                    for tok in dict.fromkeys(toks):
                        if _stem_fits(tok, stem, exceptions):
                            found.append(hit)
                            break
        present = tokset & self._trigger_keys
        if present:
            groups: set[int] = set()
            for trigger in present:
                groups.update(self.triggers[trigger])
            where: dict[str, list[int]] = {}
            if len(toks) > 80:
                # (compress and map: no Python step a token of a long mail)
                for i in compress(count(), map(present.__contains__, toks)):
                    where.setdefault(toks[i], []).append(i)
            # (Groups with the same trigger words in the text search the same stretches.)
            stretches: dict[frozenset[str], str] = {}
            group_when = self._group_when
            spaced = "" if where else " " + joined
            ordered = sorted(groups)
            if not self._asks_inside.isdisjoint(groups):
                # Phrases that count only with words of another category inside them
                # (`told_of`) are tried last, and only where such words were found: most
                # mail says "sent" and "said" with nothing of the kind.
                ordered = [i for i in ordered if i not in self._asks_inside] + \
                    [i for i in ordered if i in self._asks_inside]
            for index in ordered:
                regex, hit, _ = self.groups[index]
                if hit.told_of and not any(h.category in hit.told_of for h in found):
                    continue
                # In long text, only the words around the group's trigger words are
                # searched (15 tokens either side, overlapping stretches joined, each
                # with a space before it: see AFTER_EDGE).
                if where:
                    # (Every word of `present` has its places in `where`.)
                    words = group_when[index] & present
                    text = stretches.get(words)
                    if text is None:
                        text = stretches[words] = " " + self._around(toks, where, words)
                else:
                    text = spaced
                # A match's place in `text` is where its term starts in the words searched
                # without the space before them.
                first = regex.search(text)
                if first is None:
                    continue
                term, start = first.group(0)[1:], first.start()
                unless = self._group_unless[index]
                if unless is None and hit.category != "self_harm":
                    found.append(Hit(hit.category, hit.p, hit.rating, term,
                                     told_of=hit.told_of))
                    continue
                seen: set[str] = set()
                words_searched = text[1:]
                for match in regex.finditer(text, start):
                    # A match counts unless the words just before it say otherwise
                    # (negation, someone else's words). Different matches of one group
                    # are different signs (self-harm's add up); a few are enough.
                    term, at = match.group(0)[1:], match.start()
                    if term not in seen and (unless is None or not unless.search(
                            words_searched, max(0, at - 48), at)):
                        seen.add(term)
                        found.append(Hit(hit.category, hit.p, hit.rating, term,
                                         hit.figurative_below, hit.plan, hit.told_of))
                        if len(seen) == 3:
                            break
        return found


# Word beginnings that contain one of these are not features: inside another word they
# are the Scunthorpe problem ("cunt" in Scunthorpe, "cock" in cockpit, "ass" in assessment);
# as whole words the lexicon judges them (and the model never reads swear words).
UNSAFE_INSIDE = ("fuck", "shit", "cunt", "cock", "dick", "ass", "tit", "wank", "piss", "fag",
                 "nig", "cum", "sex", "porn", "rape", "slut", "whore", "bitch", "twat", "prick",
                 "knob", "hoe", "homo", "gay", "jew", "paki", "spic", "coon", "anal", "anus",
                 "butt", "crap", "damn", "hell", "poo", "bum", "kkk", "nazi")


@lru_cache(maxsize=_MEMORY)
def token_features(tok: str) -> tuple[str, ...]:
    """The model's features of one token: the word ("=word") and its first 4 and first 5
    letters ("<idio", "<idiot": "idiots" and "idiotic" share them), except a beginning
    holding an UNSAFE_INSIDE string; none for a NEUTRAL word.

    (Every letter sequence inside words was tried: "cun", "coc" and "uss" then carried the
    swear words' weight into "Scunthorpe", "cockpit" and "Sussex".)
    """
    if tok in NEUTRAL:
        return ()
    out = ["=" + tok]
    for n in (4, 5):
        if len(tok) > n:
            start = tok[:n]
            if not any(map(start.__contains__, UNSAFE_INSIDE)):
                out.append("<" + start)
    return tuple(out)


def text_features(toks: list[str]) -> list[str]:
    """The model's features of a text (its normalised tokens, swearing and safe phrases
    already taken out): every token's features and every pair of neighbouring tokens
    ("a b"). scripts/build_classifier.py trains on exactly these."""
    out = [f for tok in toks for f in token_features(tok)]
    out.extend(f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False))
    return out


class Model:
    """Logistic regressions over shared TF-IDF features, one per category (model.npz).

    A text's features (text_features) are counted; a feature's value is
    (1 + ln count) * idf, features outside the vocabulary are dropped, and the values are
    divided by their Euclidean length; each category's raw score is the intercept plus the
    values times its weights, and its probability sigmoid(a * raw + b) with the category's
    fitted calibration (a, b). That is what scikit-learn's TfidfVectorizer(sublinear_tf=True)
    and LogisticRegression compute; this is the only implementation at run time.

    Word meanings (when the file has them): each word of a large vocabulary also has one
    score per category, learned from what the word means (scripts/word_meanings.py), and a
    text's raw score adds the mean of its known words' scores. A word the training sets
    never used still counts by its meaning ("imbecile" like "idiot").
    """

    def __init__(self, path: Path | str):
        import numpy as np

        self._np = np
        with np.load(path, allow_pickle=False) as data:
            names = data["features"].tobytes().decode("utf-8").split("\n")
            self.heads: tuple[str, ...] = tuple(data["heads"].tolist())
            self.idf = data["idf"].astype(np.float64)
            self.coef = data["coef"].astype(np.float64)  # features x heads
            self.intercept = data["intercept"].astype(np.float64)
            self.calibration = data["calibration"].astype(np.float64)  # heads x (a, b)
            self.info = json.loads(str(data["info"]))
            if "meaning" in data:
                words = data["meaning_words"].tobytes().decode("utf-8").split("\n")
                self.meaning = data["meaning"].astype(np.float64)  # words x heads
            else:
                words, self.meaning = [], np.zeros((0, len(self.heads)))
        if self.coef.shape != (len(names), len(self.heads)) or len(self.idf) != len(names) \
                or self.meaning.shape != (len(words), len(self.heads)):
            raise ValueError("model.npz: the arrays do not agree in size")
        # The columns that are categories (not the `meant` reading).
        self.category_columns = [k for k, h in enumerate(self.heads) if h in CATEGORIES]
        self.meaning_index: dict[str, int] = dict(zip(words, range(len(words)), strict=True))
        self.index: dict[str, int] = dict(zip(names, range(len(names)), strict=True))
        self._names = names
        self._token_ids: dict[str, tuple[int, ...]] = {}
        self._head_weights: dict[int, tuple[list[float], list[float]]] = {}
        # Per head, each token's share of explain()'s weighing (its features and meaning).
        self._token_weights: dict[int, dict[str, float]] = {}
        self._explained: dict[tuple[str, ...], str] = {}  # (head, *tokens): explain()

    def _feature_numbers(self, tok: str) -> tuple[int, ...]:
        """The vocabulary numbers of the token's features (token_features)."""
        return tuple(i for i in map(self.index.get, token_features(tok)) if i is not None)

    def _token_lookup(self, toks):
        """A function giving each of `toks` its feature numbers, remembered per token."""
        return _remembered(self._token_ids, toks, self._feature_numbers)

    def meaning_scores(self, docs: list[list[str]]):
        """Per text, the mean of its known words' meaning scores (texts x heads; zero for a
        text with none)."""
        np = self._np
        toks = list(chain.from_iterable(docs))
        sizes = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        return self._meaning_scores(toks, np.repeat(np.arange(len(docs), dtype=np.int64), sizes),
                                    len(docs))

    def _meaning_scores(self, toks: list[str], doc_of, n_docs: int):
        """meaning_scores() of the texts whose tokens, one after the other, are `toks`, the
        i-th of them in text number doc_of[i]."""
        np = self._np
        # Every token looked up at once (-1: no meaning), then the known ones kept: the
        # same numbers in the same order as text by text, without a Python step a token.
        found = np.fromiter(map(self.meaning_index.get, toks, repeat(-1)), dtype=np.int64,
                            count=len(toks))
        known = found >= 0
        flat = found[known]
        lengths = np.bincount(doc_of[known], minlength=n_docs)
        out = np.zeros((n_docs, len(self.heads)))
        if not len(flat):
            return out
        # (Array methods rather than np.flatnonzero, np.cumsum…: the same work without
        # their Python wrappers, which cost as much as the work for one mail's few texts.)
        has = lengths.nonzero()[0]
        starts = (lengths.cumsum() - lengths)[has]  # where each text's words start
        out[has] = np.add.reduceat(self.meaning[flat], starts, axis=0) / lengths[has, None]
        return out

    def raw_scores(self, docs: list[list[str]]):
        """The raw score of every category for each text (texts x heads)."""
        np = self._np
        n_docs, n_features = len(docs), len(self.idf)
        toks = list(chain.from_iterable(docs))
        sizes = np.fromiter(map(len, docs), dtype=np.int64, count=n_docs)
        doc_of = np.arange(n_docs, dtype=np.int64).repeat(sizes)  # each token's text
        # (Fewer numpy calls than np.tile, np.diff and np.clip, which are Python functions
        # around the same work: the check engine scores one mail at a time.)
        scores = np.empty((n_docs, len(self.heads)))
        scores[:] = self.intercept
        if len(self.meaning):
            scores += self._meaning_scores(toks, doc_of, n_docs)
        # The features of all the texts at once, as (text, feature) keys: each token's
        # feature numbers, and each pair of neighbouring tokens' (-1: not in the
        # vocabulary, or a pair across two texts). The same keys as text_features gives
        # text by text; sorted below, so their order here does not matter.
        per_token = list(map(self._token_lookup(toks), toks))
        counts = np.fromiter(map(len, per_token), dtype=np.int64, count=len(toks))
        token_ids = np.fromiter(chain.from_iterable(per_token), dtype=np.int64,
                                count=int(counts.sum()))
        pairs_text = map(" ".join, zip(toks, islice(toks, 1, None), strict=False))
        pair_ids = np.fromiter(map(self.index.get, pairs_text, repeat(-1)), dtype=np.int64,
                               count=max(len(toks) - 1, 0))
        pair_doc = doc_of[:-1]
        pairs = (pair_ids >= 0) & (pair_doc == doc_of[1:])
        keys = np.concatenate((doc_of.repeat(counts) * n_features + token_ids,
                               pair_doc[pairs] * n_features + pair_ids[pairs]))
        if not len(keys):
            return scores
        keys.sort()
        # Where each distinct key starts, and (last) the end: its count is the difference.
        first = np.empty(len(keys) + 1, dtype=bool)
        first[0] = first[-1] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:-1])
        edges = first.nonzero()[0]
        starts = edges[:-1]
        counts = edges[1:] - starts
        keys = keys[starts]
        doc, feature = np.divmod(keys, n_features)
        values = (1.0 + np.log(counts)) * self.idf[feature]
        norms = np.sqrt(np.bincount(doc, weights=values * values, minlength=n_docs))
        values /= norms[doc]
        contributions = self.coef[feature] * values[:, None]
        new_doc = np.empty(len(doc), dtype=bool)  # where each text's features start
        new_doc[0] = True
        np.not_equal(doc[1:], doc[:-1], out=new_doc[1:])
        doc_starts = new_doc.nonzero()[0]
        scores[doc[doc_starts]] += np.add.reduceat(contributions, doc_starts, axis=0)
        return scores

    def probabilities(self, docs: list[list[str]]):
        """The calibrated probability of every category for each text (texts x heads)."""
        np = self._np
        raw = self.raw_scores(docs)
        a, b = self.calibration[:, 0], self.calibration[:, 1]
        z = raw * a + b
        np.maximum(z, -30.0, out=z)  # np.clip(z, -30, 30), without its Python wrapper
        np.minimum(z, 30.0, out=z)
        return 1.0 / (1.0 + np.exp(-z))

    def probability(self, toks: list[str]) -> float:
        """The highest category probability of one text (how hostile a sentence reads)."""
        if not toks:
            return 0.0
        return float(self.probabilities([toks])[0][self.category_columns].max())

    def explain(self, toks: list[str], head: str) -> str:
        """The word, or pair of words, that carried the most of `head`'s score in `toks`."""
        # Worked out once per text and category (up to _EXPLAINED of them): a text is
        # explained again for its finding after _echo(), and a long run meets the same
        # messages again (looking up its word pairs is most of the work).
        key = (head, *toks)
        best = self._explained.get(key)
        if best is None:
            best = self._explain(toks, head)
            if len(self._explained) < _EXPLAINED:
                self._explained[key] = best
        return best

    def _explain(self, toks: list[str], head: str) -> str:
        k = self.heads.index(head)
        weights, _ = self._weights_of(k)
        best, best_weight = "", 0.0
        # The first token, then the first pair, of the highest weight (what a loop keeping
        # the first of the best finds), if it weighs more than nothing, then more than the
        # token: max() and index() find them without a Python step each.
        if toks:
            weight_of = self._token_weight_lookup(k, toks)
            top = max(toks, key=weight_of)
            if weight_of(top) > best_weight:
                best, best_weight = top, weight_of(top)
        pairs = list(map(" ".join, zip(toks, toks[1:], strict=False)))
        if pairs:
            # (A pair outside the vocabulary is number -1, whose weight is -inf: see
            # _weights_of.)
            pair_weights = list(map(weights.__getitem__,
                                    map(self.index.get, pairs, repeat(-1))))
            top_weight = max(pair_weights)
            if top_weight > best_weight:
                best = pairs[pair_weights.index(top_weight)]
        return best

    def _token_weight(self, k: int, tok: str) -> float:
        """What one token adds to head k's score before the length is divided out: its
        features' weights and its meaning (explain() weighs tokens by it)."""
        weights, meaning = self._weights_of(k)
        weight = sum(map(weights.__getitem__, self._token_lookup((tok,))(tok)))
        m = self.meaning_index.get(tok)
        if m is not None:
            weight += meaning[m]
        return weight

    def _token_weight_lookup(self, k: int, toks):
        """A function giving each of `toks` its _token_weight for head k, remembered per
        token and head."""
        return _remembered(self._token_weights.setdefault(k, {}), toks,
                           lambda tok: self._token_weight(k, tok))

    def _weights_of(self, k: int) -> tuple[list[float], list[float]]:
        """For head k: each feature's weight times its idf (what one use of it adds before
        the length is divided out) and each word's meaning score, as floats (quicker one by
        one than numpy's), worked out once per head."""
        if k not in self._head_weights:
            # (With -inf last: the weight of number -1, which explain() gives a pair
            # outside the vocabulary.)
            self._head_weights[k] = ((self.coef[:, k] * self.idf).tolist() + [-math.inf],
                                     self.meaning[:, k].tolist())
        return self._head_weights[k]


class Classifier:
    """Scores text for the content categories (see CATEGORIES)."""

    def __init__(self, lexicon: Lexicon, model: Model | None,
                 thresholds: dict[str, float] | None = None):
        self.lexicon = lexicon
        self.model = model
        self.thresholds = {c: lexicon.categories[c]["threshold"] for c in CATEGORIES}
        self.thresholds.update(thresholds or {})
        self._category_rating = {c: lexicon.categories[c]["rating"] for c in CATEGORIES}
        heads = model.heads if model else ()
        # The model's categories; its `meant` head is no category: it reads whether the
        # words around a phrase of risk mean it or say it as a figure of speech.
        self._heads = tuple((k, heads[k]) for k in model.category_columns) if model else ()
        self._meant = heads.index(MEANT) if MEANT in heads and "self_harm" in heads else None
        self._plan = heads.index(PLAN) if PLAN in heads and "self_harm" in heads else None
        self._told_column = heads.index(TOLD_INSIDE) if TOLD_INSIDE in heads else None
        self._self_harm = heads.index("self_harm") if self._meant is not None else 0
        # Words known to the lexicon or the model: what a run-together "i amtired" is mended to.
        self._mended: dict[str, tuple[str, ...]] = {}
        self._known = frozenset(lexicon.words) | frozenset(lexicon.triggers) | (
            frozenset(n[1:] for n in model.index if n.startswith("=")) if model else frozenset())

    def mend(self, toks: list[str]) -> list[str]:
        """Tokens with a run-together "I'm" split ("i amtired" -> "i am tired", "yeahi
        amdone" -> "yeah i am done"): text whose "I'm" lost its apostrophe and spaces reads
        so, and the risk phrases ("i am done", "i am so tired") would not see it. A token is
        split only where it is no known word and its parts are."""
        # Most texts have no token to mend: the set difference finds the few unknown
        # tokens without a Python loop over every token.
        memo = self._mended
        mend = {}
        for tok in set(toks).difference(self._known):
            if tok[-1:] == "i" or tok[:2] == "am":
                parts = memo.get(tok)
                if parts is None:
                    parts = self._mend_token(tok)
                    if len(memo) < _MEMORY:
                        memo[tok] = parts
                if len(parts) > 1:
                    mend[tok] = parts
        if not mend:
            return toks
        out: list[str] = []
        for tok in toks:
            parts = mend.get(tok, (tok,))
            if len(parts) == 1:
                out.append(tok)
            elif parts[0] == "am" and (not out or out[-1] != "i"):
                out.append(tok)  # "amX" is mended only after "i"
            else:
                out.extend(parts)
        return out

    def _mend_token(self, tok: str) -> tuple[str, ...]:
        known = self._known
        if len(tok) < 4 or tok in known:
            return (tok,)
        head: str = tok
        tail: tuple[str, ...] = ()
        if tok.endswith("i") and (tok[:-1] in known or tok.startswith("am")):
            head, tail = tok[:-1], ("i",)
        if head.startswith("am") and head not in known and head[2:] in known:
            return ("am", head[2:], *tail)
        if tail and head in known:
            return (head, *tail)
        return (tok,)

    def model_tokens(self, toks: list[str]) -> list[str]:
        """The tokens the model reads: swear words taken out."""
        swear = self.lexicon.swear_words(toks)
        if not swear:
            return list(toks)
        return [t for t in toks if t not in swear]

    def classify(self, text: str, *, mail: bool = False,
                 personal: bool | None = None) -> Classification:
        """Score `text`. With mail=True (whole emails, not short posts) the learned model
        judges only the words around a lexicon word in long text, and must be surer.
        `personal` reads a long first-person account as a whole (the lexicon's `narrative`):
        by default in posts and chat, not in mail; the check engine asks for it in a
        pupil's own mail."""
        return self.classify_many([text], mail=mail, personal=personal)[0]

    def classify_many(self, texts: list[str], *, mail: bool = False,
                      personal: bool | None = None) -> list[Classification]:
        """[classify(text) for text in texts]: the lexicon text by text, the model on all
        the texts at once."""
        started = []
        docs: list[list[str]] = []
        personal = not mail if personal is None else personal
        for text in texts:
            toks = normalised_tokens(text or "")
            # (Posts and chat: a lost "I'm" is an artefact of copied posts, not of mail.)
            toks, joined = self.lexicon.strip_safe(toks if mail else self.mend(toks))
            hits = self.lexicon.hits(toks, joined)
            first = len(docs)
            told = 0
            if self.model is not None and toks:
                docs.extend(self._windows(toks, hits, mail))
                if mail and personal and len(toks) > SHORT_TEXT and self._told_column is not None:
                    # A pupil's own long mail is read through for a telling (see _reading).
                    reading = self._reading(toks)
                    docs.extend(reading)
                    told = len(reading)
            started.append((toks, hits, first, len(docs) - told, len(docs)))
        model = self.model
        # As Python floats, row by row: the steps below read them one by one, which is
        # quicker than from a numpy array.
        rows = model.probabilities(docs).tolist() if docs and model is not None else []
        out = []
        for toks, hits, first, mid, end in started:
            out.append(self._finish(toks, hits, rows[first:mid], docs[first:mid], mail,
                                    personal, rows[mid:end], docs[mid:end]))
        return out

    def _reading(self, toks: list[str]) -> list[list[str]]:
        """A long text read through in overlapping windows (WINDOW tokens, half a window
        apart, its first READ_TOKENS tokens), for the `disclosure` head alone: a pupil
        building up to a telling in a long email uses no word of the lexicon as often as
        not ("since mums new partner moved in there is hardly ever any food"), and the
        windows around the lexicon's words (_windows) are all the model reads of long
        mail otherwise."""
        swear = self.lexicon.swear_words(toks)
        step = WINDOW // 2
        out = []
        for start in range(0, min(len(toks), READ_TOKENS) - step, step):
            window = [t for t in toks[start:start + WINDOW] if t not in swear]
            if window:
                out.append(window)
        return out

    def _windows(self, toks: list[str], hits: list[Hit], mail: bool) -> list[list[str]]:
        """What the model reads of a text: the whole of it, or in long mail the windows
        around its lexicon words (none without one)."""
        if not mail or len(toks) <= SHORT_TEXT:
            return [self.model_tokens(toks)]
        terms = {w for h in hits for w in h.term.split()}
        anchors = list(compress(count(), map(terms.__contains__, toks)))
        windows: list[list[str]] = []
        # model_tokens() of each window, with the text's swear words found once.
        swear = self.lexicon.swear_words(toks) if anchors else set()
        for i in anchors[:40]:
            window = toks[max(0, i - WINDOW // 2): i + WINDOW // 2]
            if swear:
                window = [t for t in window if t not in swear]
            if window and window not in windows:
                windows.append(window)
        return windows

    def _finish(self, toks: list[str], hits: list[Hit], rows: list[list[float]],
                docs: list[list[str]], mail: bool, personal: bool,
                told_rows: list[list[float]] | None = None,
                told_docs: list[list[str]] | None = None) -> Classification:
        """One text's classification from its lexicon hits and the model's probabilities
        for each of its `docs` (`rows`, one list per doc), and for the windows read for the
        `disclosure` head alone (`told_rows`, `told_docs`: see _reading)."""
        told_rows, told_docs = told_rows or [], told_docs or []
        hits = self._told(hits)
        telling = bool(self._telling(hits))
        if self._meant is not None and rows and len(toks) <= SHORT_TEXT and \
                any(h.figurative_below for h in hits) and \
                max(row[self._self_harm] for row in rows) < STRENGTHENS_FROM["self_harm"]:
            # (Never where the model reads the text itself as one at risk: "i want to die
            # when he comes into my room at night" tells of harm, whatever its "when".)
            meant = max(row[self._meant] for row in rows)
            hits = [h for h in hits if meant >= h.figurative_below]
        scores = dict.fromkeys(CATEGORIES, 0.0)
        self_harm_terms: dict[str, float] = {}
        for hit in hits:
            if hit.p > scores[hit.category]:
                scores[hit.category] = hit.p
            if hit.category == "self_harm":
                self_harm_terms[hit.term] = max(hit.p, self_harm_terms.get(hit.term, 0.0))
        long_mail = mail and len(toks) > SHORT_TEXT
        if len(self_harm_terms) > 1 and not long_mail:
            # Risk language adds up: several signs of distress together say more than one
            # (not in long mail, where a newsletter's "crying" and "empty" are far apart).
            rest = 1.0
            for p in self_harm_terms.values():
                rest *= 1 - p
            scores["self_harm"] = 1 - rest
        hits = list(hits)
        if personal and scores["self_harm"] < self.lexicon.narrative_p:
            signs = self.lexicon.narrative_signs(toks)
            if signs:
                # A long account of oneself with several signs of distress: posts and chat,
                # and a pupil's own mail (adults' mail is correspondence, where grief and
                # tiredness are told without risk; see `personal`).
                hits.append(Hit("self_harm", self.lexicon.narrative_p, None, signs[0]))
                scores["self_harm"] = self.lexicon.narrative_p
        best_model = 0.0
        model = self.model
        account = personal and not mail and len(toks) >= ACCOUNT_TOKENS
        if (rows or told_rows) and model is not None:
            # Each category's highest probability over the docs.
            model_p = (rows[0] if len(rows) == 1 else list(map(max, zip(*rows, strict=True)))
                       ) if rows else [0.0] * len(model.heads)
            if told_rows:
                model_p = list(model_p)
                k = cast(int, self._told_column)  # (told_rows are read only with the head)
                read_p = max(r[k] for r in told_rows)
                if read_p >= READ_CUT:
                    model_p[k] = max(model_p[k], read_p)
            best_model = max(best_model, *(model_p[k] for k, _ in self._heads))
            for k, head in self._heads:
                p = model_p[k]
                threshold = self.thresholds[head]
                if telling and head != "self_harm" and scores[head] == 0:
                    # A child telling of harm done to them: the model's reading of the
                    # harm's words ("they keep calling me a ...") is the disclosure's, as
                    # the lexicon's are (see _told), never a finding of its own that would
                    # hold the child's message.
                    p = min(p, threshold * 0.99)
                elif head == "abuse" and (SECOND_PERSON if mail else ADDRESSED).isdisjoint(toks):
                    # Rudeness counts as abuse only where it is aimed at someone: in mail
                    # (the check engine) someone addressed ("you"), in a post or message
                    # also someone mentioned or named by a pronoun. Not a grumble about the
                    # world ("my stupid tv", "nasty rainy day"), which teenagers write all
                    # day (a quarter of their ordinary posts were flagged without this).
                    p = min(p, threshold * 0.99)
                elif head == "abuse" and p >= threshold and scores[head] == 0 and \
                        self.lexicon.kind(toks):
                    # Said kindly to someone ("ur a legend", "ur so pretty <3"), with no
                    # insult of the lexicon's: the model reads short second-person posts
                    # near the threshold whatever they say.
                    p = min(p, threshold * 0.99)
                elif head == "discrimination" and scores[head] == 0 and not _names_a_group(toks):
                    p = min(p, threshold * 0.99)  # (no group: see GROUPS)
                elif scores[head] > 0 and not long_mail:
                    # A weak lexicon word and the model's reading strengthen each other (not
                    # in long mail: newsletters and adult correspondence say "useless",
                    # "fool" and "exhausted" in passing), unless the model reads nothing but
                    # that word: see _echo.
                    # The model must itself lean to the category (STRENGTHENS_FROM) for its
                    # reading to count as a second sign.
                    # (In an account, where the model may find it alone, its reading
                    # stands: a word such as "pills" must not lower it.)
                    if p < STRENGTHENS_FROM.get(head, 0.0) or self._echo(head, hits, docs,
                                                                          threshold):
                        p = max(scores[head], p) if account and head in ALONE_IN_ACCOUNTS \
                            else scores[head]
                    else:
                        p = 1 - (1 - scores[head]) * (1 - p)
                elif head == TOLD_INSIDE:
                    # A child telling of harm: the model may find it alone in what a young
                    # person writes (posts, chat, a pupil's own mail: `personal`), where
                    # most tellings hold no word of the lexicon ("theres no food at home
                    # again and mum hasnt been back since tuesday"); never in adults' mail.
                    # (Not in a few words: "home safe?", "send the pics", "tell me
                    # everything" read as tellings, the model's reading of a short text
                    # being its one or two words'.)
                    # Nor a threat said as a figure of speech (the lexicon's `not_told`).
                    if not personal or len(toks) < TOLD_FROM_TOKENS or \
                            (not mail and p < max(TOLD_POST_CUT, threshold)) or \
                            (p >= threshold and self.lexicon.not_told(toks)):
                        p = min(p, threshold * 0.99)
                elif not (head in MODEL_ALONE or (account and head in ALONE_IN_ACCOUNTS)
                          or (head in ALONE_FROM and p >= ALONE_FROM[head]
                              and len(toks) >= ALONE_FROM_TOKENS)) \
                        or (mail and p < max(MAIL_MODEL_CUT, threshold)):
                    # Categories learned from a few hundred school messages only
                    # strengthen a word of the lexicon; in mail the model alone must be sure.
                    p = min(p, threshold * 0.99)
                if p > scores[head]:
                    if p >= threshold and scores[head] < threshold:
                        # The words that carried the model's score, for the finding.
                        # (The doc the model reads as most of the category.)
                        read, read_docs = (rows + told_rows, docs + told_docs) \
                            if head == TOLD_INSIDE else (rows, docs)
                        doc = read_docs[max(range(len(read_docs)), key=lambda j: read[j][k])]
                        hits.append(Hit(head, p, None, model.explain(doc, head) or
                                        " ".join(doc[:8])))
                    scores[head] = p
        at_plan = self._plan
        plan = max((row[at_plan] for row in rows), default=0.0) if at_plan is not None else 0.0
        if plan >= PLAN_FROM and not long_mail and \
                scores["self_harm"] < self.thresholds["self_harm"] and \
                (not self.lexicon.means.isdisjoint(toks) or any(h.plan for h in hits)):
            # A means or a place named, or a plan told: the `plan` reading (see PLAN). The
            # excerpt: the phrase, or the means named with the words around it (the head
            # weighs the whole message; its heaviest word alone, "that" or "monday", says
            # little).
            told = next((h.term for h in hits if h.plan), None)
            if told is None:
                at = next(i for i, t in enumerate(toks) if t in self.lexicon.means)
                told = " ".join(toks[max(0, at - 4):at + 5])
            hits.append(Hit("self_harm", plan, None, told))
            scores["self_harm"] = plan
        flagged, rating, ratings = self._verdict(scores, self._hit_ratings(hits))
        return Classification(scores, bool(flagged), rating, flagged, hits, best_model, ratings)

    def _told(self, hits: list[Hit]) -> list[Hit]:
        """`hits` without those of another category whose words stand inside a disclosure
        that reaches its threshold (see TOLD_INSIDE); self-harm's stay (a risk of its own).
        A hit that asks for words of a category inside it (`told_of`) counts only so."""
        hits = [h for h in hits if not h.told_of or any(
            o.category in h.told_of and f" {o.term} " in f" {h.term} " for o in hits)]
        told = [f" {h.term} " for h in self._telling(hits)]
        if not told:
            return hits
        return [h for h in hits if h.category in (TOLD_INSIDE, "self_harm")
                or not any(f" {h.term} " in t for t in told)]

    def _telling(self, hits: list[Hit]) -> list[Hit]:
        """The disclosures among `hits` that reach their threshold (see TOLD_INSIDE)."""
        return [h for h in hits
                if h.category == TOLD_INSIDE and h.p >= self.thresholds[TOLD_INSIDE]]

    def _echo(self, head: str, hits: list[Hit], docs: list[list[str]],
              threshold: float) -> bool:
        """Whether the model's self-harm reading only repeats the one weak sign the lexicon
        found (the words that carry it are that sign's words): then the two are one sign,
        not two that add up. A hedged "i want to die lol" or "if we lose i'll kill myself"
        is a weak sign in the lexicon; the model, which learned those words without their
        context, would otherwise make it a finding again."""
        if head != "self_harm" or self.model is None or len(docs) != 1:
            return False
        terms = {h.term for h in hits if h.category == head}
        if len(terms) != 1 or any(h.p >= threshold for h in hits if h.category == head):
            return False
        carried = self.model.explain(docs[0], head).split()
        return bool(carried) and set(carried) <= set(next(iter(terms)).split())

    def _hit_ratings(self, hits: list[Hit]) -> dict[str, str]:
        """Per category, the gravest rating among its hits that reach its threshold (a hit
        without a rating has its category's)."""
        ratings: dict[str, str] = {}
        for hit in hits:
            if hit.p >= self.thresholds[hit.category]:
                hit_rating = hit.rating or self._category_rating[hit.category]
                if _RATING_ORDER[hit_rating] > _RATING_ORDER[ratings.get(hit.category)]:
                    ratings[hit.category] = hit_rating
        return ratings

    def _verdict(self, scores: dict[str, float],
                 hit_ratings: dict[str, str]) -> tuple[list[str], str | None, dict[str, str]]:
        """(flagged categories, overall rating, rating per flagged category)."""
        flagged, rating, ratings = [], None, {}
        for category in CATEGORIES:
            if scores[category] >= self.thresholds[category]:
                flagged.append(category)
                cat_rating = ratings[category] = hit_ratings.get(
                    category, self._category_rating[category])
                if _RATING_ORDER[cat_rating] > _RATING_ORDER[rating]:
                    rating = cat_rating
        return flagged, rating, ratings


def load_lexicon(path: Path | str | None = None) -> Lexicon:
    path = Path(path or LEXICON_PATH)
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"cannot read the lexicon {path}: {exc}") from exc
    return Lexicon(data)


def load_model(path: Path | str | None = None) -> Model | None:
    path = Path(path or MODEL_PATH)
    if not path.exists():
        return None
    return Model(path)


def rulebook_thresholds() -> dict[str, float]:
    """The threshold of each content category in the rulebook in force
    (`params.threshold` of its content rule), where the rulebook gives one."""
    from esafety.engine.messages.rulebook import load_rulebook

    try:
        rulebook = load_rulebook()
    except Exception:  # noqa: BLE001 - the checker reports a bad rulebook; the lexicon's stand
        return {}
    out = {}
    for rule in rulebook.rules:
        value = rule.params.get("threshold")
        if rule.category in CATEGORIES and isinstance(value, (int, float)) and 0 < value < 1:
            out[rule.category] = float(value)
    return out


@lru_cache(maxsize=1)
def default_classifier() -> Classifier:
    """The shipped lexicon and model with the rulebook's thresholds, loaded once."""
    return Classifier(load_lexicon(), load_model(), rulebook_thresholds())
