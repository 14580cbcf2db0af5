"""Plain words for pupils and parents: the policy clause references staff rely on
("004 §3.1", "002 Appendix 1") mean nothing to a child, so their pages leave them out.

The school's text is stored and shown to staff unchanged; only what pupil and parent pages
display is cleaned.
"""

import re

# One reference: a seed policy number with a clause, e.g. "004 §3.2.2", "002 Appendix 1",
# "004 App. I", "002 'Other Incidents'"; or a numbered clause on its own, e.g. "§3.1".
_CLAUSE = (r"(?:§\s*\d+(?:\.\d+)*|App(?:endix|\.)\s*[IVX\d]+|'[^'\n]{1,40}'"
           r"|\u201c[^\u201d\n]{1,60}\u201d)")
_REFERENCE = rf"(?:\b0\d\d(?:\s+{_CLAUSE})+|§\s*\d+(?:\.\d+)*)"
_JOINED = rf"{_REFERENCE}(?:\s*(?:,|;|and|to|or)\s*{_REFERENCE})*"
_IN_BRACKETS = re.compile(rf"[ \t]?\(\s*(?:see\s+)?{_JOINED}\s*\)", re.IGNORECASE)
_LEFT_COLON = re.compile(r"^[ \t]*:[ \t]*", re.MULTILINE)
_BARE = re.compile(rf"[ \t]?(?:\bsee\s+)?{_JOINED}", re.IGNORECASE)


def without_policy_codes(text: str) -> str:
    """The text with clause references removed: "each year (004 §3.1)." -> "each year."."""
    if not text:
        return text
    text = _IN_BRACKETS.sub("", str(text))
    text = _BARE.sub("", text)
    # A reference that opened a line ("004 §3.2.2: In KS1...") leaves its colon behind.
    return _LEFT_COLON.sub("", text)
