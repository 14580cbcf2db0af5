"""``esafety filter ...``: the helper starts without Django; everything else goes to Django.

Registered in esafety/cli.py ENGINE_COMMANDS. ``esafety filter helper`` and ``esafety filter
whois`` are run by Squid (as its own user, which cannot read the web app's secrets): they
must start fast and never touch Django or the database, so they go straight to the
pure-Python engine.
"""

import os
import sys


def main(argv: list[str]) -> int:
    if argv and argv[0] == "helper":
        from esafety.engine.urls.helper import main as helper_main

        return helper_main(argv[1:])
    if argv and argv[0] == "whois":
        from esafety.engine.urls.whois import main as whois_main

        return whois_main(argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esafety.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["esafety", "filter", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
