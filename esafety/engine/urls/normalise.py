"""Turn what Squid sends into the keys the lists are matched on.

Pure string work, no Django. The rules follow what squidGuard does with a request, so the
two agree on the same lists (the benchmark checks this line by line):

- the URL is percent-decoded and lower-cased;
- the *host* drops the scheme, userinfo (``user:pw@``), the port and a trailing dot; IDN hosts
  are turned into punycode (``xn--...``), IPv6 literals keep their brackets;
- the *stripped URL* (for ``urls`` lists) is host + path + query, with a leading ``www.``,
  ``www2.``, ``web.`` or ``ftp.`` label removed, because list authors write ``example.com/x``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

# URLs longer than this are cut before matching: nothing in a list is this long and it keeps
# a hostile line from costing more than any other.
MAX_URL = 8192
MAX_HOST = 253


class Target:
    """What a request asks for, ready for matching."""

    __slots__ = ("host", "stripped", "url", "port", "scheme", "is_ip")

    def __init__(self, host: str, stripped: str, url: str, port: int | None, scheme: str,
                 is_ip: bool):
        self.host = host
        self.stripped = stripped
        self.url = url
        self.port = port
        self.scheme = scheme
        self.is_ip = is_ip

    def __repr__(self):
        return f"Target(host={self.host!r}, stripped={self.stripped!r})"


def _idna(host: str) -> str:
    labels = []
    for label in host.split("."):
        if label.isascii():
            labels.append(label)
            continue
        try:
            labels.append("xn--" + label.encode("punycode").decode("ascii"))
        except UnicodeError:
            return ""
    return ".".join(labels)


def normalise_host(host: str) -> str:
    """A host as it appears in a list: lower case, no trailing dot, punycode for IDN.

    Returns "" for something that cannot be a host name.
    """
    host = host.strip().lower().rstrip(".")
    if not host or len(host) > MAX_HOST * 4:
        return ""
    if host.startswith("["):
        return host if host.endswith("]") else ""
    if not host.isascii():
        host = _idna(host)
    if not host or len(host) > MAX_HOST or " " in host or "/" in host:
        return ""
    return host


def _strip_host_prefix(host: str) -> str:
    # squidGuard drops www / web / ftp (with optional digits) as the first label of the
    # host for URL-list matching only.
    if host[:3] in ("www", "web", "ftp"):
        i = 3
        n = len(host)
        while i < n and host[i].isdigit():
            i += 1
        if i < n and host[i] == ".":
            return host[i + 1:]
    return host


# scheme, host (after any userinfo; IPv6 in brackets), port text, path and query.
_URL = re.compile(r"(?:([a-z][a-z0-9+.-]{0,15})://)?(?:[^/?]*@)?(\[[^\]/?]*\]|[^/?:]*)"
                  r"(?::([^/?]*))?(.*)", re.S)


def parse_target(raw: str, method: str = "GET") -> Target | None:
    """Parse a request URL (or ``host:port`` for CONNECT). None if there is no host in it.

    This runs once per request in the helper: one regular expression does the splitting.
    """
    if not raw:
        return None
    if len(raw) > MAX_URL:
        raw = raw[:MAX_URL]
    if "%" in raw:
        raw = unquote(raw, errors="replace")
    match = _URL.match(raw.lower())
    assert match is not None  # every part of _URL is optional: it matches any text
    scheme, host, port_text, path = match.groups()
    if scheme is None:
        scheme = "https" if method == "CONNECT" else ""
    if not path:
        path = "/"
    else:
        if path[0] != "/":
            path = "/" + path
        if "//" in path:
            # squidGuard collapses repeated slashes before the query (a known bypass).
            cut = path.find("?")
            head, tail = (path, "") if cut < 0 else (path[:cut], path[cut:])
            while "//" in head:
                head = head.replace("//", "/")
            path = head + tail
    port = int(port_text) if port_text and port_text.isdigit() else None
    if host[:1] == "[":
        is_ip = True
    else:
        if host[-1:] == ".":
            host = host.rstrip(".")
        if not host.isascii():
            host = _idna(host)
        if not host or len(host) > MAX_HOST or "\\" in host or " " in host or "]" in host:
            return None
        is_ip = host[-1].isdigit() and host.replace(".", "").isdigit()
    bare = host + path if port_text is None else f"{host}:{port_text}{path}"
    if is_ip or host[:3] not in _PREFIXED:
        return Target(host, host + path, bare, port, scheme, is_ip)
    return Target(host, _strip_host_prefix(host) + path, bare, port, scheme, is_ip)


_PREFIXED = ("www", "web", "ftp")


def host_suffixes(host: str) -> list[str]:
    """``a.b.example.com`` -> the host and every parent domain, most specific first."""
    out = [host]
    i = host.find(".")
    while i >= 0:
        out.append(host[i + 1:])
        i = host.find(".", i + 1)
    return out


def url_prefixes(stripped: str) -> list[str]:
    """The prefixes of a stripped URL that a ``urls`` entry can match.

    A list entry matches the same URL and anything below it: ``example.com/a`` matches
    ``example.com/a``, ``example.com/a/b`` and ``example.com/a?x=1`` but not
    ``example.com/ab``. Entries are stored without a trailing slash, so the candidates are
    the URL cut before each ``/``, ``?`` or ``&`` and the whole URL (without a final slash).
    """
    out = []
    i = stripped.find("/")
    n = 0
    while i >= 0 and n < 64:
        out.append(stripped[:i])
        i = stripped.find("/", i + 1)
        n += 1
    q = stripped.find("?")
    if q >= 0:
        # Entries may hold part of a query: cut before each ? and & as well.
        for i, ch in enumerate(stripped[q:], q):
            if ch == "?" or ch == "&":
                out.append(stripped[:i])
    out.append(stripped.rstrip("/"))
    return out


def normalise_list_url(entry: str) -> str:
    """A ``urls`` list entry in the form it is matched in: no scheme, no www., no final /."""
    entry = entry.strip().lower()
    if "%" in entry:
        entry = unquote(entry, errors="replace")
    sep = entry.find("://")
    if 0 <= sep < 16:
        entry = entry[sep + 3:]
    slash = entry.find("/")
    host, path = (entry, "") if slash < 0 else (entry[:slash], entry[slash:])
    at = host.rfind("@")
    if at >= 0:
        host = host[at + 1:]
    if ":" in host and not host.startswith("["):
        host = host[:host.index(":")]
    host = normalise_host(host)
    if not host:
        return ""
    if "//" in path:
        while "//" in path:
            path = path.replace("//", "/")
    return (_strip_host_prefix(host) + path).rstrip("/")
