"""The text classifier: a curated lexicon and a small learned model, combined.

Pure Python at run time: the model is a JSON file of word and word-pair weights (a
logistic regression built by scripts/build_classifier.py from openly licensed data), so it
loads in milliseconds and scores a short text in microseconds. The batch API
(Classifier.classify_many) scores many texts at once with the optional compiled loops
(_speedups.c, see speedups.py), or without them with numpy, imported on first use.

Why both parts: the learned model (trained on tweets) recognises insults and hostility
that no word list anticipates, but social-media text is not school email; the lexicon
(lexicon.yaml, which a school may adjust) carries the categories the data sets do not
label (sexual content, violence, self-harm, extremism) and keeps its judgement when the
vocabulary moves. Both read the same normalised tokens (normalise.py), so obfuscation
is undone once.
"""

import gc
import json
import math
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, compress, filterfalse
from pathlib import Path

import yaml

try:
    import re._parser as _sre  # Python's own regex parser, to read the phrase patterns
except ImportError:  # pragma: no cover - then every phrase window is searched in full
    _sre = None

from esafety.engine.messages import speedups
from esafety.engine.messages.normalise import tokens as normalised_tokens
from esafety.engine.messages.normalise import tokens_many

HERE = Path(__file__).resolve().parent
LEXICON_PATH = HERE / "lexicon.yaml"
MODEL_PATH = HERE / "model.json"

CATEGORIES = ("profanity", "abuse", "discrimination", "sexual", "violence", "self_harm",
              "extremism")
RATINGS = ("mild", "serious", "gross")  # 004 Appendix I, lightest first
_RATING_ORDER = {None: 0, "mild": 1, "serious": 2, "gross": 3}

MAIL_MODEL_CUT = 0.95
SECOND_PERSON = frozenset({"you", "u", "your", "ur", "ya", "youre", "yourself", "yours", "thou"})  # model-only abuse in whole emails needs this probability

_PAIRS = tuple(c * 2 for c in "abcdefghijklmnopqrstuvwxyz")
_COLLAPSE_MEMORY = 200_000  # distinct tokens remembered per lexicon (a few MB at most)
# Model.one_window_probabilities numbers tokens below 2**_ID_BITS and texts below 2**_ID_BITS
# per round, so a (word, word, text) key fits in one int64. Tokens outside the model are
# numbered as they come, up to _ID_MEMORY of them (plus at most a round's worth, 2**20);
# then the numbering starts again.
_ID_BITS = 21
_ID_MEMORY = 200_000
# Fewer model windows than this in one batch are scored text by text: importing numpy
# (about 0.3 s) and its fixed costs per call pay off only on big batches, and a short run
# of `esafety classify` should start as quickly as before.
_NUMPY_FROM = 500


class LexiconError(ValueError):
    """The lexicon file is not valid; the message says where."""


@dataclass
class Hit:
    category: str
    p: float
    rating: str | None
    term: str


@dataclass
class Classification:
    """One text's scores: a probability-like value per category, and what triggered them."""

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
    """`tok` with its doubled letters made single ("shitt" -> "shit"); str.replace per
    letter pair is much cheaper than a regex substitution per match."""
    for pair in _PAIRS:
        if pair in tok:
            tok = tok.replace(pair, pair[0])
    return tok


def _phrase_regex(text: str) -> str:
    return r"(?<![a-z0-9])(?:" + text + r")(?![a-z0-9])"


def _required_strings(parsed) -> list[frozenset[str]] | None:
    """Sets of plain strings such that every match of the parsed regex contains one string
    of each set (None if flags make that unsafe to say).

    Runs of literal characters must appear as they are; a group or a repeat at least once
    adds what it requires; an alternation adds the union of what each branch requires,
    if every branch requires something. Anything else (classes, assertions) adds nothing,
    which only makes the answer weaker, never wrong.
    """
    out: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in parsed.data:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            out.append(frozenset(["".join(run)]))
            run = []
        if op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, inner = av
            if add_flags or del_flags:
                return None
            required = _required_strings(inner)
            if required is None:
                return None
            out += required
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            required = _required_strings(av[2])
            if required is None:
                return None
            out += required
        elif op is _sre.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                required = _required_strings(branch)
                if required is None:
                    return None
                if not required:
                    break
                union |= max(required, key=lambda strings: min(map(len, strings)))
            else:
                out.append(frozenset(union))
    if run:
        out.append(frozenset(["".join(run)]))
    return out


def _phrase_needs(patterns: list[str]) -> tuple[tuple[tuple[str, ...], ...], ...] | None:
    """For each pattern of a phrase group, sets of plain strings of which a window must
    contain one each for the pattern to match there (see _required_strings); None when
    some pattern requires no string (every window is then searched with the full regex).

    Looking for a few fixed strings in a window costs a microsecond or two; trying the
    group's alternation at every position of it costs tens.
    """
    needs = []
    for pattern in patterns:
        try:
            parsed = _sre.parse(_phrase_regex(pattern))
            required = None if parsed.state.flags & re.IGNORECASE else _required_strings(parsed)
        except Exception:  # noqa: BLE001 - an unreadable pattern: no pre-check, always safe
            return None
        # Sets with a one-character string (" ", "u") are in nearly every window: skip
        # them. Small sets of long strings are the cheapest to rule a pattern out: first.
        required = sorted((strings for strings in required or () if min(map(len, strings)) > 1),
                          key=lambda strings: (len(strings), -min(map(len, strings))))
        if not required:
            return None
        needs.append(tuple(tuple(sorted(strings, key=lambda s: (-len(s), s)))
                           for strings in required))
    return tuple(needs)


def _may_match(window: str, needs: tuple) -> bool:
    """False when no pattern of the group can match in `window` (see _phrase_needs)."""
    for required in needs:
        for strings in required:
            if not any(string in window for string in strings):
                break
        else:
            return True
    return False


_ZERO_WIDTH = (_sre.ASSERT, _sre.ASSERT_NOT, _sre.AT) if _sre else ()
_MAX_STRINGS = 500  # a piece that can match more strings than this is not expanded


