"""``python -m esafety.engine.urls helper ...``: the helper without the esafety CLI."""

import sys

from esafety.engine.urls.helper import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "helper":
        args = args[1:]
    sys.exit(main(args))
