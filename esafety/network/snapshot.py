"""The network's part of the filter's snapshot: who is refused, who must accept the AUP
first, what an unidentified computer gets, and where to sign in.

`policy_keys` is merged into policy.json by `esafety.filtering.publish.build_policy`;
`bindings_document` is the content of bindings.json. Both are read by the helpers at the
network (esafety/engine/urls), which never query the database.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.urls import reverse
from django.utils import timezone

from esafety.directory.models import School
from esafety.identity import selectors as identity_selectors
from esafety.identity.models import ENTRA, GOOGLE
from esafety.network import selectors

BINDINGS_FORMAT = 1


def site_origin(block_page: str) -> str:
    """Where the school's browsers reach esafety: the block page's scheme and host."""
    parts = urlsplit(block_page)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return "http://127.0.0.1:8000"


def portal_url(origin: str, school: School, name: str) -> str:
    return f"{origin}{reverse(name)}?{urlencode({'school': school.slug})}"


def web_hosts(school: School, origin: str) -> list[str]:
    """esafety's own host and the school's sign-in hosts: always reachable, so anyone can
    sign in and accept the AUP."""
    hosts = {urlsplit(origin).hostname or ""}
    hosts.update(selectors.settings_for(school).web_host_list)
    hosts.update(_identity_hosts(school))
    return sorted(h for h in hosts if h)


# What a browser loads while signing in with Microsoft or Google, besides the issuer's host.
PROVIDER_HOSTS = {
    ENTRA: ["login.microsoftonline.com", "login.live.com", "aadcdn.msftauth.net",
            "aadcdn.msauth.net", "logincdn.msftauth.net"],
    GOOGLE: ["accounts.google.com", "ssl.gstatic.com", "www.gstatic.com", "fonts.gstatic.com"],
}


def _identity_hosts(school: School) -> list[str]:
    """The hosts of the school's identity provider, when it has one switched on."""
    sign_in = identity_selectors.sign_in_for(school)
    if sign_in is None or not sign_in.ready:
        return []
    hosts = list(PROVIDER_HOSTS.get(sign_in.kind, []))
    issuer_host = urlsplit(sign_in.expected_issuer).hostname
    if issuer_host:
        hosts.append(issuer_host.lower())
    return hosts


def policy_keys(school: School, block_page: str) -> dict[str, Any]:
    origin = site_origin(block_page)
    return {
        "refused": selectors.refused_people(school),
        "aup_pending": selectors.aup_pending(school),
        "unidentified": selectors.settings_for(school).unidentified,
        "signin_page": portal_url(origin, school, "network:signin"),
        "aup_page": portal_url(origin, school, "network:aup"),
        "web_hosts": web_hosts(school, origin),
    }


def bindings_document(school: School, version: int) -> dict[str, Any]:
    now = timezone.now()
    bindings = {}
    for binding in selectors.live_bindings(school, now):
        bindings[binding.address] = {"user": binding.person.username,
                                     "until": int(binding.ends.timestamp())}
    return {"format": BINDINGS_FORMAT, "version": version, "written_at": int(time.time()),
            "bindings": bindings}