def _strings(ops) -> set[str] | None:
    """Every string the parsed ops can match, if they match only a few fixed strings
    (literals, alternations, groups, classes of single letters); else None."""
    out = {""}
    for op, av in ops:
        if op is _sre.LITERAL:
            options = {chr(av)}
        elif op is _sre.IN and all(item is _sre.LITERAL for item, _ in av):
            options = {chr(value) for _, value in av}
        elif op is _sre.BRANCH:
            options = set()
            for branch in av[1]:
                found = _strings(branch.data)
                if found is None:
                    return None
                options |= found
        elif op is _sre.SUBPATTERN and not av[1] and not av[2]:
            inner = _strings(av[3].data)
            if inner is None:
                return None
            options = inner
        else:
            return None
        out = {a + b for a in out for b in options}
        if len(out) > _MAX_STRINGS:
            return None
    return out


def _fixed_parts(patterns: list[str]) -> list[list[tuple[int, frozenset[str]]]] | None:
    """For each pattern of a phrase group (a pattern "a|b" counts as two), its parts that
    match a few fixed strings, as (the part's place among the pattern's parts, the first
    words of its strings); None if some pattern cannot be read so.

    The parts are what lies between the pattern's top-level spaces ("(piss|sod) off" has
    {piss, sod} at 0 and {off} at 1). Such a part begins at a token's start (the
    pattern's start, or after a space) and its first word ends at a space or at the
    part's end (the pattern's end, or a space), so the word is a whole token of the text.
    That holds for the batch path's tokens (see Classifier._start_short): words of
    letters and digits, and "@user", in which a match may start at "user" (so "user" is
    never relied on in a pattern's first part); a "*" mask takes the general path.
    """
    if _sre is None:
        return None
    out = []
    for pattern in patterns:
        try:
            parsed = _sre.parse(pattern)
        except Exception:  # noqa: BLE001 - an unreadable pattern: no pre-check, always safe
            return None
        if parsed.state.flags & re.IGNORECASE:
            return None
        ops = list(parsed.data)
        alternatives = ([branch.data for branch in ops[0][1][1]]
                        if len(ops) == 1 and ops[0][0] is _sre.BRANCH else [ops])
        for alternative in alternatives:
            pieces: list[list] = [[]]
            for op, av in alternative:
                if op is _sre.LITERAL and av == ord(" "):
                    pieces.append([])
                elif op not in _ZERO_WIDTH:
                    pieces[-1].append((op, av))
            fixed = []
            for i, piece in enumerate(pieces):
                strings = _strings(piece) if piece else None
                if not strings or "" in strings:
                    continue
                words = frozenset(string.split(" ", 1)[0] for string in strings)
                if "" not in words and not (i == 0 and "user" in words):
                    fixed.append((i, words))
            out.append(fixed)
    return out


def _token_needs(parts: list | None) -> tuple[tuple[frozenset[str], ...], ...] | None:
    """For each pattern of a phrase group, sets of words of which a text must hold one
    each, as a whole token, for the pattern to match it, given its _fixed_parts(); None
    when some pattern requires none (then the group is always searched)."""
    if parts is None or not all(parts):
        return None
    return tuple(tuple(sorted((words for _, words in fixed), key=len)) for fixed in parts)


def _first_words(parts: list | None) -> frozenset[str] | None:
    """The words, whole tokens, with which a match of a phrase group can begin, given its
    _fixed_parts(); None when some pattern may begin otherwise."""
    if parts is None or not all(fixed and fixed[0][0] == 0 for fixed in parts):
        return None
    return frozenset().union(*(fixed[0][1] for fixed in parts))


def _may_match_tokens(tokset: set[str], needs: tuple) -> bool:
    """False when no pattern of the group can match a text of these tokens (see
    _token_needs)."""
    for required in needs:
        for words in required:
            if words.isdisjoint(tokset):
                break
        else:
            return True
    return False


