"""The speed-work fast paths give exactly what the slower code they replace gives.

Each fast path is compared with the plain version (a regex over the whole text, the
line-by-line header reader, the case-insensitive chain-letter patterns)
on tricky inputs and on many generated ones (fixed seeds).
"""

import random
import re
import unicodedata

import pytest

from esafety.engine.messages import checker, normalise
from esafety.engine.messages.checker import Context, _chain_letter
from esafety.engine.messages.classifier import default_classifier
from esafety.engine.messages.directory import EMPTY
from esafety.engine.messages.message import (
    _FAST_FIELDS,
    _HEAD_END,
    _SPACES,
    ParsedMessage,
    head_end,
    header_fields,
    header_fields_by_line,
    squeeze_spaces,
)
from esafety.engine.messages.normalise import (
    _EMAIL,
    _SPACED,
    _URL,
    _join_spaced,
    _join_spaced_letters,
    _replace_emails,
    _replace_urls,
    fold,
    tokens,
)
from esafety.engine.messages.rulebook import builtin_rulebook


def _generated(pieces: list[str], count: int, longest: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, longest)))
            for _ in range(count)]


# ---------------------------------------------------------------- message.py

def test_the_end_of_the_headers_is_where_the_regex_finds_it():
    for raw in [b"", b"\n", b"\n\n", b"a\n\nb", b"a\r\n\r\nb", b"a\n\r\nb", b"a\r\n\nb",
                b"a\r\r\n\nb", b"a\nb\r\n\r\n\n", b"\r\n\r\n", b"no blank line\r\n",
                b"a\n\n\n\nb"] + [s.encode() for s in _generated(["\r", "\n", "a", " "], 3000, 10, 1)]:
        match = _HEAD_END.search(raw)
        assert head_end(raw) == ((match.start(), match.end()) if match else None), raw


def test_squeezed_spaces_are_what_the_regex_gives():
    for text in ["", " ", "a  b", "a\t\tb", "a \t\r\f\vb", "line \r\nnext",
                 "\u00a0 non-breaking  ", "keep\n\nnewlines \n \n", "  lead and trail  "] + \
            _generated([" ", "\t", "\r", "\f", "\v", "\n", "a", "\u00a0"], 2000, 12, 2):
        assert squeeze_spaces(text) == _SPACES.sub(" ", text), repr(text)


TRICKY_HEADS = [
    "", "From someone Mon Jan 1\nSubject: hi", "From a\nFrom b\nTo: x@y.z",
    "Subject: one\n two\n\tthree", "Subject: a\r\nTo: b@c.d\r\n", "Subject: a\rTo: b",
    "Subject: a\x0bTo: b", "Subject: a\x1cTo: b", " Subject: starts with a space",
    "Subject: a\n\nTo: b", "Subject: a\n", "Subject: a\n\n", "\nSubject: a",
    "From x\n", "From x\n\n", "No colon here", "Subject : spaced name", "Subject:\tx \x1f",
    "X-8bit: caf\udce9", "Subject: a\r\r\nTo: b", "TO: Upper@Case.Example\ncc: a@b.c",
    "Subject: a\nReceived: from x\n by y\nTo: b",
]
HEAD_PIECES = ["From ", "From: a", "Subject:", " x", "\t", ": ", "To : b ", "\n", "\r\n",
               "\r", "\x0b", "\x1f", " ", "a", "X-Y", ":", "\udc85", "From x", "\n ", "\n\t",
               "\n\n", "\r\r\n", "cc:", "TO:"]


def test_header_fields_are_what_the_line_by_line_reader_gives():
    for head in TRICKY_HEADS + _generated(HEAD_PIECES, 5000, 12, 3):
        by_line = header_fields_by_line(head)
        assert header_fields(head) == (by_line or None), repr(head)
        wanted = None if not by_line else {k: v for k, v in by_line.items()
                                           if k in _FAST_FIELDS}
        assert header_fields(head, _FAST_FIELDS) == wanted, repr(head)


# ---------------------------------------------------------------- normalise.py

def test_urls_are_replaced_as_the_regex_does():
    for text in ["see http://example.com/a?b=c and www.test.org.", "https://a https://b",
                 "www.http://x", "http://www.x", "hhttp://x wwww.y", "http:// no host", "www.",
                 "no links at all", "http" * 5 + "://x"] + \
            _generated(["http", "https", "://", "www.", "www", ".", " ", "\n", "a", "http://",
                        "é", "/"], 3000, 10, 4):
        assert _replace_urls(text) == _URL.sub(" url ", text), repr(text)


def test_addresses_in_long_ascii_text_are_replaced_as_the_regex_does():
    for text in ["write to a.b@c.d or\x1cto x@y.z\x1f(e@f.g) today " * 20,
                 " \x0b" + "x@y.z\x1d" * 100, "@" * 600, "a" * 600 + "@b.c"] + \
            [t * 40 for t in _generated(["a@b.c", "@", " ", "\n", "\x1c", "\x1f", "\t", "x",
                                         ".", "a.b@c.d.e", "\x0b"], 1000, 30, 5)]:
        assert _replace_emails(text) == _EMAIL.sub(" emailaddress ", text), repr(text)


