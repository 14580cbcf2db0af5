"""Squid's request line is read in one place (esafety/engine/urls/squid.py)."""

import re
from pathlib import Path

import pytest

from esafety.engine.urls.squid import (
    PLAIN_REQUEST_LINE,
    SquidRequest,
    channel_of,
    parse_request_line,
)

URLS = Path(__file__).resolve().parents[2] / "esafety" / "engine" / "urls"

LINES = [
    "http://example.org/ 10.0.0.5/- pupil GET myip=10.0.0.1 myport=3128",
    "7 http://example.org/a?b=c 10.0.0.5/host.school pupil%40school GET -",
    "12 example.org:443 10.0.0.5/- - CONNECT",
    "http://Example.ORG:8080/x 10.0.0.5/- staff POST",
    "3 http://example.org/%41 10.0.0.5/- - GET",
    "http://user@example.org/ 10.0.0.5/- - GET",
    "4 http://[::1]/ 10.0.0.5/- - GET",
    "5 http://example.org/",
    "http://example.org/\t10.0.0.5/-\tpupil\tGET",
    "9",
    "9 ",
    "",
    "   ",
    "garbage",
    "1 2 3 4 5",
]


@pytest.mark.parametrize("raw", LINES)
def test_the_fast_form_agrees_with_the_parser_wherever_it_matches(raw):
    line = parse_request_line(raw)
    assert line.channel == channel_of(raw)
    match = PLAIN_REQUEST_LINE.match(raw)
    if match is not None:
        channel, url, _host, _port, _path, method = match.groups()
        assert (channel or "", url, method) == (line.channel, line.url, line.method)


def test_a_full_line_gives_every_field():
    assert parse_request_line("7 http://a.org/ 10.0.0.5/pc.school jo%20b GET x=y") == \
        SquidRequest(channel="7 ", url="http://a.org/", client="10.0.0.5", user="jo b",
                     method="GET")


def test_missing_fields_get_defaults_and_a_blank_line_has_no_url():
    assert parse_request_line("http://a.org/") == SquidRequest("", "http://a.org/", "", "",
                                                                "GET")
    assert parse_request_line("3 ") == SquidRequest("", "3", "", "", "GET")
    assert parse_request_line("  ") == SquidRequest("", "", "", "", "GET")
    assert parse_request_line("4 http://a.org/ 10.0.0.5/- -").user == ""


def test_no_other_module_splits_squid_lines():
    # The helper and the matcher once each split lines themselves; now only squid.py does.
    splitters = [p.name for p in URLS.glob("*.py") if p.name != "squid.py"
                 and (re.search(r"parts\[0\]\.isdigit\(\)|\(\\d\+ \)", p.read_text()))]
    assert splitters == []
