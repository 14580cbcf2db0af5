"""Turn text into the tokens the classifier reads, seeing through common obfuscation.

Pure Python, no Django. The same function is used when the model is built
(scripts/build_classifier.py) and when it runs, so training and inference agree.

What it undoes, cheapest first:
- look-alike Unicode (Cyrillic and Greek letters, fullwidth and mathematical letters,
  accents, zero-width characters): NFKC, a confusables table, then accents dropped;
- letters repeated three or more times ("fuuuuck" -> "fuuck"; the lexicon also tries the
  fully collapsed form);
- spaced or dotted letters ("f u c k", "s.h.i.t" -> "fuck", "shit");
- leetspeak and symbol masking inside a word ("sh1t", "@ss", "$hit", "f*ck").

Matching is by whole token, never by substring, which is what keeps "Scunthorpe",
"Sussex", "assessment" and "cockpit" clean (see lexicon.py for the few safe stems).
"""

import html
import re
import unicodedata

# Look-alike letters that NFKC leaves alone (Cyrillic, Greek, IPA, letter-like symbols).
_CONFUSABLES: dict[int | str, str] = {  # (the types str.maketrans takes)
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "ɑ": "a", "ı": "i", "ȷ": "j", "ʀ": "r", "ɪ": "i", "ᴜ": "u",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ɩ": "i", "ʃ": "s", "ƒ": "f",
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
    "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ħ": "h",
    "\u2019": "'", "\u2018": "'", "\u00b4": "'", "\u02bc": "'",
    # Invisible characters used to split a word so a filter misses it.
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
}


def _accent_table() -> dict[int | str, str]:
    # Latin letters with accents -> their base letter, built once (NFKD, marks dropped).
    table: dict[int | str, str] = {}
    for code in range(0xC0, 0x250):
        decomposed = unicodedata.normalize("NFKD", chr(code))
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        if base != chr(code) and base.isascii():
            table[code] = base
    return table


_CONFUSABLES_TABLE = str.maketrans({**_accent_table(), **_CONFUSABLES})
# The same mapping by character, and a regex that visits only those characters:
# str.translate() looks up every character of a text, and most text has few look-alikes.
_LOOKALIKES = {chr(code): value for code, value in _CONFUSABLES_TABLE.items()}
# Laughing faces are read as a word of their own: teenagers' "i want to die 😂" is the
# joke the lexicon's laughter markers (lol, lmao...) look for. The model reads it as a word
# too (learned from the posts that have such faces: it lowers every category a little).
LAUGHING = "lolemoji"
_LOOKALIKES.update({face: f" {LAUGHING} " for face in "\U0001F602\U0001F923\U0001F480"
                    "\U0001F606\U0001F639"})  # 😂 🤣 💀 (dead: laughing) 😆 😹
_LOOKALIKE = re.compile("[" + re.escape("".join(sorted(_LOOKALIKES))) + "]")

# Symbols and digits that stand for letters inside a word (only applied to tokens that
# mix them with letters, so "2024", "5MB" style tokens are mostly left alone).
_LEET_TABLE = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "i", "+": "t", "€": "e", "£": "l",
})

# (Not "*": the stars of a masked word say how many letters they hide, "n*****" six.)
_REPEATS = re.compile(r"([a-z@$!])\1{2,}")
# Three or more single characters joined by one or two separators: "f u c k", "s.h.i.t".
_SPACED = re.compile(r"(?<![\w@$*!])(?:[a-z@$*!0-9][ .\-_,/]{1,2}){2,}[a-z@$*!0-9](?![\w@$*])")
_SPACED_SEPARATORS = re.compile(r"[ .\-_,/]")
# Where the two substitutions above can apply, found cheaply so plain text skips them:
# every _REPEATS match starts with a tripled letter or symbol (a simpler regex that needs no
# repetition loop; only tested on tokens not seen before, see tokens()). Every _SPACED match
# contains a separator, a single character, one or two separators and a last character not
# followed by a word character (_MAYBE_SPACED), and has, one or two characters after its
# start, the same without the look-ahead (_SPACED_PAIR; see _join_spaced_letters).
_TRIPLE = re.compile(r"([a-z@$!])\1\1")
_MAYBE_SPACED = re.compile(r"[ .\-_,/][a-z@$*!0-9][ .\-_,/]{1,2}[a-z@$*!0-9](?![\w@$*])")
_SPACED_PAIR = re.compile(r"[ .\-_,/][a-z@$*!0-9][ .\-_,/]{1,2}[a-z@$*!0-9]")
_TOKEN = re.compile(r"[a-z0-9@$*!|+€£']+")
# _TOKEN.findall for ASCII text: every other character made a space, then split() (C-level
# byte translation and splitting cost about half the regex).
_TOKEN_BYTES = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789@$*!|+'" else 32
                     for c in range(256))