def test_spaced_letters_are_joined_as_the_regex_does():
    for text in ["tf u c k_ s.h.i.ti", "f u c k", "a b", "a b c", "a. b. c", "a_b_c_d",
                 "x a b c y", "s.h.i.t.", "1 2 3 4", "a  b  c_k", "-a-b-c-", "ab c d e",
                 "a, b, c! d"] + \
            _generated(["a", "b", " ", ".", "-", "_", ",", "/", "  ", "ab", "1", "!", "*", "é"],
                       5000, 14, 6):
        joined = _join_spaced_letters(text)
        assert (text if joined is None else joined) == _SPACED.sub(_join_spaced, text), text


def test_look_alike_letters_fold_as_the_translation_table_does():
    table = normalise._CONFUSABLES_TABLE
    every = "".join(chr(code) for code in table) + "Ab\u00e9\u00df\uff46\u0130\u212a"
    texts = [every, every[::-1], "caf\u00e9 \u0430\u0440\u0440le \u200bx"]
    for text in texts:
        assert fold(text) == unicodedata.normalize("NFKC", text).translate(table).lower()


TOKEN_TEXTS = [
    "fuuuuck you", "f u c k", "s.h.i.t", "a a a", "zzz ll lll", "$$$ !!! *** @@@",
    "ｆｕｃｋ", "f\u200buck", "aaa-b-c-d", "hello a b", "www.x.y and me@x.com said a. b. c",
    "I a b c d e f", "£££ €€€", "tf u c k_ s.h.i.ti'***",
] + _generated(["a", "b", " ", ".", "-", "_", "f u c k", "s.h.i.t", "aaa", "!!!", "***",
                "fuuuuck", "x", "1", "http://x.y/z", "me@x.com", "é", "\n", "'", "|", "a a a",
                "a  b  c", "lll", "ſ", "\t"], 3000, 20, 7)


def test_tokens_are_the_same_with_and_without_the_token_memory(monkeypatch):
    warm = [tokens(text) for text in TOKEN_TEXTS]
    again = [tokens(text) for text in TOKEN_TEXTS]
    monkeypatch.setattr(normalise, "_TOKEN_CACHE", {})
    monkeypatch.setattr(normalise, "_TOKEN_MEMORY", 0)
    cold = [tokens(text) for text in TOKEN_TEXTS]
    assert warm == again == cold


def test_tokens_with_a_tripled_letter_are_never_remembered():
    # tokens() looks for tripled letters only in tokens it does not remember.
    tokens("a a a fuuuuck zzz ok")
    assert not [t for t in normalise._TOKEN_CACHE if normalise._TRIPLE.search(t)]


# ---------------------------------------------------------------- checker.py

def _chain_letter_as_before(subject: str, body: str) -> list[tuple[str, str]]:
    """content.chain-letter as it was: the substring pre-check, then re.I patterns."""
    text = subject + "\n" + body
    if not any(word in text.lower() for word in checker._CHAIN_WORDS):
        return []
    strong = list(checker._CHAIN_STRONG.finditer(text))
    if not strong:
        return []
    weak = list(checker._CHAIN_WEAK.finditer(text))
    forwards = len(re.findall(r"\bfwd?:", subject, re.I))
    if len(strong) + len(weak) + (forwards >= 2) < 2:
        return []
    m = strong[0]
    part = "subject" if m.start() < len(subject) else "body"
    offset = 0 if part == "subject" else len(subject) + 1
    source = subject if part == "subject" else body
    return [(part, checker.excerpt(source, m.start() - offset, m.end() - offset, 60))]


CHAIN_BODIES = [
    "Forward this to 10 people within 24 hours or you will have bad luck. It really works!",
    "SEND THIS TO EVERYONE YOU KNOW. If you don't forward it, bad luck will follow.",
    "Please forward this on to as many people. Do not break this chain.",
    "forward this on on to everyone you know, this is not a joke",  # the old pre-check misses it
    "Bill Gates will pay you! Pass it on. Microsoft will pay for every forward.",
    "ſend this to ten friends within 12 hours; it works",  # re.I reads the long s as an s
    "Send it back to me and break the chain. Chain letter! Make a wish",
    "Good luck with the exam. I will send it to you. Share it to all of us.",
    "If you fail to pass this on, you will get bad luck. Everyone you know.",
    "Ｆorward this to 5 people and make a wish. It works. Caf\u00e9.",
    "shut the door; the chain is broken; we will pay the bill going to pay day",
]


@pytest.mark.parametrize("body", CHAIN_BODIES)
@pytest.mark.parametrize("subject", ["", "Fwd: Fwd: luck", "FW: hello", "re: chain letter"])
def test_chain_letters_are_found_as_before(subject, body):
    rule = next(r for r in builtin_rulebook().rules if r.id == "content.chain-letter")
    for text in (body, body.upper(), body.lower(), "Hello all,\n" * 20 + body):
        ctx = Context(msg=ParsedMessage(subject=subject, body=text), directory=EMPTY,
                      audience="inbound", sender_role=None, classifier=default_classifier())
        found = [(e.part, e.excerpt) for e in _chain_letter(rule, ctx)]
        assert found == _chain_letter_as_before(subject, text)
