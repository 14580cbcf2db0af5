"""The `esafety` console command.

Most sub-commands are Django management commands (`esafety import people ...` is
`manage.py import people ...`). A few engine commands sit on hot paths or must start
fast (the text classifier, the Squid helper), so they are dispatched straight to the
pure-Python engine without loading Django at all. `esafety help` lists both kinds.
"""

import importlib
import os
import sys

# name -> "module:function"; the function takes the remaining argv and returns an exit code.
ENGINE_COMMANDS: dict[str, str] = {
    # Communication checks: the classifier and the rulebook never load Django, so a mail
    # server can call them per message; check and scan load it only to read the school's
    # directory when a database exists.
    "classify": "esafety.engine.messages.cli:classify_main",
    "rules": "esafety.engine.messages.cli:rules_main",
    "check": "esafety.checks.cli:check_main",
    "scan": "esafety.checks.cli:scan_main",
    # Web filtering: `filter helper` is Squid's helper, started per proxy worker, so it never
    # loads Django; the other `filter` sub-commands hand over to it.
    "filter": "esafety.filtering.command_entry:main",
    # The school's mail: `mail filter` is Postfix's content filter and never loads Django;
    # `mail monitor` receives monitoring copies.
    "mail": "esafety.mailfilter.command_entry:main",
}

# One line each for `esafety help` (Django lists its own commands without a description).
ENGINE_HELP: dict[str, str] = {
    "check": "check one message or draft against the rulebook (--deploy: Django's checks)",
    "classify": "score texts for harmful content: JSON lines in, JSON lines out",
    "filter": "web filtering: decide a URL, publish the policy, ingest logs, Squid's helper",
    "mail": "the school's mail: `mail filter` (Postfix content filter), `mail monitor`",
    "rules": "list the communication rulebook, with each rule's policy clauses",
    "scan": "check a whole mailbox (mbox or Maildir) and summarise what it found",
}


def engine_help_text() -> str:
    width = max(map(len, ENGINE_HELP))
    lines = [f"    {name.ljust(width)}  {ENGINE_HELP[name]}" for name in sorted(ENGINE_HELP)]
    return ("\n[esafety] (messages and web filtering; `esafety help NAME` for options)\n"
            + "\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ENGINE_COMMANDS:
        return run_engine_command(argv[0], argv[1:])
    if len(argv) >= 2 and argv[0] == "help" and argv[1] in ENGINE_COMMANDS:
        return run_engine_command(argv[1], ["--help"])

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esafety.settings")
    from django.core.management import ManagementUtility

    class Utility(ManagementUtility):
        def main_help_text(self, commands_only: bool = False) -> str:
            text = super().main_help_text(commands_only)
            if commands_only:  # `esafety help --commands`: names only, one a line, sorted
                return "\n".join(sorted({*text.split(), *ENGINE_COMMANDS}))
            return text + "\n" + engine_help_text()

    Utility(["esafety", *argv]).execute()
    return 0


def run_engine_command(name: str, argv: list[str]) -> int:
    module_name, _, func_name = ENGINE_COMMANDS[name].partition(":")
    func = getattr(importlib.import_module(module_name), func_name)
    return int(func(argv) or 0)


if __name__ == "__main__":
    sys.exit(main())
