"""Build a realistic Squid url_rewrite request stream from UT1 and benign domains.

Shared by the filtering benchmarks. Deterministic for a given seed. Lines look like what
Squid 5 sends without concurrency: ``URL client-ip/fqdn user method myip=... myport=...``.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UT1 = REPO.parent / "shared" / "data" / "urls" / "ut1"
BENIGN = REPO.parent / "shared" / "data" / "urls" / "benign"

PATHS = ["/", "/index.html", "/news/today", "/search?q=homework", "/img/logo.png",
         "/watch?v=abc123", "/a/b/c/d.js", "/login", "/static/site.css", "/forum/thread/42"]
PREFIXES = ["", "", "", "www.", "m.", "cdn.", "WWW.", "img2."]


def _read(path: Path) -> list[str]:
    out = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#") and " " not in line:
                out.append(line)
    return out


def load_sources(ut1: Path = UT1, benign: Path = BENIGN):
    domains, urls = [], []
    for name in sorted(os.listdir(ut1)):
        folder = ut1 / name
        if not folder.is_dir():
            continue
        if (folder / "domains").is_file():
            domains.extend(_read(folder / "domains"))
        if (folder / "urls").is_file():
            urls.extend(_read(folder / "urls"))
    good = []
    for name in sorted(os.listdir(benign)):
        good.extend(_read(benign / name))
    return domains, urls, good


def make_stream(count: int, seed: int = 2026, sources=None,
                users: list[str] | None = None) -> list[str]:
    """`count` request lines: ~45% listed domains, ~10% listed URLs, ~45% benign domains,
    with subdomains, ports, upper case, CONNECT lines and a few malformed lines mixed in.

    With `users`, each line carries one of them as Squid's user field ("-" for none), drawn
    from a second generator, so the URLs are the same lines as without users."""
    rng = random.Random(seed)
    who = random.Random(seed + 1)
    domains, urls, good = sources or load_sources()
    lines = []
    for _ in range(count):
        roll = rng.random()
        client = f"10.0.{rng.randrange(4)}.{rng.randrange(1, 250)}/-"
        user = who.choice(users) if users else "-"
        if roll < 0.45:
            host = rng.choice(PREFIXES) + rng.choice(domains)
            url = f"http://{host}{rng.choice(PATHS)}"
        elif roll < 0.55:
            url = "http://" + rng.choice(urls) + rng.choice(["", "/", "/page2", "?x=1"])
        else:
            host = rng.choice(PREFIXES) + rng.choice(good)
            url = f"http://{host}{rng.choice(PATHS)}"
        kind = rng.random()
        if kind < 0.08:  # HTTPS without interception: Squid sends host:port and CONNECT
            host = url.split("/")[2]
            lines.append(f"{host}:443 {client} {user} CONNECT myip=127.0.0.1 myport=3128")
            continue
        if kind < 0.10:
            parts = url.split("/", 3)
            url = f"{parts[0]}//{parts[2]}:8080/" + (parts[3] if len(parts) > 3 else "")
        lines.append(f"{url} {client} {user} GET myip=127.0.0.1 myport=3128")
    return lines
