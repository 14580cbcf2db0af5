"""Reading an Authentication-Results header (RFC 8601): whether the mail server that wrote
it says the message passed DMARC, DKIM or SPF for a given domain. Pure Python, no Django.

The mail filter returns inappropriate inbound mail only to a sender it can trust not to be
forged (000 §8; anyone else's is held, never bounced to a possibly innocent address): one
the school knows, or one the school's own server authenticated, for the very domain the
returned message would go to. A pass for some other domain says nothing about that address.
"""

from __future__ import annotations

import re

from esafety.engine.messages.directory import within

# Where a pass names the domain it is for (RFC 8601 §2.7): DMARC the From: line's domain,
# DKIM the signing domain (or the identity), SPF the envelope sender.
_PASS_FOR = {"dmarc": ("header.from",), "dkim": ("header.d", "header.i"),
             "spf": ("smtp.mailfrom",)}
_RESULT_PAIR = re.compile(r'([A-Za-z0-9][A-Za-z0-9._/-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s";]+)')


def vouches_for(header: str, trusted: frozenset[str], address: str) -> bool:
    """Whether `header` (one Authentication-Results value) was written by one of the
    `trusted` servers (its authserv-id) and records dmarc=pass for header.from, dkim=pass
    for header.d (or header.i), or spf=pass for smtp.mailfrom, of `address`'s domain or a
    domain it is part of (DMARC's relaxed alignment: a message returned to
    news.example.org is vouched for by a pass for example.org, never the other way)."""
    domain = _domain(address)
    if not domain or "@" not in address:
        return False
    authserv, results = parse(header)
    if authserv not in trusted:
        return False
    for method, result, properties in results:
        if result != "pass":
            continue
        for name in _PASS_FOR.get(method, ()):
            value = properties.get(name, "")
            if name == "header.i" and "@" not in value:
                continue  # an identity is an address (or "@domain"); anything else: nothing
            if _aligned(domain, _domain(value)):
                return True
    return False


def _domain(value: str) -> str:
    return value.rpartition("@")[2].strip().strip("<>").rstrip(".").lower()


def _aligned(domain: str, authenticated: str) -> bool:
    """The return address's domain is the authenticated one or inside it."""
    return bool(authenticated) and within(domain, authenticated)


def parse(value: str) -> tuple[str, list[tuple[str, str, dict[str, str]]]]:
    """(authserv-id, [(method, result, {property: value})]) of one header's value."""
    parts = _split_results(_without_comments(value))
    first = parts[0].split() if parts else []
    authserv = _unquoted(first[0]).lower() if first else ""
    results = []
    for part in parts[1:]:
        pairs = _RESULT_PAIR.findall(part)
        if not pairs:
            continue  # "none": no results
        method, result = pairs[0]
        properties: dict[str, str] = {}
        for name, text in pairs[1:]:
            properties.setdefault(name.lower(), _unquoted(text))
        results.append((method.split("/")[0].lower(), _unquoted(result).lower(), properties))
    return authserv, results


def _without_comments(value: str) -> str:
    """The header's text with its (comments) taken out (they may hold anything, even
    "dkim=pass"), quoted strings kept."""
    out: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            quoted = char != '"'
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                out.append(" ")
        elif depth == 0:
            quoted = char == '"'
            out.append(char)
    return "".join(out)


def _split_results(value: str) -> list[str]:
    """Split at the semicolons outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted, escaped = False, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquoted(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text
