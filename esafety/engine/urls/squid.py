"""Squid's helper request lines (url_rewrite, and the external ACL line whois.py reads),
read in one place.

Squid writes one request a line: ``[channel-ID] URL client-ip/fqdn user method [key=value...]``
(the channel ID only when ``url_rewrite_children ... concurrency=N`` is above 0). The helper
(helper.py) and the standalone matcher (snapshot.py) both read lines through this module:
`parse_request_line` for any line, and `PLAIN_REQUEST_LINE`, the fast form of the same
grammar for the common plain request, which must agree with it wherever it matches
(tests/engine_urls/test_squid_line.py checks that). `parse_acl_line` reads the external
ACL helper's line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True, slots=True)
class SquidRequest:
    channel: str  # what the answer starts with: "7 " with channel IDs, else ""
    url: str  # "" for a blank line: nothing to decide, the answer is ERR
    client: str  # the client's address, without the /fqdn
    user: str  # "" when Squid knows no user ("-"); percent-decoded
    method: str  # "GET" when the line does not say


def channel_of(raw: str) -> str:
    """The answer's channel prefix for any line, however malformed the rest is."""
    first = raw.split(maxsplit=1)
    return first[0] + " " if len(first) > 1 and first[0].isdigit() else ""


def parse_request_line(raw: str) -> SquidRequest:
    """One request line, split on white space. Never raises; missing fields get defaults."""
    parts = raw.split()
    channel = ""
    if len(parts) > 1 and parts[0].isdigit():
        channel = parts[0] + " "
        parts = parts[1:]
    if not parts:
        return SquidRequest(channel, "", "", "", "GET")
    n = len(parts)
    user = parts[2] if n > 2 else "-"
    # Positional, and unquote only when needed: this runs for every request Squid sends.
    return SquidRequest(channel, parts[0], parts[1].partition("/")[0] if n > 1 else "",
                        "" if user == "-" else (unquote(user) if "%" in user else user),
                        parts[3] if n > 3 else "GET")


def parse_acl_line(raw: str) -> tuple[str, str]:
    """One external ACL request line, ``[channel-ID] value [...]`` (whois.py, with the format
    ``%SRC``: the client's address): (the answer's channel prefix, the first value; "" for
    a blank line). Never raises. Channel IDs follow the same rule as `channel_of`."""
    parts = raw.split(None, 2)
    if not parts:
        return "", ""
    if len(parts) > 1 and parts[0].isdigit():
        return parts[0] + " ", parts[1]
    return "", parts[0]


# The fast form, for the standalone matcher's hot loop: a plain request line
# [channel] scheme://host[:port][/path] client user method ...  Groups: channel ("7 " or
# None), url, host, port, path, method. Hosts with userinfo, brackets, non-ASCII or percent
# signs do not match and go through parse_request_line.
PLAIN_REQUEST_LINE = re.compile(
    r"(?:(\d+ ))?((?:[A-Za-z][A-Za-z0-9+.-]{0,15}://)?([A-Za-z0-9_.-]+)(?::(\d{1,5}))?"
    r"([/?][^\s%]*)?)[ \t]+\S+[ \t]+\S+[ \t]+([A-Z]+)(?:[ \t].*)?\Z", re.S)