_MENTION = re.compile(r"^@[a-z0-9_]+$")
_NUMERIC = re.compile(r"^\d{2,}[a-z]{0,4}$")
_URL = re.compile(r"https?://\S+|www\.\S+")
_EMAIL = re.compile(r"\S+@\S+\.\w+")


# Text copied from web pages and exported from sites still carries HTML: character
# references ("you&#039;re", "&amp;", "&lt;br&gt;", "&#128514;") and line-break or paragraph
# tags between a question and its answer ("Q: ...<br>A: ..."). Only whole references are
# decoded (html.unescape alone would also read "&not" in "this&nothing" as a sign), and
# only tags HTML has, not "<3" or a placeholder such as "<user>".
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_TAG = re.compile(r"</?(?:br|p|div|span|b|i|u|em|strong|font|a|li|ul|ol|h[1-6]|tr|td|th|"
                  r"table|tbody|img|hr|blockquote|pre|code|small|big|center|sup|sub)"
                  r"(?:\s[^<>]{0,300})?\s*/?>", re.IGNORECASE)


def _unescape(match: re.Match) -> str:
    return html.unescape(match.group())


# A hashtag whose words are told apart by capitals ("#SendThemBack", "#KillAllWomen",
# "#BuildTheWall") is read as its words: run together, they are one word nobody else uses.
_HASHTAG = re.compile(r"#([A-Za-z0-9]*[a-z0-9][A-Z][A-Za-z0-9]*)")
_CAPITALISED = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def _hashtag_words(match: re.Match) -> str:
    return " ".join(_CAPITALISED.findall(match.group(1)))