class Lexicon:
    """The compiled lexicon: token table, safe stems, trigger-indexed phrase groups."""

    def __init__(self, data: dict):
        self.categories: dict[str, dict] = {}
        self.words: dict[str, list[Hit]] = {}
        self.stems: list[tuple[str, Hit, frozenset]] = []
        self.groups: list[tuple[re.Pattern, Hit, list[str]]] = []
        self.triggers: dict[str, list[int]] = {}
        self._group_when: list[frozenset] = []
        self._quick_regexes: list[re.Pattern | None] = []
        self._group_needs: list[tuple | None] = []
        self._group_token_needs: list[tuple | None] = []
        self._group_starts: list[dict[str, str] | None] = []
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
                word = str(word).lower()
                forms = inflections(word) if group.get("inflect") else {word}
                for form in forms:
                    self.words.setdefault(form, []).append(
                        Hit(hit.category, hit.p, hit.rating, word))
        for i, entry in enumerate(data.get("stems") or []):
            hit = self._hit(entry, f"stems[{i}]")
            stem = str(entry.get("stem", "")).lower()
            if len(stem) < 4:
                raise LexiconError(f"stems[{i}]: a stem must have at least 4 letters")
            hit.term = stem
            self.stems.append((stem, hit, frozenset(entry.get("except") or [])))
        self._stem_names = tuple(s for s, _, _ in self.stems)
        for i, entry in enumerate(data.get("phrases") or []):
            hit = self._hit(entry, f"phrases[{i}]")
            patterns = entry.get("patterns") or []
            when = [str(w).lower() for w in entry.get("when") or []]
            if not patterns or not when:
                raise LexiconError(f"phrases[{i}]: needs `patterns` and `when`")
            try:
                regex = re.compile("|".join(_phrase_regex(p) for p in patterns))
            except re.error as exc:
                raise LexiconError(f"phrases[{i}]: bad pattern ({exc})") from exc
            self.groups.append((regex, hit, patterns))
            self._quick_regexes.append(None)  # compiled when first needed (see phrase_hit)
            self._group_when.append(frozenset(when))
            self._group_needs.append(_phrase_needs(patterns))
            parts = _fixed_parts(patterns)  # (parses every pattern: once per group)
            self._group_token_needs.append(_token_needs(parts))
            first = _first_words(parts)
            self._group_starts.append(None if first is None else
                                      {word: f" {word} " for word in first})
            for w in when:
                self.triggers.setdefault(w, []).append(len(self.groups) - 1)
        self._trigger_keys = frozenset(self.triggers)
        # Safe phrases are indexed by their riskiest token, so the common case (no risky
        # word in the text) costs one set intersection.
        risky = set(self.words) | set(self.triggers) | {s for s, _, _ in self.stems}
        self._safe: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for phrase in data.get("safe") or []:
            toks = tuple(normalised_tokens(str(phrase)))
            if not toks:
                continue
            key = next((i for i, t in enumerate(toks)
                        if t in risky or any(s in t for s, _, _ in self.stems)),
                       max(range(len(toks)), key=lambda i: len(toks[i])))
            self._safe.setdefault(toks[key], []).append((toks, key))
        for entries in self._safe.values():
            entries.sort(key=lambda e: -len(e[0]))
        self._safe_keys = frozenset(self._safe)
        self._word_keys = frozenset(self.words)
        # token -> its doubled letters made single, for the tokens where that is a lexicon
        # word; and every token already looked at (see hits()).
        self._collapse_memo: tuple[dict[str, str], set[str]] = ({}, set())
        self._words_by_length: dict[int, list[str]] = {}
        for w in self.words:
            self._words_by_length.setdefault(len(w), []).append(w)

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
        return Hit(category, p, rating, "")

    def strip_safe(self, toks: list[str]) -> tuple[list[str], str]:
        """Remove safe phrases ("sex education", "Dick Whittington") before scoring."""
        joined = " ".join(toks)
        present = self._safe_keys.intersection(toks)
        if not present:
            return toks, joined
        changed = False
        padded = f" {joined} "
        for key in present:
            for phrase, _ in self._safe[key]:
                text = " " + " ".join(phrase) + " "
                if text in padded:
                    padded = padded.replace(text, " | ")
                    changed = True
        if not changed:
            return toks, joined
        out = padded.split()
        return out, " ".join(out)

    def _learn_collapses(self, tokset: set[str], collapses: dict[str, str],
                         seen: set[str]) -> tuple[dict[str, str], set[str]]:
        unseen = tokset - seen
        if len(seen) + len(unseen) > _COLLAPSE_MEMORY:
            # Start again rather than grow without bound (new objects, so a thread still
            # reading the old pair sees a consistent one).
            collapses, seen, unseen = {}, set(), tokset
            self._collapse_memo = (collapses, seen)
        for tok in unseen:
            collapsed = self._collapsed(tok)
            if collapsed:
                collapses[tok] = collapsed
        seen.update(unseen)
        return collapses, seen

    def _collapsed(self, tok: str) -> str | None:
        """The lexicon word `tok` is with its doubled letters made single ("shitt"), or
        None when that changes nothing or is no lexicon word."""
        collapsed = _single_letters(tok)
        return collapsed if collapsed != tok and collapsed in self._word_keys else None

    def hits(self, toks: list[str], joined: str) -> list[Hit]:
        found: list[Hit] = []
        tokset = set(toks)
        # Hits in the order their words first appear, so the same text always gives the
        # same evidence in the same order (set order changes between processes).
        # (toks.index gives the same order as a table of first positions, and is cheaper
        # for the few lexicon words a text has.)
        for word in sorted(tokset & self._word_keys, key=toks.index):
            found.extend(self.words[word])
        # "shitt", "fuuck": the tokens again with doubled letters made single (str.replace
        # per letter pair is much cheaper than a regex substitution per match).
        # Worked out once per distinct token and remembered (set operations in C then do
        # the per-text work): the collapsed form matters only when it is a lexicon word.
        collapses, seen = self._collapse_memo
        if not seen.issuperset(tokset):
            collapses, seen = self._learn_collapses(tokset, collapses, seen)
        singles = {collapses[t] for t in tokset & collapses.keys()}
        for single in sorted(singles - tokset):
            found.extend(Hit(h.category, h.p, h.rating, h.term) for h in self.words[single])
        if "*" in joined:
            for tok in dict.fromkeys(toks):
                if "*" in tok and len(tok) > 2 and tok.strip("*"):
                    pattern = re.compile(re.escape(tok).replace(r"\*", "[a-z]"))
                    for word in self._words_by_length.get(len(tok), ()):
                        if pattern.fullmatch(word):
                            found.extend(self.words[word])
                            break
        # One C-level substring test per stem is much cheaper than the alternation regex
        # scanning every position of the text; both answer "is any stem in the text?".
        if any(stem in joined for stem in self._stem_names):
            for stem, hit, exceptions in self.stems:
                if stem in joined:
                    for tok in dict.fromkeys(toks):
                        if _stem_fits(tok, stem, exceptions):
                            found.append(hit)
                            break
        present = tokset & self._trigger_keys
        if present:
            groups = set()
            for trigger in present:
                groups.update(self.triggers[trigger])
            long_text = len(toks) > 80
            # (compress() walks the tokens in C: the same list as a comprehension testing
            # each token.)
            positions = list(compress(range(len(toks)), map(present.__contains__, toks))) \
                if long_text else []
            for index in sorted(groups):
                regex, hit, _ = self.groups[index]
                if long_text:
                    # Search only around the trigger words, not the whole email.
                    match = None
                    when = self._group_when[index]
                    needs = self._group_needs[index]
                    for count, i in enumerate(p for p in positions if toks[p] in when):
                        window = " ".join(toks[max(0, i - 14): i + 16])
                        if needs is None or _may_match(window, needs):
                            match = regex.search(window)
                            if match:
                                break
                        if count >= 40:
                            break
                else:
                    match = regex.search(joined)
                if match:
                    found.append(Hit(hit.category, hit.p, hit.rating, match.group(0)))
        return found

    def token_part(self, tok: str) -> tuple | None:
        """What one token can contribute to hits() on its own, or None if nothing:
        (its word hits, the lexicon word its doubled letters make single, the indexes of
        the stems it fits, the phrase groups it triggers, whether it has a "*" mask,
        whether it keys a safe phrase)."""
        collapsed = self._collapsed(tok)
        fits = tuple(i for i, (stem, _, exceptions) in enumerate(self.stems)
                     if _stem_fits(tok, stem, exceptions))
        part = (self.words.get(tok), collapsed, fits, tuple(self.triggers.get(tok, ())),
                "*" in tok, tok in self._safe_keys)
        return part if any(part) else None

    def _quick_regex(self, index: int) -> re.Pattern:
        """The regex of phrase group `index` with the word-start test done once for all
        its phrases, so the engine gives up at once inside a word: the same matches, a few
        times faster than one test per phrase."""
        regex = self._quick_regexes[index]
        if regex is None:
            patterns = self.groups[index][2]
            regex = self._quick_regexes[index] = re.compile(
                r"(?<![a-z0-9])(?:" + "|".join(f"(?:{p})(?![a-z0-9])" for p in patterns)
                + ")")
        return regex

    def phrase_hit(self, index: int, joined: str) -> Hit | None:
        """The hit of phrase group `index` in `joined`, as hits() finds it (short text)."""
        return self._phrase_hit(index, self._quick_regex(index).search(joined))

    def phrase_hit_in_tokens(self, index: int, joined: str, tokset: set[str]) -> Hit | None:
        """phrase_hit(index, joined) for the batch path's tokens (`tokset`: their set; see
        _fixed_parts), tried only where a match can begin: at the words the group's
        patterns begin with. The first place, left to right, where the regex matches is
        where search() finds its match, so the hit is the same."""
        starts = self._group_starts[index]
        if starts is None:
            return self.phrase_hit(index, joined)
        present = starts.keys() & tokset
        if not present:
            return None
        padded = f" {joined} "
        places = []
        for word in present:
            needle = starts[word]
            at = padded.find(needle)
            while at != -1:
                places.append(at)  # (where the word starts in `joined`)
                at = padded.find(needle, at + 1)
        if len(places) > 1:
            places.sort()
        match = self._quick_regex(index).match
        for at in places:
            found = match(joined, at)
            if found:
                return self._phrase_hit(index, found)
        return None

    def _phrase_hit(self, index: int, match: re.Match | None) -> Hit | None:
        if match:
            hit = self.groups[index][1]
            return Hit(hit.category, hit.p, hit.rating, match.group(0))
        return None


