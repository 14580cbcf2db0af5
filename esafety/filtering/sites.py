"""A site or page as someone typed it -> what the filter's lists match."""

from __future__ import annotations

from esafety.engine.urls.normalise import normalise_host, parse_target
from esafety.errors import InvalidInput

MAX_PATH = 500


def clean_host(text: str) -> str:
    """A site as typed (URL or host name) -> the host the lists match, or InvalidInput."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("enter a site, e.g. www.example.org", code="site-missing")
    target = parse_target(text if "://" in text else "http://" + text)
    host = normalise_host(target.host) if target else ""
    if not host or "." not in host.strip("[]") and not host.startswith("["):
        raise InvalidInput(f"{text[:100]!r} is not a web site address", code="site-invalid")
    return host[4:] if host.startswith("www.") else host


def clean_site(text: str) -> tuple[str, str]:
    """A site or page as typed -> (host, path). ``www.bbc.co.uk/bitesize`` gives
    ("bbc.co.uk", "/bitesize"); a bare site gives an empty path. The fragment (#...) is
    never sent to the filter, so it is dropped."""
    host = clean_host(text)
    raw = (text or "").strip().split("#", 1)[0]
    target = parse_target(raw if "://" in raw else "http://" + raw)
    stripped = target.stripped if target else ""
    cut = min((i for i in (stripped.find("/"), stripped.find("?")) if i >= 0), default=-1)
    path = stripped[cut:] if cut >= 0 else ""
    if path.startswith("?"):
        path = "/" + path
    path = path.rstrip("/") if "?" not in path else path
    if len(path) > MAX_PATH:
        raise InvalidInput(f"that page address is too long (at most {MAX_PATH} characters "
                           "after the site name)", code="path-long")
    return host, path