def fold(text: str) -> str:
    """Lower-case text with look-alike Unicode mapped to plain ASCII letters (and HTML's
    character references and tags read as the characters and spaces they stand for)."""
    if "&" in text:
        text = _REFERENCE.sub(_unescape, text)
        if "&" in text:  # (a site that escaped its text again shows "&amp;#039;")
            text = _REFERENCE.sub(_unescape, text)
    if "#" in text:
        text = _HASHTAG.sub(_hashtag_words, text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    if not text.isascii():
        text = _LOOKALIKE.sub(_lookalike, unicodedata.normalize("NFKC", text))
    return text.lower()


def _lookalike(match: re.Match) -> str:
    return _LOOKALIKES[match.group()]


def _join_spaced(match: re.Match) -> str:
    return " " + _SPACED_SEPARATORS.sub("", match.group(0)) + " "


_NON_SPACES = re.compile(r"\S*")  # \s, str.isspace() and str.split() agree on white space


def _replace_emails(text: str) -> str:
    """_EMAIL.sub(" emailaddress ", text), without the regex trying every position.

    An _EMAIL match never crosses white space, so only the runs of non-space characters
    that contain an "@" are handed to the regex (found with C-level find, in ASCII text).
    """
    if len(text) < 500 or not text.isascii():  # in short text the regex is cheaper
        return _EMAIL.sub(" emailaddress ", text)
    out = []
    pos = 0
    at = text.find("@")
    while at != -1:
        # The run starts after the last white space before the "@" (rsplit looks back
        # only that far) and ends at the first one after it (\S* stops there).
        before = text[pos:at]
        if before and not before[-1].isspace():
            start = at - len(before.rsplit(None, 1)[-1])
        else:
            start = at
        found = _NON_SPACES.match(text, at)
        assert found is not None  # (\S* matches anywhere, if only the empty string)
        end = found.end()
        out.append(text[pos:start])
        out.append(_EMAIL.sub(" emailaddress ", text[start:end]))
        pos = end
        at = text.find("@", end)
    out.append(text[pos:])
    return "".join(out)


def _replace_urls(text: str) -> str:
    """_URL.sub(" url ", text), with the regex tried only where "http" or "www." starts
    (found with C-level find), which is the only place a match can start."""
    out = []
    pos = look = 0
    # The next "http" and "www." at or after `look` (-1: none left), each looked for again
    # only once `look` has passed it: finding both afresh every time scanned the rest of
    # a long text (many texts joined, see tokens_many) once per address.
    http, www = text.find("http"), text.find("www.")
    while True:
        if -1 < http < look:
            http = text.find("http", look)
        if -1 < www < look:
            www = text.find("www.", look)
        if http == -1 and www == -1:
            break
        at = www if http == -1 else http if www == -1 else min(http, www)
        match = _URL.match(text, at)
        if match:
            out.append(text[pos:at])
            out.append(" url ")
            pos = look = match.end()
        else:
            look = at + 1
    out.append(text[pos:])
    return "".join(out)


def _join_spaced_letters(text: str) -> str | None:
    """_SPACED.sub(_join_spaced, text), or None when it would change nothing.

    _SPACED is tried only one or two characters before a _SPACED_PAIR match (which sre
    finds quickly, as it starts with a character class): every _SPACED match has one
    there, at the separator before its second letter. Candidates are taken left to right
    and never inside a replaced stretch, so the matches, and the result, are those of the
    full substitution.
    """
    if not _MAYBE_SPACED.search(text):
        return None  # (most text: no need to look for pairs)
    out = []
    last = look = 0
    while pair := _SPACED_PAIR.search(text, look):
        match = None
        for start in (pair.start() - 2, pair.start() - 1):
            if start >= last and (match := _SPACED.match(text, start)):
                break
        if match:
            out.append(text[last:match.start()])
            out.append(_join_spaced(match))
            last = look = match.end()
        else:
            look = pair.start() + 1
    if not out:
        return None
    out.append(text[last:])
    return "".join(out)


def _raw_tokens(text: str) -> list[str]:
    """_TOKEN.findall(text)."""
    if text.isascii():
        return text.encode("ascii").translate(_TOKEN_BYTES).decode("ascii").split()
    return _TOKEN.findall(text)


def tokens(text: str) -> list[str]:
    """The normalised word tokens of `text`, in order."""
    text = fold(text)
    if "http" in text or "www." in text:
        text = _replace_urls(text)
    if "@" in text and "." in text:
        text = _replace_emails(text)
    raw = _raw_tokens(text)
    cache = _TOKEN_CACHE
    normal = list(map(cache.get, raw))  # the common case: every token seen before
    changed = False
    # A tripled letter lies inside one token, and a token with one is never remembered
    # (below): only the tokens not remembered need the test, not the whole text.
    if None in normal:
        # (Joined with spaces: one regex call, and no triple runs across tokens.)
        tripled = set(_TRIPLE.findall(" ".join(set(raw).difference(cache))))
        if tripled:
            # _REPEATS.sub(r"\1\1", text): each run of three or more of one letter or
            # symbol made two. Every such run is of a letter in `tripled`; a regex per
            # letter starting with three of it is found by a fast search for those three,
            # where _REPEATS tries every letter of the text. (The letters are in
            # _TRIPLE's set, none of them special in a replacement.)
            for char in tripled:
                text = re.sub(re.escape(char) * 3 + "+", char * 2, text)
            changed = True
    joined = _join_spaced_letters(text)
    if joined is not None:
        text, changed = joined, True
    if changed:
        raw = _raw_tokens(text)
        normal = list(map(cache.get, raw))
    if None in normal:
        # Each token not remembered is worked out once, however often it stands in the
        # text; then the tokens take their forms in one pass without a Python step each
        # (map's default: what `normal` already has).
        new = {}
        for tok in set(raw).difference(cache):
            found = new[tok] = tok if tok.isalpha() else _normalise_token(tok)
            if len(cache) < _TOKEN_MEMORY and not _TRIPLE.search(tok):
                cache[tok] = found
        normal = list(map(new.get, raw, normal))
    return list(filter(None, normal))  # "" marks a token that normalises to nothing


# A word with its letters masked by stars, the stars at its end included ("f***", "n*****s",
# "c**t"): read as the word of its length it may be (classifier.Lexicon.hits). One star at
# the end, or stars at both ends, is emphasis or a footnote, not a mask.
# (From a letter: "4**" is a rating.)
_MASKED = re.compile(r"[a-z][a-z@$!0-9]*(\*+[a-z@$!0-9]+|\*{2,})")

# A token's normal form depends only on the token, and tokens repeat a lot, so it is worked
# out once per process (up to _TOKEN_MEMORY distinct tokens; later ones every time).
_TOKEN_MEMORY = 200_000
_TOKEN_CACHE: dict[str, str] = {}


def _normalise_token(tok: str) -> str:
    """The normal form of one token that is not purely letters ("" to drop it)."""
    # Stars are stripped with the other marks at the ends ("*hugs*", "*so*", a footnote's
    # "word*", a "5*" hotel), except a masked word's.
    masked = tok.strip("'!|+")
    tok = masked if "*" in masked and _MASKED.fullmatch(masked) else tok.strip("'!|+*")
    if not tok:
        return ""
    if tok.isdigit():
        # A count of five or more stays apart from one of a few: "took 2 paracetamol" is a
        # dose, "took 30 paracetamol" an overdose (the lexicon's "00").
        return "0" if len(tok) == 1 and tok < "5" else "00"
    if _NUMERIC.match(tok):
        return "0"  # "45s", "1990s", "10am", "100mb": numbers, not leetspeak
    if tok[0] == "@" and _MENTION.match(tok):
        return "@user"
    if tok.isalpha():
        return tok
    return tok.translate(_LEET_TABLE).replace("'", "")
