"""``esafety mail ...``: the mail filter and the monitoring receiver.

    esafety mail filter --listen 127.0.0.1:10025 --next-hop 127.0.0.1:10026 --school SLUG
    esafety mail filter --milter --listen 127.0.0.1:10028 ...   # a milter instead
    esafety mail filter publish --school SLUG     # write the snapshot the filter reads
    esafety mail filter ingest --school SLUG      # load held messages and findings
    esafety mail monitor ...                      # the receiver of monitoring copies

Registered in esafety/cli.py ENGINE_COMMANDS. The filter itself never loads Django (it sits
in the mail server's path and must keep working when the database is slow or down);
publish and ingest are the web app's side and do.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

USAGE = ("usage: esafety mail filter [--milter] [--listen HOST:PORT --next-hop HOST:PORT] "
         "--school SLUG\n"
         "       esafety mail filter publish|ingest --school SLUG\n"
         "       esafety mail monitor ...")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "monitor":
        # The monitoring receiver lives in its own app; loaded only when asked for.
        server = importlib.import_module("esafety.mailmonitor.server")
        return int(server.main(argv[1:]) or 0)
    if argv[0] != "filter":
        print(f"esafety mail: unknown command {argv[0]!r}\n{USAGE}", file=sys.stderr)
        return 2
    rest = argv[1:]
    if rest and rest[0] in ("publish", "ingest"):
        return _web_side(rest[0], rest[1:])
    from esafety.mailfilter.server import main as filter_main

    return filter_main(rest)


def _web_side(what: str, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"esafety mail filter {what}")
    parser.add_argument("--school", required=True, metavar="SLUG")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esafety.settings")
    import django

    django.setup()
    from esafety.directory.models import School
    from esafety.errors import EsafetyError

    try:
        school = School.objects.by_slug(args.school)
    except EsafetyError as exc:
        print(f"esafety mail filter {what}: {exc}", file=sys.stderr)
        return 2
    if what == "publish":
        from esafety.mailfilter.publishing import publish

        print(f"published {publish(school)}")
        return 0
    from esafety.mailfilter.actions import ingest_events

    result = ingest_events(school)
    print(f"loaded {result.loaded} events: {result.held} held messages, {result.concerns} "
          f"concerns; {len(result.failed)} could not be loaded")
    for line in result.failed[:20]:
        print(f"  {line}", file=sys.stderr)
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
