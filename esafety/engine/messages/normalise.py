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

import re
import unicodedata

# Look-alike letters that NFKC leaves alone (Cyrillic, Greek, IPA, letter-like symbols).
_CONFUSABLES = {
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


def _accent_table() -> dict[int, str]:
    # Latin letters with accents -> their base letter, built once (NFKD, marks dropped).
    table = {}
    for code in range(0xC0, 0x250):
        decomposed = unicodedata.normalize("NFKD", chr(code))
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        if base != chr(code) and base.isascii():
            table[code] = base
    return table


_CONFUSABLES_TABLE = str.maketrans({**_accent_table(), **_CONFUSABLES})

# Symbols and digits that stand for letters inside a word (only applied to tokens that
# mix them with letters, so "2024", "5MB" style tokens are mostly left alone).
_LEET_TABLE = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "i", "+": "t", "€": "e", "£": "l",
})

_REPEATS = re.compile(r"([a-z@$*!])\1{2,}")
# Three or more single characters joined by one or two separators: "f u c k", "s.h.i.t".
_SPACED = re.compile(r"(?<![\w@$*!])(?:[a-z@$*!0-9][ .\-_,/]{1,2}){2,}[a-z@$*!0-9](?![\w@$*])")
_SPACED_SEPARATORS = re.compile(r"[ .\-_,/]")
# Cheap necessary conditions for the two substitutions above, so plain text skips them:
# every _SPACED match contains a separator, a single character, one or two separators and
# a last character not followed by a word character; every _REPEATS match contains a tripled
# letter or symbol (found by a simpler regex that needs no repetition loop).
_MAYBE_SPACED = re.compile(r"[ .\-_,/][a-z@$*!0-9][ .\-_,/]{1,2}[a-z@$*!0-9](?![\w@$*])")
_TRIPLE = re.compile(r"([a-z@$*!])\1\1")
_TOKEN = re.compile(r"[a-z0-9@$*!|+€£']+")
_MENTION = re.compile(r"^@[a-z0-9_]+$")
_NUMERIC = re.compile(r"^\d{2,}[a-z]{0,4}$")
_URL = re.compile(r"https?://\S+|www\.\S+")
_EMAIL = re.compile(r"\S+@\S+\.\w+")


def fold(text: str) -> str:
    """Lower-case text with look-alike Unicode mapped to plain ASCII letters."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_CONFUSABLES_TABLE)
    return text.lower()


def _join_spaced(match: re.Match) -> str:
    return " " + _SPACED_SEPARATORS.sub("", match.group(0)) + " "


_ASCII_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what \s matches in ASCII text


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
        start = max(text.rfind(c, pos, at) for c in _ASCII_SPACES) + 1
        start = max(start, pos)
        end = min((i for c in _ASCII_SPACES if (i := text.find(c, at)) != -1),
                  default=len(text))
        out.append(text[pos:start])
        out.append(_EMAIL.sub(" emailaddress ", text[start:end]))
        pos = end
        at = text.find("@", end)
    out.append(text[pos:])
    return "".join(out)


def tokens(text: str) -> list[str]:
    """The normalised word tokens of `text`, in order."""
    text = fold(text)
    if "http" in text or "www." in text:
        text = _URL.sub(" url ", text)
    if "@" in text and "." in text:
        text = _replace_emails(text)
    first = _TRIPLE.search(text)
    if first:
        # _REPEATS has no look-behind, so the text before its first match is left as it is.
        start = first.start()
        text = text[:start] + _REPEATS.sub(r"\1\1", text[start:])
    if _MAYBE_SPACED.search(text):
        text = _SPACED.sub(_join_spaced, text)
    raw = _TOKEN.findall(text)
    cache = _TOKEN_CACHE
    normal = list(map(cache.get, raw))  # the common case: every token seen before
    if None in normal:
        for i, found in enumerate(normal):
            if found is None:
                tok = raw[i]
                found = normal[i] = tok if tok.isalpha() else _normalise_token(tok)
                if len(cache) < _TOKEN_MEMORY:
                    cache[tok] = found
    return list(filter(None, normal))  # "" marks a token that normalises to nothing


# A token's normal form depends only on the token, and tokens repeat a lot, so it is worked
# out once per process (up to _TOKEN_MEMORY distinct tokens; later ones every time).
_TOKEN_MEMORY = 200_000
_TOKEN_CACHE: dict[str, str] = {}


def _normalise_token(tok: str) -> str:
    """The normal form of one token that is not purely letters ("" to drop it)."""
    tok = tok.strip("'!|+*")
    if not tok:
        return ""
    if tok.isdigit():
        return "0"
    if _NUMERIC.match(tok):
        return "0"  # "45s", "1990s", "10am", "100mb": numbers, not leetspeak
    if tok[0] == "@" and _MENTION.match(tok):
        return "@user"
    if tok.isalpha():
        return tok
    return tok.translate(_LEET_TABLE).replace("'", "")
