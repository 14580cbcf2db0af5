"""Engine commands that never load Django: `esafety classify` and `esafety rules`.

Registered in esafety/cli.py ENGINE_COMMANDS so they start fast.
"""

import argparse
import functools
import json
import math
import os
import sys
from typing import cast

from esafety.engine.messages.classifier import (
    CATEGORIES,
    RATINGS,
    Classification,
    Classifier,
    LexiconError,
    default_classifier,
)
from esafety.engine.messages.rulebook import RulebookError, load_rulebook

_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def quiet_pipe(func):
    """`esafety rules | head` must end quietly, not with a traceback."""
    @functools.wraps(func)
    def wrapper(argv):
        try:
            return func(argv)
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    return wrapper


@quiet_pipe
def classify_main(argv: list[str]) -> int:
    """Read JSON lines {"id", "text"} on stdin; write one verdict line per input, in order."""
    parser = argparse.ArgumentParser(
        prog="esafety classify",
        description="Classify texts: JSON lines {\"id\": ..., \"text\": ...} on standard input, "
                    "one JSON line per input on standard output.")
    parser.parse_args(argv)
    try:
        classifier = default_classifier()
    except (LexiconError, OSError, ValueError) as exc:
        print(f"esafety classify: {exc}", file=sys.stderr)
        return 2
    out = sys.stdout
    # Lines are classified in chunks: classify_many() is much faster per text than one
    # classify() call each. A chunk is whatever has arrived (up to _CHUNK lines), so a
    # program that writes one line and waits gets its answer at once, and a big file is
    # still read in large chunks.
    number = 1
    for chunk in _arrived_lines(sys.stdin.buffer):
        out.write(_classify_lines(classifier, chunk, number))
        out.flush()
        number += len(chunk)
    return 0


def _arrived_lines(stream):
    """Lists of complete input lines, each as soon as it has arrived (at most _CHUNK)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is None:  # not a real file (tests, embedding): plain line reading
        chunk = []
        for raw in stream:
            chunk.append(raw)
            if len(chunk) >= _CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        return
    pending = b""
    while True:
        data = os.read(fd, 1 << 16)  # returns what is there; blocks only when nothing is
        if not data:
            break
        lines = (pending + data).split(b"\n")
        pending = lines.pop()  # an unfinished last line waits for the rest
        for start in range(0, len(lines), _CHUNK):
            yield [line + b"\n" for line in lines[start:start + _CHUNK]]
    if pending:
        yield [pending]


_CHUNK = 2000  # lines read and classified together


def _classify_lines(classifier: Classifier, lines: list[bytes], first_number: int) -> str:
    """The output for some input lines (numbered from `first_number`), one line each but
    blank ones: a verdict, or an error for a line that is not {"id", "text": str}."""
    out: list[str | None] = []
    ids = []
    texts = []
    for number, raw in enumerate(lines, first_number):
        if not raw.strip():
            continue
        item = None
        try:
            item = json.loads(raw)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            text = item.get("text")
            if not isinstance(text, str):
                raise ValueError("`text` must be a string")
        except ValueError as exc:
            ident = item.get("id") if isinstance(item, dict) else None
            out.append(_DUMPS({"id": ident, "error": f"line {number}: {exc}"}))
            continue
        out.append(None)  # filled in below, in order
        ids.append(item.get("id"))
        texts.append(text)
    verdicts = iter(zip(ids, classifier.classify_many(texts), strict=True))
    for i, line in enumerate(out):
        if line is None:
            ident, result = next(verdicts)
            out[i] = verdict_line(ident, result)
    filled = cast("list[str]", out)  # (every None was replaced just above)
    return "".join(line + "\n" for line in filled)


def verdict_line(ident, result: Classification) -> str:
    """_DUMPS({"id": ident, **result.as_dict()}), written out directly (a quarter quicker
    than building that dict and encoding it). In the usual case (an int id, the
    categories in their order, float scores) one %-format writes what the encoder would:
    an int as str() does, a finite float as repr() does, the words as _WORDS has them."""
    categories = result.categories
    scores = [round(p, 4) for p in categories.values()]
    if type(ident) is int and type(result.flagged) is bool and tuple(categories) == CATEGORIES \
            and set(map(type, scores)) == {float} and math.isfinite(sum(scores)):
        return _LINE % (ident, _WORDS[result.flagged], *scores,
                        _WORDS.get(result.rating) or _DUMPS(result.rating))
    return _DUMPS({"id": ident, **result.as_dict()})


# The JSON of the words a verdict line repeats, and the line with blanks for the values.
_WORDS: dict[str | bool | None, str] = {word: _DUMPS(word)
                                        for word in (*RATINGS, None, True, False)}
_LINE = ('{"id": %d, "flagged": %s, "categories": {'
         + ", ".join(f"{_DUMPS(c)}: %r" for c in CATEGORIES) + '}, "rating": %s}')


@quiet_pipe
def rules_main(argv: list[str]) -> int:
    """List the rulebook in force (`--json` for the whole catalogue)."""
    parser = argparse.ArgumentParser(prog="esafety rules",
                                     description="List the communication rules in force.")
    parser.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    parser.add_argument("--rulebook", help="a rulebook file to validate and show instead")
    args = parser.parse_args(argv)
    try:
        rulebook = load_rulebook(args.rulebook)
    except RulebookError as exc:
        print(f"esafety rules: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rulebook.as_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"{len(rulebook.rules)} rules from {rulebook.source}\n")
    for rule in rulebook.rules:
        audience = ", ".join(sorted(rule.applies_to))
        print(f"{rule.id}  [{rule.action}, {rule.severity}; {audience}]")
        print(f"    {rule.title}")
        for clause in rule.clauses:
            print(f"    - {clause}")
    return 0