class Model:
    """A linear model over L2-normalised binary word and word-pair features (model.json).

    Normalising makes a window's score independent of its length, so a long email is not
    judged offensive by the sum of many faintly negative words. A window only counts when
    it contains one feature weighted at least `min_evidence` (the word it points at).

    The model learned from short posts. A text of up to `short_text` tokens is judged as
    such; in longer text (email) a window only counts when it contains an `anchor` (a
    lexicon word): the model then judges the tone around a hostile word, which is what
    transfers from tweets to school mail.
    """

    def __init__(self, data: dict):
        self.weights: dict[str, float] = data["weights"]
        self.bias = float(data["bias"])
        self.window = int(data.get("window", 32))
        self.min_evidence = float(data.get("min_evidence", 0.0))
        self.short_text = int(data.get("short_text", 48))
        self.ignore = frozenset(data.get("ignore", ()))
        self.info = {k: v for k, v in data.items() if k != "weights"}
        # Word features keyed by the word, pair features by the (word, word) tuple: zip()
        # yields the tuples directly, so no "a b" string is built per pair of tokens.
        self._unigrams: dict[str, float] = {}
        self._pairs: dict[tuple[str, str], float] = {}
        for name, weight in self.weights.items():
            if " " in name:
                first, second = name.split(" ", 1)
                self._pairs[first, second] = weight
            else:
                self._unigrams[name] = weight
        if any(a in self.ignore and b in self.ignore for a, b in self._pairs):
            raise ValueError("the model weights a pair of two ignored words")
        self._ignored_pairs = frozenset((a, b) for a in self.ignore for b in self.ignore)
        self._arrays: tuple | None = None  # for one_window_probabilities, made on first use
        # For the compiled scoring, made on first use.
        self._pairs_by_first: dict[str, dict[str, float]] | None = None
        self._ids_lock = threading.Lock()

    def score(self, toks: list[str], anchors: frozenset | set = frozenset(),
              explain: bool = False, require: frozenset = frozenset()) -> tuple[float, str]:
        """(P(offensive) of the most offensive window, its strongest feature if `explain`)."""
        step = self.window
        n = len(toks)
        long_text = n > self.short_text
        if long_text and not anchors:
            return 0.0, ""
        ignore, ignored_pairs = self.ignore, self._ignored_pairs
        unigrams, pairs = self._unigrams, self._pairs
        get_word, get_pair = unigrams.get, pairs.get
        min_evidence = self.min_evidence
        best, best_window = -30.0, None
        starts = (0,) if n <= step else range(0, n - step // 2, step // 2)
        for start in starts:
            chunk = toks[start:start + step] if n > step else toks
            words = set(chunk)
            if long_text and words.isdisjoint(anchors):
                continue
            if require and words.isdisjoint(require):
                continue
            words -= ignore
            chunk_pairs = set(zip(chunk, chunk[1:], strict=False))
            weights = [w for w in map(get_word, words) if w is not None]
            weights += [w for w in map(get_pair, chunk_pairs) if w is not None]
            if not weights or max(weights) < min_evidence:
                continue
            # A pair of two ignored words is not a feature (and has no weight).
            count = len(words) + len(chunk_pairs) - len(chunk_pairs & ignored_pairs)
            score = self.bias + sum(weights) / math.sqrt(max(count, 1))
            if score > best:
                best, best_window = score, (words, chunk_pairs)
        best = max(min(best, 30.0), -30.0)
        feature = ""
        if explain and best_window:
            feats = set(best_window[0]) | {f"{a} {b}" for a, b in best_window[1]
                                           if (a, b) not in self._ignored_pairs}
            get = self.weights.get
            feature = max(feats, key=lambda f: get(f, 0.0))
        return 1 / (1 + math.exp(-best)), feature

    def one_window_probability(self, toks: list[str], words: set[str]) -> float:
        """score(toks)[0] for 1 to `window` tokens (a short text), given words = set(toks),
        which it empties of ignored words. The sets are built as score() builds them, so
        the weights are added in the same order and the answer is the same to the last bit
        (so `words` must be made by set(toks) itself: a copy or a union may iterate in
        another order).
        """
        words -= self.ignore
        pairs = set(zip(toks, toks[1:], strict=False))
        weights = [w for w in map(self._unigrams.get, words) if w is not None]
        weights += [w for w in map(self._pairs.get, pairs) if w is not None]
        best = -30.0
        if weights and max(weights) >= self.min_evidence:
            count = len(words) + len(pairs) - len(pairs & self._ignored_pairs)
            score = self.bias + sum(weights) / math.sqrt(max(count, 1))
            if score > best:
                best = score
        best = max(min(best, 30.0), -30.0)
        return 1 / (1 + math.exp(-best))

    def probability(self, toks: list[str], anchors: frozenset | set = frozenset()) -> float:
        return self.score(toks, anchors)[0] if toks else 0.0

    def window_probabilities(self, texts: list[list[str]]) -> list[float]:
        """[score(toks)[0] for toks in texts] for texts of 1 to `window` tokens (the same
        within 1e-9): compiled if _speedups.c is built (see speedups.py), else with numpy
        for big batches and text by text for small ones."""
        compiled = speedups.compiled
        if compiled is not None:
            if self._pairs_by_first is None:
                pairs_by_first: dict[str, dict[str, float]] = {}
                for (first, second), weight in self._pairs.items():
                    pairs_by_first.setdefault(first, {})[second] = weight
                self._pairs_by_first = pairs_by_first
            return compiled.score_windows(texts, self._unigrams, self._pairs_by_first,
                                          self.ignore, self.bias, self.min_evidence)
        if len(texts) < _NUMPY_FROM:
            return [self.one_window_probability(toks, set(toks)) for toks in texts]
        return self.one_window_probabilities(texts)

    def one_window_probabilities(self, texts: list[list[str]]) -> list[float]:
        """[score(toks)[0] for toks in texts] for texts of 1 to `window` tokens, worked out
        for all the texts together with numpy.

        Not the same to the last bit: the weights are added in another order, so an answer
        may differ from score()'s by a rounding error (about 1e-16, far below 1e-9).
        """
        import numpy as np  # imported here: only big batches need it, start-up stays quick

        # A round numbers at most 2**(_ID_BITS - 1) new tokens and texts (see _ID_BITS).
        if len(texts) > 1 and (len(texts) >= 1 << (_ID_BITS - 1)
                               or sum(map(len, texts)) >= 1 << (_ID_BITS - 1)):
            half = len(texts) // 2
            return (self.one_window_probabilities(texts[:half])
                    + self.one_window_probabilities(texts[half:]))
        return self._score_windows(np, texts)

    def _feature_arrays(self, np) -> tuple:
        """Every word the model knows (weighted, in a weighted pair, or ignored) numbered
        from 0; per number its weight, whether that is strong evidence (>= min_evidence)
        and whether the word is ignored, with one more entry, last, for every other token
        (so np.take(..., mode="clip") reads it for them); the weighted pairs as sorted
        int64 keys (first << _ID_BITS | second), with their weights and evidence, ending
        with a key no pair has."""
        if self._arrays is None:
            vocabulary = sorted(set(self._unigrams) | self.ignore
                                | {w for pair in self._pairs for w in pair})
            ids = {word: i for i, word in enumerate(vocabulary)}
            word_weights = np.zeros(len(vocabulary) + 1)
            for word, weight in self._unigrams.items():
                word_weights[ids[word]] = weight
            word_evidence = np.zeros(len(vocabulary) + 1, dtype=bool)
            word_evidence[[ids[w] for w, weight in self._unigrams.items()
                           if weight >= self.min_evidence]] = True
            ignored = np.zeros(len(vocabulary) + 1, dtype=bool)
            ignored[[ids[word] for word in self.ignore]] = True
            keys = np.array([ids[a] << _ID_BITS | ids[b] for a, b in self._pairs] + [-1],
                            dtype=np.int64)
            keys[-1] = np.iinfo(np.int64).max
            pair_weights = np.array([*self._pairs.values(), 0.0])
            order = np.argsort(keys)
            self._base_ids = ids
            self._ids = dict(ids)
            # Last, so a thread that sees the arrays also sees the numbering.
            self._arrays = (word_weights, word_evidence, ignored, keys[order],
                            pair_weights[order], pair_weights[order] >= self.min_evidence)
        return self._arrays

    def _number_tokens(self, toks: list[str]) -> dict[str, int]:
        """The token numbering (see _feature_arrays), extended to cover `toks`."""
        with self._ids_lock:  # two threads must not give one number to two tokens
            ids = self._ids
            new = set(toks) - ids.keys()
            if len(ids) + len(new) > len(self._base_ids) + _ID_MEMORY:
                # Start again rather than grow without bound (a new dict, so a thread
                # still reading the old one sees a consistent numbering).
                ids = dict(self._base_ids)
                new = set(toks) - ids.keys()
            ids.update(zip(new, range(len(ids), len(ids) + len(new)), strict=True))
            self._ids = ids
        return ids

    def _score_windows(self, np, texts: list[list[str]]) -> list[float]:
        """one_window_probabilities() for a round (see _ID_BITS)."""
        word_weights, word_evidence, ignored, pair_keys, pair_weights, pair_evidence = \
            self._feature_arrays(np)
        flat = list(chain.from_iterable(texts))
        ids = self._ids
        try:
            numbers = np.fromiter(map(ids.__getitem__, flat), np.int64, len(flat))
        except KeyError:  # tokens not numbered yet
            ids = self._number_tokens(flat)
            numbers = np.fromiter(map(ids.__getitem__, flat), np.int64, len(flat))
        n = len(texts)
        lengths = np.fromiter(map(len, texts), np.int64, n)
        text_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        mask = (1 << _ID_BITS) - 1
        # Each distinct word of a text once (a set, as score() has it), ignored words left
        # out: sorted keys (word << _ID_BITS | text), each kept once. (Sorting and comparing
        # neighbours is several times faster than np.unique here.)
        ignore = np.take(ignored, numbers, mode="clip")
        kept = ~ignore
        words = _distinct(np, numbers[kept] << _ID_BITS | text_of[kept])
        word_text = words & mask
        words >>= _ID_BITS
        # Each distinct pair of neighbouring tokens of a text once, but pairs of two ignored
        # words (no feature, no weight), sorted by pair (searchsorted is much faster on
        # sorted queries).
        pair_of = (text_of[1:] == text_of[:-1]) & ~(ignore[:-1] & ignore[1:])
        pairs = _distinct(np, numbers[:-1][pair_of] << (2 * _ID_BITS)
                          | numbers[1:][pair_of] << _ID_BITS | text_of[1:][pair_of])
        pair_text = pairs & mask
        pairs >>= _ID_BITS
        at = np.searchsorted(pair_keys, pairs)
        weighted = pair_keys[at] == pairs
        # Every word and pair is a feature, weighted or not (unknown ones count towards the
        # length); a window counts when one has a strong weight.
        count = np.bincount(word_text, minlength=n) + np.bincount(pair_text, minlength=n)
        total = (np.bincount(word_text, np.take(word_weights, words, mode="clip"), minlength=n)
                 + np.bincount(pair_text, pair_weights[at] * weighted, minlength=n))
        evidence = (np.bincount(word_text, np.take(word_evidence, words, mode="clip"),
                                minlength=n)
                    + np.bincount(pair_text, pair_evidence[at] & weighted, minlength=n)) > 0
        score = np.where(evidence, self.bias + total / np.sqrt(np.maximum(count, 1)), -30.0)
        return (1 / (1 + np.exp(-np.clip(score, -30.0, 30.0)))).tolist()


@contextmanager
def _gc_paused():
    """The cyclic garbage collector off for a batch. A batch makes a few small containers
    per text and frees none of them until it returns, so the collections it would set off
    find nothing to free, and cost about 6% of its time. Only the call that switched it
    off switches it back on (if batches overlap in two threads, when the first ends)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _distinct(np, keys):
    """The distinct values of an int64 array, sorted."""
    keys = np.sort(keys)
    if len(keys) > 1:
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys


class Classifier:
    """Scores text for the seven content categories (see CATEGORIES)."""

    def __init__(self, lexicon: Lexicon, model: Model | None):
        self.lexicon = lexicon
        self.model = model
        self._profane = frozenset(w for w, hs in lexicon.words.items()
                                  if any(h.category == "profanity" for h in hs))
        stems = [s for s, h, _ in lexicon.stems if h.category == "profanity"]
        self._profane_stem_re = re.compile("|".join(map(re.escape, stems)) or "(?!)")
        self._category_specs = tuple((c, lexicon.categories[c]["threshold"],
                                      lexicon.categories[c]["rating"]) for c in CATEGORIES)
        self._thresholds = {c: threshold for c, threshold, _ in self._category_specs}
        self._category_rating = {c: rating for c, _, rating in self._category_specs}
        self._prepare_batches()
        # token -> what it contributes (see _learn_tokens), for the tokens that contribute
        # something; the same tokens as a set (a set intersects a set faster than a dict's
        # keys); and every token already looked at.
        self._token_memo: tuple[dict[str, tuple], set[str], set[str]] = ({}, set(), set())
        # telling tokens, in the order they first appear in a text -> what they give
        # (see _summarise).
        self._summaries: dict[tuple[str, ...], tuple] = {}

    def _prepare_batches(self) -> None:
        """What classify_many() needs to recognise a text nothing can fire on."""
        model = self.model
        # Model features strong enough to make a window count (Model.score skips the rest).
        self._strong_words: frozenset[str] = frozenset()
        self._strong_pairs: frozenset[tuple[str, str]] = frozenset()
        # P(offensive) when no window counts (1 token or more, a short text).
        self._no_evidence_p = 0.0
        if model:
            self._strong_words = frozenset(w for w, weight in model._unigrams.items()
                                           if weight >= model.min_evidence)
            self._strong_pairs = frozenset(p for p, weight in model._pairs.items()
                                           if weight >= model.min_evidence)
            self._no_evidence_p = model.score([])[0]
        self._pair_starts = frozenset(a for a, _ in self._strong_pairs)
        # The answer for a text in which nothing fires: with no token, up to short_text
        # tokens (the model scores it, finds no evidence), and longer (no anchor, no model).
        self._clean = {}
        for model_p in {0.0, self._no_evidence_p}:
            scores = dict.fromkeys(CATEGORIES, 0.0)
            scores["abuse"] = 1 - (1 - scores["abuse"]) * (1 - model_p)
            self._clean[model_p] = (scores, *self._verdict(scores, {}), model_p)

    def anchors(self, hits: list[Hit], toks: list[str]) -> set[str]:
        """Tokens of the text that matched the lexicon (where the model may look)."""
        terms = {w for h in hits for w in h.term.split()}
        return {t for t in toks if t in terms or t in self.lexicon.words}

    def _without_swearing(self, toks: list[str]) -> list[str]:
        profane = self._profane
        if self._profane_stem_re.search(" ".join(toks)):
            stem = self._profane_stem_re.search
            return [t for t in toks if t not in profane and not stem(t)]
        return [t for t in toks if t not in profane]

    def classify(self, text: str, *, mail: bool = False) -> Classification:
        """Score `text`. With mail=True (whole emails, not short posts) the learned model
        only judges the tone around a lexicon word and never adds to a weak word."""
        return self._classify_tokens(normalised_tokens(text or ""), mail=mail)

    def _classify_tokens(self, toks: list[str], *, mail: bool) -> Classification:
        """classify(text, mail=mail), given tokens(text)."""
        toks, joined = self.lexicon.strip_safe(toks)
        hits = self.lexicon.hits(toks, joined)
        scores = dict.fromkeys(CATEGORIES, 0.0)
        for hit in hits:
            if hit.p > scores[hit.category]:
                scores[hit.category] = hit.p
        anchors = self.anchors(hits, toks) if self.model and hits else set()
        if mail and not anchors:
            model_p = 0.0
        elif mail:
            # In mail, the model's judgement counts only where someone is addressed ("you"):
            # hostility aimed at a person, not a grumble about the world.
            model_p = (self.model.score(toks, anchors, require=SECOND_PERSON)[0]
                       if self.model and toks else 0.0)
            if self.model and len(toks) <= self.model.short_text:  # (anchors: a model)
                # A short mail still needs its anchor inside the judged window.
                model_p = model_p if anchors & set(toks) else 0.0
        else:
            model_p = self.model.probability(toks, anchors) if self.model else 0.0
        # The learned model detects hostility in general; it feeds the abuse category and
        # strengthens (never creates) a weak lexicon signal in the others. Swearing alone is
        # profanity, not abuse: abuse reads the model on the text without the swear words.
        abuse_p = model_p
        if self.model and scores["profanity"] > 0:
            rest = self._without_swearing(toks)
            abuse_p = (self.model.score(rest, anchors, require=SECOND_PERSON)[0] if mail
                       else self.model.probability(rest, anchors)) if rest else 0.0
        return self._finish(hits, scores, model_p, abuse_p, mail=mail)

    def _finish(self, hits: list[Hit], scores: dict[str, float], model_p: float,
                abuse_p: float, *, mail: bool = False,
                hit_ratings: dict[str, str] | None = None) -> Classification:
        """The end of classify(): the lexicon's scores with the model's probabilities for
        the text (`model_p`) and for it without swearing (`abuse_p`), and the verdict
        (`hit_ratings`: _hit_ratings(hits), if the caller has it)."""
        if mail:
            # In mail the tweet-tuned cut (recall first) is too eager: the model must be sure.
            scores["abuse"] = max(scores["abuse"], abuse_p if abuse_p >= MAIL_MODEL_CUT else
                                  min(abuse_p, 0.59))
        else:
            scores["abuse"] = 1 - (1 - scores["abuse"]) * (1 - abuse_p)
        if 0 < scores["discrimination"] < 0.6:
            scores["discrimination"] = 1 - (1 - scores["discrimination"]) * (1 - model_p * 0.5)
        if hit_ratings is None:
            hit_ratings = self._hit_ratings(hits)
        flagged_categories, rating, ratings = self._verdict(scores, hit_ratings)
        return Classification(scores, bool(flagged_categories), rating, flagged_categories,
                              hits, model_p, ratings)

    def _hit_ratings(self, hits: list[Hit]) -> dict[str, str]:
        """Per category, the gravest rating among its hits that reach its threshold (a hit
        without a rating has its category's): what the category is rated if it is flagged.
        A category missing here is rated as its spec says."""
        thresholds, category_rating = self._thresholds, self._category_rating
        order = _RATING_ORDER
        ratings: dict[str, str] = {}
        for hit in hits:
            category = hit.category
            if hit.p >= thresholds[category]:
                hit_rating = hit.rating or category_rating[category]
                if order[hit_rating] > order[ratings.get(category)]:
                    ratings[category] = hit_rating
        return ratings

    def _verdict(self, scores: dict[str, float],
                 hit_ratings: dict[str, str]) -> tuple[list[str], str | None, dict[str, str]]:
        """(flagged categories, overall rating, rating per flagged category), given the
        scores and _hit_ratings() of the hits."""
        flagged_categories = []
        rating = None
        ratings = {}
        order = _RATING_ORDER
        for category, threshold, category_rating in self._category_specs:
            if scores[category] >= threshold:
                flagged_categories.append(category)
                cat_rating = ratings[category] = hit_ratings.get(category, category_rating)
                if order[cat_rating] > order[rating]:
                    rating = cat_rating
        return flagged_categories, rating, ratings

    def classify_many(self, texts: list[str]) -> list[Classification]:
        """[classify(text) for text in texts] (short-text mode), faster: the same hits in
        the same order, flags and ratings; probabilities within 1e-9 (in practice 1e-15:
        the model's weights may be added in another order, see _finish_many).

        Made for throughput: the texts are tokenised together (normalise.tokens_many), and
        what each distinct token, and each set of telling tokens, can contribute is worked
        out once and remembered, so a text costs a few set operations. A text with no
        telling token gets the fixed "nothing found" answer without scoring. Phrase groups
        are searched only where their words are (Lexicon.phrase_hit_in_tokens). The model
        scores the texts that need it together (Model.window_probabilities).
        """
        windows: list[list[str]] = []
        with _gc_paused():
            started = [self._start_short(toks, windows)
                       for toks in tokens_many([t or "" for t in texts])]
            return self._finish_many(started, windows)

    def _finish_many(self, started: list, windows: list[list[str]]) -> list[Classification]:
        """The answers, given what _start_short() returned for each text and the windows it
        left for the model to score."""
        # (Windows are only left for a model.)
        probabilities = (self.model.window_probabilities(windows)
                         if windows and self.model is not None else [])
        out = []
        at = 0  # the first window of the next text
        for item in started:
            if item.__class__ is Classification:
                out.append(item)
                continue
            hits, scores, model_p, abuse_p, hit_ratings = item
            # A whole number stands for the best probability of that many windows, next in
            # line (see _model_windows); abuse_p None for the same as model_p.
            # (The best window has the highest score, so the highest probability.)
            if model_p.__class__ is int:
                count = model_p
                model_p = probabilities[at] if count == 1 else max(probabilities[at:at + count])
                at += count
            if abuse_p is None:
                abuse_p = model_p
            elif abuse_p.__class__ is int:
                count = abuse_p
                abuse_p = max(probabilities[at:at + count])
                at += count
            out.append(self._finish(hits, scores, model_p, abuse_p, hit_ratings=hit_ratings))
        return out

    def _learn_tokens(self, tokset: set[str]) -> None:
        """Make the token table (see _start_short) cover every token of `tokset`."""
        parts, telling, seen = self._token_memo
        unseen = tokset - seen
        if len(seen) + len(unseen) > _COLLAPSE_MEMORY:
            # Start again rather than grow without bound (new objects, so a thread still
            # reading the old ones sees a consistent memo).
            parts, telling, seen, unseen = {}, set(), set(), tokset
            self._token_memo = (parts, telling, seen)
        lexicon_part = self.lexicon.token_part
        stem = self._profane_stem_re.search
        for tok in unseen:
            part = lexicon_part(tok) or (None, None, (), (), False, False)
            # ...plus whether _without_swearing() drops it. (A stem found in a token is
            # found in the joined text.)
            swearing = tok in self._profane or bool(stem(tok))
            if any(part) or swearing:
                parts[tok] = (*part, swearing)
                telling.add(tok)  # (after parts: a token in `telling` is always in parts)
        seen.update(unseen)

    def _start_short(self, toks: list[str], windows: list[list[str]],
                     stripped: bool = False) -> Classification | tuple:
        """classify(text) with mail=False, given tokens(text) (`stripped`: safe phrases
        already taken out), as far as it goes without the model: a Classification, or
        (hits, scores, model_p, abuse_p, _hit_ratings(hits)) for _finish_many, where a
        probability may be a number of windows added to `windows` (see _model_windows),
        and abuse_p None means the same as model_p."""
        tokset = set(toks)
        parts, telling_tokens, seen = self._token_memo
        if not seen.issuperset(tokset):
            self._learn_tokens(tokset)
            parts, telling_tokens, seen = self._token_memo
        telling = tokset & telling_tokens
        model = self.model
        short = model is None or len(toks) <= model.short_text
        if not telling:
            # No hit. Unless a model window can count, nothing fires (see _prepare_batches).
            if short and model and self._has_evidence(
                    toks, not self._strong_words.isdisjoint(tokset)):
                return [], dict.fromkeys(CATEGORIES, 0.0), self._model_windows(
                    model, toks, windows, set()), None, {}
            scores, flagged_categories, rating, ratings, model_p = \
                self._clean[self._no_evidence_p if toks and short and model else 0.0]
            return Classification(scores.copy(), bool(flagged_categories), rating,
                                  flagged_categories.copy(), [], model_p, ratings.copy())
        key = tuple(telling) if len(telling) == 1 else tuple(sorted(telling, key=toks.index))
        summary = self._summaries.get(key) or self._summarise(key, parts)
        found, found_scores, hit_ratings, groups, swearing, general, safe = summary
        if general or len(toks) > 80:  # rare: "*" masks, long texts
            return self._classify_tokens(toks, mail=False)
        if safe and not stripped:
            stripped_toks, _ = self.lexicon.strip_safe(toks)
            if stripped_toks is not toks:  # a safe phrase was taken out: other tokens
                return self._start_short(stripped_toks, windows, stripped=True)
        hits = list(found)
        scores = found_scores.copy()
        if groups:
            joined = None  # joined only for a group that passes its pre-check
            lexicon = self.lexicon
            phrase_hit, token_needs = lexicon.phrase_hit_in_tokens, lexicon._group_token_needs
            for index in groups:
                needs = token_needs[index]
                if needs is not None and not _may_match_tokens(tokset, needs):
                    continue
                if joined is None:
                    joined = " ".join(toks)
                hit = phrase_hit(index, joined, tokset)
                if hit:
                    hits.append(hit)
                    if hit.p > scores[hit.category]:
                        scores[hit.category] = hit.p
            if len(hits) > len(found):
                hit_ratings = self._hit_ratings(hits)
        # As classify(); the model's windows are left to the batch (_model_windows).
        model_p = 0.0
        abuse_p: float | None = 0.0
        if model:
            anchors = self.anchors(hits, toks) if hits and not short else set()
            model_p = self._model_windows(model, toks, windows, anchors)
            abuse_p = None  # the same as model_p
            if swearing and scores["profanity"] > 0:
                rest = list(filterfalse(swearing.__contains__, toks))
                abuse_p = self._model_windows(model, rest, windows, anchors)
        return hits, scores, model_p, abuse_p, hit_ratings

    def _summarise(self, key: tuple[str, ...], parts: dict[str, tuple]) -> tuple:
        """What a text's telling tokens give whatever else the text holds, remembered
        (`key`: the tokens in the order they first appear; `parts`: the token table):
        (the hits of the lexicon but phrases, in Lexicon.hits()'s order; their scores;
        their _hit_ratings(); the phrase groups to try, in order; the tokens that are
        swearing; whether a "*" mask needs the general path; whether a safe phrase may be
        present).

        Tweets share a few hundred such sets, so most texts find theirs here and skip
        the loops below."""
        lexicon = self.lexicon
        hits: list[Hit] = []
        singles: set[str] = set()
        stems: set[int] = set()
        groups: set[int] = set()
        swearing = set()
        general = safe = False
        for tok in key:
            word_hits, single, fits, triggers, masked, safe_key, swears = parts[tok]
            if word_hits:
                hits.extend(word_hits)
            if single:
                singles.add(single)
            stems.update(fits)
            groups.update(triggers)
            if swears:
                swearing.add(tok)
            general = general or masked
            safe = safe or safe_key
        # (A doubled-letter form that is a token of the text is a lexicon word, so telling,
        # so in `key`: `singles - set(key)` is Lexicon.hits()'s `singles - tokset`.)
        for single in sorted(singles - set(key)):
            hits.extend(Hit(h.category, h.p, h.rating, h.term) for h in lexicon.words[single])
        hits.extend(lexicon.stems[i][1] for i in sorted(stems))
        scores = dict.fromkeys(CATEGORIES, 0.0)
        for hit in hits:
            if hit.p > scores[hit.category]:
                scores[hit.category] = hit.p
        summary = (tuple(hits), scores, self._hit_ratings(hits), tuple(sorted(groups)),
                   frozenset(swearing), general, safe)
        summaries = self._summaries
        if len(summaries) >= _COLLAPSE_MEMORY:
            summaries = self._summaries = {}  # start again rather than grow without bound
        summaries[key] = summary
        return summary

    def _has_evidence(self, toks: list[str], strong_word: bool) -> bool:
        """Whether some window of `toks` would count for Model.score: a strong word
        (`strong_word`, known by the caller) or a strong pair of words."""
        return strong_word or (not self._pair_starts.isdisjoint(toks) and not
                               self._strong_pairs.isdisjoint(zip(toks, toks[1:], strict=False)))

    def _model_windows(self, model: Model, toks: list[str], windows: list[list[str]],
                       anchors: set[str]) -> float | int:
        """model.probability(toks, anchors) for a text of up to 80 tokens: the answer, or
        the number of windows added to `windows` (the answer is their best probability,
        see _finish_many), chosen as Model.score() chooses them."""
        if not toks:
            return 0.0
        step = model.window
        n = len(toks)
        if n <= step:
            windows.append(toks)
            return 1
        long_text = n > model.short_text
        if long_text and not anchors:
            return 0.0
        count = 0
        for start in range(0, n - step // 2, step // 2):
            chunk = toks[start:start + step]
            if not long_text or not anchors.isdisjoint(chunk):
                windows.append(chunk)
                count += 1
        return count or self._no_evidence_p


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
    with open(path, encoding="utf-8") as fh:
        return Model(json.load(fh))


@lru_cache(maxsize=1)
def default_classifier() -> Classifier:
    """The shipped lexicon and model, loaded once per process."""
    return Classifier(load_lexicon(), load_model())
