"""``esafety filter ...``: the helper starts without Django; everything else goes to Django.

Registered in esafety/cli.py ENGINE_COMMANDS. ``esafety filter helper`` must start fast and
never touch the database, so it is handed straight to the pure-Python engine.
"""

import os
import sys


def main(argv: list[str]) -> int:
    if argv and argv[0] == "helper":
        from esafety.engine.urls.helper import main as helper_main

        return helper_main(argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esafety.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["esafety", "filter", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
