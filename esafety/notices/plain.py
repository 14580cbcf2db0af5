"""Plain words for parents and carers: no policy codes, case references or clause numbers."""

from __future__ import annotations

import re

# "INC-2026-0003:", "002 §4.4", "004 Appendix I", "§2.1.3", "App. 1", "(003 §5.7)"
_CODES = [
    re.compile(r"\b[A-Z]{2,5}-\d{4}-\d{2,6}\b:?"),
    re.compile(r"\(?\b00\d\b(\s*(§\s*[\d.]+|Appendix\s+[A-Z0-9]+|App\.\s*\w+|\"[^\"]*\"))?\)?"),
    re.compile(r"\(?§\s*[\d.]+\)?"),
    re.compile(r"\(?\bApp(?:endix|\.)\s*[A-Z0-9]+\b\)?"),
]


def plain(text: str) -> str:
    """The text with policy codes and references taken out, spaces tidied."""
    for pattern in _CODES:
        text = pattern.sub("", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.strip(" :;-\n")
