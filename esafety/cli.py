"""The `esafety` console command.

Most sub-commands are Django management commands (`esafety import people ...` is
`manage.py import people ...`). A few engine commands sit on hot paths or must start
fast (the text classifier, the Squid helper), so they are dispatched straight to the
pure-Python engine without loading Django at all.
"""

import importlib
import os
import sys

# name -> "module:function"; the function takes the remaining argv and returns an exit code.
ENGINE_COMMANDS: dict[str, str] = {
    # Communication checks (issue 3): the classifier and the rulebook never load Django;
    # check and scan load it only to read the school's directory when a database exists.
    "classify": "esafety.engine.messages.cli:classify_main",
    "rules": "esafety.engine.messages.cli:rules_main",
    "check": "esafety.checks.cli:check_main",
    "scan": "esafety.checks.cli:scan_main",
    # Web filtering (issue 4): `filter helper` never loads Django; the rest hands over to it.
    "filter": "esafety.filtering.command_entry:main",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ENGINE_COMMANDS:
        module_name, _, func_name = ENGINE_COMMANDS[argv[0]].partition(":")
        func = getattr(importlib.import_module(module_name), func_name)
        return int(func(argv[1:]) or 0)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esafety.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["esafety", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
